//! Passwords, sessions and API keys.
//!
//! Passwords are hashed with Argon2id. Session tokens and API keys are 256
//! random bits; only their SHA-256 hashes are stored, so a database leak
//! does not leak working credentials.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use porten_domain::{Actor, Role, Scope, Violations};
use porten_store::{NewUser, User};
use sha2::{Digest, Sha256};

use crate::{App, AppError, Result, random_bytes, require_admin};

/// How long a sign-in lasts.
pub const SESSION_LIFETIME_HOURS: i64 = 12;

/// Prefix of every API key, so leaked keys are easy to recognise in scanners.
pub const API_KEY_PREFIX: &str = "porten_";

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).expect("16 bytes is a valid salt");
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashing").to_string()
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

pub fn sha256(s: &str) -> Vec<u8> {
    Sha256::digest(s.as_bytes()).to_vec()
}

/// A new random token as URL-safe text.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// The token a form must carry, bound to `binding` (the session, or a
/// visitor's random id before sign-in) with the installation's secret:
/// HMAC-SHA256, URL-safe base64. A token taken from another session, or
/// chosen by the client, does not match.
pub fn form_token(secret: &[u8], binding: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(b"porten form token\0");
    mac.update(binding.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Compares a secret with what a client sent, in time that does not depend
/// on where they differ. An empty secret matches nothing.
pub fn constant_time_eq(secret: &[u8], sent: &[u8]) -> bool {
    !secret.is_empty()
        && secret.len() == sent.len()
        && secret.iter().zip(sent).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A newly created API key.
pub struct IssuedKey {
    pub id: i64,
    /// The key itself; only its hash is stored.
    pub secret: String,
}

/// A pseudonym for a random visitor id, for statistics: 16 hex digits of
/// its SHA-256, so the stored value cannot be turned back into the cookie.
pub fn pseudonym(visitor: &str) -> String {
    Sha256::digest(format!("porten visitor {visitor}").as_bytes())[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed-in person as pages see them: who, in which role and unit.
/// Unlike the stored user, it carries no password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: porten_domain::Role,
    pub unit: Option<porten_domain::UnitCode>,
}

impl From<User> for Principal {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            role: u.role,
            unit: u.unit,
        }
    }
}

impl Principal {
    /// The principal as the actor of a use case.
    pub fn actor(&self) -> Actor {
        user_actor(self)
    }
}

/// Who acts on a page: the signed-in person, or a visitor.
pub fn actor_of(user: Option<&Principal>) -> Actor {
    user.map_or(Actor::Visitor, user_actor)
}

/// A signed-in person as an actor.
pub fn user_actor(user: &Principal) -> Actor {
    Actor::User { id: user.id, name: user.display_name.clone(), role: user.role, unit: user.unit.clone() }
}

impl App {
    /// Checks a username and password. Unknown users cost the same work as
    /// wrong passwords, so response times do not reveal which usernames exist.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Principal> {
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let user = self.store.user_by_username(username.trim()).await?;
        let dummy = || DUMMY.get_or_init(|| hash_password("not a real password")).as_str();
        let hash = user.as_ref().map_or_else(dummy, |u| u.password_hash.as_str());
        let password_ok = verify_password(password, hash);
        match user {
            Some(u) if password_ok && !u.disabled => Ok(u.into()),
            _ => Err(AppError::Unauthenticated),
        }
    }

    /// Starts a session and returns its token for the cookie.
    pub async fn start_session(&self, user: &Principal) -> Result<String> {
        let token = new_token();
        let now = self.now();
        self.store.create_session(&sha256(&token), user.id, now, now + Duration::hours(SESSION_LIFETIME_HOURS)).await?;
        Ok(token)
    }

    pub async fn session_user(&self, token: &str) -> Result<Option<Principal>> {
        Ok(self.store.session_user(&sha256(token), self.now()).await?.map(Principal::from))
    }

    /// Removes expired sessions (the hourly job `sessions.purge-expired`).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        Ok(self.store.purge_expired_sessions(self.now()).await?)
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        Ok(self.store.delete_session(&sha256(token)).await?)
    }

    /// Resolves a bearer token to the API key's actor.
    /// A user's display name (a staff page names who did what).
    pub async fn user_name(&self, id: i64) -> Result<Option<String>> {
        Ok(self.store.user_by_id(id).await?.map(|u| u.display_name))
    }

    pub async fn api_key_actor(&self, bearer: &str) -> Result<Actor> {
        if !bearer.starts_with(API_KEY_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let key = self.store.api_key_by_hash(&sha256(bearer)).await?.ok_or(AppError::Unauthenticated)?;
        Ok(Actor::ApiKey { id: key.id, name: key.name, scopes: key.scopes })
    }

    /// Creates an API key (Porten itself and system admins; audited). With
    /// `secret` the given key is registered (it must start with `porten_` and
    /// be at least 32 characters); otherwise a random one is made. Returns the
    /// key's id and its text, which is shown only once.
    pub async fn create_api_key(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[Scope],
        secret: Option<&str>,
    ) -> Result<IssuedKey> {
        require_admin(actor)?;
        let key = match secret {
            Some(s) if s.starts_with(API_KEY_PREFIX) && s.len() >= 32 => s.to_owned(),
            Some(_) => {
                let mut v = Violations::new();
                v.push(
                    "secret",
                    "invalid",
                    format!("must start with {API_KEY_PREFIX} and have at least 32 characters"),
                );
                return Err(AppError::Invalid(v));
            }
            None => format!("{API_KEY_PREFIX}{}", new_token()),
        };
        let hash = sha256(&key);
        let write = self.store.create_api_key(name, &hash, scopes, self.now());
        let id = self.audited(actor, "apikey.create", &format!("key named {name}"), write).await?;
        Ok(IssuedKey { id, secret: key })
    }

    /// Revokes an API key at once on every node (Porten itself and system
    /// admins; audited). Not found when no active key has that id.
    pub async fn revoke_api_key(&self, actor: &Actor, id: i64) -> Result<()> {
        require_admin(actor)?;
        let write = self.store.revoke_api_key(id, self.now());
        if !self.audited(actor, "apikey.revoke", &format!("key {id}"), write).await? {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// Creates a local account with an Argon2id-hashed password (Porten
    /// itself and system admins; audited). Returns the new user's id.
    pub async fn create_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        role: Role,
        unit: Option<porten_domain::UnitCode>,
        password: &str,
    ) -> Result<i64> {
        require_admin(actor)?;
        if password.chars().count() < 10 {
            let mut v = Violations::new();
            v.push("password", "too_short", "a password needs at least 10 characters");
            return Err(AppError::Invalid(v));
        }
        let user = NewUser {
            username: username.trim().to_owned(),
            display_name: display_name.trim().to_owned(),
            email: None,
            role,
            unit,
            password_hash: hash_password(password),
        };
        let purpose = format!("user {} ({})", user.username, role.as_str());
        self.audited(actor, "user.create", &purpose, self.store.create_user(&user, self.now())).await
    }
}
