//! Supervision and administration in the browser (issue 20): the report
//! page for a unit admin (their unit only) and a system admin; the errand
//! export (streamed CSV, Swedish settings, personal data only with a purpose
//! and never of a confidential errand, audited); the audit-log viewer; staff
//! accounts and API keys.

use axum::http::StatusCode;

use crate::support::{CSRF, TestApp};

#[tokio::test]
async fn a_unit_admin_sees_their_units_report_and_exports_its_errands() {
    let t = TestApp::new().await;
    let pothole = t.errand("pothole", false).await;
    let secret = t.errand("financial-assistance", true).await;
    let jar = t.sign_in("unit_admin").await;

    let page = t.get("/staff/reports", &jar).await;
    assert_eq!(page.status, StatusCode::OK);
    for heading in [
        "Ärenden som väntar just nu",
        "Inkommet per kanal",
        "Löst vid första kontakten",
        "Tidsgränser",
        "Självbetjäning",
    ] {
        assert!(page.body.contains(heading), "{heading}");
    }
    assert!(page.body.contains("<svg class=\"chart\" role=\"img\""), "an accessible chart");
    assert!(!page.body.contains("Enhet KC"), "a unit admin chooses only their own unit");
    assert_eq!(t.get("/staff/reports?unit=KC", &jar).await.status, StatusCode::FORBIDDEN, "not another unit's");
    let bad = t.get("/staff/reports?from=2026-13-01&channel=fax", &jar).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("href=\"#from\"") && bad.body.contains("href=\"#channel\""),
        "the summary links the fields"
    );
    assert!(bad.body.contains("value=\"2026-13-01\""), "what was typed is kept");

    let csv = t.post_form("/staff/reports/export", &jar, &format!("csrf={CSRF}&style=sv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header(axum::http::header::CONTENT_DISPOSITION).contains("-sv.csv"));
    assert!(csv.body.starts_with("\u{feff}registry_number;service;unit;"), "{}", csv.body);
    assert!(csv.body.contains(&pothole.registry_number.to_string()));
    assert!(!csv.body.contains(&secret.registry_number.to_string()), "SOF's errand is not TK's unit admin's");
    assert!(!csv.body.contains("title"), "no personal columns unless chosen");

    let no_purpose = t.post_form("/staff/reports/export", &jar, &format!("csrf={CSRF}&personal=on&purpose=")).await;
    assert_eq!(no_purpose.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_purpose.body.contains("href=\"#purpose\""));
    let with =
        t.post_form("/staff/reports/export", &jar, &format!("csrf={CSRF}&personal=on&purpose=Uppf%C3%B6ljning")).await;
    assert!(with.body.lines().next().unwrap().ends_with(",title,parties"), "{}", with.body);
    assert!(with.body.contains(&pothole.title), "the title with a purpose");
    t.cleanup().await;
}

#[tokio::test]
async fn a_system_admins_export_never_holds_a_confidential_errands_personal_data() {
    let t = TestApp::new().await;
    let secret = t.errand("financial-assistance", true).await;
    let jar = t.sign_in("system_admin").await;
    let csv = t.post_form("/staff/reports/export", &jar, &format!("csrf={CSRF}&personal=on&purpose=Revision")).await;
    let line =
        csv.body.lines().find(|l| l.starts_with(&secret.registry_number.to_string())).expect("the errand is listed");
    assert!(line.ends_with(",,"), "no title, no parties: {line}");
    assert!(!csv.body.contains(&secret.title));
    assert_eq!(t.get("/staff/reports", &t.sign_in("agent").await).await.status, StatusCode::FORBIDDEN);
    t.cleanup().await;
}

#[tokio::test]
async fn the_audit_log_shows_who_exported_and_who_read_an_errand_to_system_admins_only() {
    let t = TestApp::new().await;
    let errand = t.errand("pothole", false).await;
    let supervisor = t.sign_in("unit_admin").await;
    t.post_form("/staff/reports/export", &supervisor, &format!("csrf={CSRF}")).await;
    let officer = t.sign_in("case_officer").await;
    assert_eq!(t.get(&format!("/staff/errands/{}", errand.public_id), &officer).await.status, StatusCode::OK);

    let admin = t.sign_in("system_admin").await;
    let all = t.get("/staff/audit", &admin).await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("errands.export") && all.body.contains("1 rows"), "the export with its row count");
    let number = errand.registry_number.to_string();
    let by_errand = t.get(&format!("/staff/audit?errand={}", number.replace(' ', "").to_lowercase()), &admin).await;
    assert!(by_errand.body.contains("errand.read") && !by_errand.body.contains("errands.export"), "only that errand's");
    let by_person = t.get("/staff/audit?person=case_officer", &admin).await;
    assert!(by_person.body.contains("errand.read") && !by_person.body.contains("errands.export"));
    let unknown = t.get("/staff/audit?person=nobody&errand=XX+2026%2F9", &admin).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("href=\"#person\"") && unknown.body.contains("value=\"nobody\""));
    assert_eq!(t.get("/staff/audit", &supervisor).await.status, StatusCode::FORBIDDEN);
    t.cleanup().await;
}

