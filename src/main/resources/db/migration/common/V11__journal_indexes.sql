-- Every query on a hot path served by an index, whatever the journal's size (JournalTest asks the database for the
-- plans): the operator view's pages, newest first or by status; a set name's latest job and unfinished move (each
-- scan of an inbox); the jobs ended before a retention.
CREATE INDEX jobs_newest ON jobs (created_at, id);
CREATE INDEX jobs_by_status ON jobs (status, created_at);
CREATE INDEX jobs_by_set ON jobs (source, set_name, created_at);
CREATE INDEX jobs_by_update ON jobs (updated_at);
DROP INDEX IF EXISTS jobs_status;
