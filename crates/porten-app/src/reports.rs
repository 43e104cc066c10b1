//! Supervisors' reports (issue 20) with their access rules: unit admins
//! for their own unit, system admins for all. The errand export streams in
//! pages; it is audited once, when it starts, naming its filter and its row
//! count, and holds personal data (titles, parties) only when chosen, with a
//! stated purpose, and never of a confidential errand.

use porten_domain::report::{RawReportFilter, ReportFilter};
use porten_domain::{Actor, Role, Violations};
pub use porten_store::{BacklogCell, ExportRow, Resolutions, VolumeCell};

use crate::{App, AppError, Result};

/// Where an export page ends: the last row's registration time and row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportCursor(chrono::DateTime<chrono::Utc>, i64);

impl ExportCursor {
    /// The cursor after `row`.
    pub fn after(row: &ExportRow) -> Self {
        Self(row.created_at, row.id)
    }
}

/// Errands an export page holds.
pub const EXPORT_PAGE: u32 = 1000;

/// Who reads the reports: supervisors (a unit's administrators) and system admins.
pub fn may_report(role: Role) -> bool {
    matches!(role, Role::UnitAdmin | Role::SystemAdmin)
}

/// A report of one filter.
#[derive(Clone, Debug)]
pub struct Report {
    pub filter: ReportFilter,
    /// The active errands now.
    pub backlog: Vec<BacklogCell>,
    pub volume: Vec<VolumeCell>,
    /// Contacts of the period by outcome (`resolved` is on the spot).
    pub contact_outcomes: Vec<(String, u64)>,
    /// Errands resolved in the period per service, with whether the
    /// service has an SLA target (only then do breaches count).
    pub resolutions: Vec<(Resolutions, bool)>,
    /// Self-service since the period began: visitors of knowledge pages,
    /// those who found the answer, and of them those who did not contact
    /// the city within a day.
    pub self_service: (u64, u64, u64),
}

/// An export as it starts: the filter it is held to (checked against the
/// actor when it started) and how many rows it has.
#[derive(Clone, Debug)]
pub struct Export {
    filter: ReportFilter,
    pub rows: u64,
    personal: bool,
}

impl Export {
    /// Whether it holds titles and parties.
    pub fn personal(&self) -> bool {
        self.personal
    }

    pub fn first_day(&self) -> chrono::NaiveDate {
        self.filter.first_day
    }

    pub fn last_day(&self) -> chrono::NaiveDate {
        self.filter.last_day
    }
}

impl App {
    /// The filter as `actor` may use it (of at most `max_days`): a unit
    /// admin's is their unit's.
    fn report_filter(&self, actor: &Actor, raw: &RawReportFilter, max_days: i64) -> Result<ReportFilter> {
        let today = porten_domain::time::to_stockholm(self.now()).date_naive();
        let filter = ReportFilter::parse(raw, today, max_days).map_err(AppError::Invalid)?;
        match actor {
            Actor::System { .. } | Actor::User { role: Role::SystemAdmin, .. } => Ok(filter),
            Actor::User { role: Role::UnitAdmin, unit: Some(own), .. } => match &filter.unit {
                None => Ok(ReportFilter { unit: Some(own.clone()), ..filter }),
                Some(unit) if unit == own => Ok(filter),
                Some(_) => Err(AppError::Forbidden),
            },
            _ => Err(AppError::Forbidden),
        }
    }

    /// The report of a filter: backlog, volume per channel, first-contact
    /// resolution, SLA compliance and handle times, and self-service.
    pub async fn report(&self, actor: &Actor, raw: &RawReportFilter) -> Result<Report> {
        let filter = self.report_filter(actor, raw, porten_domain::report::MAX_DAYS)?;
        let backlog = self.store.backlog(&filter, self.now()).await?;
        let volume = self.store.volume(&filter).await?;
        let contact_outcomes = self.store.contact_outcomes(&filter).await?;
        let mut resolutions = Vec::new();
        for r in self.store.resolutions(&filter).await? {
            let has_sla = self.cached_service(&r.service).await?.is_some_and(|s| s.sla.is_some());
            resolutions.push((r, has_sla));
        }
        self.flush_portal_stats().await?;
        let self_service = self
            .store
            .deflection(filter.from)
            .await?
            .iter()
            .fold((0, 0, 0), |(v, h, d), x| (v + x.visitors, h + x.helpful, d + x.deflected));
        Ok(Report { filter, backlog, volume, contact_outcomes, resolutions, self_service })
    }

    /// Starts an export of the errands registered in a filter's period. With
    /// `purpose`, titles and parties are included; saying why is required.
    /// One audit entry names the filter, the row count and the purpose.
    pub async fn start_export(&self, actor: &Actor, raw: &RawReportFilter, purpose: Option<&str>) -> Result<Export> {
        let filter = self.report_filter(actor, raw, porten_domain::report::MAX_EXPORT_DAYS)?;
        let purpose = match purpose.map(str::trim) {
            None => None,
            Some(p) if p.is_empty() || p.chars().count() > 200 => {
                let mut v = Violations::new();
                v.push("purpose", "required", "say why the export needs personal data (at most 200 characters)");
                return Err(AppError::Invalid(v));
            }
            Some(p) => Some(p),
        };
        let rows = self.store.count_export(&filter).await?;
        let what = match purpose {
            Some(p) => format!("{}; {rows} rows; with personal data: {p}", filter.describe()),
            None => format!("{}; {rows} rows", filter.describe()),
        };
        self.audit(actor, "errands.export", None, Some(&what)).await?;
        Ok(Export { filter, rows, personal: purpose.is_some() })
    }

    /// The next page of an export, after the row `after` (`None` first;
    /// then [`ExportRow::cursor`] of the last row). A confidential errand's
    /// title and parties are never exported.
    pub async fn export_page(
        &self,
        actor: &Actor,
        export: &Export,
        after: Option<ExportCursor>,
    ) -> Result<Vec<ExportRow>> {
        if !matches!(actor, Actor::System { .. } | Actor::User { role: Role::UnitAdmin | Role::SystemAdmin, .. }) {
            return Err(AppError::Forbidden);
        }
        let mut rows = self.store.export_page(&export.filter, after.map(|c| (c.0, c.1)), EXPORT_PAGE).await?;
        for row in &mut rows {
            if !export.personal || row.confidential {
                row.title.clear();
                row.parties.clear();
            }
        }
        Ok(rows)
    }
}
