-- Issue 19: skills (*kompetenser*) that queues need, e.g. "e-tjänst och
-- e-legitimation" or "företag". A service names the skill its errands
-- need; a skill queue lists the active errands of those services, which
-- the index by service serves, with the unit and the secrecy marking in it
-- so that a unit's or an agent's count reads the index alone.
CREATE TABLE skills (
    code     TEXT PRIMARY KEY,
    name_sv  TEXT NOT NULL,
    name_en  TEXT NOT NULL
);
ALTER TABLE services ADD COLUMN skill_code TEXT REFERENCES skills(code);
CREATE INDEX errands_active_by_service ON errands (service_code, unit_code, confidential, created_at, id) WHERE lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen');
