//! The access matrix (issue 8): every route the server answers, as
//! registered (`porten_web::route_table`), against every kind of caller.
//! A route without a row here fails the test, so a new route cannot slip
//! past its access rules. Each cell is the status the caller gets; for
//! errand routes a case officer is tried on an errand of their own unit and
//! on one of another unit. POSTs carry a well-formed body (and, on pages,
//! the caller's own form token), so what stops a caller is the access rule,
//! not the parsing; a caller who may act is served, or told why the change
//! itself is refused (422, e.g. a status it already has).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, header};
use porten_domain::Scope;

use crate::support::{CSRF, TestApp, system};

/// The callers, in the order of the cells in [`EXPECTED`].
const CALLERS: [&str; 10] = [
    "anonymous",
    "citizen",
    "agent",
    "officer, own unit",
    "officer, other unit",
    "unit admin",
    "system admin",
    "key errands:read",
    "key errands:read+write",
    "key catalogue:read",
];

/// A well-formed body for each POST route (form fields for pages, JSON for the API).
fn body_for(path: &str) -> &'static str {
    match path {
        "/login" => "username=nobody&password=not+the+password",
        "/staff/errands/{id}/note" | "/staff/errands/{id}/message" => "body=Ringt+upp",
        "/staff/errands/{id}/reveal" => "purpose=Handl%C3%A4ggning",
        "/track/{token}/reply" | "/mina-arenden/{id}/reply" => "message=Tack",
        "/login/demo-eid" => "person=0",
        "/staff/errands/{id}/status" => "status=in_progress",
        "/staff/errands/{id}/assign" => "assignee=",
        "/staff/errands/{id}/priority" => "priority=high",
        "/staff/errands/{id}/escalate" => "reason=Br%C3%A5dskande",
        "/staff/errands/{id}/handover" => "unit=XX&reason=Fel+enhet",
        "/staff/errands/{id}/link" => "other=XX+2026%2F1&action=link",
        "/staff/errands/person" => "personal_number=19121212-1212",
        "/staff/presence" => "presence=away",
        "/staff/reports/export" => "style=sv",
        "/staff/admin/users" => "username=ny.person&display_name=Ny+Person&role=agent&unit=KC&active=on",
        "/staff/admin/users/{id}" => "role=agent&unit=KC&active=on",
        "/staff/admin/keys" => "name=Entrepren%C3%B6r&errands-read=on",
        "/staff/admin/topics" => "name_sv=Parkering&name_en=Parking&counts_as=general",
        "/staff/admin/topics/{code}/rename" => "name_sv=Parkering&name_en=Parking",
        "/staff/admin/topics/merge" => "from=general&into=general",
        "/staff/admin/units/{code}" => "name_sv=Trafik&name_en=Traffic&strategy=manual&max_open=",
        "/staff/admin/services/{code}" => {
            "name_sv=H%C3%A5l&name_en=Pothole&description_sv=B.&description_en=D.&unit=TK&sla_normal_resolution=40&public_reports=on"
        }
        "/staff/contacts" => "channel=phone&topic=general&outcome=resolved&minutes=2",
        "/staff/calendar" | "/staff/calendar/remove" => "date=2031-05-05&open=closed&note=Utbildning",
        "/staff/calendar/hours" => "unit=TK&hours-mon=08%3A00-16%3A30",
        "/kunskap/{slug}/svar" => "helpful=yes",
        "/staff/kunskap" => {
            "existing=1&slug=hal-i-gatan&unit=TK&visibility=public&title_sv=H%C3%A5l&summary_sv=Kort.&body_sv=Text.&action=save"
        }
        "/staff/kunskap/{slug}/publicera" => "version=1",
        "/staff/synonymer" => "term=dagis&words=f%C3%B6rskola",
        "/staff/synonymer/ta-bort" => "term=dagis",
        "/api/v1/errands" => r#"{"service_code":"pothole","title":"Hål","description":"Djupt hål"}"#,
        // Open311's key is a form field, never a cookie or a header: without it, 403.
        "/open311/v2/{file}" => "service_code=pothole&address_string=Sj%C3%B6gatan+14",
        "/api/v1/errands/{id}/messages" | "/api/v1/errands/{id}/notes" => r#"{"body":"Hej"}"#,
        "/api/v1/errands/{id}/status" => r#"{"status":"in_progress"}"#,
        "/api/v1/errands/{id}/assignment" => r#"{"assignee_id":null}"#,
        "/api/v1/errands/{id}/handover" => r#"{"unit":"SOF","reason":"Fel enhet"}"#,
        "/api/v1/errands/{id}/escalation" => r#"{"reason":"Brådskande"}"#,
        "/api/v1/errands/{id}/priority" => r#"{"priority":"low"}"#,
        _ => "",
    }
}

