-- Images (thumbnails, contact sheets, sample previews) as H2 BLOBs, kept beside the table's rows (${bytes}, see
-- Journal.migrate): H2 keeps a VARBINARY inside the pages of its table and writes it again each time one of those
-- pages changes, so every thumbnail or sheet added rewrote its neighbours' too (a journal of 400 contact sheets of
-- 100 KB took 340 MB, 105 MB as BLOBs, before compaction). PostgreSQL's bytea is kept out of line already (TOAST):
-- the type stays as it is there.
ALTER TABLE job_thumbnails ALTER COLUMN jpeg SET DATA TYPE ${bytes};
ALTER TABLE contact_sheets ALTER COLUMN jpeg SET DATA TYPE ${bytes};
ALTER TABLE samples ALTER COLUMN preview SET DATA TYPE ${bytes};
