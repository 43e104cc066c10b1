-- Issue 21: an external actor's POST honours an Idempotency-Key header. The
-- key is kept with the errand it registered, in the registration's own
-- savepoint, so a retry (or two racing ones) registers nothing twice and
-- gets the first errand back. Keep in step with
-- migrations/sqlite/0032_idempotency_keys.sql.
CREATE TABLE idempotency_keys (
    api_key_id  BIGINT NOT NULL REFERENCES api_keys(id),
    key         TEXT NOT NULL,
    errand_id   BIGINT NOT NULL REFERENCES errands(id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