/// (method, path) → the status each caller gets, in [`CALLERS`] order.
const EXPECTED: &[(&str, &str, [u16; 10])] = &[
    // Public pages and assets: everyone.
    ("GET", "/static/porten.css", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/favicon.ico", [204, 204, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("GET", "/", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/services/{code}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/login", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/login", [401, 401, 401, 401, 401, 401, 401, 400, 400, 400]),
    ("POST", "/logout", [303, 303, 303, 303, 303, 303, 303, 400, 400, 400]),
    // Staff pages: visitors and API keys (pages ignore bearer keys) are sent to sign in; citizens get 403.
    ("GET", "/staff/errands", [303, 403, 200, 200, 200, 200, 200, 303, 303, 303]),
    ("GET", "/staff/errands/{id}", [303, 403, 200, 200, 404, 200, 200, 303, 303, 303]),
    // A caller's history by personnummer: every staff member, within their access.
    ("POST", "/staff/errands/person", [303, 403, 200, 200, 200, 200, 200, 303, 303, 303]),
    // Present or away: those handed errands (agents and case officers).
    ("POST", "/staff/presence", [303, 403, 303, 303, 303, 403, 403, 303, 303, 303]),
    // Notices: every staff member's own.
    ("GET", "/staff/notices", [303, 403, 200, 200, 200, 200, 200, 303, 303, 303]),
    ("POST", "/staff/notices/seen", [303, 403, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("POST", "/staff/notices/email", [303, 403, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("GET", "/staff/admin", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/admin/users", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/admin/users/{id}", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/admin/users/{id}/password", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/admin/users/{id}/unbind", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/admin/keys", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/admin/keys/{id}/revoke", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    // Units and services: system admins ("pothole" is a service, not a unit).
    ("GET", "/staff/admin/services", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/admin/units/{code}", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("GET", "/staff/admin/services/{code}", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/admin/services/{code}", [303, 403, 403, 403, 403, 403, 303, 303, 303, 303]),
    // Contact topics: system admins ("pothole" is a service's code, not a topic's).
    ("GET", "/staff/admin/topics", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/admin/topics", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/admin/topics/{code}/rename", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/admin/topics/{code}/retire", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/admin/topics/{code}/restore", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/admin/topics/merge", [303, 403, 403, 403, 403, 403, 422, 303, 303, 303]),
    ("GET", "/staff/audit", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("GET", "/staff/reports", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("POST", "/staff/reports/export", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("GET", "/staff/outbox", [303, 403, 403, 403, 403, 403, 200, 303, 303, 303]),
    ("POST", "/staff/outbox/{id}/retry", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/outbox/{id}/give-up", [303, 403, 403, 403, 403, 403, 404, 303, 303, 303]),
    ("POST", "/staff/errands/{id}/note", [303, 403, 303, 303, 404, 303, 303, 303, 303, 303]),
    // The agent moves it to in_progress first; the others then ask for the status it has (422).
    ("POST", "/staff/errands/{id}/status", [303, 403, 303, 422, 404, 422, 422, 303, 303, 303]),
    // A system admin belongs to no unit and cannot be the assignee (422).
    ("POST", "/staff/errands/{id}/assign-me", [303, 403, 303, 303, 404, 303, 422, 303, 303, 303]),
    // The agent unassigns; then there is no change to make (422).
    ("POST", "/staff/errands/{id}/assign", [303, 403, 303, 422, 404, 422, 422, 303, 303, 303]),
    ("POST", "/staff/errands/{id}/priority", [303, 403, 303, 422, 404, 422, 422, 303, 303, 303]),
    ("POST", "/staff/errands/{id}/escalate", [303, 403, 303, 303, 404, 303, 303, 303, 303, 303]),
    // No unit XX (422), for everyone who may work the errand.
    ("POST", "/staff/errands/{id}/handover", [303, 403, 422, 422, 404, 422, 422, 303, 303, 303]),
    // No errand XX 2026/00001 to link to (422).
    ("POST", "/staff/errands/{id}/link", [303, 403, 422, 422, 404, 422, 422, 303, 303, 303]),
    // A decision may be demanded six months after the errand began (422 before).
    ("POST", "/staff/errands/{id}/demand", [303, 403, 422, 422, 404, 422, 422, 303, 303, 303]),
    // Planning: agents and admins; case officers 403.
    ("GET", "/staff/planning", [303, 403, 200, 403, 403, 200, 200, 303, 303, 303]),
    ("GET", "/staff/planning.csv", [303, 403, 200, 403, 403, 200, 200, 303, 303, 303]),
    ("GET", "/staff/contacts", [303, 403, 200, 200, 200, 200, 200, 303, 303, 303]),
    ("POST", "/staff/contacts", [303, 403, 303, 303, 303, 303, 303, 303, 303, 303]),
    // The business calendar: unit and system admins.
    ("GET", "/staff/calendar", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("POST", "/staff/calendar", [303, 403, 403, 403, 403, 303, 303, 303, 303, 303]),
    ("POST", "/staff/calendar/remove", [303, 403, 403, 403, 403, 303, 303, 303, 303, 303]),
    // A unit's service hours: its own admin (TK here) and system admins.
    ("GET", "/staff/calendar/hours", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("POST", "/staff/calendar/hours", [303, 403, 403, 403, 403, 303, 303, 303, 303, 303]),
    // The API: a session is no key (401). Catalogue needs catalogue:read; errands need errands:read to read
    // (a key without it does not learn whether an errand exists: 404) and errands:write to act (403).
    ("GET", "/api/v1/openapi.json", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/units", [401, 401, 401, 401, 401, 401, 401, 403, 403, 200]),
    ("GET", "/api/v1/services", [401, 401, 401, 401, 401, 401, 401, 403, 403, 200]),
    ("POST", "/api/v1/errands", [401, 401, 401, 401, 401, 401, 401, 403, 201, 403]),
    ("GET", "/api/v1/errands", [401, 401, 401, 401, 401, 401, 401, 200, 200, 403]),
    ("GET", "/api/v1/errands/{id}", [401, 401, 401, 401, 401, 401, 401, 200, 200, 404]),
    ("GET", "/api/v1/errands/{id}/timeline", [401, 401, 401, 401, 401, 401, 401, 200, 200, 404]),
    ("POST", "/api/v1/errands/{id}/messages", [401, 401, 401, 401, 401, 401, 401, 403, 200, 403]),
    ("POST", "/api/v1/errands/{id}/notes", [401, 401, 401, 401, 401, 401, 401, 403, 200, 403]),
    // The errand is already in_progress from the page above (422).
    ("POST", "/api/v1/errands/{id}/status", [401, 401, 401, 401, 401, 401, 401, 403, 422, 403]),
    // Unassigned already by the page above: nothing to change (422).
    ("POST", "/api/v1/errands/{id}/assignment", [401, 401, 401, 401, 401, 401, 401, 403, 422, 403]),
    ("POST", "/api/v1/errands/{id}/handover", [401, 401, 401, 401, 401, 401, 401, 403, 200, 403]),
    ("POST", "/api/v1/errands/{id}/escalation", [401, 401, 401, 401, 401, 401, 401, 403, 200, 403]),
    ("POST", "/api/v1/errands/{id}/priority", [401, 401, 401, 401, 401, 401, 401, 403, 200, 403]),
    // E-services: anyone may start and fill in a form; staff must say how the citizen reached them (422
    // without). The submit is refused (422) because the draft lacks its second step.
    ("GET", "/e/{code}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/e/{code}/start", [303, 303, 422, 422, 422, 422, 422, 400, 400, 400]),
    ("GET", "/e/{code}/{draft}/step/{step}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/e/{code}/{draft}/step/{step}", [303, 303, 303, 303, 303, 303, 303, 400, 400, 400]),
    ("GET", "/e/{code}/{draft}/review", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/e/{code}/{draft}/submit", [422, 422, 422, 422, 422, 422, 422, 400, 400, 400]),
    // Following an errand: the tracking link needs no login; Mina ärenden is for citizens, and only
    // their own errands (another's is 404).
    ("GET", "/track/{token}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/track/{token}/reply", [303, 303, 303, 303, 303, 303, 303, 400, 400, 400]),
    ("GET", "/mina-arenden", [303, 200, 403, 403, 403, 403, 403, 303, 303, 303]),
    ("GET", "/mina-arenden/{id}", [303, 404, 403, 403, 403, 403, 403, 303, 303, 303]),
    ("POST", "/mina-arenden/{id}/reply", [303, 404, 403, 403, 403, 403, 403, 303, 303, 303]),
    // The demo's e-ID login exists only with --demo.
    ("GET", "/login/demo-eid", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("POST", "/login/demo-eid", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    // The e-ID login exists only with a provider configured (see session.rs for one).
    ("GET", "/login/eid", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/login/eid/callback", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    // Staff sign-in through the city's identity provider: not configured in these tests.
    ("GET", "/login/staff", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/login/staff/callback", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("POST", "/staff/errands/{id}/message", [303, 403, 303, 303, 404, 303, 303, 303, 303, 303]),
    // Personal identity numbers in full: staff who may read the errand, with a purpose (audited).
    ("POST", "/staff/errands/{id}/reveal", [303, 403, 200, 200, 404, 200, 200, 303, 303, 303]),
    ("GET", "/staff/errands/{id}/attachments/{n}", [303, 403, 200, 200, 404, 200, 200, 303, 303, 303]),
    // The decision's document: staff who may read the errand, the tracking link, the citizen's own errand.
    ("GET", "/staff/errands/{id}/documents/{n}", [303, 403, 200, 200, 404, 200, 200, 303, 303, 303]),
    ("GET", "/track/{token}/documents/{n}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/mina-arenden/{id}/documents/{n}", [303, 404, 403, 403, 403, 403, 403, 303, 303, 303]),
    // Attaching one is a multipart post: staff get past the access rule to the form, which this
    // url-encoded body is not (400); the rule itself is the lifecycle table's (the web and app tests).
    ("POST", "/staff/errands/{id}/document", [303, 403, 400, 400, 400, 400, 400, 303, 303, 303]),
    ("GET", "/api/v1/errands/{id}/submission", [401, 401, 401, 401, 401, 401, 401, 200, 200, 404]),
    ("GET", "/api/v1/errands/{id}/attachments/{n}", [401, 401, 401, 401, 401, 401, 401, 200, 200, 404]),
    // The portal: public pages, search and articles for everyone; a key reaches search through the API.
    ("GET", "/static/suggest.js", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/for/{audience}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/amne/{topic}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/kontakt", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/sok", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/sok/forslag", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/sok/till", [303, 303, 303, 303, 303, 303, 303, 303, 303, 303]),
    ("GET", "/kunskap/{slug}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // The answer needs the form token of a page (API keys have none: 400).
    ("POST", "/kunskap/{slug}/svar", [303, 303, 303, 303, 303, 303, 303, 400, 400, 400]),
    // The knowledge base's editors: unit admins (their unit's articles) and system admins.
    ("GET", "/staff/kunskap", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("POST", "/staff/kunskap", [303, 403, 403, 403, 403, 303, 303, 303, 303, 303]),
    ("GET", "/staff/kunskap/ny", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("GET", "/staff/kunskap/{slug}", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("GET", "/staff/kunskap/{slug}/jamfor", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("GET", "/staff/kunskap/{slug}/version/{version}", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("POST", "/staff/kunskap/{slug}/publicera", [303, 403, 403, 403, 403, 303, 303, 303, 303, 303]),
    ("POST", "/staff/kunskap/{slug}/avpublicera", [303, 403, 403, 403, 403, 303, 303, 303, 303, 303]),
    ("GET", "/staff/synonymer", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("POST", "/staff/synonymer", [303, 403, 403, 403, 403, 403, 303, 303, 303, 303]),
    ("POST", "/staff/synonymer/ta-bort", [303, 403, 403, 403, 403, 403, 303, 303, 303, 303]),
    ("GET", "/staff/sokstatistik", [303, 403, 403, 403, 403, 200, 200, 303, 303, 303]),
    ("GET", "/api/v1/search", [401, 401, 401, 401, 401, 401, 401, 403, 403, 200]),
    // Operations: open (/metrics is off in tests; with metrics_token it needs the token).
    ("GET", "/healthz", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/readyz", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    // Open311: public reads; a post needs an api_key in its body.
    ("GET", "/open311/v2/{file}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST", "/open311/v2/{file}", [403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
    ("GET", "/open311/v2/services/{file}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/open311/v2/requests/{file}", [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET", "/open311/v2/tokens/{file}", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
    ("GET", "/metrics", [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]),
];

#[tokio::test]
async fn every_route_against_every_caller() {
    let t = TestApp::new().await;
    let catalogue_key = t.app.create_api_key(&system(), "Kartor", &[Scope::CatalogueRead], None).await.unwrap().secret;
    let own = t
        .api(
            "POST",
            "/api/v1/errands",
            Some(&t.key),
            Some(serde_json::json!({
                "service_code": "pothole", "title": "Hål", "description": "Djupt hål"
            })),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = t
        .api(
            "POST",
            "/api/v1/errands",
            Some(&t.key),
            Some(serde_json::json!({
                "service_code": "general-question", "title": "Fråga", "description": "Om parkering"
            })),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // A draft anyone holding its id may fill in, and a submitted errand's tracking token.
    let draft = t.app.start_draft(&porten_domain::Actor::Visitor, "pothole", None).await.unwrap().draft.id;
    let (token, submitted) = crate::support::submitted_pothole(&t).await;
    // It is decided, with its decision's document.
    let officer = t.user("case_officer");
    let decided = porten_domain::PublicId::parse(&submitted).unwrap();
    let resolve = porten_domain::Command::resolve(porten_domain::Outcome::Granted, "Beviljas");
    t.app.act_on_errand(&officer, decided, None, resolve).await.unwrap();
    t.app.attach_decision_document(&officer, decided, None, "beslut.pdf", b"%PDF-1.7 beslut".to_vec()).await.unwrap();

    let expected: BTreeMap<(&str, &str), [u16; 10]> = EXPECTED.iter().map(|(m, p, row)| ((*m, *p), *row)).collect();
    let mut got_table = Vec::new();
    for (method, path) in porten_web::route_table() {
        let mut row = [0u16; 10];
        for (i, caller) in CALLERS.iter().enumerate() {
            let errand = match *caller {
                "officer, other unit" => &other,
                _ if ["/submission", "/attachments/", "/documents/"].iter().any(|p| path.contains(p)) => &submitted,
                _ => &own,
            };
            let file = match (method, path.as_str()) {
                ("POST", "/open311/v2/{file}") => "requests.json".to_owned(),
                (_, "/open311/v2/{file}") => "services.json".to_owned(),
                (_, "/open311/v2/services/{file}") => "pothole.json".to_owned(),
                (_, "/open311/v2/requests/{file}") => format!("{own}.json"),
                _ => "t0k3n.json".to_owned(),
            };
            let uri = path
                .replace("{file}", &file)
                .replace("{id}", errand)
                .replace("{code}", "pothole")
                .replace("{draft}", &draft)
                .replace("{step}", "where")
                .replace("{token}", &token)
                .replace("{n}", "0")
                .replace("{slug}", "hal-i-gatan")
                .replace("{version}", "1")
                .replace("{audience}", "resident")
                .replace("{topic}", "gator");
            let uri = match uri.as_str() {
                "/api/v1/search" => "/api/v1/search?q=h%C3%A5l".to_owned(),
                "/sok/till" => "/sok/till?q=h%C3%A5l&key=article%3Ahal-i-gatan".to_owned(),
                _ => uri,
            };
            let (jar, key) = match *caller {
                "anonymous" => (format!("porten_csrf={CSRF}"), None),
                "citizen" => (t.sign_in("citizen").await, None),
                "agent" => (t.sign_in("agent").await, None),
                "officer, own unit" | "officer, other unit" => (t.sign_in("case_officer").await, None),
                "unit admin" => (t.sign_in("unit_admin").await, None),
                "system admin" => (t.sign_in("system_admin").await, None),
                "key errands:read" => (String::new(), Some(t.read_only_key.clone())),
                "key errands:read+write" => (String::new(), Some(t.key.clone())),
                _ => (String::new(), Some(catalogue_key.clone())),
            };
            let api = uri.starts_with("/api/");
            let mut req = Request::builder().method(method).uri(&uri).header(header::COOKIE, &jar);
            if let Some(k) = &key {
                req = req.header(header::AUTHORIZATION, format!("Bearer {k}"));
            }
            let body = match (method, api) {
                ("POST", true) => {
                    req = req.header(header::CONTENT_TYPE, "application/json");
                    Body::from(body_for(&path))
                }
                ("POST", false) if path.contains("/step/") => {
                    let csrf = crate::support::form_token(&t.router, &jar).await;
                    let (kind, body) = crate::support::multipart(&[("csrf", &csrf), ("address", "Torget 1")], &[]);
                    req = req.header(header::CONTENT_TYPE, kind);
                    Body::from(body)
                }
                ("POST", false) => {
                    req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                    let form = format!("csrf={CSRF}&{}", body_for(&path));
                    Body::from(crate::support::with_form_token(&t.router, &jar, &form).await)
                }
                _ => Body::empty(),
            };
            row[i] = t.send(req.body(body).unwrap()).await.status.as_u16();
        }
        got_table.push((method, path, row));
    }
    let mut wrong = Vec::new();
    for (method, path, row) in &got_table {
        match expected.get(&(*method, path.as_str())) {
            None => wrong.push(format!("no row for {method} {path}: got {row:?}")),
            Some(want) if want != row => wrong.push(format!("{method} {path}: want {want:?}, got {row:?}")),
            Some(_) => {}
        }
    }
    assert!(wrong.is_empty(), "callers: {CALLERS:?}\n{}", wrong.join("\n"));
    assert_eq!(got_table.len(), EXPECTED.len(), "every row names a route that exists");
    t.cleanup().await;
}
