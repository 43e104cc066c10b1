-- Porten schema, SQLite flavour. Times are UTC microseconds since the Unix epoch (INTEGER).
-- JSON values are stored as TEXT. Keep this file and migrations/postgres/0001_init.sql in step.

CREATE TABLE units (
    code            TEXT PRIMARY KEY,
    name_sv         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    contact_center  BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE services (
    code            TEXT PRIMARY KEY,
    unit_code       TEXT NOT NULL REFERENCES units(code),
    name_sv         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    description_sv  TEXT NOT NULL,
    description_en  TEXT NOT NULL,
    audiences       TEXT NOT NULL,
    channels        TEXT NOT NULL,
    open311_code    TEXT UNIQUE,
    confidential    BOOLEAN NOT NULL DEFAULT FALSE,
    status_names_sv TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    email           TEXT,
    role            TEXT NOT NULL,
    unit_code       TEXT REFERENCES units(code),
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE
);

-- One row per (unit, year); the serial is taken inside the registering transaction.
CREATE TABLE registry_counters (
    unit_code       TEXT NOT NULL REFERENCES units(code),
    year            INTEGER NOT NULL,
    last_serial     INTEGER NOT NULL,
    PRIMARY KEY (unit_code, year)
);

CREATE TABLE errands (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id       TEXT NOT NULL UNIQUE,
    registry_unit   TEXT NOT NULL,
    registry_year   INTEGER NOT NULL,
    registry_serial INTEGER NOT NULL,
    service_code    TEXT NOT NULL REFERENCES services(code),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    channel         TEXT NOT NULL,
    priority        TEXT NOT NULL,
    lifecycle       TEXT NOT NULL,
    unit_code       TEXT NOT NULL REFERENCES units(code),
    assignee_id     INTEGER REFERENCES users(id),
    confidential    BOOLEAN NOT NULL,
    labels          TEXT NOT NULL,
    form            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    resolved_at     INTEGER,
    UNIQUE (registry_unit, registry_year, registry_serial)
);
CREATE INDEX errands_by_created ON errands (created_at DESC, id DESC);
CREATE INDEX errands_by_unit ON errands (unit_code, lifecycle, created_at DESC, id DESC);
CREATE INDEX errands_by_assignee ON errands (assignee_id, created_at DESC, id DESC);

-- A personal identity number is stored here once, and referred to by party id.
-- Names and contact details are kept per errand (errand_parties), as they were
-- given for that errand, so a later registration never rewrites an earlier record.
CREATE TABLE parties (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    personal_number     TEXT NOT NULL UNIQUE
);

CREATE TABLE errand_parties (
    errand_id           INTEGER NOT NULL REFERENCES errands(id),
    position            INTEGER NOT NULL,
    party_id            INTEGER REFERENCES parties(id),
    role                TEXT NOT NULL,
    name                TEXT NOT NULL,
    organisation_number TEXT,
    contacts            TEXT NOT NULL,
    PRIMARY KEY (errand_id, position)
);
CREATE INDEX errand_parties_by_party ON errand_parties (party_id);

-- Append-only history. The errand row is the state this history leads to.
CREATE TABLE timeline (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    errand_id       INTEGER NOT NULL REFERENCES errands(id),
    at              INTEGER NOT NULL,
    actor_kind      TEXT NOT NULL,
    actor_id        INTEGER,
    actor_name      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    data            TEXT NOT NULL
);
CREATE INDEX timeline_by_errand ON timeline (errand_id, id);

CREATE TABLE sessions (
    token_hash      BLOB PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    key_hash        BLOB NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);

CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              INTEGER NOT NULL,
    actor_kind      TEXT NOT NULL,
    actor_id        INTEGER,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    errand_id       INTEGER REFERENCES errands(id),
    purpose         TEXT
);
CREATE INDEX audit_by_errand ON audit_log (errand_id, id);

CREATE TABLE meta (
    key             TEXT PRIMARY KEY,
    value           TEXT NOT NULL
);
