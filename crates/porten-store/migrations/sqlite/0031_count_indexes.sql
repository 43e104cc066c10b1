-- Issue 19: the queue counts above an agent's list read a thousand table
-- rows each at 10⁶ errands (2–9 ms apiece, 9–19 ms for the seven), for the
-- secrecy marking that decides whether the agent may count an errand. Each
-- index here holds that marking, so a count reads its index alone:
-- - all active errands: 1.9 ms to 0.25;
-- - my errands: 8.8 ms to 0.17;
-- - breaching soon: 8.4 ms to 0.36.
-- An index of one column, because this SQLite (3.50) takes, between
-- indexes that serve a statement equally, the one with fewer columns;
-- a count reads the table only for a confidential errand, whose unit then
-- decides. Keep in step with migrations/postgres/0031_count_indexes.sql.
CREATE INDEX errands_active_access ON errands (confidential)
    WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
CREATE INDEX errands_assigned_access ON errands (assignee_id, confidential)
    WHERE assignee_id IS NOT NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
CREATE INDEX errands_active_warning ON errands (warn_at, confidential)
    WHERE warn_at IS NOT NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
