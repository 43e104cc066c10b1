-- Automatic assignment (issue 19): a unit's strategy and cap as JSON
-- (`porten_domain::assignment::Routing`), and each staff member's
-- availability and last automatic assignment, for round-robin.
ALTER TABLE units ADD COLUMN routing TEXT NOT NULL DEFAULT '{}';
CREATE TABLE staff_presence (
    user_id           BIGINT PRIMARY KEY REFERENCES users(id),
    present           BOOLEAN NOT NULL,
    since             BIGINT NOT NULL,
    last_assigned_at  BIGINT
);
-- Each person's active errands, counted against the unit's cap.
CREATE INDEX errands_open_by_assignee ON errands (assignee_id)
    WHERE assignee_id IS NOT NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
-- The queue automatic assignment hands out: a unit's active errands nobody holds.
CREATE INDEX errands_waiting ON errands (unit_code, urgency, created_at, id)
    WHERE assignee_id IS NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
