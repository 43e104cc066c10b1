-- Issue 20: supervisors' reports count the errands resolved in a period.
-- Keep in step with migrations/postgres/0024_reports.sql.
CREATE INDEX errands_by_resolved ON errands (resolved_at) WHERE resolved_at IS NOT NULL;
