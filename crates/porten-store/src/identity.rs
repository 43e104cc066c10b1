//! Identity and access: users (staff and citizens with local accounts),
//! sessions and API keys. Session tokens and API keys are stored only as
//! SHA-256 hashes, passwords only as Argon2id hashes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::{Role, Scope, UnitCode};

use crate::Result;

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub unit: Option<UnitCode>,
    pub password_hash: String,
    pub disabled: bool,
    /// Bound to a person at the city's identity provider (staff sign-in over
    /// OpenID Connect); the subject itself is never shown.
    pub oidc_bound: bool,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub unit: Option<UnitCode>,
    pub password_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// An API key as administrators list it (never its text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    /// The external actor (a system or an organisation) the key belongs to.
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A change to a user by an administrator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserChange {
    pub role: Role,
    pub unit: Option<UnitCode>,
    pub disabled: bool,
}

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// The staff accounts (every role but citizens), by name.
    async fn staff_users(&self) -> Result<Vec<User>>;
    /// Changes a user's role, unit and whether they may sign in; a user
    /// disabled loses their sessions in the same transaction. False when no
    /// such staff user.
    async fn change_user(&self, id: i64, change: &UserChange) -> Result<bool>;
    /// Sets a user's password hash and ends their sessions.
    async fn set_password(&self, id: i64, password_hash: &str) -> Result<bool>;
    /// Every API key, newest first.
    async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>>;
    async fn create_user(&self, user: &NewUser, now: DateTime<Utc>) -> Result<i64>;
    async fn user_by_username(&self, username: &str) -> Result<Option<User>>;
    async fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    /// The account linked to the identity provider's person `subject`
    /// (issuer and subject).
    async fn user_by_oidc_subject(&self, subject: &str) -> Result<Option<User>>;
    /// Links an account to the provider's person; false when the account
    /// is linked already (to anyone) or does not exist.
    async fn link_oidc_subject(&self, user_id: i64, subject: &str) -> Result<bool>;
    /// Unbinds an account from its person at the identity provider, so that
    /// the next sign-in by the account's username binds it again; false when
    /// it was not bound (or no such account).
    async fn unlink_oidc_subject(&self, user_id: i64) -> Result<bool>;
    /// Enabled staff who may be assigned an errand of `unit`: its case
    /// officers and unit admins, and every contact-center agent, by name.
    async fn assignable_staff(&self, unit: &UnitCode) -> Result<Vec<User>>;
    /// The citizen account of the person with this personnummer (12 digits),
    /// created on their first e-ID login; the name is updated to the one the
    /// e-ID gave.
    async fn citizen_by_personal_number(&self, number: &str, name: &str, now: DateTime<Utc>) -> Result<User>;
    /// The personnummer of a citizen who signed in with e-ID.
    async fn personal_number_of(&self, user_id: i64) -> Result<Option<String>>;
    async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// The user of an unexpired session.
    async fn session_user(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<User>>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    /// Removes the sessions that expired before `now`; how many (a job does
    /// it hourly, so that signing in writes one row and nothing else).
    async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;
    async fn create_api_key(&self, name: &str, key_hash: &[u8], scopes: &[Scope], now: DateTime<Utc>) -> Result<i64>;
    async fn api_key_by_hash(&self, key_hash: &[u8]) -> Result<Option<ApiKey>>;
    /// Revokes a key at once on every node. Returns false when no active key has that id.
    async fn revoke_api_key(&self, id: i64, now: DateTime<Utc>) -> Result<bool>;
}

