-- Issue 20: contact topics as a managed taxonomy (add, rename, retire,
-- merge). Until now a logged contact's topic was its class alone (general,
-- technical help, or a service), and the form offered general questions
-- beside a service that was the same thing. The class columns of
-- contact_log stay as they are, so every count reads as before; a merge
-- rewrites them with the surviving topic's. Keep in step with the other
-- backend's 0027_contact_topics.sql.
CREATE TABLE contact_topics (
    code          TEXT PRIMARY KEY,
    name_sv       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    service_code  TEXT REFERENCES services(code),
    tech_help     BOOLEAN NOT NULL DEFAULT FALSE,
    retired       BOOLEAN NOT NULL DEFAULT FALSE,
    merged_into   TEXT REFERENCES contact_topics(code)
);
INSERT INTO contact_topics (code, name_sv, name_en) VALUES ('general', 'Allmän fråga', 'General question');
INSERT INTO contact_topics (code, name_sv, name_en, tech_help)
    VALUES ('tech_help', 'Teknisk hjälp med e-tjänst eller e-legitimation', 'Technical help with an e-service or e-ID', TRUE);
INSERT INTO contact_topics (code, name_sv, name_en, service_code)
    SELECT 'service:' || code, name_sv, name_en, code FROM services;
ALTER TABLE contact_log ADD COLUMN topic_code TEXT REFERENCES contact_topics(code);
UPDATE contact_log SET topic_code = CASE
    WHEN service_code IS NOT NULL THEN 'service:' || service_code
    WHEN tech_help THEN 'tech_help'
    ELSE 'general' END;
CREATE INDEX contact_log_by_topic ON contact_log (topic_code);
