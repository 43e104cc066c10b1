//! Staff sign-in through the city's identity provider (issue 20): what the
//! claims give, what an administrator's account decides, how an account is
//! bound to the provider's person, and who is refused.

use porten_app::AppError;
use porten_app::auth::Principal;
use porten_app::staff_oidc::StaffIdentity;
use porten_domain::{Role, UnitCode};

use crate::support::TestApp;

fn who(subject: &str, username: &str, role: Option<Role>, unit: Option<&str>) -> StaffIdentity {
    StaffIdentity {
        subject: format!("https://idp.example.se {subject}"),
        username: username.into(),
        name: "Stina Berg".into(),
        role,
        unit: unit.map(str::to_owned),
    }
}

fn forbidden(r: Result<Principal, AppError>) -> bool {
    matches!(r, Err(AppError::Forbidden))
}

async fn actions(t: &TestApp) -> Vec<String> {
    let query = porten_store::AuditQuery { limit: 1000, ..Default::default() };
    t.db.store.search_audit(&query).await.unwrap().into_iter().map(|r| r.entry.action).collect()
}

#[tokio::test]
async fn claims_with_a_role_make_the_account_and_keep_it_in_step_until_the_groups_are_gone() {
    let t = TestApp::new().await;
    let stina = |role, unit| who("u-17", "stina.berg", role, unit);
    let first = t.app.sign_in_staff_with_oidc(&stina(Some(Role::Agent), Some("KC"))).await.unwrap();
    assert_eq!((first.role, first.unit.as_ref().map(UnitCode::as_str)), (Role::Agent, Some("KC")));
    assert!(matches!(t.app.authenticate("stina.berg", "").await, Err(AppError::Unauthenticated)), "no local password");
    let moved = t.app.sign_in_staff_with_oidc(&stina(Some(Role::CaseOfficer), Some("TK"))).await.unwrap();
    assert_eq!(
        (moved.id, moved.role, moved.unit.as_ref().map(UnitCode::as_str)),
        (first.id, Role::CaseOfficer, Some("TK"))
    );
    // Renamed at the provider: still the same person and account.
    let renamed = t.app.sign_in_staff_with_oidc(&who("u-17", "stina.lind", Some(Role::CaseOfficer), Some("TK"))).await;
    assert_eq!(renamed.unwrap().id, first.id);
    // Out of the groups: an account the provider made no longer signs in.
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&stina(None, None)).await));
    let done = actions(&t).await;
    let count = |a: &str| done.iter().filter(|x| *x == a).count();
    assert_eq!((count("user.provisioned"), count("user.oidc_roles")), (1, 1), "made once, changed once");
    t.db.cleanup().await;
}

#[tokio::test]
async fn an_admins_account_is_bound_to_the_first_person_who_signs_in_with_its_name() {
    let t = TestApp::new().await;
    // The administrator keeps the account "agent" (with a password); no role claim.
    let agent = t.app.sign_in_staff_with_oidc(&who("p-1", "agent", None, None)).await.unwrap();
    assert_eq!(agent.role, Role::Agent, "the administrator's role");
    assert!(actions(&t).await.contains(&"user.oidc_linked".to_owned()));
    // Someone else at the provider who is given the same username: refused.
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&who("p-2", "agent", Some(Role::SystemAdmin), None)).await));
    // The bound person still signs in, whatever their username is now.
    assert_eq!(t.app.sign_in_staff_with_oidc(&who("p-1", "renamed", None, None)).await.unwrap().id, agent.id);
    // Only a system admin unbinds it; then the next person with its name binds it.
    assert!(matches!(t.app.unbind_staff_oidc(&t.user("unit_admin"), agent.id).await, Err(AppError::Forbidden)));
    t.app.unbind_staff_oidc(&t.user("system_admin"), agent.id).await.unwrap();
    assert!(actions(&t).await.contains(&"user.oidc_unbound".to_owned()));
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&who("p-1", "renamed", None, None)).await), "unbound: no account");
    assert_eq!(t.app.sign_in_staff_with_oidc(&who("p-2", "agent", None, None)).await.unwrap().id, agent.id);
    assert!(
        matches!(t.app.unbind_staff_oidc(&t.user("system_admin"), 999_999).await, Err(AppError::NotFound)),
        "no such account"
    );
    t.db.cleanup().await;
}

#[tokio::test]
async fn nobody_without_a_role_a_unit_or_an_active_staff_account_signs_in() {
    let t = TestApp::new().await;
    assert!(
        forbidden(t.app.sign_in_staff_with_oidc(&who("n-1", "ny.person", None, None)).await),
        "no account, no role"
    );
    assert!(
        forbidden(t.app.sign_in_staff_with_oidc(&who("n-1", "ny.person", Some(Role::CaseOfficer), None)).await),
        "a case officer needs a unit"
    );
    assert!(
        forbidden(t.app.sign_in_staff_with_oidc(&who("n-1", "ny.person", Some(Role::Agent), Some("XX"))).await),
        "a unit that does not exist"
    );
    // The citizen's account is never a staff sign-in.
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&who("c-1", "citizen", Some(Role::Agent), Some("KC"))).await));
    // An administrator deactivated the account: the provider's word does not open it.
    let agent = t.app.sign_in_staff_with_oidc(&who("a-1", "agent", None, None)).await.unwrap();
    let admin = t.user("system_admin");
    let off = porten_app::admin::RawUser {
        role: "agent".into(),
        unit: "KC".into(),
        active: String::new(),
        ..Default::default()
    };
    t.app.change_staff_user(&admin, agent.id, &off).await.unwrap();
    assert!(forbidden(t.app.sign_in_staff_with_oidc(&who("a-1", "agent", Some(Role::Agent), Some("KC"))).await));
    t.db.cleanup().await;
}
