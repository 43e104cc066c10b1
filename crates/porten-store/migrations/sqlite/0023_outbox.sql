-- Issue 20: the outbox an administrator sees (/staff/outbox). Each mail's
-- delivery job and the errand it is about; when an administrator gave it
-- up, or the relay refused it for good (a 5xx answer), and why. Keep in
-- step with migrations/postgres/0023_outbox.sql.
ALTER TABLE mail_outbox ADD COLUMN job_id INTEGER;
ALTER TABLE mail_outbox ADD COLUMN errand_id INTEGER REFERENCES errands(id);
ALTER TABLE mail_outbox ADD COLUMN given_up_at INTEGER;
ALTER TABLE mail_outbox ADD COLUMN refused TEXT;
CREATE INDEX mail_outbox_waiting ON mail_outbox (created_at, id)
    WHERE sent_at IS NULL AND given_up_at IS NULL AND refused IS NULL;
