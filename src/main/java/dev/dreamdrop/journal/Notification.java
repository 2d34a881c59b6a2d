package dev.dreamdrop.journal;

import java.util.List;

/**
 * What a set's manifest asked for about email.
 *
 * @param emails   the set's {@code notify_email} addresses, possibly none
 * @param statuses the set's {@code notify_statuses}, or null to use the configured ones
 */
public record Notification(List<String> emails, List<String> statuses) {
}
