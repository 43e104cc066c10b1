//! Finding an errand from the staff list: `/staff/errands?q=` searches the
//! node's errand index within what the signed-in user may open.

use axum::http::StatusCode;

use crate::support::TestApp;

fn url(q: &str) -> String {
    format!("/staff/errands?q={}", q.replace(' ', "+").replace('/', "%2F"))
}

#[tokio::test]
async fn staff_find_an_errand_by_number_or_name_and_never_another_units_secret() {
    let t = TestApp::new().await;
    let pothole = t.errand("pothole", false).await;
    let secret = t.errand("financial-assistance", true).await;
    let agent = t.sign_in("agent").await;
    let number = pothole.registry_number.to_string();
    for q in [number.clone(), number.replace(' ', ""), number.to_lowercase()] {
        let page = t.get(&url(&q), &agent).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        assert!(page.body.contains(&format!("/staff/errands/{}", pothole.public_id)), "{q}: {}", page.body);
        assert!(page.body.contains("1 träff"), "{q}");
    }
    // Both errands have the party Tolvan Tolvansson; the agent in KC may
    // not open SOF's confidential one: no row, and the count says one.
    let by_name = t.get(&url("Tolvansson"), &agent).await;
    assert!(by_name.body.contains(&pothole.public_id.to_string()));
    assert!(!by_name.body.contains(&secret.public_id.to_string()), "{}", by_name.body);
    assert!(by_name.body.contains("1 träff"));
    let by_number = t.get(&url(&secret.registry_number.to_string()), &agent).await;
    assert!(by_number.body.contains("0 träffar"), "{}", by_number.body);

    // A personal identity number is not searched from the address bar.
    let pnr = t.get(&url("19121212-1212"), &agent).await;
    assert_eq!(pnr.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(pnr.body.contains("Sök inte på personnummer här"), "{}", pnr.body);
    // Citizens have no staff search.
    let citizen = t.sign_in("citizen").await;
    assert_eq!(t.get(&url("Tolvansson"), &citizen).await.status, StatusCode::FORBIDDEN);
    t.cleanup().await;
}

#[tokio::test]
async fn a_callers_history_by_personnummer_is_posted_audited_and_within_access() {
    let t = TestApp::new().await;
    let of_tolvan = |service: &str| porten_domain::RawErrand {
        service_code: service.into(),
        title: "Samtal".into(),
        description: "Ringde".into(),
        channel: "phone".into(),
        parties: vec![porten_domain::RawParty {
            name: "Tolvan Tolvansson".into(),
            personal_number: Some("191212121212".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let system = crate::support::system();
    let pothole = t.app.register_errand(&system, of_tolvan("pothole")).await.unwrap();
    let secret = t.app.register_errand(&system, of_tolvan("financial-assistance")).await.unwrap();
    t.errand("pothole", false).await; // someone else's
    let agent = t.sign_in("agent").await;
    let form = format!("csrf={}&personal_number=19121212-1212", crate::support::CSRF);
    let page = t.post_form("/staff/errands/person", &agent, &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Ärenden för 19121212-****"), "{}", page.body);
    assert!(page.body.contains(&format!("/staff/errands/{}", pothole.public_id)));
    assert!(!page.body.contains(&secret.public_id.to_string()), "not another unit's secret");
    assert!(!page.body.contains("19121212-1212"), "the number is not echoed in full");
    let trail = t.app.audit_trail(&crate::support::system(), &pothole).await.unwrap();
    assert!(
        trail.iter().any(|e| e.action == "errand.search_hit" && e.purpose.as_deref() == Some("person search")),
        "{trail:?}"
    );
    let invalid = t
        .post_form("/staff/errands/person", &agent, &format!("csrf={}&personal_number=1234", crate::support::CSRF))
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.body.contains("Personnumret är inte giltigt"));
    t.cleanup().await;
}

#[tokio::test]
async fn a_number_registered_a_moment_ago_is_found_before_the_index_takes_it_in() {
    let t = TestApp::new().await;
    let agent = t.sign_in("agent").await;
    // The node's index is built by the first search; nothing follows the feed here.
    assert_eq!(t.get(&url("gatan"), &agent).await.status, StatusCode::OK);
    let fresh = t.errand("pothole", false).await;
    let secret = t.errand("financial-assistance", true).await;
    let found = t.get(&url(&fresh.registry_number.to_string().to_lowercase()), &agent).await;
    assert!(found.body.contains(&format!("/staff/errands/{}", fresh.public_id)), "{}", found.body);
    assert!(found.body.contains("1 träff"));
    // Read from the database, but within access: another unit's secret stays hidden.
    let hidden = t.get(&url(&secret.registry_number.to_string()), &agent).await;
    assert!(hidden.body.contains("0 träffar"), "{}", hidden.body);
    t.cleanup().await;
}
