//! Signing in under attack (issue 8, findings 1 and 2): failed attempts are
//! limited per address first and per account and address, an owner is never
//! locked out by someone else's guesses, successes count toward nothing,
//! over-long fields are refused, and `X-Forwarded-For` counts only from a
//! trusted proxy.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};

use crate::support::{CSRF, PASSWORD, Reply, TestApp, send};

/// Posts the sign-in form as the socket peer `from`, with extra headers.
async fn sign_in_as(
    router: &axum::Router,
    from: &str,
    username: &str,
    password: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let jar = format!("porten_csrf={CSRF}");
    let form = format!("csrf={CSRF}&username={username}&password={}", password.replace(' ', "+"));
    let form = crate::support::with_form_token(router, &jar, &form).await;
    let mut req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::COOKIE, jar)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let mut req = req.body(Body::from(form)).unwrap();
    let peer: IpAddr = from.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer, 40000)));
    send(router, req).await
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out() {
    let t = TestApp::new().await;
    for _ in 0..10 {
        let guess = sign_in_as(&t.router, "203.0.113.7", "agent", "wrong password!", &[]).await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
    }
    let spent = sign_in_as(&t.router, "203.0.113.7", "agent", PASSWORD, &[]).await;
    assert_eq!(spent.status, StatusCode::TOO_MANY_REQUESTS, "that address has had its tries at this account");
    let owner = sign_in_as(&t.router, "198.51.100.20", "agent", PASSWORD, &[]).await;
    assert_eq!(owner.status, StatusCode::SEE_OTHER, "the owner, from another address, still signs in");
    let other_account = sign_in_as(&t.router, "203.0.113.7", "case_officer", PASSWORD, &[]).await;
    assert_eq!(other_account.status, StatusCode::SEE_OTHER, "and the address may still use other accounts");
    t.cleanup().await;
}

#[tokio::test]
async fn successful_sign_ins_count_toward_nothing() {
    let t = TestApp::new().await;
    for i in 0..15 {
        let ok = sign_in_as(&t.router, "192.0.2.44", "case_officer", PASSWORD, &[]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "sign-in {i}");
    }
    t.cleanup().await;
}

