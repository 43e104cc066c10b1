-- Issue 19: the two queue sorts that still missed 25 ms at 10⁶ errands on
-- SQLite. Its planner (3.50) chose, between indexes that serve a query
-- equally, the one with fewer columns:
-- - "my errands, oldest first" read the assignee's every errand in
--   creation order (errands_by_assignee, 3 columns) past years of closed
--   ones, instead of the active ones (0026's index had 5 columns): 25–62 ms
--   for the statement, 0.04 ms with this narrower index;
-- - a unit's waiting queue by due time read the unit's every active errand
--   (errands_active_by_unit_due), where waiting errands sort last: 17–20
--   ms, 0.05 ms with an index of the unit's waiting errands.
-- Keep in step with migrations/postgres/0028_narrow_queue_indexes.sql.
DROP INDEX errands_open_by_assignee_created;
CREATE INDEX errands_open_by_assignee_created ON errands (assignee_id, created_at, id)
    WHERE assignee_id IS NOT NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
CREATE INDEX errands_waiting_by_unit_due ON errands (unit_code, due_key, id)
    WHERE lifecycle = 'waiting_for_citizen';
