package dev.dreamdrop.journal;

import javax.sql.DataSource;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How replicas share the rows of an outbox (status changes to route, emails to send) without working on one twice
 * at once: a row is reserved by naming its instance in {@code reserved_by} and pushing {@code next_attempt_at} past
 * the work's longest plausible duration. A reservation lapses when its instance's heartbeat is older than the
 * lease (the replica died), and an instance that restarts releases its own at once: a row is never stuck behind a
 * dead process for longer than the lease.
 */
public final class Reservations {

    private final String instanceId;
    private final Duration lease;

    public Reservations(String instanceId, Duration lease) {
        this.instanceId = instanceId;
        this.lease = lease;
    }

    public String instanceId() {
        return instanceId;
    }

    /**
     * The SQL condition for a row (of a table aliased {@code alias}) that may be taken now: pending, and due, or
     * reserved by a replica that is no longer alive. Its parameters: {@link #dueParameters}.
     */
    public static String due(String alias) {
        return dueIn(alias, "'pending'");
    }

    /** As {@link #due}, for rows worked in several states: {@code states} a list of quoted states, {@code 'a', 'b'}. */
    public static String dueIn(String alias, String states) {
        return alias + ".state IN (" + states + ") AND (" + alias + ".next_attempt_at <= ? OR " + heldByTheDead(alias)
                + ")";
    }

    /**
     * The SQL condition for a row reserved by another replica that is no longer alive. Its parameters: the last two
     * of {@link #dueParameters}.
     */
    public static String heldByTheDead(String alias) {
        return "(" + alias + ".reserved_by IS NOT NULL AND " + alias + ".reserved_by <> ? AND NOT EXISTS (SELECT 1 FROM"
                + " replicas r WHERE r.id = " + alias + ".reserved_by AND r.heartbeat_at >= ?))";
    }

    public List<Object> dueParameters(Instant now) {
        return List.of(Timestamp.from(now), instanceId, Timestamp.from(now.minus(lease)));
    }

    /** Rows this instance had reserved before it (re)started are due again now: that process is gone. */
    public int releaseOwn(DataSource dataSource, String table) {
        return Sql.update(dataSource, table, "UPDATE " + table + " SET reserved_by = NULL, next_attempt_at = ?"
                + " WHERE reserved_by = ? AND state = 'pending'", Timestamp.from(Instant.now()), instanceId);
    }
}
