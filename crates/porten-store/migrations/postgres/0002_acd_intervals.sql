-- Imported ACD (telephony queue) statistics per interval and channel, the
-- second source of measured volumes for dimensioning. Keep in step with
-- migrations/sqlite/0002_acd_intervals.sql.
CREATE TABLE acd_intervals (
    channel         TEXT NOT NULL,
    start_at        BIGINT NOT NULL,
    minutes         BIGINT NOT NULL,
    offered         DOUBLE PRECISION NOT NULL,
    answered        DOUBLE PRECISION NOT NULL,
    abandoned       DOUBLE PRECISION NOT NULL,
    aht_seconds     DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel, start_at)
);
