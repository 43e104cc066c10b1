-- Background jobs with leases (the job runner). A node claims a due job by
-- setting lease_owner and lease_until; a job whose lease has expired (its
-- node died) is claimed again by another node. Claims use
-- FOR UPDATE SKIP LOCKED. Keep in step with migrations/sqlite/0005_jobs.sql.
CREATE TABLE jobs (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    -- Set for a job that exists at most once (a recurring job).
    unique_key    TEXT UNIQUE,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_at        BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL,
    last_error    TEXT,
    lease_owner   TEXT,
    lease_until   BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
