use super::*;

#[tokio::test]
async fn sessions_expire_and_api_keys_resolve_by_hash() {
    let db = TestDb::new().await;
    let s = db.store.as_ref();
    seed(s).await;
    let id = s
        .create_user(
            &NewUser {
                username: "agent".into(),
                display_name: "Agnes".into(),
                email: Some("agnes@example.com".into()),
                role: Role::Agent,
                unit: Some(code("KC")),
                password_hash: "h".into(),
            },
            t(2026, 1, 1, 0),
        )
        .await
        .unwrap();
    let dup = s
        .create_user(
            &NewUser {
                username: "agent".into(),
                display_name: "X".into(),
                email: None,
                role: Role::Agent,
                unit: None,
                password_hash: "h".into(),
            },
            t(2026, 1, 1, 0),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Duplicate("username"))));
    let token = [7u8; 32];
    s.create_session(&token, id, t(2026, 1, 1, 0), t(2026, 1, 1, 8)).await.unwrap();
    let later = [8u8; 32];
    s.create_session(&later, id, t(2026, 1, 1, 0), t(2026, 1, 2, 0)).await.unwrap();
    assert_eq!(s.purge_expired_sessions(t(2026, 1, 1, 7)).await.unwrap(), 0, "none has expired yet");
    assert_eq!(s.session_user(&token, t(2026, 1, 1, 7)).await.unwrap().map(|u| u.username), Some("agent".into()));
    assert!(s.session_user(&token, t(2026, 1, 1, 9)).await.unwrap().is_none(), "expired session");
    assert_eq!(s.purge_expired_sessions(t(2026, 1, 1, 9)).await.unwrap(), 1, "only the expired one goes");
    assert!(s.session_user(&later, t(2026, 1, 1, 9)).await.unwrap().is_some());
    s.delete_session(&token).await.unwrap();
    assert!(s.session_user(&token, t(2026, 1, 1, 7)).await.unwrap().is_none());

    let key_id = s
        .create_api_key("Entreprenör AB", &[1u8; 32], &[Scope::ErrandsWrite, Scope::ErrandsRead], t(2026, 1, 1, 0))
        .await
        .unwrap();
    let key = s.api_key_by_hash(&[1u8; 32]).await.unwrap().unwrap();
    assert_eq!((key.id, key.scopes), (key_id, vec![Scope::ErrandsWrite, Scope::ErrandsRead]));
    assert!(s.api_key_by_hash(&[2u8; 32]).await.unwrap().is_none());
    assert!(s.revoke_api_key(key_id, t(2026, 1, 2, 0)).await.unwrap());
    assert!(s.api_key_by_hash(&[1u8; 32]).await.unwrap().is_none(), "a revoked key no longer works");
    assert!(!s.revoke_api_key(key_id, t(2026, 1, 2, 0)).await.unwrap(), "revoking twice reports nothing to do");
    db.cleanup().await;
}
