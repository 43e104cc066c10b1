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
