-- Issue 19: two indexes drew SQLite's planner away from the queues' own
-- partial indexes at a million errands. The index by state served
-- `lifecycle IN (…)` as four lookups, then sorted every active errand for
-- the due order (35 ms, where the queue's index answers in 0.1 ms); the
-- index by warning time did the same for the breaching queue when few rows
-- were asked for (40–110 ms). Both queues read the due order's partial
-- index, in which breaching errands come first. The one queue by state,
-- waiting for the citizen, gets a partial index of its own (the state is
-- written as a literal), and a unit's count of unassigned errands one it
-- reads alone (5 ms through the index by unit and state, 0.1 with it).
DROP INDEX errands_active_by_state;
DROP INDEX errands_by_warn;
CREATE INDEX errands_waiting_for_citizen ON errands (created_at, id) WHERE lifecycle = 'waiting_for_citizen';
CREATE INDEX errands_unassigned_by_unit ON errands (unit_code, lifecycle) WHERE assignee_id IS NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
