//! An errand's clocks as staff and the citizen see them: the SLA targets of
//! its service counted in business hours (`porten_domain::sla`), and the
//! legal clock of förvaltningslagen beside them. Computed from the
//! timeline on every read, so a changed target, priority or calendar shows
//! at once and exactly.

use chrono::{DateTime, Duration, Utc};
use porten_domain::sla::{Due, LegalClock, Segment, ServiceHours, WorkTime, clock_segments, due, first_response};
use porten_domain::{Errand, EventKind, Service, TimelineEvent};

use crate::{App, Result};

/// An errand's clocks, as at the time of reading.
#[derive(Clone, Debug)]
pub struct Clocks {
    /// The SLA clock's ledger: running and paused intervals with what began them.
    pub segments: Vec<Segment>,
    /// The resolution target, when the service has one.
    pub resolution: Option<Due>,
    /// The first-response target, until the city first answers.
    pub first_response: Option<Due>,
    /// When the city first answered the citizen.
    pub responded_at: Option<DateTime<Utc>>,
    /// The share of a target after which the errand is breaching soon.
    pub warn_percent: u8,
    /// Förvaltningslagen: six months from the start (12 §), with its warning.
    pub legal: LegalClock,
    /// When the party demanded a decision (12 §), and the four-week deadline.
    pub demanded: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Clocks {
    /// The time the citizen is promised a decision by: the resolution due
    /// time while the clock runs (none while it waits for them).
    pub fn promise(&self) -> Option<DateTime<Utc>> {
        self.resolution.as_ref().filter(|d| !d.breached()).and_then(|d| d.at)
    }
    /// Whether the clock stands still (waiting for the citizen).
    pub fn paused(&self) -> bool {
        self.segments.last().is_some_and(|s| s.to.is_none() && s.clock == porten_domain::sla::Clock::Paused)
    }
}

/// Days of calendar decisions read around an errand's clock.
const CALENDAR_AHEAD_DAYS: i64 = 3 * 366;

impl App {
    /// The clocks of an errand read with its timeline. No access check:
    /// callers have read the errand through one.
    pub(crate) async fn clocks(
        &self,
        errand: &Errand,
        service: Option<&Service>,
        timeline: &[TimelineEvent],
    ) -> Result<Clocks> {
        let now = self.now();
        let events = || timeline.iter().map(|e| (e.at, &e.kind));
        let segments = clock_segments(errand.created_at, events());
        let responded_at = first_response(events());
        let local = |t: DateTime<Utc>| porten_domain::time::to_stockholm(t).date_naive();
        let calendar =
            self.business_calendar(local(errand.created_at), local(now + Duration::days(CALENDAR_AHEAD_DAYS))).await?;
        let hours = ServiceHours::default();
        let work = WorkTime { hours: &hours, calendar: &calendar };
        let sla = service.and_then(|s| s.sla.as_ref());
        let targets = sla.map(|s| s.targets(errand.priority));
        let resolution = targets.map(|t| due(&segments, t.resolution_hours, work, now));
        let first_response = match (targets.and_then(|t| t.first_response_hours), responded_at) {
            (Some(hours), None) => Some(due(&segments, hours, work, now)),
            _ => None,
        };
        let demanded = timeline.iter().rev().find_map(|e| match e.kind {
            EventKind::DecisionDemanded { deadline } => Some((e.at, deadline)),
            _ => None,
        });
        Ok(Clocks {
            segments,
            resolution,
            first_response,
            responded_at,
            warn_percent: sla.map_or(75, |s| s.warn_percent),
            legal: LegalClock::of(errand.created_at),
            demanded,
        })
    }
}
