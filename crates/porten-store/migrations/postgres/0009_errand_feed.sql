-- Issue 18: the errand change feed. Every write to an errand appends one
-- change in its own savepoint; consumers read the feed in commit order.
--
-- Sequence numbers are taken when a row is inserted, not when it commits,
-- so a change numbered 10 can commit after one numbered 11. Each row
-- therefore records its transaction id, and readers only read the rows of
-- transactions older than the oldest one still in flight
-- (`pg_snapshot_xmin(pg_current_snapshot())`), ordered by (txid, seq): such
-- a row can no longer be joined by one before it. No lock is taken on the
-- write path. The ids are kept as BIGINT (xid8 is a 64-bit counter that
-- does not wrap) so both backends share the cursor's SQL.
CREATE TABLE errand_changes (
    seq BIGSERIAL PRIMARY KEY,
    txid BIGINT NOT NULL DEFAULT CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT),
    errand_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX errand_changes_by_position ON errand_changes (txid, seq);

CREATE TABLE feed_consumers (
    name TEXT PRIMARY KEY,
    txid BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE feed_floor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    txid BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
INSERT INTO feed_floor (id, txid, seq) VALUES (1, 0, 0);
