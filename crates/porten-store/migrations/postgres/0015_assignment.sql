-- Issue 19: automatic assignment, and queues that stay fast at a million
-- errands.
--
-- A unit's assignment strategy and cap as JSON
-- (`porten_domain::assignment::Routing`), and each staff member's
-- availability and last automatic assignment, for round-robin.
ALTER TABLE units ADD COLUMN routing TEXT NOT NULL DEFAULT '{}';
CREATE TABLE staff_presence (
    user_id           BIGINT PRIMARY KEY REFERENCES users(id),
    present           BOOLEAN NOT NULL,
    since             BIGINT NOT NULL,
    last_assigned_at  BIGINT
);

-- The due order's key: the due time, and errands without a running clock
-- last (the largest BIGINT, as a list cursor writes it), so one index
-- serves the order, nulls included.
ALTER TABLE errands ADD COLUMN due_key BIGINT GENERATED ALWAYS AS (COALESCE(due_at, 9223372036854775807)) STORED;
DROP INDEX errands_by_due;
DROP INDEX errands_by_unit_due;
CREATE INDEX errands_by_due ON errands (due_key, id);
CREATE INDEX errands_by_unit_due ON errands (unit_code, due_key, id);
CREATE INDEX errands_by_unit_created ON errands (unit_code, created_at, id);

-- The active errands (a few per cent of all) have indexes of their own for
-- the queues: every list with the active filter names the same states, so
-- these partial indexes serve it in order, and counts stop early.
CREATE INDEX errands_active_by_created ON errands (created_at, id) WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
CREATE INDEX errands_active_by_unit ON errands (unit_code, created_at, id) WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
CREATE INDEX errands_active_by_state ON errands (lifecycle, created_at, id) WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
CREATE INDEX errands_active_by_due ON errands (due_key, id) WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
CREATE INDEX errands_active_by_unit_due ON errands (unit_code, due_key, id) WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
-- Each person's active errands: their queue by due time, and the count
-- against the unit's cap.
CREATE INDEX errands_open_by_assignee ON errands (assignee_id, due_key, id) WHERE assignee_id IS NOT NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
-- The queue automatic assignment hands out: a unit's active errands nobody holds.
CREATE INDEX errands_waiting ON errands (unit_code, urgency, created_at, id)
    WHERE assignee_id IS NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
