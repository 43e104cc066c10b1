-- Issue 19: the queue counts on PostgreSQL at 10⁶ errands. A capped count
-- reads its index alone only where the visibility map says the heap pages
-- are all visible; after a day's updates to errands (an SLA recompute, a
-- wave of alerts) autovacuum's default threshold (a fifth of the table)
-- left them unmarked, and each count read a thousand heap rows (4–13 ms
-- instead of 0.3–0.6). The errands table is therefore vacuumed after a
-- hundredth of it changed. The unassigned queue's count had no index
-- holding the secrecy marking (a bitmap heap scan, 8 ms after vacuum);
-- this one serves it from the index alone. Keep in step with
-- migrations/sqlite/0031_count_indexes.sql.
ALTER TABLE errands SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01,
    autovacuum_analyze_scale_factor = 0.02);
CREATE INDEX IF NOT EXISTS errands_unassigned_access ON errands (confidential, unit_code)
    WHERE assignee_id IS NULL AND lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
