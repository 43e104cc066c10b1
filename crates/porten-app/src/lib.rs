//! # porten-app
//!
//! Porten's use cases. Every entry point takes the acting [`Actor`], checks
//! what that actor may do, calls the domain and the store, and writes the
//! audit trail. HTTP handlers (pages, JSON API, Open311) and CLI commands
//! call this crate; none of them talks to the store for errands directly, so
//! access rules and auditing hold whichever way a request comes in.

pub mod auth;
pub mod calendar;
pub mod contacts;
mod errands;
pub mod planning;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use porten_domain::Violations;
use porten_store::{Store, StoreError};

pub use errands::{ErrandView, ListQuery};

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
    #[error("invalid input")]
    Invalid(Violations),
    #[error("the errand has changed since you read it (current version {current})")]
    Conflict { current: i64 },
    #[error("{0}")]
    Rejected(String),
    #[error("storage failure")]
    Store(#[source] StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { current } => AppError::Conflict { current },
            StoreError::Command(porten_domain::CommandError::Invalid(v)) => AppError::Invalid(v),
            StoreError::Command(other) => AppError::Rejected(other.to_string()),
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
            other => AppError::Store(other),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The application: a store plus the rules. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
}

impl App {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The store, for catalogue reads and operations that carry no access rules.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// 16 random bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand::RngCore;
    let mut out = [0u8; N];
    rand::rng().fill_bytes(&mut out);
    out
}
