-- Where each job's original photos are once its set left the inbox (the archive or failed folder, or their bucket
-- prefixes), and when they were deleted for good (dreamdrop.retention.photos). A row is reserved by one replica at a
-- time while its photos are deleted.
CREATE TABLE job_photos (
    job_id VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES jobs (id),
    location VARCHAR(1024),
    deleted_at TIMESTAMP,
    reserved_by VARCHAR(128),
    reserved_until TIMESTAMP
);
CREATE INDEX job_photos_kept ON job_photos (deleted_at);
