-- Several replicas on one journal: who works on a claimed job, who is alive, who polled a training last,
-- where a set is being moved to (so that a move finished by another replica ends in the same place), and
-- whether a submission's call to the API had begun (if not, a replica taking it over may make the call).
ALTER TABLE jobs ADD COLUMN owner VARCHAR(128);
ALTER TABLE jobs ADD COLUMN api_called_at TIMESTAMP;
ALTER TABLE jobs ADD COLUMN polled_at TIMESTAMP;
ALTER TABLE jobs ADD COLUMN moved_to VARCHAR(1024);
CREATE TABLE replicas (
    id VARCHAR(128) PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL
);