#[tokio::test]
async fn a_system_admin_adds_staff_changes_their_access_and_issues_and_revokes_keys_in_the_browser() {
    let t = TestApp::new().await;
    let admin = t.sign_in("system_admin").await;
    let page = t.get("/staff/admin", &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("case_officer"), "the staff are listed");

    // A new case officer without a unit is refused, what was typed kept.
    let bad = t
        .post_form(
            "/staff/admin/users",
            &admin,
            &format!("csrf={CSRF}&username=lena&display_name=Lena+L&role=case_officer&unit="),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("href=\"#new-unit\"") && bad.body.contains("value=\"lena\""));
    let made = t
        .post_form(
            "/staff/admin/users",
            &admin,
            &format!("csrf={CSRF}&username=lena&display_name=Lena+L&role=case_officer&unit=TK"),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK);
    let password =
        made.body.split("<code class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap().to_owned();
    let lena =
        t.app.staff_users(&t.user("system_admin")).await.unwrap().into_iter().find(|u| u.username == "lena").unwrap();
    assert!(t.app.authenticate("lena", &password).await.is_ok(), "the password shown once signs her in");

    // Deactivated: she can no longer sign in.
    let off = t
        .post_form(
            &format!("/staff/admin/users/{}", lena.id),
            &admin,
            &format!("csrf={CSRF}&role=case_officer&unit=TK"),
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert!(t.app.authenticate("lena", &password).await.is_err());
    // An administrator cannot lock themselves out.
    let me = t
        .app
        .staff_users(&t.user("system_admin"))
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "system_admin")
        .unwrap();
    let self_off = t
        .post_form(&format!("/staff/admin/users/{}", me.id), &admin, &format!("csrf={CSRF}&role=agent&active=on"))
        .await;
    assert_eq!(self_off.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(self_off.body.contains(&format!("href=\"#role-{}\"", me.id)));

    // A key for an external actor, shown once, works, and stops when revoked.
    let issued = t
        .post_form("/staff/admin/keys", &admin, &format!("csrf={CSRF}&name=Gatuentrepren%C3%B6ren&errands-read=on"))
        .await;
    let key = issued.body.split("<code class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap().to_owned();
    assert_eq!(t.api("GET", "/api/v1/errands", Some(&key), None).await.status, StatusCode::OK);
    let listed = t.get("/staff/admin", &admin).await;
    assert!(listed.body.contains("Gatuentreprenören") && !listed.body.contains(&key), "listed, never shown again");
    let id = t
        .app
        .api_keys(&t.user("system_admin"))
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "Gatuentreprenören")
        .unwrap()
        .id;
    assert_eq!(
        t.post_form(&format!("/staff/admin/keys/{id}/revoke"), &admin, &format!("csrf={CSRF}")).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.api("GET", "/api/v1/errands", Some(&key), None).await.status, StatusCode::UNAUTHORIZED);
    let none = t.post_form("/staff/admin/keys", &admin, &format!("csrf={CSRF}&name=X")).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "a key needs a scope");
    t.cleanup().await;
}
