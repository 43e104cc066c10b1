-- Issue 19: the documents of decisions (PDFs the citizen sees), by errand.
-- Their content is in `attachments`, which the purge of expired drafts'
-- files leaves alone while a row here refers to it.
CREATE TABLE errand_documents (
    errand_id   INTEGER NOT NULL REFERENCES errands(id),
    sha256      TEXT NOT NULL REFERENCES attachments(sha256),
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (errand_id, sha256)
);
CREATE INDEX errand_documents_by_file ON errand_documents (sha256);
