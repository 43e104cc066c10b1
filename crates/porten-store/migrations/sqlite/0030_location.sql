-- Issue 21: where an errand is, as part of the errand: an address as text,
-- optional WGS 84 coordinates and an optional reference to a place (a lamp
-- post's id). Set from e-service answers of the address type, from Open311
-- and from the API. A service marked as public reports (street and park
-- faults) shows its errands in Open311's public list of requests. Keep in
-- step with migrations/postgres/0030_location.sql.
ALTER TABLE errands ADD COLUMN location_address TEXT;
ALTER TABLE errands ADD COLUMN location_lat REAL;
ALTER TABLE errands ADD COLUMN location_long REAL;
ALTER TABLE errands ADD COLUMN location_ref TEXT;
ALTER TABLE services ADD COLUMN public_reports BOOLEAN NOT NULL DEFAULT FALSE;
