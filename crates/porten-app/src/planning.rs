//! Dimensioning the contact center from measured volumes: the supervisor's
//! planning view.
//!
//! This module decides who may plan and reads what a plan needs from the
//! store; everything else is the pure `porten-planning` crate, re-exported
//! here. [`App::plan`] reads the measured contacts of one channel over the
//! last [`HISTORY_WEEKS`] weeks (registered errands plus logged contacts, or
//! the imported ACD statistics when the channel has them), the service mix
//! and the business calendar, and hands them to [`build_plan`].
//! [`App::import_acd`] stores imported ACD interval statistics.

use chrono::Duration;
use porten_domain::time::to_stockholm;
use porten_domain::{Actor, Channel, Role};
use porten_store::{AcdInterval, StoreError};

pub use porten_planning::*;

use crate::{App, AppError, Result, require_admin};

/// Whether `role` may open the planning view: contact-center agents and
/// administrators, not case officers or citizens.
pub fn may_plan(role: Role) -> bool {
    matches!(role, Role::Agent | Role::UnitAdmin | Role::SystemAdmin)
}

fn actor_may_plan(actor: &Actor) -> bool {
    match actor {
        Actor::User { role, .. } => may_plan(*role),
        Actor::System { .. } => true,
        Actor::ApiKey { .. } | Actor::Visitor | Actor::TrackingLink => false,
    }
}

/// Why [`App::plan`] made no plan: what every use case can answer (not
/// allowed, storage), or the planning itself (no staffing meets the goals,
/// …), which pages explain in their own language.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error(transparent)]
    Planning(#[from] PlanningError),
}

impl From<StoreError> for PlanError {
    fn from(e: StoreError) -> Self {
        Self::App(e.into())
    }
}

impl App {
    /// Stores imported ACD intervals (an interval already stored for the
    /// same channel and start is replaced); how many. Porten itself (the
    /// `porten import acd` command) and system admins may import; audited.
    pub async fn import_acd(&self, actor: &Actor, intervals: &[AcdInterval]) -> Result<u64> {
        require_admin(actor)?;
        let what = match (intervals.first(), intervals.last()) {
            (Some(first), Some(last)) => format!(
                "{} intervals of {} from {} to {}",
                intervals.len(),
                first.channel.as_str(),
                first.start,
                last.start
            ),
            _ => "no intervals".to_owned(),
        };
        self.audited(actor, "planning.import_acd", &what, self.store.import_acd(intervals)).await
    }

    /// The measured service mix of one channel over the planning history,
    /// for planners only.
    pub async fn planning_mix(&self, actor: &Actor, channel: Channel) -> Result<Vec<MixShare>> {
        if !actor_may_plan(actor) {
            return Err(AppError::Forbidden);
        }
        let (from, to) = history_window(self.now());
        Ok(mix_shares(&self.store.contact_mix(channel, from, to).await?))
    }

    /// The planning view at this moment for contact-center agents and
    /// administrators (others: [`AppError::Forbidden`]). Reads counts and
    /// statistics only, no personal data, so no audit entry is written.
    pub async fn plan(&self, actor: &Actor, input: PlanningInput) -> Result<Plan, PlanError> {
        if !actor_may_plan(actor) {
            return Err(AppError::Forbidden.into());
        }
        let now = self.now();
        let (from, to) = history_window(now);
        let minutes = input.interval_minutes;
        let acd = self.store.acd_intervals(input.channel, from, to).await?;
        let mix = self.store.contact_mix(input.channel, from, to).await?;
        let (history, source) = if acd.is_empty() {
            // On the line and at the desk most contacts are logged, not
            // registered; e-mail and web are recorded as errands anyway.
            let first_logged = match input.channel.is_live() {
                true => self.store.first_logged_contact(input.channel).await?,
                false => None,
            };
            let from = logged_history_start(from, to, first_logged);
            let counts = self.store.contact_counts(from, to, minutes).await?;
            let own = counts.iter().filter(|c| c.channel == input.channel);
            let volumes: Vec<_> = own.map(|c| (c.bucket_start, c.count as f64, minutes)).collect();
            (History::new(from, to, minutes, &counts, volumes), ContactSource::Platform)
        } else {
            // The statistics alone say since when the channel has been
            // measured: weeks before the first import are not zero calls.
            let volumes = acd.iter().map(|i| (i.start, i.offered, i.minutes));
            let handled = acd.iter().map(|i| (i.start, i.answered, i.aht_seconds, i.minutes));
            (History::new(from, to, minutes, &[], volumes).with_handle_times(handled), ContactSource::Acd)
        };
        let aht = choose_aht(input.aht_seconds, measured_aht(&acd), logged_aht(&mix));
        let today = to_stockholm(now).date_naive();
        let week = input.week.unwrap_or_else(|| plannable_weeks(today)[0]);
        let first_day = to_stockholm(from).date_naive();
        let calendar = self.business_calendar(first_day, week + Duration::weeks(1)).await?;
        let mut plan = build_plan(input, &history, mix_shares(&mix), aht, week, &calendar)?;
        plan.source = source;
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_planners_may_plan() {
        for (role, ok) in [
            (Role::Citizen, false),
            (Role::Agent, true),
            (Role::CaseOfficer, false),
            (Role::UnitAdmin, true),
            (Role::SystemAdmin, true),
        ] {
            assert_eq!(may_plan(role), ok, "{role:?}");
        }
        assert!(!actor_may_plan(&Actor::ApiKey { id: 1, name: "k".into(), scopes: vec![] }));
    }
}
