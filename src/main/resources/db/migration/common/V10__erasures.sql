-- A job's data deleted for good: on an operator's request (scope 'everything': the training cancelled, the model and
-- the vendor-hosted photos deleted at the training API, the photos, results, emails and details in the journal),
-- or when its results' retention ends (scope 'results'). Worked step by step from here, each step recorded as it is
-- done, so a crash or another replica finishes what was begun. Once done, the row is the job's tombstone: what was
-- deleted and when, never the photos or the prompts.
CREATE TABLE erasures (
    job_id VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES jobs (id),
    scope VARCHAR(16) NOT NULL,
    state VARCHAR(16) NOT NULL,
    steps_done VARCHAR(256) DEFAULT '' NOT NULL,
    attempts INT DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    reserved_by VARCHAR(128),
    last_error TEXT,
    deleted TEXT DEFAULT '' NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP
);
CREATE INDEX erasures_due ON erasures (state, next_attempt_at);
