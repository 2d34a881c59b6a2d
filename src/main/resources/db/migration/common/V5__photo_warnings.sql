-- What the photo check found in a set's photos (no face, a second person, a small face): JSON, an array of
-- {file, warning}; shown in status.json, the dashboard and the first email.
ALTER TABLE jobs ADD COLUMN photo_warnings TEXT;
