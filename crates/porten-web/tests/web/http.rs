//! End-to-end tests of the HTTP surface through the real router (no socket),
//! on whichever backend `TEST_DATABASE_URL` names (SQLite by default).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::support::{CSRF, PASSWORD, TestApp};

fn pothole() -> Value {
    json!({
        "service_code": "pothole",
        "title": "Potthål på Sjögatan",
        "description": "Djupt hål utanför nummer 14.",
        "stakeholders": [{"role": "reporter", "name": "Tolvan Tolvansson", "personal_number": "19121212-1212", "email": "tolvan@example.com"}]
    })
}

#[tokio::test]
async fn registering_through_the_api_returns_the_registry_number_and_audits_reads() {
    let t = TestApp::new().await;
    let created = t.api("POST", "/api/v1/errands", Some(&t.key), Some(pothole())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body = created.json();
    assert_eq!(body["registry_number"], "TK 2026/00001", "the unit's first of the year (the clock's 2026)");
    assert_eq!(body["status"], "new");
    assert_eq!(body["channel"], "api");
    assert_eq!(body["stakeholders"][0]["personal_number_masked"], "19121212-****");
    assert!(!created.body.contains("1212-1212"), "the full personnummer is never echoed");
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.header(header::LOCATION), format!("/api/v1/errands/{id}"));
    assert_eq!(created.header(header::ETAG), "\"1\"");

    let read = t.api("GET", &format!("/api/v1/errands/{id}"), Some(&t.key), None).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json()["title"], "Potthål på Sjögatan");
    let errand = t.db.store.get_errand(porten_domain::PublicId::parse(&id).unwrap()).await.unwrap().unwrap();
    let audit = t.db.store.audit_for_errand(errand.id).await.unwrap();
    assert_eq!(audit.len(), 1, "one audited read");
    assert_eq!(
        (audit[0].actor_kind.as_str(), audit[0].actor_name.as_str(), audit[0].action.as_str()),
        ("api_key", "Contractor", "errand.read")
    );
    t.cleanup().await;
}

