//! Automatic assignment (*fördelning*): staff say whether they are present,
//! and a unit with a strategy other than manual hands its waiting errands
//! to those with room (`porten_domain::assignment`). The durable feed
//! consumer `assign` does it when errands arrive, are handed over, free
//! someone's room or are reopened; becoming present does it at once.
//!
//! Two hand-outs for one unit at the same moment (the consumer on one node,
//! someone becoming present on another) can each give one person an errand
//! on the same last place under the cap: the cap can be passed by one
//! errand in that race, never more. Each errand goes to one person only,
//! checked on the locked row.

use std::collections::{BTreeSet, HashMap};

use porten_domain::assignment::{Routing, Why};
use porten_domain::errand::Command;
use porten_domain::{Actor, CommandError, EventKind, Role, UnitCode};
use porten_store::{ErrandChange, StoreError};

use crate::{App, AppError, Result};

/// The durable feed consumer that hands out errands.
pub const CONSUMER: &str = "assign";

/// The most errands one hand-out gives (the next change or arrival gives more).
const HAND_OUT_BATCH: u32 = 200;

/// The actor automatic assignment writes as, on the timeline.
fn router() -> Actor {
    Actor::System { name: "Fördelning".into() }
}

/// Whether this person takes errands from a queue (agents and case officers).
fn takes_errands(actor: &Actor) -> Option<(i64, Option<&UnitCode>)> {
    match actor {
        Actor::User { id, role: Role::Agent | Role::CaseOfficer, unit, .. } => Some((*id, unit.as_ref())),
        _ => None,
    }
}

impl App {
    /// Whether the signed-in agent or case officer is present; `None` for
    /// anyone else (they are never handed errands).
    pub async fn presence(&self, actor: &Actor) -> Result<Option<bool>> {
        match takes_errands(actor) {
            Some((id, _)) => Ok(Some(self.store.is_present(id).await?)),
            None => Ok(None),
        }
    }

    /// Marks the signed-in agent or case officer present or away. Becoming
    /// present hands them their unit's waiting errands at once, up to its
    /// cap. Returns how many errands were handed out.
    pub async fn set_presence(&self, actor: &Actor, present: bool) -> Result<usize> {
        let (id, unit) = takes_errands(actor).ok_or(AppError::Forbidden)?;
        self.store.set_presence(id, present, self.now()).await?;
        match (present, unit) {
            (true, Some(unit)) => self.hand_out(unit).await,
            _ => Ok(0),
        }
    }

    /// Who the unit's errands can go to (its agents and case officers), by user id.
    pub async fn unit_staff(&self, unit: &UnitCode) -> Result<Vec<i64>> {
        Ok(self.store.routing_candidates(unit).await?.into_iter().map(|c| c.user_id).collect())
    }

    /// The unit's assignment settings (manual for an unknown unit).
    pub async fn routing_of(&self, unit: &UnitCode) -> Result<Routing> {
        let units = self.store.list_units().await?;
        Ok(units.into_iter().find(|u| &u.code == unit).map(|u| u.routing).unwrap_or_default())
    }

    /// Hands the unit's waiting errands, most urgent and oldest first, to
    /// its present staff by the unit's strategy and cap. Returns how many
    /// were handed out; none for a unit that assigns by hand.
    pub async fn hand_out(&self, unit: &UnitCode) -> Result<usize> {
        let routing = self.routing_of(unit).await?;
        if !routing.automatic() {
            return Ok(0);
        }
        let mut candidates = self.store.routing_candidates(unit).await?;
        let room: u32 = candidates
            .iter()
            .filter(|c| c.present)
            .map(|c| routing.max_open.map_or(HAND_OUT_BATCH, |max| max.saturating_sub(c.open)))
            .fold(0, u32::saturating_add)
            .min(HAND_OUT_BATCH);
        if room == 0 {
            return Ok(0);
        }
        let waiting = self.store.waiting_errands(unit, room).await?;
        let picks = routing.hand_out(&mut candidates, waiting.len(), self.now());
        let (mut routed, mut users) = (0, BTreeSet::new());
        for (id, (user, why)) in waiting.into_iter().zip(picks) {
            if self.route(id, unit, None, user, why).await? {
                routed += 1;
                users.insert(user);
            }
        }
        self.store.note_assigned(&users.into_iter().collect::<Vec<_>>(), self.now()).await?;
        Ok(routed)
    }

    /// Writes one automatic assignment on the locked row, if the errand is
    /// still the unit's and still `from`'s. Whether it was written.
    async fn route(
        &self,
        id: porten_domain::PublicId,
        unit: &UnitCode,
        from: Option<i64>,
        to: i64,
        why: Why,
    ) -> Result<bool> {
        let unit = unit.clone();
        let authorize = std::sync::Arc::new(move |e: &porten_domain::Errand| e.unit == unit);
        let command = Command::Route { from, to, why };
        match self.store.apply_command(id, None, &router(), command, self.now(), authorize).await {
            Ok(_) => Ok(true),
            // Someone took it, handed it on or closed it in between.
            Err(StoreError::NotFound | StoreError::Command(CommandError::NoChange)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

/// The `assign` consumer: a reopened errand whose owner is away goes to an
/// available colleague; then each unit the batch touched hands out what
/// waits (new and handed-over errands, and room freed by resolving,
/// closing or reassigning).
pub async fn consume(app: App, batch: Vec<ErrandChange>) -> Result<()> {
    let mut ids: Vec<i64> = batch.iter().map(|c| c.errand_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let errands = app.store.errands_by_ids(&ids).await?;
    let status_changed: Vec<i64> = batch.iter().filter(|c| c.kind == "status_changed").map(|c| c.errand_id).collect();
    let maybe_reopened: Vec<&porten_domain::Errand> = errands
        .iter()
        .filter(|e| e.lifecycle.is_active() && e.assignee.is_some() && status_changed.contains(&e.id))
        .collect();
    if !maybe_reopened.is_empty() {
        let ids: Vec<i64> = maybe_reopened.iter().map(|e| e.id).collect();
        let timelines = app.store.timelines_of(&ids).await?;
        let mut routings: HashMap<UnitCode, Routing> = HashMap::new();
        for e in maybe_reopened {
            let reopened = timelines.get(&e.id).and_then(|t| {
                t.iter().rev().find_map(|ev| match &ev.kind {
                    EventKind::StatusChanged { from, to, .. } => Some(!from.is_active() && to.is_active()),
                    _ => None,
                })
            });
            if reopened != Some(true) {
                continue;
            }
            let routing = match routings.get(&e.unit) {
                Some(r) => *r,
                None => *routings.entry(e.unit.clone()).or_insert(app.routing_of(&e.unit).await?),
            };
            let owner = e.assignee.expect("filtered on an assignee");
            let candidates = app.store.routing_candidates(&e.unit).await?;
            if let Some(to) = routing.take_over(owner, &candidates)
                && app.route(e.public_id, &e.unit, Some(owner), to, Why::OwnerAway).await?
            {
                app.store.note_assigned(&[to], app.now()).await?;
            }
        }
    }
    let units: BTreeSet<&UnitCode> = errands.iter().map(|e| &e.unit).collect();
    for unit in units {
        app.hand_out(unit).await?;
    }
    Ok(())
}
