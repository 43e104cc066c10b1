//! The audit-log viewer (issue 20): who read or changed which errand, and
//! when, for system admins, filtered by person (username), errand (registry
//! number, typed leniently) and period. Reading the log is audited too.

use porten_domain::report::{RawReportFilter, ReportFilter};
use porten_domain::{Actor, RegistryNumber, Role, Violations};
use porten_store::{AuditQuery, AuditRow};

use crate::{App, AppError, Result};

/// Entries a page shows.
pub const PAGE: u32 = 100;

/// The viewer's filter as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RawAuditQuery {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub errand: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// The entry id the next page starts before.
    #[serde(default)]
    pub before: Option<i64>,
}

/// A page of the log and where the next begins.
#[derive(Clone, Debug)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub next: Option<i64>,
    pub filter: ReportFilter,
}

impl App {
    /// A page of the audit log for a system admin.
    pub async fn audit_log(&self, actor: &Actor, raw: &RawAuditQuery) -> Result<AuditPage> {
        if !matches!(actor, Actor::System { .. } | Actor::User { role: Role::SystemAdmin, .. }) {
            return Err(AppError::Forbidden);
        }
        let today = porten_domain::time::to_stockholm(self.now()).date_naive();
        let period = RawReportFilter { from: raw.from.clone(), to: raw.to.clone(), ..Default::default() };
        let mut v = Violations::new();
        let filter =
            ReportFilter::parse(&period, today, porten_domain::report::MAX_DAYS).map_err(|e| v.0.extend(e.0)).ok();
        let actor_id = match raw.person.trim() {
            "" => None,
            name => match self.store.user_by_username(name).await? {
                Some(user) => Some(user.id),
                None => {
                    v.push("person", "unknown", "no user has that username");
                    None
                }
            },
        };
        let errand_id = match raw.errand.trim() {
            "" => None,
            typed => match RegistryNumber::parse_lenient(typed) {
                Ok(number) => match self.store.errand_by_number(&number).await? {
                    Some(e) => Some(e.id),
                    None => {
                        v.push("errand", "unknown", "no errand has that registry number");
                        None
                    }
                },
                Err(_) => {
                    v.push("errand", "invalid", "a registry number, e.g. KC 2026/00080");
                    None
                }
            },
        };
        let filter = v.into_result(filter).map_err(AppError::Invalid)?.expect("a filter without violations parsed");
        let query = AuditQuery {
            actor_id,
            errand_id,
            from: Some(filter.from),
            to: Some(filter.to),
            before: raw.before,
            limit: PAGE + 1,
        };
        let mut rows = self.store.search_audit(&query).await?;
        let next = (rows.len() > PAGE as usize).then(|| {
            rows.truncate(PAGE as usize);
            rows.last().map(|r| r.id)
        });
        self.audit(actor, "audit.read", errand_id, None).await?;
        Ok(AuditPage { rows, next: next.flatten(), filter })
    }
}
