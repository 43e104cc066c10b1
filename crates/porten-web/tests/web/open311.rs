//! Open311 GeoReport v2 over HTTP (issue 21): every endpoint in both
//! formats, the spec's errors, and what the public list may show. The
//! bodies are shaped as FixMyStreet posts them.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use porten_domain::Channel;

use crate::support::{Reply, TestApp};

async fn post(t: &TestApp, path: &str, body: &str) -> Reply {
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=utf-8")
        .body(Body::from(body.to_owned()))
        .unwrap();
    t.send(req).await
}

/// A FixMyStreet-style report of a pothole, with the key given.
fn report(key: &str) -> String {
    format!(
        "api_key={key}&service_code=pothole&lat=62.390812&long=17.306927&address_string=Sj%C3%B6gatan+14\
         &email=tolvan%40example.com&first_name=Tolvan&last_name=Tolvansson&phone=070-1740610\
         &description=Djupt+h%C3%A5l.+Ring+070-1740611+eller+19121212-1212.&attribute%5Bfault%5D=pothole\
         &device_id=fms-1&media_url="
    )
}

#[tokio::test]
async fn services_and_their_definitions_in_xml_and_json() {
    let t = TestApp::new().await;
    let xml = t.get("/open311/v2/services.xml", "").await;
    assert_eq!(xml.status, StatusCode::OK);
    assert_eq!(xml.header(header::CONTENT_TYPE), "text/xml; charset=utf-8");
    assert!(xml.body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service>"), "{}", xml.body);
    assert!(xml.body.contains("<service_code>pothole</service_code>"));
    let json = t.get("/open311/v2/services.json", "").await.json();
    let services = json.as_array().expect("a bare array");
    assert_eq!(services.len(), 1, "only the services with an Open311 code: {json}");
    assert_eq!(
        (services[0]["service_code"].as_str(), services[0]["metadata"].as_bool()),
        (Some("pothole"), Some(true))
    );

    let def = t.get("/open311/v2/services/pothole.json", "").await.json();
    assert_eq!(def["service_code"], "pothole");
    let attributes = def["attributes"].as_array().unwrap();
    let fault = attributes.iter().find(|a| a["code"] == "fault").expect("the choice of fault");
    assert_eq!((fault["datatype"].as_str(), fault["required"].as_bool()), (Some("singlevaluelist"), Some(true)));
    assert!(fault["values"].as_array().unwrap().iter().any(|v| v["key"] == "pothole" && v["name"] == "Hål i vägen"));
    let orders: Vec<i64> = attributes.iter().map(|a| a["order"].as_i64().unwrap()).collect();
    assert_eq!(orders, (1..=orders.len() as i64).collect::<Vec<_>>(), "unique positive orders");
    let def_xml = t.get("/open311/v2/services/pothole.xml", "").await;
    assert!(def_xml.body.contains("<service_definition><service_code>pothole</service_code><attributes><attribute>"));

    let discovery = t.get("/open311/v2/discovery.json", "").await.json();
    assert_eq!(discovery["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(t.get("/open311/v2/discovery.xml", "").await.body.contains("<endpoints><endpoint>"));
    t.cleanup().await;
}

#[tokio::test]
async fn what_does_not_exist_is_a_404_in_the_specs_error_format() {
    let t = TestApp::new().await;
    for (path, format) in [
        ("/open311/v2/services/general-question.json", "json"),
        ("/open311/v2/services/unknown.xml", "xml"),
        ("/open311/v2/requests/01ARZ3NDEKTSV4RRFFQ69G5FAV.json", "json"),
        ("/open311/v2/tokens/abc.xml", "xml"),
        ("/open311/v2/nothing.json", "json"),
        ("/open311/v2/services.json?jurisdiction_id=elsewhere.example", "json"),
        ("/open311/v2/services.yaml", "xml"),
    ] {
        let r = t.get(path, "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        if format == "json" {
            assert_eq!(r.json()[0]["code"], 404, "{path}: {}", r.body);
        } else {
            assert!(r.body.contains("<errors><error><code>404</code><description>"), "{path}: {}", r.body);
        }
    }
    let empty = t.get("/open311/v2/services.json?jurisdiction_id=", "").await;
    assert_eq!(empty.status, StatusCode::OK, "an empty optional parameter equals an absent one");
    t.cleanup().await;
}

#[tokio::test]
async fn a_posted_request_is_an_ordinary_errand_and_the_public_sees_it_without_personal_data() {
    let t = TestApp::new().await;
    let created = post(&t, "/open311/v2/requests.json", &report(&t.key)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let answer = created.json();
    let id = answer[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(answer[0].get("token").is_none(), "an id or a token, never both");
    assert!(answer[0]["service_notice"].as_str().unwrap().starts_with("Diarienummer TK 2026/"));

    // An ordinary errand: registered, on its channel, with its place and reporter.
    let id_of = porten_domain::PublicId::parse(&id).unwrap();
    let errand = t.app.read_errand(&t.user("system_admin"), id_of, None).await.unwrap().errand;
    assert_eq!(errand.channel, Channel::Open311);
    let location = errand.location.clone().unwrap();
    assert_eq!(location.address.as_deref(), Some("Sjögatan 14"));
    assert_eq!(location.point.map(|p| (p.lat, p.long)), Some((62.390812, 17.306927)));
    assert_eq!(errand.parties[0].name, "Tolvan Tolvansson");
    assert_eq!(errand.form["fault"], "Hål i vägen");

    // The public list: the request, without names, addresses or numbers.
    let one = t.get(&format!("/open311/v2/requests/{id}.json"), "").await;
    assert_eq!(one.status, StatusCode::OK);
    let r = &one.json()[0];
    assert_eq!((r["service_request_id"].as_str(), r["status"].as_str()), (Some(id.as_str()), Some("open")));
    assert_eq!((r["lat"].as_f64(), r["long"].as_f64()), (Some(62.390812), Some(17.306927)));
    assert_eq!(r["address"], "Sjögatan 14");
    assert_eq!(r["agency_responsible"], "Enhet TK");
    assert_eq!(r["description"], "Djupt hål. Ring [telefon] eller [personnummer].");
    assert!(r["requested_datetime"].as_str().unwrap().ends_with("+01:00"), "ISO 8601 with its offset");
    for secret in ["Tolvan", "tolvan@example.com", "070-1740610", "1212-1212"] {
        assert!(!one.body.contains(secret), "{secret} in {}", one.body);
    }
    let listed = t.get("/open311/v2/requests.xml", "").await;
    assert!(listed.body.contains(&format!("<service_request_id>{id}</service_request_id>")), "{}", listed.body);
    assert!(!listed.body.contains("Tolvan"));
    let extended = t.get(&format!("/open311/v2/requests/{id}.json?extensions=true"), "").await.json();
    assert_eq!(extended[0]["extended_attributes"]["status"], "open");
    let attributes = extended[0]["attributes"].as_array().unwrap();
    assert!(attributes.iter().any(|a| a["code"] == "fault" && a["value"] == "Hål i vägen"));
    assert!(
        attributes.iter().all(|a| a["code"] != "email" && a["code"] != "description"),
        "no free text: {attributes:?}"
    );

    // Filters: status, service, dates.
    let ids =
        |r: &Reply| r.json().as_array().unwrap().iter().map(|x| x["service_request_id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&t.get("/open311/v2/requests.json?status=OPEN", "").await).len(), 1, "a status in any case");
    assert!(ids(&t.get("/open311/v2/requests.json?status=closed", "").await).is_empty());
    assert_eq!(ids(&t.get("/open311/v2/requests.json?service_code=pothole", "").await).len(), 1);
    // Registered at 10:00 in Stockholm: a filter keeps its time of day.
    let before =
        "/open311/v2/requests.json?start_date=2026-10-01T00:00:00%2B02:00&end_date=2026-11-03T10:01:00%2B01:00";
    assert_eq!(ids(&t.get(before, "").await).len(), 1);
    let earlier =
        "/open311/v2/requests.json?start_date=2026-10-01T00:00:00%2B02:00&end_date=2026-11-03T09:59:00%2B01:00";
    assert!(ids(&t.get(earlier, "").await).is_empty());
    t.cleanup().await;
}

#[tokio::test]
async fn a_confidential_errand_or_another_service_is_never_public() {
    let t = TestApp::new().await;
    let secret = t
        .api(
            "POST",
            "/api/v1/errands",
            Some(&t.key),
            Some(serde_json::json!({"service_code": "pothole", "title": "Hål", "description": "x", "confidential": true})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let question = t.errand("general-question", false).await.public_id.to_string();
    // A pothole that reached the city another way is listed, its words not.
    let body =
        serde_json::json!({"service_code": "pothole", "title": "Hål", "description": "Anna Andersson, Storgatan 3"});
    let by_api =
        t.api("POST", "/api/v1/errands", Some(&t.key), Some(body)).await.json()["id"].as_str().unwrap().to_owned();
    let listed = t.get(&format!("/open311/v2/requests/{by_api}.json"), "").await;
    assert_eq!(listed.json()[0]["description"], "", "{}", listed.body);
    for id in [&secret, &question] {
        assert_eq!(t.get(&format!("/open311/v2/requests/{id}.json"), "").await.status, StatusCode::NOT_FOUND);
    }
    let all = t.get(&format!("/open311/v2/requests.json?service_request_id={secret},{question}"), "").await;
    assert_eq!(all.json(), serde_json::json!([]));
    t.cleanup().await;
}

#[tokio::test]
async fn a_post_needs_a_key_that_may_write_a_known_service_and_a_place() {
    let t = TestApp::new().await;
    let missing = post(&t, "/open311/v2/requests.xml", "service_code=pothole&address_string=Sj%C3%B6gatan+14").await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("<errors><error><code>403</code>"), "{}", missing.body);
    for key in ["not-a-key", t.read_only_key.as_str()] {
        let r = post(&t, "/open311/v2/requests.json", &report(key)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{key}: {}", r.body);
    }
    let cases = [
        (format!("api_key={}&address_string=Sj%C3%B6gatan+14", t.key), "service_code"),
        (format!("api_key={}&service_code=pothole&attribute%5Bfault%5D=pothole", t.key), "location"),
        (format!("api_key={}&service_code=pothole&lat=62.39", t.key), "long"),
        (format!("api_key={}&service_code=pothole&lat=n%C3%A4ra&long=17.3", t.key), "lat"),
        (format!("api_key={}&service_code=snow&address_string=x", t.key), "service_code"),
        (
            format!("api_key={}&service_code=pothole&address_string=x&attribute%5Bfault%5D=volcano", t.key),
            "attribute[fault]",
        ),
    ];
    for (body, names) in cases {
        let r = post(&t, "/open311/v2/requests.json", &body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        let description = r.json()[0]["description"].as_str().unwrap().to_owned();
        assert!(description.contains(names), "{body}: {description}");
        assert_eq!(r.json()[0]["code"], 400);
    }
    for (path, why) in [
        ("/open311/v2/requests.json?page=20&page_size=1000", "page"),
        ("/open311/v2/requests.json?page=1&page=2", "query"),
    ] {
        let r = t.get(path, "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{why}: {}", r.body);
        assert_eq!(r.json()[0]["code"], 400, "{why}: in the spec's format");
    }
    let many: Vec<String> = (0..101).map(|i| format!("{i:026}")).collect();
    let too_many = t.get(&format!("/open311/v2/requests.json?service_request_id={}", many.join(",")), "").await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);
    let wide = t.get("/open311/v2/requests.json?start_date=2026-01-01&end_date=2026-06-01", "").await;
    assert_eq!(wide.status, StatusCode::BAD_REQUEST, "more than 90 days");
    assert_eq!(t.get("/open311/v2/requests.json?status=fixed", "").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.get("/open311/v2/requests.json?service_code=nope", "").await.status, StatusCode::BAD_REQUEST);
    t.cleanup().await;
}

#[tokio::test]
async fn the_api_takes_and_gives_an_errands_location() {
    let t = TestApp::new().await;
    let place =
        serde_json::json!({"address": "Sjögatan 14", "lat": 62.390812, "long": 17.306927, "place_ref": "stolpe 4417"});
    let body =
        serde_json::json!({"service_code": "pothole", "title": "Hål", "description": "Djupt", "location": place});
    let created = t.api("POST", "/api/v1/errands", Some(&t.key), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let read = t.api("GET", &format!("/api/v1/errands/{id}"), Some(&t.key), None).await.json();
    assert_eq!(read["location"], place, "as given, to the last digit");

    let wrong = serde_json::json!({"service_code": "pothole", "title": "Hål", "description": "Djupt",
        "location": {"lat": 95.0, "long": 17.3}});
    let refused = t.api("POST", "/api/v1/errands", Some(&t.key), Some(wrong)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["violations"][0]["field"], "location.lat");
    let unknown = serde_json::json!({"service_code": "pothole", "title": "Hål", "description": "Djupt",
        "location": {"street": "Sjögatan"}});
    assert_eq!(
        t.api("POST", "/api/v1/errands", Some(&t.key), Some(unknown)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    t.cleanup().await;
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_registers_nothing_twice() {
    let t = TestApp::new().await;
    let send = |key: &'static str| {
        let req = Request::builder()
            .method("POST")
            .uri("/open311/v2/requests.json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("idempotency-key", key)
            .body(Body::from(report(&t.key)))
            .unwrap();
        t.send(req)
    };
    let first = send("fms-update-4711").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let retry = send("fms-update-4711").await;
    assert_eq!(retry.status, StatusCode::CREATED);
    let id = |r: &Reply| r.json()[0]["service_request_id"].as_str().unwrap().to_owned();
    assert_eq!(id(&retry), id(&first), "the first errand, again");
    assert_eq!(retry.json()[0]["service_notice"], first.json()[0]["service_notice"], "with its registry number");
    let other = send("fms-update-4712").await;
    assert_ne!(id(&other), id(&first), "another key is another request");
    let listed = t.get("/open311/v2/requests.json", "").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "two errands, not three");
    t.cleanup().await;
}

#[tokio::test]
async fn service_request_updates_go_out_as_status_changes_and_come_in_as_the_citizens_words() {
    let t = TestApp::new().await;
    let id = post(&t, "/open311/v2/requests.json", &report(&t.key)).await.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let public_id = porten_domain::PublicId::parse(&id).unwrap();
    let officer = t.user("case_officer");
    let reason = Some("Ring Tolvan på 070-1740610");
    t.app
        .act_on_errand(
            &officer,
            public_id,
            None,
            porten_domain::Command::status(porten_domain::Lifecycle::InProgress, reason),
        )
        .await
        .unwrap();

    let updates = t.get("/open311/v2/servicerequestupdates.json", "").await;
    assert_eq!(updates.status, StatusCode::OK, "{}", updates.body);
    let list = updates.json();
    let update = &list.as_array().unwrap().iter().find(|u| u["service_request_id"] == id.as_str()).unwrap().clone();
    assert_eq!(
        (update["status"].as_str(), update["external_status_code"].as_str()),
        (Some("in_progress"), Some("in_progress"))
    );
    assert!(update["updated_datetime"].as_str().unwrap().ends_with("+01:00"));
    assert!(
        !updates.body.contains("Tolvan") && !updates.body.contains("070-"),
        "never the reason typed: {}",
        updates.body
    );
    let xml = t.get("/open311/v2/servicerequestupdates.xml?start_date=2026-11-01T00:00:00Z", "").await;
    assert!(xml.body.contains("<service_request_updates><request_update><update_id>"), "{}", xml.body);
    let early = t.get("/open311/v2/servicerequestupdates.json?start_date=2026-10-01&end_date=2026-11-01", "").await;
    assert_eq!(early.json(), serde_json::json!([]));

    // FixMyStreet passes on what the citizen wrote: a message on the errand.
    let body = format!(
        "api_key={}&service_request_id={id}&update_id=fms-77&status=OPEN&updated_datetime=2026-11-03T10:05:00%2B01:00\
         &description=H%C3%A5let+har+blivit+st%C3%B6rre.&first_name=Tolvan",
        t.key
    );
    let posted = post(&t, "/open311/v2/servicerequestupdates.json", &body).await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    assert!(posted.json()[0]["update_id"].as_str().unwrap().starts_with(&id));
    let timeline = t.app.read_errand(&t.user("system_admin"), public_id, None).await.unwrap().timeline;
    assert!(timeline.iter().any(|e| matches!(&e.kind,
        porten_domain::EventKind::Message { direction: porten_domain::errand::Direction::In, body } if body == "Hålet har blivit större.")));

    let no_key =
        post(&t, "/open311/v2/servicerequestupdates.xml", &format!("service_request_id={id}&description=x")).await;
    assert_eq!(no_key.status, StatusCode::FORBIDDEN);
    let unknown = format!("api_key={}&service_request_id=01ARZ3NDEKTSV4RRFFQ69G5FAV&description=x", t.key);
    assert_eq!(post(&t, "/open311/v2/servicerequestupdates.json", &unknown).await.status, StatusCode::BAD_REQUEST);
    let read_only = format!("api_key={}&service_request_id={id}&description=x", t.read_only_key);
    assert_eq!(post(&t, "/open311/v2/servicerequestupdates.json", &read_only).await.status, StatusCode::FORBIDDEN);
    // Another system that may write errands still may not speak for this reporter.
    let writes = [porten_domain::Scope::ErrandsRead, porten_domain::Scope::ErrandsWrite];
    let other = t.app.create_api_key(&crate::support::system(), "Annan", &writes, None).await.unwrap().secret;
    let foreign = format!("api_key={other}&service_request_id={id}&description=x");
    assert_eq!(post(&t, "/open311/v2/servicerequestupdates.json", &foreign).await.status, StatusCode::FORBIDDEN);
    t.cleanup().await;
}
