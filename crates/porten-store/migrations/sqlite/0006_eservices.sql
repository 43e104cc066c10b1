-- E-services: drafts, submissions with their attachments, citizens signed
-- in with e-ID, and the mail outbox. Keep in step with
-- migrations/postgres/0006_eservices.sql.

-- A citizen signed in with e-ID is the person (party) with that personnummer.
ALTER TABLE users ADD COLUMN party_id INTEGER REFERENCES parties(id);
CREATE UNIQUE INDEX users_by_party ON users (party_id);

-- Uploaded files, content-addressed: the same file is stored once.
CREATE TABLE attachments (
    sha256      TEXT PRIMARY KEY,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

-- A form being filled in. The id is an unguessable token: who holds it may
-- resume the draft. Answers and files are JSON.
CREATE TABLE eservice_drafts (
    id                TEXT PRIMARY KEY,
    service_code      TEXT NOT NULL,
    version           INTEGER NOT NULL,
    answers           TEXT NOT NULL,
    files             TEXT NOT NULL,
    owner_id          INTEGER REFERENCES users(id),
    assisted_by       INTEGER REFERENCES users(id),
    assisted_channel  TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL
);
CREATE INDEX eservice_drafts_by_owner ON eservice_drafts (owner_id);
CREATE INDEX eservice_drafts_by_expiry ON eservice_drafts (expires_at);

-- How an errand came in through an e-service: the definition version, the
-- tracking token (an unguessable link that needs no login), the draft it
-- was submitted from (a second submit finds it), and who assisted.
CREATE TABLE eservice_submissions (
    errand_id       INTEGER PRIMARY KEY REFERENCES errands(id),
    service_code    TEXT NOT NULL,
    version         INTEGER NOT NULL,
    tracking_token  TEXT NOT NULL UNIQUE,
    draft_id        TEXT NOT NULL UNIQUE,
    owner_id        INTEGER REFERENCES users(id),
    assisted_by     INTEGER REFERENCES users(id),
    submitted_at    INTEGER NOT NULL
);
CREATE INDEX eservice_submissions_by_owner ON eservice_submissions (owner_id);

CREATE TABLE errand_attachments (
    errand_id   INTEGER NOT NULL REFERENCES errands(id),
    position    INTEGER NOT NULL,
    field       TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES attachments(sha256),
    PRIMARY KEY (errand_id, position)
);
CREATE INDEX errand_attachments_by_file ON errand_attachments (sha256);

-- Mail waiting to go out; a `mail.send` job delivers each one.
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
