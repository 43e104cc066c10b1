-- Contacts logged by the contact center (kontaktlogg): one row per phone
-- call, visit, e-mail or chat handled, with what it was about and how it
-- ended, but no personal data. The third source of measured volumes for
-- dimensioning, and the service mix for channel-shift scenarios. Keep in
-- step with migrations/postgres/0003_contact_log.sql.
CREATE TABLE contact_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT NOT NULL,
    service_code    TEXT REFERENCES services(code),
    tech_help       BOOLEAN NOT NULL,
    outcome         TEXT NOT NULL,
    handle_seconds  INTEGER,
    started_at      INTEGER NOT NULL,
    agent_id        INTEGER REFERENCES users(id)
);
CREATE INDEX contact_log_by_start ON contact_log (started_at);
CREATE INDEX contact_log_by_agent ON contact_log (agent_id, started_at DESC);
