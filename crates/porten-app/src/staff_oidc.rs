//! Staff sign-in through the city's identity provider over OpenID Connect
//! (issue 20), with the same `openidconnect` client as the e-ID
//! ([`crate::eid::Eid`]). The provider says who signed in
//! (`preferred_username`, else a verified `email`) and, where it is set up to, their
//! role and unit as claims. Claims that name a role win and keep the local
//! account in step; without one, the account an administrator keeps in
//! `/staff/admin` decides (the mapping an admin keeps). A deactivated
//! account never signs in, and nobody gets an account without a role.
//! Local passwords remain for small installations.
//!
//! An account is bound to the provider's identifier for the person (issuer
//! and subject) at its first sign-in, by username, lower case; after that
//! the username claim no longer decides, so a renamed account at the
//! provider cannot take over another. An account the provider made (it has
//! no local password) follows the provider's groups: without a role claim
//! it is refused, so taking someone out of the groups takes their access.

use porten_domain::{Role, UnitCode};
use porten_store::{NewUser, UserChange};

use crate::auth::Principal;
use crate::eid::{Eid, EidError, VerifiedClaims};
use crate::{App, AppError, Result};

/// How the provider's claims map to staff.
#[derive(Clone, Debug)]
pub struct StaffClaims {
    /// The claim with the username (default `preferred_username`; `email`
    /// when it is missing).
    pub username_claim: String,
    /// The claim with the user's groups or roles: a string or a list.
    pub roles_claim: String,
    /// The claim with the unit's code (`TK`).
    pub unit_claim: String,
    /// Which group gives which role; the most privileged one matched wins.
    pub role_map: Vec<(String, Role)>,
}

impl Default for StaffClaims {
    fn default() -> Self {
        Self {
            username_claim: "preferred_username".into(),
            roles_claim: "roles".into(),
            unit_claim: "unit".into(),
            role_map: vec![
                ("porten-agent".into(), Role::Agent),
                ("porten-case-officer".into(), Role::CaseOfficer),
                ("porten-unit-admin".into(), Role::UnitAdmin),
                ("porten-system-admin".into(), Role::SystemAdmin),
            ],
        }
    }
}

impl StaffClaims {
    /// Reads `group=role,group=role` (the setting `staff_oidc_role_map`).
    pub fn parse_role_map(raw: &str) -> std::result::Result<Vec<(String, Role)>, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (group, role) = pair.split_once('=').ok_or_else(|| format!("{pair}: write group=role"))?;
                let role = Role::parse(role.trim())
                    .filter(|r| r.is_staff())
                    .ok_or_else(|| format!("{pair}: the role is agent, case_officer, unit_admin or system_admin"))?;
                Ok((group.trim().to_owned(), role))
            })
            .collect()
    }

    /// Who signed in, by these rules.
    pub fn identity(&self, claims: &VerifiedClaims) -> std::result::Result<StaffIdentity, EidError> {
        let text =
            |name: &str| claims.payload[name].as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        // An e-mail address only when the provider verified it: some let
        // people type their own.
        let verified = claims.payload["email_verified"].as_bool() == Some(true);
        let username = text(&self.username_claim)
            .or_else(|| text("email").filter(|_| verified))
            .ok_or_else(|| EidError::Token(format!("no {} or verified email claim", self.username_claim)))?
            .to_lowercase();
        let subject = match (text("iss"), text("sub")) {
            (Some(iss), Some(sub)) => format!("{iss} {sub}"),
            _ => return Err(EidError::Token("no iss or sub claim".into())),
        };
        let groups: Vec<String> = match &claims.payload[self.roles_claim.as_str()] {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(list) => list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        let rank =
            |r: &Role| [Role::Agent, Role::CaseOfficer, Role::UnitAdmin, Role::SystemAdmin].iter().position(|x| x == r);
        let role = self
            .role_map
            .iter()
            .filter(|(group, _)| groups.contains(group))
            .map(|(_, role)| *role)
            .max_by_key(|r| rank(r));
        Ok(StaffIdentity {
            name: claims.name.clone().unwrap_or_else(|| username.clone()),
            subject,
            username,
            role,
            unit: text(&self.unit_claim),
        })
    }
}

/// Who the provider says signed in, and the role and unit its claims give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffIdentity {
    /// The provider's identifier for the person: issuer and subject.
    pub subject: String,
    /// Lower case.
    pub username: String,
    pub name: String,
    pub role: Option<Role>,
    pub unit: Option<String>,
}

/// Staff sign-in of an installation: the provider's client and its claims.
pub struct StaffOidc {
    pub client: Eid,
    pub claims: StaffClaims,
}

