-- The knowledge base, search synonyms, the search change feed, the query log
-- and self-service events. Keep in step with
-- migrations/sqlite/0007_knowledge.sql.

-- Words citizens use for a service, for search (JSON list).
ALTER TABLE services ADD COLUMN keywords TEXT NOT NULL DEFAULT '[]';
-- How long handling takes, in a sentence per language.
ALTER TABLE services ADD COLUMN processing_time_sv TEXT;
ALTER TABLE services ADD COLUMN processing_time_en TEXT;

-- An article; its texts are in article_versions. `published` is the version
-- the portal shows (NULL while a draft), `latest` the newest one.
CREATE TABLE articles (
    id           BIGSERIAL PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    unit_code    TEXT NOT NULL REFERENCES units(code),
    topic        TEXT,
    visibility   TEXT NOT NULL,
    latest       BIGINT NOT NULL,
    published    BIGINT,
    views        BIGINT NOT NULL DEFAULT 0,
    helpful_yes  BIGINT NOT NULL DEFAULT 0,
    helpful_no   BIGINT NOT NULL DEFAULT 0,
    updated_at   BIGINT NOT NULL
);

-- Every saved version of an article, kept as its history. Lists are JSON.
CREATE TABLE article_versions (
    article_id   BIGINT NOT NULL REFERENCES articles(id),
    version      BIGINT NOT NULL,
    content      TEXT NOT NULL,
    author_id    BIGINT REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);

-- "Fick du svar på din fråga?" answers, with the optional comment.
CREATE TABLE article_feedback (
    id           BIGSERIAL PRIMARY KEY,
    article_id   BIGINT NOT NULL REFERENCES articles(id),
    helpful      BOOLEAN NOT NULL,
    comment      TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX article_feedback_by_article ON article_feedback (article_id, created_at);

-- Words citizens use, and the words the city writes for them.
CREATE TABLE search_synonyms (
    term         TEXT PRIMARY KEY,
    words        TEXT NOT NULL
);

-- What changed, in commit order: every node's search index follows it.
CREATE TABLE search_changes (
    seq          BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    key          TEXT NOT NULL
);

-- Searches as typed (no personal data is kept with them), for editors.
CREATE TABLE search_queries (
    id           BIGSERIAL PRIMARY KEY,
    query        TEXT NOT NULL,
    lang         TEXT NOT NULL,
    results      BIGINT NOT NULL,
    clicked      TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX search_queries_by_time ON search_queries (created_at);

-- Self-service measurement: a visitor (a random id in a cookie, nothing
-- more) viewed a page, answered the helpfulness question, or opened a
-- contact. Kept for 30 days.
CREATE TABLE self_service_events (
    id           BIGSERIAL PRIMARY KEY,
    visitor      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    doc          TEXT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX self_service_events_by_visitor ON self_service_events (visitor, created_at);
CREATE INDEX self_service_events_by_time ON self_service_events (created_at);
