-- Status changes leave the journal through an outbox: each event's row is written in the same transaction as the
-- event, so a crash between the journal and the sinks (results, mail outbox, image clean-up) loses nothing; the
-- status router marks a row done once every sink has it. reserved_by names the instance routing a row (or sending an
-- email) right now: its reservation lapses when that instance's heartbeat does, and it releases its own at restart.
CREATE TABLE status_outbox (
    event_id BIGINT PRIMARY KEY REFERENCES job_events (id),
    job_id VARCHAR(36) NOT NULL REFERENCES jobs (id),
    state VARCHAR(16) NOT NULL,
    attempts INT DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    reserved_by VARCHAR(128),
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP
);
CREATE INDEX status_outbox_due ON status_outbox (state, next_attempt_at);
CREATE INDEX status_outbox_job ON status_outbox (job_id, state);
ALTER TABLE mail_outbox ADD COLUMN reserved_by VARCHAR(128);
