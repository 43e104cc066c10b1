-- Imported ACD (telephony queue) statistics per interval and channel, the
-- second source of measured volumes for dimensioning. Keep in step with
-- migrations/postgres/0002_acd_intervals.sql.
CREATE TABLE acd_intervals (
    channel         TEXT NOT NULL,
    start_at        INTEGER NOT NULL,
    minutes         INTEGER NOT NULL,
    offered         REAL NOT NULL,
    answered        REAL NOT NULL,
    abandoned       REAL NOT NULL,
    aht_seconds     REAL NOT NULL,
    PRIMARY KEY (channel, start_at)
);
