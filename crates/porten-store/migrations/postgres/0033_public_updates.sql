-- Issue 21: Open311's service request updates (mySociety's
-- servicerequestupdates) list the status changes of public reports in a
-- period, newest last; this index serves that period without reading the
-- whole timeline. Keep in step with migrations/sqlite/0033_public_updates.sql.
CREATE INDEX timeline_status_changes ON timeline (at, id) WHERE kind = 'status_changed';
