-- A service's own citizen words for its states, in English beside the Swedish
-- (issue 19: the same states in both languages, or none).
ALTER TABLE services ADD COLUMN status_names_en TEXT NOT NULL DEFAULT '{}';
