-- Issue 21: an external actor's POST honours an Idempotency-Key header. The
-- key is kept with the errand it registered, in the registration's own
-- savepoint, so a retry (or two racing ones) registers nothing twice and
-- gets the first errand back. Keep in step with
-- migrations/postgres/0032_idempotency_keys.sql.
CREATE TABLE idempotency_keys (
    api_key_id  INTEGER NOT NULL REFERENCES api_keys(id),
    key         TEXT NOT NULL,
    errand_id   INTEGER NOT NULL REFERENCES errands(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
