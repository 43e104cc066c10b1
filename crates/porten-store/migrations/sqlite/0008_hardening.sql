-- Issue 17: receipts are limited per recipient (its address normalised)
-- and, for visitors not signed in, by an hourly budget; one receipt per
-- recipient and errand.
ALTER TABLE mail_outbox ADD COLUMN recipient_key TEXT;
ALTER TABLE mail_outbox ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mail_outbox ADD COLUMN receipt_of INTEGER REFERENCES errands(id);
CREATE INDEX mail_outbox_by_recipient ON mail_outbox (recipient_key, created_at);
CREATE INDEX mail_outbox_anonymous ON mail_outbox (created_at) WHERE anonymous = 1;
CREATE UNIQUE INDEX mail_outbox_one_receipt ON mail_outbox (receipt_of, recipient_key);
