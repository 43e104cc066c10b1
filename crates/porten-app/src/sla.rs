//! An errand's clocks as staff and the citizen see them: the SLA targets of
//! its service counted in business hours (`porten_domain::sla`), and the
//! legal clock of förvaltningslagen beside them. Computed from the
//! timeline on every read, so a changed target, priority or calendar shows
//! at once and exactly.

use chrono::{DateTime, Duration, Utc};
use porten_domain::calendar::BusinessCalendar;
use porten_domain::errand::Command;
use porten_domain::sla::{
    Alert, Due, LegalClock, Segment, ServiceHours, WorkTime, clock_segments, due, due_in, first_response,
};
use porten_domain::{Actor, CommandError, Errand, EventKind, Service, TimelineEvent};
use porten_store::{ClockUpdate, NewJob, StoreError};

use crate::jobs::{Finished, JobContext};
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
    /// When the resolution clock reaches that share.
    pub warn_at: Option<DateTime<Utc>>,
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

/// The durable feed consumer that keeps errands' due times (`errands.due_at`).
pub const CONSUMER: &str = "sla";
/// The job that raises an SLA alert at its time: queued by the `sla`
/// consumer for each kept warning and due time, once per errand, alert
/// and time. Payload: `{"errand": id, "alert": "warning", "at": micros}`.
pub const ALERT_JOB: &str = "sla.alert";

/// The job that recomputes the kept due times of the open errands of a
/// unit (payload `{"unit": "TK"}`), or of all (`{"unit": null}`), after
/// their calendar, service hours or targets changed.
pub const RECOMPUTE_JOB: &str = "sla.recompute";

/// Errands recomputed per round of a recompute.
const RECOMPUTE_BATCH: usize = 500;

/// The actor SLA alerts are written as, on the timeline.
fn watcher() -> Actor {
    Actor::System { name: "SLA-bevakning".into() }
}

impl App {
    /// The business calendar from `from` to three years ahead of now.
    async fn clock_calendar(&self, from: DateTime<Utc>) -> Result<BusinessCalendar> {
        let local = |t: DateTime<Utc>| porten_domain::time::to_stockholm(t).date_naive();
        self.business_calendar(local(from), local(self.now() + Duration::days(CALENDAR_AHEAD_DAYS))).await
    }

    /// The clocks of an errand read through [`App::read_errand`], as at
    /// now (the staff page shows them; the API does not, so a read does not
    /// compute them).
    pub async fn errand_clocks(&self, view: &crate::ErrandView) -> Result<Clocks> {
        self.clocks(&view.errand, view.service.as_ref(), &view.timeline).await
    }

    /// The clocks of an errand read with its timeline. No access check:
    /// callers have read the errand through one.
    pub(crate) async fn clocks(
        &self,
        errand: &Errand,
        service: Option<&Service>,
        timeline: &[TimelineEvent],
    ) -> Result<Clocks> {
        let calendar = self.clock_calendar(errand.created_at).await?;
        let hours = self.service_hours(&errand.unit).await?;
        Ok(compute(errand, service, timeline, &calendar, &hours, self.now()))
    }

    /// Recomputes the kept due and warning times of these errands (by
    /// internal id) from their timelines: the `sla` consumer's work, and
    /// what a changed target or calendar asks for. With `alerts`, queues
    /// the job that raises each alert at its time (errands loaded in bulk
    /// as history go without).
    pub async fn refresh_clocks(&self, ids: &[i64], alerts: bool) -> Result<usize> {
        let errands = self.store.errands_by_ids(ids).await?;
        let Some(first) = errands.iter().map(|e| e.created_at).min() else { return Ok(0) };
        let timelines = self.store.timelines_of(ids).await?;
        let calendar = self.clock_calendar(first).await?;
        let hours = self.all_service_hours().await?;
        let office_hours = ServiceHours::default();
        let mut updates = Vec::with_capacity(errands.len());
        for e in &errands {
            let service = self.cached_service(&e.service_code).await?;
            let timeline = timelines.get(&e.id).map_or(&[][..], Vec::as_slice);
            let hours = hours.get(&e.unit).unwrap_or(&office_hours);
            let clocks = compute(e, service.as_ref(), timeline, &calendar, hours, self.now());
            let running = e.lifecycle.is_active() && !clocks.paused();
            let due_at = clocks.resolution.as_ref().and_then(|d| d.at).filter(|_| running);
            updates.push(ClockUpdate { errand_id: e.id, due_at, warn_at: clocks.warn_at.filter(|_| running) });
        }
        self.store.set_clocks(&updates).await?;
        if alerts {
            let jobs: Vec<NewJob> = updates
                .iter()
                .flat_map(|u| [(u.errand_id, Alert::Warning, u.warn_at), (u.errand_id, Alert::Breached, u.due_at)])
                .filter_map(|(errand, alert, at)| at.map(|at| alert_job(errand, alert, at)))
                .collect();
            self.store.enqueue_jobs(&jobs, self.now()).await?;
        }
        Ok(updates.len())
    }

