-- Queue sorts (issue 19): urgency is the priority as a number that orders
-- most urgent first (0 urgent … 3 low), computed from the priority, so no
-- write path can forget it.
ALTER TABLE errands ADD COLUMN urgency SMALLINT GENERATED ALWAYS AS
    (CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END) STORED;
CREATE INDEX errands_by_urgency ON errands (urgency, created_at, id);
CREATE INDEX errands_by_unit_urgency ON errands (unit_code, urgency, created_at, id);
CREATE INDEX errands_by_activity ON errands (updated_at DESC, id DESC);
CREATE INDEX errands_by_unit_activity ON errands (unit_code, updated_at DESC, id DESC);
