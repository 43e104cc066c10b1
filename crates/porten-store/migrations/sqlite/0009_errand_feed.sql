-- Issue 18: the errand change feed. Every write to an errand appends one
-- change in its own savepoint; consumers read the feed in commit order.
-- AUTOINCREMENT: a number is never reused, even after pruning the newest
-- rows, so a consumer's cursor never skips a change. `txid` is always 0 here
-- (SQLite has one writer, so numbers are assigned in commit order); it keeps
-- the cursor's shape the same as PostgreSQL's.
CREATE TABLE errand_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    txid BIGINT NOT NULL DEFAULT 0,
    errand_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL
);

-- Durable consumers: each keeps its cursor here, so a consumer on any node
-- carries on where another stopped.
CREATE TABLE feed_consumers (
    name TEXT PRIMARY KEY,
    txid BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The highest position pruned: a node-local consumer behind it rebuilds.
CREATE TABLE feed_floor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    txid BIGINT NOT NULL,
    seq BIGINT NOT NULL
);
INSERT INTO feed_floor (id, txid, seq) VALUES (1, 0, 0);
