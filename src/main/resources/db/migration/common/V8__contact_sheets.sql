-- The contact sheet of each submitted set (results/<set>/photos.jpg): the crops exactly as sent, in a grid, each
-- labelled with its file name, the warned ones marked. Kept here for the results sink, the first email and the
-- dashboard, as the thumbnails are, after the prepared photos themselves are deleted.
CREATE TABLE contact_sheets (
    job_id VARCHAR(36) NOT NULL PRIMARY KEY REFERENCES jobs (id),
    jpeg ${bytes} NOT NULL
);
