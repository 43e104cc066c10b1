-- Issue 20: e-mail intake and replies. Each errand's thread of mail by
-- Message-ID (what Porten sent and what it took in), so that a reply finds
-- its errand; an inbound mail's dedupe key, so that it is never taken in
-- twice; and the threading headers of outbox mail. An errand opened by
-- mail has a row in eservice_submissions with version 0 (no form): its
-- tracking link and its attachments. Keep in step with
-- migrations/postgres/0022_mail_intake.sql.
CREATE TABLE mail_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    errand_id   INTEGER NOT NULL REFERENCES errands(id),
    message_id  TEXT NOT NULL,
    inbound     BOOLEAN NOT NULL,
    dedupe_key  TEXT UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX mail_messages_by_message_id ON mail_messages (message_id);
CREATE INDEX mail_messages_by_errand ON mail_messages (errand_id, id);
ALTER TABLE mail_outbox ADD COLUMN message_id TEXT;
ALTER TABLE mail_outbox ADD COLUMN in_reply_to TEXT;
ALTER TABLE mail_outbox ADD COLUMN auto_submitted TEXT;
