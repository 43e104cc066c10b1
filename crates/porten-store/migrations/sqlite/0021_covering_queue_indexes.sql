-- Issue 19: an agent's queue counts read their index alone. An agent sees
-- every unit's errands but not other units' confidential ones, so each
-- capped count checked the secrecy marking in the table, a thousand rows
-- (1.5–8 ms each at a million errands); with the unit and the marking (and
-- the warning time, for the breaching queue) in the queues' partial
-- indexes, a count reads 0.1 ms of index.
DROP INDEX errands_active_by_due;
CREATE INDEX errands_active_by_due ON errands (due_key, id, warn_at, unit_code, confidential) WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
DROP INDEX errands_waiting_for_citizen;
CREATE INDEX errands_waiting_for_citizen ON errands (created_at, id, unit_code, confidential) WHERE lifecycle = 'waiting_for_citizen';
DROP INDEX errands_open_by_assignee;
CREATE INDEX errands_open_by_assignee ON errands (assignee_id, due_key, id, unit_code, confidential) WHERE assignee_id IS NOT NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