/// Expands to `impl IdentityStore` for a backend.
macro_rules! impl_identity {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use porten_domain::Scope;
            use sqlx::Row;

            use $crate::codec::*;
            use $crate::{micros, ApiKey, NewUser, Result, User};

            fn user_row(row: &$row) -> Result<User> {
                Ok(User {
                    id: row.try_get("id")?,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    role: role(row.try_get("role")?)?,
                    unit: row.try_get::<Option<&str>, _>("unit_code")?.map(unit_code).transpose()?,
                    password_hash: row.try_get("password_hash")?,
                    disabled: row.try_get("disabled")?,
                    oidc_bound: row.try_get::<Option<&str>, _>("oidc_subject")?.is_some(),
                })
            }


            #[async_trait::async_trait]
            impl $crate::IdentityStore for $store {
                async fn create_user(&self, u: &NewUser, now: DateTime<Utc>) -> Result<i64> {
                    let u = u.clone();
                    self.writer().write(move |c| Box::pin(async move {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO users (username, display_name, email, role, unit_code, password_hash, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                        )
                        .bind(&u.username)
                        .bind(&u.display_name)
                        .bind(&u.email)
                        .bind(u.role.as_str())
                        .bind(u.unit.as_ref().map(|c| c.as_str().to_owned()))
                        .bind(&u.password_hash)
                        .bind(micros(now))
                        .fetch_one(&mut *c)
                        .await
                        .map_err(|e| duplicate(e, "username"))?;
                        Ok(id)
                    })).await
                }

                async fn staff_users(&self) -> Result<Vec<User>> {
                    let rows = sqlx::query("SELECT * FROM users WHERE role <> 'citizen' ORDER BY display_name, id")
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter().map(user_row).collect()
                }

                async fn change_user(&self, id: i64, change: &$crate::UserChange) -> Result<bool> {
                    let change = change.clone();
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query(
                            "UPDATE users SET role = $1, unit_code = $2, disabled = $3 WHERE id = $4 AND role <> 'citizen'",
                        )
                        .bind(change.role.as_str())
                        .bind(change.unit.as_ref().map(|u| u.as_str().to_owned()))
                        .bind(change.disabled)
                        .bind(id)
                        .execute(&mut *c)
                        .await?;
                        if change.disabled {
                            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *c).await?;
                        }
                        Ok(done.rows_affected() == 1)
                    })).await
                }

                async fn set_password(&self, id: i64, password_hash: &str) -> Result<bool> {
                    let hash = password_hash.to_owned();
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND role <> 'citizen'")
                            .bind(&hash)
                            .bind(id)
                            .execute(&mut *c)
                            .await?;
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *c).await?;
                        Ok(done.rows_affected() == 1)
                    })).await
                }

                async fn api_keys(&self) -> Result<Vec<$crate::ApiKeyRecord>> {
                    let rows = sqlx::query("SELECT id, name, scopes, created_at, revoked_at FROM api_keys ORDER BY id DESC")
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok($crate::ApiKeyRecord {
                                id: r.try_get("id")?,
                                name: r.try_get("name")?,
                                scopes: scopes(r.try_get("scopes")?)?,
                                created_at: $crate::from_micros(r.try_get("created_at")?)?,
                                revoked_at: r.try_get::<Option<i64>, _>("revoked_at")?.map($crate::from_micros).transpose()?,
                            })
                        })
                        .collect()
                }

                async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                    let row = sqlx::query("SELECT * FROM users WHERE username = $1")
                        .bind(username)
                        .fetch_optional(self.reader())
                        .await?;
                    row.as_ref().map(user_row).transpose()
                }

                async fn user_by_oidc_subject(&self, subject: &str) -> Result<Option<User>> {
                    let row = sqlx::query("SELECT * FROM users WHERE oidc_subject = $1")
                        .bind(subject)
                        .fetch_optional(self.reader())
                        .await?;
                    row.as_ref().map(user_row).transpose()
                }

                async fn link_oidc_subject(&self, user_id: i64, subject: &str) -> Result<bool> {
                    let subject = subject.to_owned();
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query("UPDATE users SET oidc_subject = $1 WHERE id = $2 AND oidc_subject IS NULL")
                            .bind(subject)
                            .bind(user_id)
                            .execute(&mut *c)
                            .await
                            .map_err(|e| $crate::codec::duplicate(e, "oidc subject"))?;
                        Ok(done.rows_affected() == 1)
                    })).await
                }

                async fn unlink_oidc_subject(&self, user_id: i64) -> Result<bool> {
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query("UPDATE users SET oidc_subject = NULL WHERE id = $1 AND oidc_subject IS NOT NULL")
                            .bind(user_id)
                            .execute(&mut *c)
                            .await?;
                        Ok(done.rows_affected() == 1)
                    })).await
                }

                async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
                    let row =
                        sqlx::query("SELECT * FROM users WHERE id = $1").bind(id).fetch_optional(self.reader()).await?;
                    row.as_ref().map(user_row).transpose()
                }

                async fn assignable_staff(&self, unit: &porten_domain::UnitCode) -> Result<Vec<User>> {
                    let rows = sqlx::query(
                        "SELECT * FROM users WHERE disabled = FALSE AND (role = 'agent' \
                         OR (role IN ('case_officer', 'unit_admin') AND unit_code = $1)) ORDER BY display_name, id",
                    )
                    .bind(unit.as_str())
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter().map(user_row).collect()
                }

                async fn citizen_by_personal_number(&self, number: &str, name: &str, now: DateTime<Utc>) -> Result<User> {
                    let (number, name) = (number.to_owned(), name.to_owned());
                    self.writer().write(move |c| Box::pin(async move {
                        let party: i64 = sqlx::query_scalar(
                            "INSERT INTO parties (personal_number) VALUES ($1) ON CONFLICT (personal_number) \
                             DO UPDATE SET personal_number = excluded.personal_number RETURNING id",
                        )
                        .bind(&number)
                        .fetch_one(&mut *c)
                        .await?;
                        // An e-ID citizen has no password; the username only has to be unique.
                        let row = sqlx::query(
                            "INSERT INTO users (username, display_name, role, password_hash, created_at, party_id) \
                             VALUES ($1, $2, 'citizen', '!', $3, $4) \
                             ON CONFLICT (party_id) DO UPDATE SET display_name = excluded.display_name RETURNING *",
                        )
                        .bind(format!("e-id:{party}"))
                        .bind(&name)
                        .bind(micros(now))
                        .bind(party)
                        .fetch_one(&mut *c)
                        .await?;
                        user_row(&row)
                    })).await
                }

                async fn personal_number_of(&self, user_id: i64) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar(
                        "SELECT p.personal_number FROM users u JOIN parties p ON p.id = u.party_id WHERE u.id = $1",
                    )
                    .bind(user_id)
                    .fetch_optional(self.reader())
                    .await?)
                }

                async fn create_session(
                    &self,
                    token_hash: &[u8],
                    user_id: i64,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<()> {
                    let token_hash = token_hash.to_vec();
                    self.writer().write(move |c| Box::pin(async move {
                        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                            .bind(token_hash)
                            .bind(user_id)
                            .bind(micros(now))
                            .bind(micros(expires_at))
                            .execute(&mut *c)
                            .await?;
                        Ok(())
                    })).await
                }

                async fn session_user(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<User>> {
                    let row = sqlx::query(
                        "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id \
                         WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
                    )
                    .bind(token_hash)
                    .bind(micros(now))
                    .fetch_optional(self.reader())
                    .await?;
                    row.as_ref().map(user_row).transpose()
                }

                async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
                    let token_hash = token_hash.to_vec();
                    self.writer().write(move |c| Box::pin(async move {
                        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *c).await?;
                        Ok(())
                    })).await
                }

                async fn purge_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                                    .bind(micros(now))
                                    .execute(&mut *c)
                                    .await?;
                                Ok(done.rows_affected())
                            })
                        })
                        .await
                }

                async fn create_api_key(
                    &self,
                    name: &str,
                    key_hash: &[u8],
                    scopes: &[Scope],
                    now: DateTime<Utc>,
                ) -> Result<i64> {
                    let (name, key_hash, scopes_) = (name.to_owned(), key_hash.to_vec(), scopes.to_vec());
                    self.writer().write(move |c| Box::pin(async move {
                        let id: i64 = sqlx::query_scalar(
                            "INSERT INTO api_keys (name, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                        )
                        .bind(&name)
                        .bind(key_hash)
                        .bind(scopes_json(&scopes_))
                        .bind(micros(now))
                        .fetch_one(&mut *c)
                        .await
                        .map_err(|e| duplicate(e, "api key"))?;
                        Ok(id)
                    })).await
                }

                async fn api_key_by_hash(&self, key_hash: &[u8]) -> Result<Option<ApiKey>> {
                    let row =
                        sqlx::query("SELECT id, name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                            .bind(key_hash)
                            .fetch_optional(self.reader())
                            .await?;
                    row.map(|r| {
                        Ok(ApiKey { id: r.try_get("id")?, name: r.try_get("name")?, scopes: scopes(r.try_get("scopes")?)? })
                    })
                    .transpose()
                }

                async fn revoke_api_key(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
                    self.writer().write(move |c| Box::pin(async move {
                        let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                            .bind(micros(now))
                            .bind(id)
                            .execute(&mut *c)
                            .await?;
                        Ok(done.rows_affected() == 1)
                    })).await
                }
            }
        };
    };
}

pub(crate) use impl_identity;