#[tokio::test]
async fn many_failures_from_one_address_do_not_lock_out_everyone_behind_it() {
    // An office behind one NAT: a hundred failed sign-ins under other names
    // (issue 17) leave a colleague at the same address able to sign in.
    let t = TestApp::new().await;
    for i in 0..100 {
        let guess = sign_in_as(&t.router, "203.0.113.99", &format!("user{i}"), "wrong password!", &[]).await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let colleague = sign_in_as(&t.router, "203.0.113.99", "agent", PASSWORD, &[]).await;
    assert_eq!(colleague.status, StatusCode::SEE_OTHER);
    let elsewhere = sign_in_as(&t.router, "198.51.100.1", "case_officer", PASSWORD, &[]).await;
    assert_eq!(elsewhere.status, StatusCode::SEE_OTHER);
    t.cleanup().await;
}

#[tokio::test]
async fn an_over_long_username_is_refused_and_not_echoed() {
    let t = TestApp::new().await;
    let long = "a".repeat(100_000);
    let refused = sign_in_as(&t.router, "203.0.113.5", &long, "wrong password!", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(!refused.body.contains(&long[..300]), "the page does not send it back");
    t.cleanup().await;
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let t = TestApp::new().await;
    let proxy = "10.0.0.2";
    let config = porten_web::WebConfig { trusted_proxies: vec![proxy.parse().unwrap()], ..Default::default() };
    let behind_proxy = porten_web::router(porten_web::AppState::new(t.app.clone(), config, None));
    let from = |client: &'static str| [("x-forwarded-for", client)];
    for _ in 0..10 {
        let guess = sign_in_as(&behind_proxy, proxy, "agent", "wrong password!", &from("203.0.113.8")).await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
    }
    let same_client = sign_in_as(&behind_proxy, proxy, "agent", PASSWORD, &from("203.0.113.8")).await;
    assert_eq!(same_client.status, StatusCode::TOO_MANY_REQUESTS);
    let other_client = sign_in_as(&behind_proxy, proxy, "agent", PASSWORD, &from("198.51.100.9")).await;
    assert_eq!(other_client.status, StatusCode::SEE_OTHER, "clients behind the proxy are told apart");

    // Without trust, the header is the client's own word and is ignored: the
    // same guesses through an untrusted peer spend that peer's budget.
    for _ in 0..10 {
        sign_in_as(&t.router, "10.0.0.3", "agent", "wrong password!", &from("203.0.113.8")).await;
    }
    let spoofed = sign_in_as(&t.router, "10.0.0.3", "agent", PASSWORD, &from("198.51.100.9")).await;
    assert_eq!(spoofed.status, StatusCode::TOO_MANY_REQUESTS);
    t.cleanup().await;
}

#[tokio::test]
async fn signing_in_as_someone_else_ends_the_earlier_session() {
    let t = TestApp::new().await;
    let agent = t.sign_in("agent").await;
    assert_eq!(t.get("/staff/errands", &agent).await.status, StatusCode::OK);
    let form = format!("csrf={CSRF}&username=case_officer&password={}", PASSWORD.replace(' ', "+"));
    let switched = t.post_form("/login", &agent, &form).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let earlier = t.get("/staff/errands", &agent).await;
    assert_eq!(earlier.header(header::LOCATION), "/login", "the agent's session is over");
    t.cleanup().await;
}

#[tokio::test]
async fn a_form_token_belongs_to_its_session_and_changes_at_sign_in() {
    let t = TestApp::new().await;
    let before = crate::support::form_token(&t.router, &format!("porten_csrf={CSRF}")).await;
    let agent = t.sign_in("agent").await;
    let agents = crate::support::form_token(&t.router, &agent).await;
    assert_ne!(before, agents, "signing in gives the form a new token");
    let officer = t.sign_in("case_officer").await;
    let officers = crate::support::form_token(&t.router, &officer).await;
    assert_ne!(agents, officers, "each session has its own");
    let form = |token: &str| format!("csrf={token}&channel=phone&topic=general&outcome=resolved&minutes=2");
    let borrowed = t.post_form("/staff/contacts", &officer, &form(&agents)).await;
    assert_eq!(borrowed.status, StatusCode::BAD_REQUEST, "another session's token is refused");
    let own = t.post_form("/staff/contacts", &officer, &form(&officers)).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
    t.cleanup().await;
}

/// With an e-ID provider configured, the login page offers it; a provider
/// that cannot be reached gets a clear 503, and a callback whose pending
/// login cookie was forged or is missing is refused before the provider is
/// asked anything.
#[tokio::test]
async fn an_e_id_callback_needs_the_signed_cookie_of_the_login_it_finishes() {
    let t = TestApp::new().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let settings = porten_app::eid::EidSettings {
        issuer: format!("http://127.0.0.1:{closed}"),
        client_id: "porten".into(),
        client_secret: Some("secret".into()),
        redirect_url: "http://127.0.0.1:8080/login/eid/callback".into(),
        personal_number_claim: porten_app::eid::OIDC_SE_PERSONAL_NUMBER.into(),
    };
    let app = t.app.clone().with_eid(porten_app::eid::Eid::new(settings).unwrap());
    let router = porten_web::router(porten_web::AppState::new(app, porten_web::WebConfig::default(), None));
    let jar = format!("porten_csrf={CSRF}");
    let get = |uri: &str, cookies: String| {
        let req = Request::builder().uri(uri).header(header::COOKIE, cookies).body(Body::empty()).unwrap();
        send(&router, req)
    };
    assert!(get("/login", jar.clone()).await.body.contains("href=\"/login/eid\""));
    assert_eq!(get("/login/eid", jar.clone()).await.status, StatusCode::SERVICE_UNAVAILABLE);
    let callback = "/login/eid/callback?code=abc&state=xyz";
    assert_eq!(get(callback, jar.clone()).await.status, StatusCode::BAD_REQUEST, "no pending login");
    let forged = format!("{jar}; porten_eid=eyJzdGF0ZSI6Inh5eiJ9.forged");
    assert_eq!(get(callback, forged).await.status, StatusCode::BAD_REQUEST, "a forged pending login");
    t.cleanup().await;
}

#[tokio::test]
async fn staff_sign_in_through_the_citys_provider_is_offered_and_needs_its_own_signed_cookie() {
    let t = TestApp::new().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let settings = porten_app::eid::EidSettings {
        issuer: format!("http://127.0.0.1:{closed}"),
        client_id: "porten-staff".into(),
        client_secret: Some("secret".into()),
        redirect_url: "http://127.0.0.1:8080/login/staff/callback".into(),
        personal_number_claim: String::new(),
    };
    let oidc = porten_app::staff_oidc::StaffOidc {
        client: porten_app::eid::Eid::new(settings).unwrap(),
        claims: porten_app::staff_oidc::StaffClaims::default(),
    };
    let app = t.app.clone().with_staff_oidc(oidc);
    let router = porten_web::router(porten_web::AppState::new(app, porten_web::WebConfig::default(), None));
    let jar = format!("porten_csrf={CSRF}");
    let get = |uri: &str, cookies: String| {
        let req = Request::builder().uri(uri).header(header::COOKIE, cookies).body(Body::empty()).unwrap();
        send(&router, req)
    };
    let login = get("/login", jar.clone()).await;
    assert!(login.body.contains("href=\"/login/staff\">Logga in med ditt konto i staden"), "{}", login.body);
    assert!(!login.body.contains("href=\"/login/eid\""), "no e-ID here");
    assert_eq!(get("/login/staff", jar.clone()).await.status, StatusCode::SERVICE_UNAVAILABLE, "the provider is down");
    let callback = "/login/staff/callback?code=abc&state=xyz";
    assert_eq!(get(callback, jar.clone()).await.status, StatusCode::BAD_REQUEST, "no pending login");
    let forged = format!("{jar}; porten_staff_login=eyJzdGF0ZSI6Inh5eiJ9.forged");
    assert_eq!(get(callback, forged).await.status, StatusCode::BAD_REQUEST, "a forged pending login");
    assert_eq!(get("/login/eid", jar).await.status, StatusCode::NOT_FOUND, "staff sign-in is not the e-ID");
    t.cleanup().await;
}
