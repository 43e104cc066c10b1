-- Exceptions to the computed business calendar (verksamhetskalender):
-- a day an administrator decided to keep open (julafton) or closed (a
-- klämdag). The computed holidays themselves are not stored. Keep in step
-- with migrations/postgres/0004_business_calendar.sql.
CREATE TABLE day_exceptions (
    day         TEXT PRIMARY KEY,
    open        BOOLEAN NOT NULL,
    note        TEXT NOT NULL,
    updated_by  INTEGER REFERENCES users(id),
    updated_at  INTEGER NOT NULL
);
