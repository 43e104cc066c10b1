-- Issue 20: staff who sign in through the city's identity provider are
-- known by the provider's identifier for them (issuer and subject), not by
-- a username the provider may let them change. Keep in step with
-- migrations/sqlite/0029_staff_oidc.sql.
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_by_oidc_subject ON users (oidc_subject) WHERE oidc_subject IS NOT NULL;
