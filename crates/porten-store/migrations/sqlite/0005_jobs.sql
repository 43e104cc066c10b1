-- Background jobs with leases (the job runner). A node claims a due job by
-- setting lease_owner and lease_until; a job whose lease has expired (its
-- node died) is claimed again by another node. Keep in step with
-- migrations/postgres/0005_jobs.sql.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    -- Set for a job that exists at most once (a recurring job).
    unique_key    TEXT UNIQUE,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    last_error    TEXT,
    lease_owner   TEXT,
    lease_until   INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
