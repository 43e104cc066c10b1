-- Issue 20: the audit-log viewer filters by person (newest first).
-- Keep in step with migrations/sqlite/0025_audit_viewer.sql.
CREATE INDEX audit_by_actor ON audit_log (actor_id, id) WHERE actor_kind = 'user';
