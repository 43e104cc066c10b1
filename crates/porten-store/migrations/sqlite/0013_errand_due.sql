-- The resolution due time of an errand's SLA clock, and when it becomes
-- "breaching soon" (issue 19): kept by the durable feed consumer `sla`
-- from the timeline; NULL while the clock stands still or has stopped.
ALTER TABLE errands ADD COLUMN due_at INTEGER;
ALTER TABLE errands ADD COLUMN warn_at INTEGER;
CREATE INDEX errands_by_due ON errands (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX errands_by_unit_due ON errands (unit_code, due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX errands_by_warn ON errands (warn_at) WHERE warn_at IS NOT NULL;
