//! Administration in the browser (issue 20), for system admins: staff
//! accounts (create, role, unit, deactivate, a new password) and API keys
//! (each belonging to an external actor: create with scopes, shown once;
//! revoke). Every change is audited in the transaction that makes it.

use porten_domain::{Actor, Role, Scope, UnitCode, Violations};
use porten_store::{ApiKeyRecord, User, UserChange};

use crate::auth::IssuedKey;
use crate::{App, AppError, Result, require_admin};

/// A user account as an administrator changes it (form fields).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawUser {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub unit: String,
    /// `on` while the account may sign in.
    #[serde(default)]
    pub active: String,
}

/// A new password, made here and shown once.
fn new_password() -> String {
    // 20 characters of an unguessable token: more than enough entropy.
    crate::auth::new_token().chars().take(20).collect()
}

impl App {
    /// The role and unit typed, checked: a staff role, and a unit that exists
    /// (required for case officers and unit admins).
    async fn staff_role(&self, raw: &RawUser, v: &mut Violations) -> Result<(Role, Option<UnitCode>)> {
        let role = match Role::parse(raw.role.trim()).filter(|r| r.is_staff()) {
            Some(role) => role,
            None => {
                v.push("role", "invalid", "one of agent, case_officer, unit_admin, system_admin");
                Role::Agent
            }
        };
        let units = self.store.list_units().await?;
        let unit = match raw.unit.trim() {
            "" => None,
            u => match units.iter().find(|x| x.code.as_str() == u) {
                Some(x) => Some(x.code.clone()),
                None => {
                    v.push("unit", "unknown", "no such unit");
                    None
                }
            },
        };
        if raw.unit.trim().is_empty() && matches!(role, Role::CaseOfficer | Role::UnitAdmin) {
            v.push("unit", "required", "case officers and unit admins belong to a unit");
        }
        Ok((role, unit))
    }

    /// The staff accounts, by name (system admins).
    pub async fn staff_users(&self, actor: &Actor) -> Result<Vec<User>> {
        require_admin(actor)?;
        Ok(self.store.staff_users().await?)
    }

    /// Creates a staff account with a password made here; the user's id and
    /// the password, shown once.
    pub async fn add_staff_user(&self, actor: &Actor, raw: &RawUser) -> Result<(i64, String)> {
        require_admin(actor)?;
        let mut v = Violations::new();
        let username = v.text("username", &raw.username, 64);
        let name = v.text("display_name", &raw.display_name, 100);
        let (role, unit) = self.staff_role(raw, &mut v).await?;
        let (username, name) = v.into_result((username, name)).map_err(AppError::Invalid)?;
        let (username, name) = (username.unwrap_or_default(), name.unwrap_or_default());
        let password = new_password();
        let id = self.create_user(actor, &username, &name, role, unit, &password).await?;
        Ok((id, password))
    }

    /// Changes a staff account's role, unit and whether it may sign in. An
    /// administrator cannot lock themselves out.
    pub async fn change_staff_user(&self, actor: &Actor, id: i64, raw: &RawUser) -> Result<()> {
        require_admin(actor)?;
        let mut v = Violations::new();
        let (role, unit) = self.staff_role(raw, &mut v).await?;
        let disabled = raw.active != "on";
        if matches!(actor, Actor::User { id: me, .. } if *me == id) && (disabled || role != Role::SystemAdmin) {
            v.push("role", "self", "you cannot deactivate yourself or give up your own administration");
        }
        v.into_result(()).map_err(AppError::Invalid)?;
        let change = UserChange { role, unit, disabled };
        let what = format!("user {id}: {}{}", role.as_str(), if disabled { ", deactivated" } else { "" });
        if !self.audited(actor, "user.change", &what, self.store.change_user(id, &change)).await? {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// Gives a staff account a new password, made here and shown once; its
    /// sessions end.
    pub async fn reset_staff_password(&self, actor: &Actor, id: i64) -> Result<String> {
        require_admin(actor)?;
        let password = new_password();
        let hash = crate::auth::hash_password(&password);
        let write = self.store.set_password(id, &hash);
        if !self.audited(actor, "user.password_reset", &format!("user {id}"), write).await? {
            return Err(AppError::NotFound);
        }
        Ok(password)
    }

    /// Unbinds a staff account from its person at the identity provider,
    /// for when the provider's person changed (a new employee id, a new
    /// provider): the next sign-in by the account's username binds it anew.
    pub async fn unbind_staff_oidc(&self, actor: &Actor, id: i64) -> Result<()> {
        require_admin(actor)?;
        let write = self.store.unlink_oidc_subject(id);
        if !self.audited(actor, "user.oidc_unbound", &format!("user {id}"), write).await? {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// Every API key, newest first (system admins; never the key's text).
    pub async fn api_keys(&self, actor: &Actor) -> Result<Vec<ApiKeyRecord>> {
        require_admin(actor)?;
        Ok(self.store.api_keys().await?)
    }

    /// Creates an API key for an external actor with the scopes typed.
    pub async fn add_api_key(&self, actor: &Actor, name: &str, scopes: &[String]) -> Result<IssuedKey> {
        let mut v = Violations::new();
        let name = v.text("name", name, 100);
        let scopes: Vec<Scope> = scopes.iter().filter_map(|s| Scope::parse(s)).collect();
        if scopes.is_empty() {
            v.push("scopes", "required", "choose at least one scope");
        }
        let name = v.into_result(name).map_err(AppError::Invalid)?.unwrap_or_default();
        self.create_api_key(actor, &name, &scopes, None).await
    }
}
