//! Units and services edited in the browser (issue 20): a system admin
//! changes a service's texts and SLA targets and a unit's routing; bad
//! input gets an error summary that keeps what was typed; every change is
//! audited; no one else may.

use axum::http::{StatusCode, header};

use crate::support::{CSRF, TestApp, system};

const SERVICE: &str = "name_sv=Potth%C3%A5l&name_en=Pothole&description_sv=Anm%C3%A4l+h%C3%A5l.&description_en=Report+a+hole.\
&processing_time_sv=&processing_time_en=&unit=TK&skill=&warn_percent=80";

#[tokio::test]
async fn an_admin_edits_a_services_texts_and_targets() {
    let t = TestApp::new().await;
    let officer = t.sign_in("unit_admin").await;
    assert_eq!(t.get("/staff/admin/services/pothole", &officer).await.status, StatusCode::FORBIDDEN);
    let jar = t.sign_in("system_admin").await;
    let list = t.get("/staff/admin/services", &jar).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("<a href=\"/staff/admin/services/pothole\">Tjänst pothole</a>"), "{}", list.body);
    let page = t.get("/staff/admin/services/pothole", &jar).await;
    assert!(
        page.body.contains("id=\"sla_normal_resolution\" name=\"sla_normal_resolution\" value=\"40\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"sla_urgent_first\" name=\"sla_urgent_first\" value=\"2\""));
    assert!(
        page.body.contains("name=\"public_reports\" value=\"on\" aria-describedby=\"public_reports-hint\" checked")
    );

    // First answer later than the decision: refused, what was typed kept.
    let late = format!("csrf={CSRF}&{SERVICE}&sla_normal_first=30&sla_normal_resolution=24");
    let bad = t.post_form("/staff/admin/services/pothole", &jar, &late).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("href=\"#sla_normal_first\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"30\"") && bad.body.contains("value=\"Potthål\""), "what was typed is kept");
    let unchanged = t.app.service(Some(&system()), "pothole").await.unwrap().unwrap();
    assert_eq!(unchanged.name_sv, "Tjänst pothole");

    let good = format!("csrf={CSRF}&{SERVICE}&sla_normal_first=4&sla_normal_resolution=24&sla_urgent_resolution=8");
    let saved = t.post_form("/staff/admin/services/pothole", &jar, &good).await;
    assert_eq!(saved.header(header::LOCATION), "/staff/admin/services/pothole?done=saved", "{}", saved.body);
    let s = t.app.service(Some(&system()), "pothole").await.unwrap().unwrap();
    let sla = s.sla.clone().unwrap();
    assert_eq!(
        (s.name_sv.as_str(), sla.normal.resolution_hours, sla.normal.first_response_hours),
        ("Potthål", 24, Some(4))
    );
    assert_eq!((sla.by_priority.len(), sla.warn_percent), (1, 80), "the urgent target alone, without a first answer");
    assert!(t.get("/services/pothole", "").await.body.contains("Potthål"), "the portal shows the new name");
    assert!(!s.public_reports, "unticked: its errands leave Open311's public list");

    // No targets at all: no SLA.
    let none =
        t.post_form("/staff/admin/services/pothole", &jar, &format!("csrf={CSRF}&{SERVICE}&public_reports=on")).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    let s = t.app.service(Some(&system()), "pothole").await.unwrap().unwrap();
    assert_eq!((s.sla, s.public_reports), (None, true));
    assert_eq!(t.get("/staff/admin/services/nope", &jar).await.status, StatusCode::NOT_FOUND);

    let audit = t.get("/staff/audit", &jar).await;
    assert!(audit.body.contains("catalogue.service"), "{}", audit.body);
    t.cleanup().await;
}

#[tokio::test]
async fn an_admin_renames_a_unit_and_sets_how_it_hands_out_errands() {
    let t = TestApp::new().await;
    let jar = t.sign_in("system_admin").await;
    let bad = t
        .post_form(
            "/staff/admin/units/TK",
            &jar,
            &format!("csrf={CSRF}&name_sv=Trafikkontoret&name_en=&strategy=lottery&max_open=0"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for link in ["#name_en-TK", "#strategy-TK", "#max_open-TK"] {
        assert!(bad.body.contains(&format!("href=\"{link}\"")), "{link}: {}", bad.body);
    }
    assert!(bad.body.contains("value=\"Trafikkontoret\""), "what was typed is kept");
    assert!(bad.body.contains("aria-describedby=\"strategy-TK-error\""), "the error is told beside the field");
    let form = format!("csrf={CSRF}&name_sv=Trafikkontoret&name_en=Traffic+office&strategy=fewest_open&max_open=12");
    let saved = t.post_form("/staff/admin/units/TK", &jar, &form).await;
    assert_eq!(saved.header(header::LOCATION), "/staff/admin/services?done=unit");
    let units = t.app.units(Some(&system())).await.unwrap();
    let tk = units.iter().find(|u| u.code.as_str() == "TK").unwrap();
    assert_eq!((tk.name_sv.as_str(), tk.routing.max_open), ("Trafikkontoret", Some(12)));
    assert_eq!(tk.routing.strategy.as_str(), "fewest_open");
    let agent = t.sign_in("agent").await;
    assert_eq!(t.post_form("/staff/admin/units/TK", &agent, &form).await.status, StatusCode::FORBIDDEN);
    t.cleanup().await;
}