#[tokio::test]
async fn api_errors_are_problem_json_with_field_violations() {
    let t = TestApp::new().await;
    let anonymous = t.api("GET", "/api/v1/errands", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.header(header::CONTENT_TYPE), "application/problem+json");
    let wrong_key = t.api("GET", "/api/v1/errands", Some("porten_not-a-real-key-000000000000000"), None).await;
    assert_eq!(wrong_key.status, StatusCode::UNAUTHORIZED);

    let forbidden = t.api("POST", "/api/v1/errands", Some(&t.read_only_key), Some(pothole())).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let mut bad = pothole();
    bad["title"] = json!("");
    bad["channel"] = json!("fax");
    bad["stakeholders"][0]["personal_number"] = json!("19121212-1213");
    let invalid = t.api("POST", "/api/v1/errands", Some(&t.key), Some(bad)).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.header(header::CONTENT_TYPE), "application/problem+json");
    let fields: Vec<String> = invalid.json()["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["title", "channel", "stakeholders[0].personal_number"]);
    assert!(!invalid.body.contains("1213"), "rejected personnummer is not echoed");

    let unknown_service = t
        .api(
            "POST",
            "/api/v1/errands",
            Some(&t.key),
            Some(json!({"service_code": "nope", "title": "x", "description": "y"})),
        )
        .await;
    assert_eq!(unknown_service.json()["violations"][0]["field"], "service_code");

    let malformed = t
        .send(
            Request::post("/api/v1/errands")
                .header(header::AUTHORIZATION, format!("Bearer {}", t.key))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(malformed.json()["violations"][0]["field"], "body");

    let bad_limit = t.api("GET", "/api/v1/errands?limit=5000&status=sleeping", Some(&t.key), None).await;
    let fields: Vec<String> = bad_limit.json()["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["status", "limit"]);
    t.cleanup().await;
}

#[tokio::test]
async fn lists_page_with_total_and_commands_use_optimistic_locking() {
    let t = TestApp::new().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            t.api("POST", "/api/v1/errands", Some(&t.key), Some(pothole())).await.json()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let first = t.api("GET", "/api/v1/errands?limit=2&unit=TK", Some(&t.key), None).await.json();
    assert_eq!(first["total"], 5);
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second =
        t.api("GET", &format!("/api/v1/errands?limit=2&unit=TK&cursor={cursor}"), Some(&t.key), None).await.json();
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);

    let id = &ids[0];
    let progressed = t
        .send(
            Request::post(format!("/api/v1/errands/{id}/status"))
                .header(header::AUTHORIZATION, format!("Bearer {}", t.key))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::IF_MATCH, "\"1\"")
                .body(Body::from(json!({"status": "in_progress"}).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(progressed.status, StatusCode::OK, "{}", progressed.body);
    assert_eq!(progressed.json()["version"], 2);
    let stale = t
        .api("POST", &format!("/api/v1/errands/{id}/notes"), Some(&t.key), Some(json!({"body": "Sen", "version": 1})))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let moved = t
        .api(
            "POST",
            &format!("/api/v1/errands/{id}/handover"),
            Some(&t.key),
            Some(json!({"unit": "KC", "reason": "Fel förvaltning"})),
        )
        .await;
    assert_eq!(moved.json()["unit"], "KC");
    let escalated = t
        .api("POST", &format!("/api/v1/errands/{id}/escalation"), Some(&t.key), Some(json!({"reason": "Olycksrisk"})))
        .await;
    assert_eq!(escalated.json()["priority"], "high");
    let timeline = t.api("GET", &format!("/api/v1/errands/{id}/timeline"), Some(&t.key), None).await.json();
    let kinds: Vec<&str> = timeline.as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["registered", "status_changed", "handed_over", "escalated"]);
    t.cleanup().await;
}

#[tokio::test]
async fn confidential_errands_are_hidden_from_api_keys_and_other_units() {
    let t = TestApp::new().await;
    let created = t
        .api(
            "POST",
            "/api/v1/errands",
            Some(&t.key),
            Some(json!({"service_code": "financial-assistance", "title": "Ansökan", "description": "Behöver stöd"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.json()["confidential"], true, "confidential service makes the errand confidential");
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let read = t.api("GET", &format!("/api/v1/errands/{id}"), Some(&t.key), None).await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    let list = t.api("GET", "/api/v1/errands", Some(&t.key), None).await.json();
    assert_eq!(
        (list["total"].as_u64(), list["items"].as_array().map(Vec::len)),
        (Some(0), Some(0)),
        "not listed, not counted"
    );

    let agent = t.sign_in("agent").await;
    assert_eq!(t.page("GET", &format!("/staff/errands/{id}"), &agent, None).await.status, StatusCode::NOT_FOUND);
    t.cleanup().await;
}

#[tokio::test]
async fn pages_sign_in_with_csrf_and_show_errands_to_staff_only() {
    let t = TestApp::new().await;
    let home = t.page("GET", "/", "", None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("<html lang=\"sv\""));
    assert!(home.cookie("porten_csrf").is_some(), "visitors get a CSRF cookie");
    assert!(t.page("GET", "/?lang=en", "", None).await.body.contains("<html lang=\"en\""));

    let no_token = t
        .page(
            "POST",
            "/login",
            "porten_csrf=abcdefghijklmnopqrstuvwxyz0123456789ABCD",
            Some("csrf=wrong&username=agent&password=x"),
        )
        .await;
    assert_eq!(no_token.status, StatusCode::BAD_REQUEST);

    // A token the client makes up (the same value in cookie and form) is refused.
    let made_up = "d".repeat(43);
    let double_submit = t
        .page(
            "POST",
            "/login",
            &format!("porten_csrf={made_up}"),
            Some(&format!("csrf={made_up}&username=agent&password={}", PASSWORD.replace(' ', "+"))),
        )
        .await;
    assert_eq!(double_submit.status, StatusCode::BAD_REQUEST);

    let wrong = t
        .page(
            "POST",
            "/login",
            &format!("porten_csrf={made_up}"),
            Some(&format!("csrf={CSRF}&username=agent&password=wrong")),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("role=\"alert\""), "error summary");
    assert!(wrong.body.contains("value=\"agent\""), "keeps the typed username");

    assert_eq!(t.page("GET", "/staff/errands", "", None).await.header(header::LOCATION), "/login");
    let citizen = t.sign_in("citizen").await;
    assert_eq!(t.page("GET", "/staff/errands", &citizen, None).await.status, StatusCode::FORBIDDEN);

    let id =
        t.api("POST", "/api/v1/errands", Some(&t.key), Some(pothole())).await.json()["id"].as_str().unwrap().to_owned();
    let officer = t.sign_in("case_officer").await;
    let list = t.page("GET", "/staff/errands", &officer, None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("/staff/errands/{id}")));
    let page = t.page("GET", &format!("/staff/errands/{id}"), &officer, None).await;
    assert!(page.body.contains("19121212-****") && !page.body.contains("19121212-1212"));

    // An empty note re-renders with an error summary; a real one redirects (PRG).
    let empty = t
        .page(
            "POST",
            &format!("/staff/errands/{id}/note"),
            &officer,
            Some(&format!("csrf={}&version=1&body=+", "c".repeat(43))),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("error-summary"));
    let saved = t
        .page(
            "POST",
            &format!("/staff/errands/{id}/note"),
            &officer,
            Some(&format!("csrf={}&version=1&body=Ringt+upp", "c".repeat(43))),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let forged =
        t.page("POST", &format!("/staff/errands/{id}/note"), &officer, Some("csrf=forged&version=2&body=x")).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    let stale = t
        .page(
            "POST",
            &format!("/staff/errands/{id}/note"),
            &officer,
            Some(&format!("csrf={}&version=1&body=Igen", "c".repeat(43))),
        )
        .await;
    assert_eq!(stale.status, StatusCode::OK);
    assert!(stale.body.contains(">Igen</textarea>"), "the note typed against a stale version is kept");
    assert!(stale.body.contains("role=\"status\""), "and the user is told why");
    t.cleanup().await;
}

#[tokio::test]
async fn operations_endpoints_and_security_headers() {
    let t = TestApp::new().await;
    let health = t.page("GET", "/healthz", "", None).await;
    assert_eq!((health.status, health.body.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(t.page("GET", "/readyz", "", None).await.status, StatusCode::OK);
    let missing = t.page("GET", "/no/such/page", "", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header(header::REFERRER_POLICY), "no-referrer");
    assert!(missing.header(header::CONTENT_SECURITY_POLICY).contains("default-src 'self'"));
    t.cleanup().await;
}

#[test]
fn openapi_document_is_stable() {
    let doc: Value = serde_json::from_str(&porten_web::openapi_json()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_snapshot!("openapi", porten_web::openapi_json());
}

#[tokio::test]
async fn the_catalogue_needs_the_catalogue_scope_in_the_api_but_is_public_on_pages() {
    let t = TestApp::new().await;
    let system = crate::support::system();
    let catalogue_key =
        t.app.create_api_key(&system, "Kartportal", &[porten_domain::Scope::CatalogueRead], None).await.unwrap().secret;
    for path in ["/api/v1/units", "/api/v1/services"] {
        let refused = t.api("GET", path, Some(&t.key), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path} without catalogue:read");
        assert_eq!(refused.header(header::CONTENT_TYPE), "application/problem+json");
        let allowed = t.api("GET", path, Some(&catalogue_key), None).await;
        assert_eq!(allowed.status, StatusCode::OK, "{path}: {}", allowed.body);
        assert_eq!(allowed.json().as_array().unwrap().len(), 3);
    }
    let browse = t.get("/for/resident", "").await;
    assert_eq!(browse.status, StatusCode::OK);
    assert!(browse.body.contains("Allmän fråga"), "visitors see the catalogue without signing in");
    t.cleanup().await;
}

/// Posts a note with the given `If-Match` header values.
async fn note_if_match(t: &TestApp, id: &str, if_match: &[&str]) -> crate::support::Reply {
    let mut req = Request::post(format!("/api/v1/errands/{id}/notes"))
        .header(header::AUTHORIZATION, format!("Bearer {}", t.key))
        .header(header::CONTENT_TYPE, "application/json");
    for value in if_match {
        req = req.header(header::IF_MATCH, *value);
    }
    t.send(req.body(Body::from(json!({"body": "Anteckning"}).to_string())).unwrap()).await
}

#[tokio::test]
async fn if_match_is_a_precondition_and_a_malformed_one_is_refused() {
    let t = TestApp::new().await;
    let id =
        t.api("POST", "/api/v1/errands", Some(&t.key), Some(pothole())).await.json()["id"].as_str().unwrap().to_owned();
    for malformed in ["3", "banana", "\"3", "\"3\"\"", ","] {
        let refused = note_if_match(&t, &id, &[malformed]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "If-Match: {malformed}");
        assert_eq!(refused.header(header::CONTENT_TYPE), "application/problem+json");
    }
    for failing in ["\"7\"", "W/\"1\"", "\"2\", \"3\"", "\"abc\""] {
        let failed = note_if_match(&t, &id, &[failing]).await;
        assert_eq!(failed.status, StatusCode::PRECONDITION_FAILED, "If-Match: {failing}");
    }
    let timeline = t.api("GET", &format!("/api/v1/errands/{id}/timeline"), Some(&t.key), None).await.json();
    assert_eq!(timeline.as_array().unwrap().len(), 1, "nothing was written by the refused requests");
    let listed = note_if_match(&t, &id, &["\"5\", \"1\""]).await;
    assert_eq!((listed.status, listed.header(header::ETAG)), (StatusCode::OK, "\"2\""), "any tag in the list");
    let split = note_if_match(&t, &id, &["\"9\"", "\"2\""]).await;
    assert_eq!((split.status, split.header(header::ETAG)), (StatusCode::OK, "\"3\""), "over several header lines");
    let any = note_if_match(&t, &id, &["*"]).await;
    assert_eq!((any.status, any.header(header::ETAG)), (StatusCode::OK, "\"4\""));
    t.cleanup().await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let t = TestApp::new().await;
    let mut big = pothole();
    big["description"] = json!("x".repeat(10 * 1024 * 1024));
    let refused = t.api("POST", "/api/v1/errands", Some(&t.key), Some(big)).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(refused.header(header::CONTENT_TYPE), "application/problem+json");
    assert_eq!(refused.json()["status"], 413);
    let doc: Value = serde_json::from_str(&porten_web::openapi_json()).unwrap();
    assert!(doc["paths"]["/api/v1/errands"]["post"]["responses"]["413"].is_object(), "and documented");
    t.cleanup().await;
}

#[tokio::test]
async fn links_on_a_not_found_page_stay_on_this_site() {
    let t = TestApp::new().await;
    for path in ["//evil.example/login", "/\\evil.example/login", "///evil.example//login?x=1"] {
        let page = t.get(path, "").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.body.contains("href=\"//"), "{path}: a protocol-relative link");
        assert!(!page.body.contains("href=\"/\\"), "{path}: a backslash link");
        assert!(page.body.contains("href=\"/evil.example/login?"), "{path}: the language link stays here");
    }
    t.cleanup().await;
}

/// A router on the test app's App with another web configuration.
fn configured(t: &TestApp, config: porten_web::WebConfig) -> axum::Router {
    porten_web::router(porten_web::AppState::new(t.app.clone(), config, None))
}

#[tokio::test]
async fn an_https_public_url_means_hsts_and_secure_cookies() {
    let t = TestApp::new().await;
    let https =
        porten_web::WebConfig { public_url: Some("https://porten.lindhamn.example".into()), ..Default::default() };
    let router = configured(&t, https);
    let page = crate::support::send(&router, Request::get("/login").body(Body::empty()).unwrap()).await;
    assert_eq!(page.header(header::STRICT_TRANSPORT_SECURITY), "max-age=31536000; includeSubDomains");
    let cookie = page.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Over HTTPS the cookies carry the __Host- prefix.
    assert!(cookie.starts_with("__Host-porten_csrf="), "{cookie}");
    let jar = format!("__Host-porten_csrf={CSRF}");
    let form = format!("csrf={CSRF}&username=agent&password={}", PASSWORD.replace(' ', "+"));
    let form = crate::support::with_form_token(&router, &jar, &form).await;
    let login = Request::post("/login")
        .header(header::COOKIE, jar)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let signed_in = crate::support::send(&router, login).await;
    let session = signed_in.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok());
    let session = session.into_iter().find(|c| c.starts_with("__Host-porten_session=")).expect("a session cookie");
    assert!(session.contains("; Secure"), "{session}");

    let plain = t.get("/login", "").await;
    assert_eq!(plain.header(header::STRICT_TRANSPORT_SECURITY), "", "no HSTS over plain HTTP");
    t.cleanup().await;
}

#[tokio::test]
async fn metrics_can_require_a_bearer_token() {
    let t = TestApp::new().await;
    let config = porten_web::WebConfig { metrics_token: Some("metrics-secret-123".into()), ..Default::default() };
    let router = configured(&t, config);
    let scrape = |auth: Option<&str>| {
        let mut req = Request::get("/metrics");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        crate::support::send(&router, req.body(Body::empty()).unwrap())
    };
    assert_eq!(scrape(None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(Some("Bearer wrong")).await.status, StatusCode::UNAUTHORIZED);
    // The test app runs without a recorder, so the right token gets "disabled".
    assert_eq!(scrape(Some("Bearer metrics-secret-123")).await.status, StatusCode::NOT_FOUND);
    t.cleanup().await;
}

#[tokio::test]
async fn a_personnummer_typed_into_free_text_is_masked_and_its_reads_audited() {
    let t = TestApp::new().await;
    let body = json!({
        "service_code": "pothole",
        "title": "Hål i gatan",
        "description": "Anmäld av Tolvan Tolvansson 19121212-1212. Ring 0701234567.",
        "form": {"kontakt": "personnummer 121212-1212"}
    });
    let created = t.api("POST", "/api/v1/errands", Some(&t.key), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(!created.body.contains("1212-1212"), "not even in the answer to the one who sent it");
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let read = t.api("GET", &format!("/api/v1/errands/{id}"), Some(&t.key), None).await.json();
    assert_eq!(read["description"], "Anmäld av Tolvan Tolvansson 19121212-****. Ring 0701234567.");
    assert_eq!(read["form"]["kontakt"], "personnummer 121212-****");
    let message = json!({"body": "Min dotter 200812132389 är också berörd", "direction": "in"});
    let answered = t.api("POST", &format!("/api/v1/errands/{id}/messages"), Some(&t.key), Some(message)).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    let timeline = t.api("GET", &format!("/api/v1/errands/{id}/timeline"), Some(&t.key), None).await;
    assert!(timeline.body.contains("Min dotter 20081213**** är också berörd"), "{}", timeline.body);
    let errand = t.db.store.get_errand(porten_domain::PublicId::parse(&id).unwrap()).await.unwrap().unwrap();
    let actions: Vec<String> =
        t.db.store.audit_for_errand(errand.id).await.unwrap().into_iter().map(|a| a.action).collect();
    assert_eq!(actions, ["errand.read", "errand.update", "errand.read"], "it counts as personal data");
    t.cleanup().await;
}

#[test]
fn the_api_document_is_a_contract_a_generated_client_can_follow() {
    let doc: Value = serde_json::from_str(&porten_web::openapi_json()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let required: Vec<&str> =
        schemas["ErrandIn"]["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for field in ["service_code", "title", "description"] {
        assert!(required.contains(&field), "{field} is required: {required:?}");
    }
    let channels: Vec<&str> =
        schemas["Channel"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(channels, ["web", "email", "phone", "visit", "open311", "api"]);
    assert!(schemas["Status"]["enum"].as_array().unwrap().len() == 6);
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scopes = &op["security"][0]["api_key"];
            assert!(scopes.as_array().is_some_and(|s| s.len() == 1), "{method} {path} names its scope");
            for status in ["401", "403"] {
                assert!(op["responses"][status].is_object(), "{method} {path} documents {status}");
            }
        }
    }
}

#[tokio::test]
async fn a_command_the_errands_state_refuses_is_a_problem_that_names_why() {
    let t = TestApp::new().await;
    let created = t.api("POST", "/api/v1/errands", Some(&t.key), Some(pothole())).await;
    let id = created.json()["id"].as_str().unwrap().to_owned();
    // Handing an errand to the unit that has it changes nothing: refused, saying so.
    let same = json!({"unit": created.json()["unit"], "reason": "Fel enhet"});
    let refused = t.api("POST", &format!("/api/v1/errands/{id}/handover"), Some(&t.key), Some(same)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["type"], "https://porten.example/problems/same_unit", "{}", refused.body);
    let status = |to: &str| json!({"status": to, "reason": "Klart"});
    let path = format!("/api/v1/errands/{id}/status");
    // Resolving needs a decision; with one, the decision is on the timeline.
    let undecided = t.api("POST", &path, Some(&t.key), Some(status("resolved"))).await;
    assert_eq!(undecided.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", undecided.body);
    assert_eq!(undecided.json()["violations"][0]["field"], "decision.outcome", "{}", undecided.body);
    let decided = json!({"status": "resolved", "decision": {"outcome": "answered", "text": "Hålet är lagat."}});
    let done = t.api("POST", &path, Some(&t.key), Some(decided)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["status_labels"]["staff"]["sv"], "Avgjord", "{}", done.body);
    let closed = t.api("POST", &path, Some(&t.key), Some(status("closed"))).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let timeline = t.api("GET", &format!("/api/v1/errands/{id}/timeline"), Some(&t.key), None).await;
    let decision = timeline.json().as_array().unwrap().iter().find(|e| e["type"] == "decided").cloned();
    assert_eq!(decision.map(|d| d["data"]["outcome"].clone()), Some(json!("answered")), "{}", timeline.body);
    let refused =
        t.api("POST", &format!("/api/v1/errands/{id}/status"), Some(&t.key), Some(status("in_progress"))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.header(header::CONTENT_TYPE), "application/problem+json");
    let problem = refused.json();
    assert_eq!(problem["type"], "https://porten.example/problems/illegal_transition", "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("closed"), "{problem}");
    t.cleanup().await;
}