impl App {
    /// Signs in the staff member the provider vouched for: their account,
    /// created or brought in step with the role and unit the claims give.
    /// Refused (forbidden) for a deactivated account, a citizen's, and for
    /// someone with neither an account nor a role.
    pub async fn sign_in_staff_with_oidc(&self, who: &StaffIdentity) -> Result<Principal> {
        let system = porten_domain::Actor::System { name: "Inloggning".into() };
        let refused = |why: &str| {
            tracing::warn!(target: "porten::security", event = "staff_oidc.refused", why);
            AppError::Forbidden
        };
        // The account bound to this person, else the one of their username,
        // bound now; an account bound to someone else is never theirs.
        let (existing, by_name) = match self.store.user_by_oidc_subject(&who.subject).await? {
            Some(user) => (Some(user), false),
            None => (self.store.user_by_username(&who.username).await?, true),
        };
        if existing.as_ref().is_some_and(|u| u.disabled || !u.role.is_staff()) {
            return Err(refused("the account is deactivated or not a staff account"));
        }
        if let Some(user) = existing.as_ref().filter(|_| by_name) {
            let what = format!("user {} bound to the identity provider", user.id);
            let link = self.store.link_oidc_subject(user.id, &who.subject);
            if !self.audited(&system, "user.oidc_linked", &what, link).await? {
                return Err(refused("the account is bound to another person at the provider"));
            }
        }
        let Some(role) = who.role else {
            // No role in the claims: the account an administrator keeps
            // decides; one the provider made has lost its groups.
            let user = existing.ok_or_else(|| refused("no account and no role claim"))?;
            if user.password_hash.is_empty() {
                return Err(refused("an account the provider made, with no role claim now"));
            }
            tracing::info!(target: "porten::security", event = "staff_oidc.login", user = user.id);
            return Ok(user.into());
        };
        let units = self.store.list_units().await?;
        let unit = match who.unit.as_deref() {
            Some(code) => Some(
                UnitCode::parse(code)
                    .ok()
                    .filter(|c| units.iter().any(|u| &u.code == c))
                    .ok_or_else(|| refused("the unit claim names no unit"))?,
            ),
            None => None,
        };
        if unit.is_none() && matches!(role, Role::CaseOfficer | Role::UnitAdmin) {
            return Err(refused("a case officer or unit admin without a unit claim"));
        }
        let user = match existing {
            Some(user) if user.role == role && user.unit == unit => user,
            Some(user) => {
                let change = UserChange { role, unit: unit.clone(), disabled: user.disabled };
                let what = format!("user {}: {} from the identity provider", user.id, role.as_str());
                self.audited(&system, "user.oidc_roles", &what, self.store.change_user(user.id, &change)).await?;
                self.store.user_by_id(user.id).await?.ok_or(AppError::NotFound)?
            }
            None => {
                // No local password: the account signs in through the provider only.
                let new = NewUser {
                    username: who.username.clone(),
                    display_name: who.name.clone(),
                    email: None,
                    role,
                    unit,
                    password_hash: String::new(),
                };
                let what = format!("user {} ({}) from the identity provider", who.username, role.as_str());
                let id =
                    self.audited(&system, "user.provisioned", &what, self.store.create_user(&new, self.now())).await?;
                self.store.link_oidc_subject(id, &who.subject).await?;
                self.store.user_by_id(id).await?.ok_or(AppError::NotFound)?
            }
        };
        if user.disabled {
            return Err(refused("the account was deactivated meanwhile"));
        }
        tracing::info!(target: "porten::security", event = "staff_oidc.login", user = user.id);
        Ok(user.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(payload: serde_json::Value) -> VerifiedClaims {
        VerifiedClaims { payload, name: Some("Stina Berg".into()) }
    }

    #[test]
    fn claims_give_the_username_the_most_privileged_role_and_the_unit() {
        let rules = StaffClaims::default();
        let who = rules
            .identity(&claims(serde_json::json!({
                "iss": "https://idp.example.se", "sub": "u-17", "preferred_username": "Stina.Berg",
                "roles": ["porten-agent", "porten-unit-admin", "other"], "unit": "KC"
            })))
            .unwrap();
        assert_eq!(
            who,
            StaffIdentity {
                subject: "https://idp.example.se u-17".into(),
                username: "stina.berg".into(),
                name: "Stina Berg".into(),
                role: Some(Role::UnitAdmin),
                unit: Some("KC".into())
            }
        );
        let verified = serde_json::json!({"iss": "i", "sub": "s", "email": "a@example.org", "email_verified": true, "roles": "porten-agent"});
        let by_mail = rules.identity(&claims(verified)).unwrap();
        assert_eq!((by_mail.username.as_str(), by_mail.role), ("a@example.org", Some(Role::Agent)));
        let none = rules
            .identity(&claims(
                serde_json::json!({"iss": "i", "sub": "s", "preferred_username": "x", "roles": ["employees"]}),
            ))
            .unwrap();
        assert_eq!(none.role, None, "a group that maps to no role gives none");
        assert!(
            rules.identity(&claims(serde_json::json!({"iss": "i", "sub": "s", "roles": ["porten-agent"]}))).is_err(),
            "no username"
        );
        assert!(rules.identity(&claims(serde_json::json!({"preferred_username": "x"}))).is_err(), "no subject");
        let unverified = serde_json::json!({"iss": "i", "sub": "s", "email": "a@example.org", "email_verified": false, "roles": "porten-agent"});
        assert!(rules.identity(&claims(unverified)).is_err(), "an address the provider did not verify is no username");
    }

    #[test]
    fn a_role_map_is_read_from_its_setting_or_refused_with_the_pair() {
        let map = StaffClaims::parse_role_map("kc-personal=agent, bygglov=case_officer").unwrap();
        assert_eq!(map, [("kc-personal".to_owned(), Role::Agent), ("bygglov".to_owned(), Role::CaseOfficer)]);
        assert!(StaffClaims::parse_role_map("kc=citizen").unwrap_err().contains("kc=citizen"));
        assert!(StaffClaims::parse_role_map("kc").unwrap_err().contains("group=role"));
    }
}
