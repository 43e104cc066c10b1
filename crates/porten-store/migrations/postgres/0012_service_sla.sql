-- A service's SLA targets in business hours (issue 19), as JSON; NULL: none.
ALTER TABLE services ADD COLUMN sla TEXT;
