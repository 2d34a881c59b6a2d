-- Several replicas on one journal: who works on a claimed job, who is alive, who polled a training last, and
-- where a set is being moved to (so that a move finished by another replica ends in the same place).
ALTER TABLE jobs ADD COLUMN owner VARCHAR(128);
ALTER TABLE jobs ADD COLUMN polled_at TIMESTAMP;
ALTER TABLE jobs ADD COLUMN moved_to VARCHAR(1024);
CREATE TABLE replicas (
    id VARCHAR(128) PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL
);
