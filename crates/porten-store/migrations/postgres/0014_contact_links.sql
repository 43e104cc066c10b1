-- A logged contact linked to the errand it concerned or led to, and the
-- knowledge article that answered it on the spot (issue 19): first-contact
-- resolution becomes measurable.
ALTER TABLE contact_log ADD COLUMN errand_id BIGINT REFERENCES errands(id);
ALTER TABLE contact_log ADD COLUMN article_slug TEXT;
CREATE INDEX contact_log_by_errand ON contact_log (errand_id) WHERE errand_id IS NOT NULL;
