-- Issue 19: notices to staff (an errand assigned to them, the citizen's
-- answer, SLA warnings and breaches), in their workspace and, if they
-- choose, by e-mail. One notice per person and timeline event, so the
-- feed consumer that writes them can see a change twice.
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    errand_id   INTEGER NOT NULL REFERENCES errands(id),
    event_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    seen_at     INTEGER,
    UNIQUE (user_id, event_id)
);
CREATE INDEX notices_by_user ON notices (user_id, at, id);
CREATE INDEX notices_unseen ON notices (user_id, errand_id) WHERE seen_at IS NULL;
ALTER TABLE users ADD COLUMN notify_by_email BOOLEAN NOT NULL DEFAULT FALSE;
