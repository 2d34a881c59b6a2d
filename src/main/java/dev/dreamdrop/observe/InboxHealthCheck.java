package dev.dreamdrop.observe;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The inbox folder exists, can be written to (sets are moved out of it), and its disk has room. */
public class InboxHealthCheck extends AbstractHealthCheck {

    private final Path inbox;
    private final long minFreeBytes;

    public InboxHealthCheck(Path inbox, long minFreeBytes) {
        super("dreamdrop", "inbox");
        this.inbox = inbox;
        this.minFreeBytes = minFreeBytes;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("inbox", inbox.toString());
        if (!Files.isDirectory(inbox)) {
            builder.down().message("the inbox folder " + inbox + " does not exist");
            return;
        }
        if (!Files.isWritable(inbox)) {
            builder.down().message("the inbox folder " + inbox + " is not writable");
            return;
        }
        try {
            long free = Files.getFileStore(inbox).getUsableSpace();
            builder.detail("free_bytes", free);
            if (free < minFreeBytes) {
                builder.down().message("only " + free / 1_000_000 + " MB free on the inbox's disk");
                return;
            }
        } catch (IOException e) {
            builder.down().message("cannot read the inbox's disk space: " + e.getMessage());
            return;
        }
        builder.up();
    }
}
