//! # porten-app
//!
//! Porten's use cases, one module per capability: `catalogue`, `errands`
//! (and the registry), `auth` (identity and access: users, sessions, API
//! keys), `contacts` (the contact log), `calendar`, `planning` (with imported
//! ACD statistics), `jobs` (the background job runner) and `ops`. Every entry
//! point takes the acting [`Actor`], checks what that actor may do, calls the
//! domain and the store, and writes the audit trail. [`App`] is the only
//! door to the store: HTTP handlers (pages, JSON API, Open311) and CLI
//! commands call this crate, so access rules and auditing hold whichever way
//! a request comes in. App reads the time from an injected [`Clock`].

pub mod admin;
pub mod assignment;
pub mod audit_log;
pub mod auth;
pub mod calendar;
pub mod catalogue;
pub mod clock;
pub mod contacts;
pub mod documents;
pub mod eid;
pub mod errand_search;
mod errands;
pub mod eservices;
pub mod feed;
pub mod imap;
pub mod intake;
pub mod jobs;
pub mod knowledge;
pub mod mail;
pub mod notices;
pub mod open311;
pub mod ops;
pub mod planning;
pub mod reports;
pub mod search;
pub mod sla;
pub mod staff_oidc;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use porten_domain::{Actor, Violations};
use porten_store::{AuditEntry, Store, StoreError};

pub use clock::{Clock, ManualClock, SystemClock};
pub use errands::{ErrandPeople, ErrandView, ListQuery, may_see};

