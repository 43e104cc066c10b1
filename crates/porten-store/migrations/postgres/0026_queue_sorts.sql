-- Issue 19's scale goal for the queues' other sorts: "waiting for the
-- citizen" by due time, and "my errands" oldest first. Each had no index
-- that serves it at 10⁶ errands (50–107 and 16–45 ms at p99 on SQLite).
-- Keep in step with migrations/sqlite/0026_queue_sorts.sql.
CREATE INDEX errands_waiting_by_due ON errands (due_key, id, unit_code, confidential)
    WHERE lifecycle = 'waiting_for_citizen';
CREATE INDEX errands_open_by_assignee_created ON errands (assignee_id, created_at, id, unit_code, confidential)
    WHERE assignee_id IS NOT NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
