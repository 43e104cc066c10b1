-- Issue 19: a unit's service hours per weekday (several intervals a day,
-- as JSON: `porten_domain::sla::ServiceHours`), which its SLA clocks count;
-- a unit without a row keeps the city's office hours.
CREATE TABLE unit_hours (
    unit_code   TEXT PRIMARY KEY REFERENCES units(code),
    hours       TEXT NOT NULL,
    updated_by  INTEGER NOT NULL REFERENCES users(id),
    updated_at  INTEGER NOT NULL
);