/// Why a use case refused or failed. Messages are safe to show: they never
/// contain personal data.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(Violations),
    #[error("the errand has changed since you read it (current version {current})")]
    Conflict { current: i64 },
    /// A draft past its expiry, or one that never existed: start again.
    #[error("expired")]
    Expired,
    /// The errand is closed: it takes no replies, and only reopening changes it.
    #[error("the errand is closed")]
    Closed,
    /// The errand's state refuses the command: `code` says why
    /// (`illegal_transition`, `not_permitted` for the actor's standing,
    /// `same_unit`, `no_change`).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// It exists already (`what`: `api_key`, `user`, `errand`, …).
    #[error("already exists: {what}")]
    Duplicate { what: &'static str },
    /// A part Porten depends on failed (the search index, a stored secret).
    /// Its message is for the log only; callers get a generic 503.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("storage failure")]
    Store(#[source] StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { current } => AppError::Conflict { current },
            StoreError::Command(porten_domain::CommandError::Invalid(v)) => AppError::Invalid(v),
            StoreError::Command(other) => {
                let code = match other {
                    porten_domain::CommandError::IllegalTransition { .. } => "illegal_transition",
                    porten_domain::CommandError::NotPermitted { .. } => "not_permitted",
                    porten_domain::CommandError::SameUnit => "same_unit",
                    _ => "no_change",
                };
                AppError::Refused { code, message: other.to_string() }
            }
            StoreError::UnknownReference(what) => {
                let mut v = Violations::new();
                let field = match what {
                    "service" => "service_code",
                    "unit" => "unit",
                    "user" => "assignee",
                    other => other,
                };
                v.push(field, "unknown", format!("no such {what}"));
                AppError::Invalid(v)
            }
            StoreError::Duplicate(what) => AppError::Duplicate { what },
            other => AppError::Store(other),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The application: a store plus the rules. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    eservices: Arc<eservices::Eservices>,
    /// Where citizens reach this installation, for links in mail.
    public_url: Arc<str>,
    /// Whether citizens are told by mail of what happens (not when the
    /// demo seeder writes the past).
    mail_citizens: bool,
    /// Citizen login with e-ID through OpenID Connect, when configured.
    eid: Option<Arc<eid::Eid>>,
    staff_oidc: Option<Arc<staff_oidc::StaffOidc>>,
    /// The portal: site settings, this node's search index and cache.
    portal: Arc<search::Portal>,
    /// How many receipts go out per recipient and, for visitors not signed
    /// in, per hour (issue 17).
    receipt_limits: porten_store::ReceiptLimits,
    /// This node's staff errand index, fed from the errand change feed.
    errand_search: Arc<errand_search::ErrandSearch>,
}

impl App {
    /// An App on the system clock.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self::with_clock(store, Arc::new(SystemClock))
    }

    pub fn with_clock(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            eservices: Arc::default(),
            public_url: "http://localhost:8080".into(),
            mail_citizens: true,
            eid: None,
            staff_oidc: None,
            portal: Arc::default(),
            receipt_limits: Default::default(),
            errand_search: Arc::default(),
        }
    }

    /// The same App with these limits on receipt mail.
    pub fn with_receipt_limits(mut self, limits: porten_store::ReceiptLimits) -> Self {
        self.receipt_limits = limits;
        self
    }

    /// The same App offering these e-services.
    pub fn with_eservices(mut self, definitions: Vec<porten_domain::eservice::Definition>) -> Self {
        self.eservices = Arc::new(eservices::Eservices::new(definitions));
        self
    }

    /// The same App with citizen login through this e-ID provider.
    pub fn with_eid(mut self, eid: eid::Eid) -> Self {
        self.eid = Some(Arc::new(eid));
        self
    }

    /// The e-ID login, when one is configured.
    pub fn eid(&self) -> Option<&eid::Eid> {
        self.eid.as_deref()
    }

    /// Signs staff in through the city's identity provider.
    pub fn with_staff_oidc(mut self, oidc: staff_oidc::StaffOidc) -> Self {
        self.staff_oidc = Some(Arc::new(oidc));
        self
    }

    /// The staff sign-in through the city's identity provider, when configured.
    pub fn staff_oidc(&self) -> Option<&staff_oidc::StaffOidc> {
        self.staff_oidc.as_deref()
    }

    /// The same App, mailing no citizen: for writing history (the demo).
    pub fn without_mail(mut self) -> Self {
        self.mail_citizens = false;
        self
    }

    /// The same App with this public address in the links it mails.
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = url.into();
        self
    }

    /// The same App on another clock (the demo seeder writes the past).
    pub fn on_clock(&self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self.clone() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Appends an audit entry: who did or read what, to which errand, why.
    pub(crate) async fn audit(
        &self,
        actor: &Actor,
        action: &str,
        errand_id: Option<i64>,
        purpose: Option<&str>,
    ) -> Result<()> {
        Ok(self.store.record_audit(&self.audit_entry(actor, action, errand_id, purpose)).await?)
    }

    /// Runs one store write with its audit entry in the same transaction,
    /// so that the write never commits without its entry (see
    /// [`porten_store::with_audit`]).
    pub(crate) async fn audited<T>(
        &self,
        actor: &Actor,
        action: &str,
        purpose: &str,
        write: impl std::future::Future<Output = porten_store::Result<T>>,
    ) -> Result<T> {
        let entry = self.audit_entry(actor, action, None, Some(purpose));
        Ok(porten_store::with_audit(entry, write).await?)
    }

    fn audit_entry(&self, actor: &Actor, action: &str, errand_id: Option<i64>, purpose: Option<&str>) -> AuditEntry {
        AuditEntry {
            at: self.now(),
            actor_kind: actor.kind().to_owned(),
            actor_id: actor.id(),
            actor_name: actor.name().to_owned(),
            action: action.to_owned(),
            errand_id,
            purpose: purpose.map(str::to_owned),
        }
    }

    /// The audit trail of one errand, for system admins (and checks).
    pub async fn audit_trail(&self, actor: &Actor, errand: &porten_domain::Errand) -> Result<Vec<AuditEntry>> {
        require_admin(actor)?;
        Ok(self.store.audit_for_errand(errand.id).await?)
    }
}

/// Porten itself or a system admin: the actors that administer the installation.
pub(crate) fn require_admin(actor: &Actor) -> Result<()> {
    match actor {
        Actor::System { .. } | Actor::User { role: porten_domain::Role::SystemAdmin, .. } => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// 16 random bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut out = [0u8; N];
    rand::rng().fill_bytes(&mut out);
    out
}
