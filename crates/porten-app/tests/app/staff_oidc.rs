//! Staff sign-in through the city's identity provider (issue 20): what the
//! claims give, what an administrator's account decides, and who is refused.

use porten_app::AppError;
use porten_app::staff_oidc::StaffIdentity;
use porten_domain::{Role, UnitCode};

use crate::support::TestApp;

fn who(username: &str, role: Option<Role>, unit: Option<&str>) -> StaffIdentity {
    StaffIdentity { username: username.into(), name: "Stina Berg".into(), role, unit: unit.map(str::to_owned) }
}

#[tokio::test]
async fn claims_with_a_role_make_or_update_the_account_and_without_one_the_admins_account_decides() {
    let t = TestApp::new().await;
    // A first sign-in with a role claim makes the account, audited.
    let first = t.app.sign_in_staff_with_oidc(&who("stina.berg", Some(Role::Agent), Some("KC"))).await.unwrap();
    assert_eq!((first.role, first.unit.as_ref().map(UnitCode::as_str)), (Role::Agent, Some("KC")));
    // It has no local password.
    assert!(matches!(t.app.authenticate("stina.berg", "").await, Err(AppError::Unauthenticated)));
    // The claims change: the account follows.
    let moved = t.app.sign_in_staff_with_oidc(&who("stina.berg", Some(Role::CaseOfficer), Some("TK"))).await.unwrap();
    assert_eq!(
        (moved.id, moved.role, moved.unit.as_ref().map(UnitCode::as_str)),
        (first.id, Role::CaseOfficer, Some("TK"))
    );
    // No role claim: the account as the administrator keeps it.
    let kept = t.app.sign_in_staff_with_oidc(&who("stina.berg", None, None)).await.unwrap();
    assert_eq!((kept.id, kept.role), (first.id, Role::CaseOfficer));
    let query = porten_store::AuditQuery { limit: 1000, ..Default::default() };
    let audit = t.db.store.search_audit(&query).await.unwrap();
    let count = |action: &str| audit.iter().filter(|r| r.entry.action == action).count();
    assert_eq!((count("user.provisioned"), count("user.oidc_roles")), (1, 1), "made once, changed once");
    t.db.cleanup().await;
}

#[tokio::test]
async fn nobody_without_a_role_a_unit_or_an_active_staff_account_signs_in() {
    let t = TestApp::new().await;
    let forbidden = |r: Result<porten_app::auth::Principal, AppError>| matches!(r, Err(AppError::Forbidden));
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&who("ny.person", None, None)).await), "no account, no role");
    assert!(
        forbidden(t.app.sign_in_staff_with_oidc(&who("ny.person", Some(Role::CaseOfficer), None)).await),
        "a case officer needs a unit"
    );
    assert!(
        forbidden(t.app.sign_in_staff_with_oidc(&who("ny.person", Some(Role::Agent), Some("XX"))).await),
        "a unit that does not exist"
    );
    // The citizen's account is never a staff sign-in.
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&who("citizen", Some(Role::Agent), Some("KC"))).await));
    // An administrator deactivated the account: the provider's word does not open it.
    let agent = t.app.sign_in_staff_with_oidc(&who("agent", None, None)).await.unwrap();
    let admin = t.user("system_admin");
    let off = porten_app::admin::RawUser {
        role: "agent".into(),
        unit: "KC".into(),
        active: String::new(),
        ..Default::default()
    };
    t.app.change_staff_user(&admin, agent.id, &off).await.unwrap();
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&who("agent", Some(Role::Agent), Some("KC"))).await));
    t.db.cleanup().await;
}