    /// Raises an SLA alert if the errand's clock still reaches it at `at`
    /// (a changed clock queued another job) and it is not on the timeline
    /// yet. Whether it was raised.
    pub async fn raise_alert(&self, errand_id: i64, alert: Alert, at: DateTime<Utc>) -> Result<bool> {
        let Some(errand) = self.store.errands_by_ids(&[errand_id]).await?.pop() else { return Ok(false) };
        let timeline = self.store.timeline(errand_id).await?;
        let raised =
            timeline.iter().any(|e| matches!(e.kind, EventKind::SlaAlert { alert: a, due } if a == alert && due == at));
        if raised || !errand.lifecycle.is_active() {
            return Ok(false);
        }
        let service = self.cached_service(&errand.service_code).await?;
        let clocks = self.clocks(&errand, service.as_ref(), &timeline).await?;
        let current = match alert {
            Alert::Warning => clocks.warn_at,
            Alert::Breached => clocks.resolution.as_ref().and_then(|d| d.at),
        };
        if clocks.paused() || current != Some(at) {
            return Ok(false);
        }
        let authorize = std::sync::Arc::new(|_: &Errand| true);
        let command = Command::RaiseAlert { alert, due: at };
        match self.store.apply_command(errand.public_id, None, &watcher(), command, self.now(), authorize).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound | StoreError::Command(CommandError::NoChange)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

fn alert_job(errand: i64, alert: Alert, at: DateTime<Utc>) -> NewJob {
    let micros = at.timestamp_micros();
    NewJob {
        kind: ALERT_JOB.into(),
        payload: serde_json::json!({"errand": errand, "alert": alert, "at": micros}).to_string(),
        unique_key: Some(format!("{ALERT_JOB}:{errand}:{}:{micros}", alert.as_str())),
        run_at: at,
        max_attempts: crate::jobs::DEFAULT_MAX_ATTEMPTS,
    }
}

/// The `sla.recompute` job: recomputes the open errands its payload names.
pub async fn recompute_handler(cx: JobContext) -> std::result::Result<Finished, String> {
    let payload: serde_json::Value = serde_json::from_str(&cx.job.payload).map_err(|e| format!("bad payload: {e}"))?;
    let unit = match payload["unit"].as_str() {
        Some(code) => Some(porten_domain::UnitCode::parse(code).map_err(|_| "bad unit in the payload")?),
        None => None,
    };
    let ids = cx.app.store.active_errand_ids(unit.as_ref()).await.map_err(|e| e.to_string())?;
    for chunk in ids.chunks(RECOMPUTE_BATCH) {
        cx.app.refresh_clocks(chunk, true).await.map_err(|e| e.to_string())?;
    }
    tracing::info!(errands = ids.len(), unit = ?unit, "recomputed due times");
    Ok(Finished::Done)
}

/// The `sla.alert` job: raises the alert its payload names.
pub async fn alert_handler(cx: JobContext) -> std::result::Result<Finished, String> {
    #[derive(serde::Deserialize)]
    struct Payload {
        errand: i64,
        alert: Alert,
        at: i64,
    }
    let p: Payload = serde_json::from_str(&cx.job.payload).map_err(|e| format!("bad payload: {e}"))?;
    let at = DateTime::from_timestamp_micros(p.at).ok_or("bad time in the payload")?;
    cx.app.raise_alert(p.errand, p.alert, at).await.map_err(|e| e.to_string())?;
    Ok(Finished::Done)
}

/// The `sla` consumer: recomputes the due times of the errands a batch of
/// changes touched (a change seen twice is recomputed twice, harmlessly).
pub async fn consume(app: App, batch: Vec<porten_store::ErrandChange>) -> Result<()> {
    let mut ids: Vec<i64> = batch.iter().map(|c| c.errand_id).collect();
    ids.sort_unstable();
    ids.dedup();
    app.refresh_clocks(&ids, true).await.map(|_| ())
}

/// An errand's clocks on a calendar, as at `now`.
fn compute(
    errand: &Errand,
    service: Option<&Service>,
    timeline: &[TimelineEvent],
    calendar: &BusinessCalendar,
    hours: &ServiceHours,
    now: DateTime<Utc>,
) -> Clocks {
    let events = || timeline.iter().map(|e| (e.at, &e.kind));
    let segments = clock_segments(errand.created_at, events());
    let responded_at = first_response(events());
    let work = WorkTime { hours, calendar };
    let sla = service.and_then(|s| s.sla.as_ref());
    let targets = sla.map(|s| s.targets(errand.priority));
    let resolution = targets.map(|t| due(&segments, t.resolution_hours, work, now));
    let warn_at = match (sla, targets) {
        // The warning share of the target, in business seconds.
        (Some(sla), Some(t)) => {
            let share = i64::from(t.resolution_hours) * 36 * i64::from(sla.warn_percent);
            due_in(&segments, share, work, now).at
        }
        _ => None,
    };
    let first_response = match (targets.and_then(|t| t.first_response_hours), responded_at) {
        (Some(hours), None) => Some(due(&segments, hours, work, now)),
        _ => None,
    };
    let demanded = timeline.iter().rev().find_map(|e| match e.kind {
        EventKind::DecisionDemanded { deadline } => Some((e.at, deadline)),
        _ => None,
    });
    Clocks {
        segments,
        resolution,
        first_response,
        responded_at,
        warn_percent: sla.map_or(75, |s| s.warn_percent),
        warn_at,
        legal: LegalClock::of(errand.created_at),
        demanded,
    }
}
