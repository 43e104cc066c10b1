//! The staff errand search: this node's [`ErrandIndex`], a node-local
//! consumer of the errand change feed.
//!
//! At start (and when pruning has passed its position) the node takes the
//! feed's head, indexes every errand as it is now, and then follows the feed
//! from the head; a change it sees again only indexes the errand again. A
//! change re-reads the errand, so what was masked or removed on it leaves
//! the index. Personal identity numbers never reach the index: parties'
//! numbers are left out and free text is masked.
//!
//! The access rule of [`crate::may_see`] is applied inside the search
//! ([`access`]), so neither a hit nor the count covers an errand the caller
//! may not open. The index may lag the database (by the feed's lag), so each
//! hit is checked again against the errand as it is now; the count may still
//! include an errand whose handover the index has not read yet. Each errand a search returns gets an audit entry
//! (`errand.search_hit`): a hit says a person has an errand.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use porten_domain::errand::ContactChannel;
use porten_domain::personnummer::find_personal_numbers;
use porten_domain::{Actor, Errand, EventKind, Role, Scope};
use porten_search::{ErrandAccess, ErrandDoc, ErrandIndex, ErrandResults};
use porten_store::FeedPosition;

use crate::search::spawn_index;
use crate::{App, AppError, Result};

/// The most errands indexed in one commit; more wait for the next round.
const REINDEX_AT_ONCE: usize = 20_000;

/// The most hits one search returns.
pub const MAX_HITS: usize = 50;
/// The deepest a search pages.
pub const MAX_OFFSET: usize = 1000;

/// This node's errand index and the feed position it has reached.
#[derive(Default)]
pub struct ErrandSearch {
    index: OnceLock<Arc<ErrandIndex>>,
    /// Held for a whole round (a rebuild may take long).
    position: tokio::sync::Mutex<Option<FeedPosition>>,
    /// Where the last round ended, for `/metrics` without waiting for a round.
    pub(crate) reached: std::sync::Mutex<Option<FeedPosition>>,
}

/// Which errands `actor` may find: [`crate::may_see`] as search clauses.
pub fn access(actor: &Actor) -> Option<ErrandAccess> {
    let own = |unit: &Option<porten_domain::UnitCode>| unit.iter().map(|u| u.as_str().to_owned()).collect::<Vec<_>>();
    match actor {
        Actor::System { .. } => Some(ErrandAccess::ALL),
        Actor::ApiKey { .. } if actor.has_scope(Scope::ErrandsRead) => {
            Some(ErrandAccess { units: None, confidential_units: Some(Vec::new()) })
        }
        Actor::ApiKey { .. } => None,
        Actor::User { role, unit, .. } => match role {
            Role::SystemAdmin => Some(ErrandAccess::ALL),
            Role::Agent => Some(ErrandAccess { units: None, confidential_units: Some(own(unit)) }),
            Role::CaseOfficer | Role::UnitAdmin => {
                Some(ErrandAccess { units: Some(own(unit)), confidential_units: None })
            }
            Role::Citizen => None,
        },
        Actor::Visitor | Actor::TrackingLink => None,
    }
}

/// `text` with every personal identity number left out whole (a masked
/// one would still hold a birth date to search for).
fn without_personal_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for found in find_personal_numbers(text) {
        out.push_str(&text[at..found.start]);
        out.push(' ');
        at = found.end;
    }
    out.push_str(&text[at..]);
    out
}

/// What the index is given of an errand: no personal identity number.
fn errand_doc(errand: &Errand, timeline: &[porten_domain::TimelineEvent]) -> ErrandDoc {
    let mut text = vec![errand.description.clone()];
    text.extend(errand.form.values().cloned());
    for event in timeline {
        match &event.kind {
            EventKind::Message { body, .. } | EventKind::Note { body } => text.push(body.clone()),
            _ => {}
        }
    }
    let mut names = Vec::new();
    for party in &errand.parties {
        names.push(party.name.clone());
        if let Some(org) = &party.organisation_number {
            names.push(org.as_str().to_owned());
        }
        for contact in &party.contacts {
            if let ContactChannel::Email(address) = contact {
                names.push(address.clone());
            }
        }
    }
    let mask = |s: String| without_personal_numbers(&s);
    ErrandDoc {
        id: errand.id,
        public_id: errand.public_id.to_string(),
        registry_number: errand.registry_number.to_string(),
        title: mask(errand.title.clone()),
        text: mask(text.join("\n")),
        names: names.into_iter().map(mask).collect(),
        unit: errand.unit.as_str().to_owned(),
        confidential: errand.confidential,
        lifecycle: errand.lifecycle.as_str().to_owned(),
        channel: errand.channel.as_str().to_owned(),
        created_micros: errand.created_at.timestamp_micros(),
    }
}

impl App {
    fn errand_index(&self) -> Result<Arc<ErrandIndex>> {
        if let Some(index) = self.errand_search.index.get() {
            return Ok(index.clone());
        }
        let index = Arc::new(ErrandIndex::new().map_err(|e| AppError::Unavailable(e.to_string()))?);
        Ok(self.errand_search.index.get_or_init(|| index).clone())
    }

    /// The documents of these errands as they are now, in three reads (a
    /// missing one is skipped).
    async fn errand_docs(&self, ids: Vec<i64>) -> Result<Vec<ErrandDoc>> {
        let errands = self.store.errands_by_ids(&ids).await?;
        let mut timelines = self.store.timelines_of(&ids).await?;
        Ok(errands.iter().map(|e| errand_doc(e, &timelines.remove(&e.id).unwrap_or_default())).collect())
    }

    /// Brings this node's errand index up to the feed: the number of errands
    /// indexed. `porten serve` runs it twice a second.
    pub async fn sync_errand_index(&self) -> Result<usize> {
        let mut position = self.errand_search.position.lock().await;
        let done = self.errand_index_round(&mut position).await;
        *self.errand_search.reached.lock().unwrap_or_else(|e| e.into_inner()) = *position;
        done
    }

    async fn errand_index_round(&self, position: &mut Option<FeedPosition>) -> Result<usize> {
        let index = self.errand_index()?;
        let store = self.store.as_ref();
        let mut indexed = 0;
        let floor = store.feed_floor().await?;
        if position.is_none_or(|at| at < floor) {
            let head = store.feed_head().await?;
            let (mut after, mut first, mut docs) = (0, true, Vec::new());
            loop {
                let ids = store.errand_ids(after, 500).await?;
                let done = ids.len() < 500;
                if let Some(&last) = ids.last() {
                    after = last;
                    docs.extend(self.errand_docs(ids).await?);
                }
                if done || docs.len() >= REINDEX_AT_ONCE {
                    indexed += docs.len();
                    let (index, batch) = (index.clone(), std::mem::take(&mut docs));
                    // The first commit of a rebuild empties what was there.
                    spawn_index(move || index.apply(batch, first)).await?;
                    first = false;
                }
                if done {
                    break;
                }
            }
            *position = Some(head);
        }
        // Everything pending, in one commit: a commit per page of changes
        // would make many small segments for the index to merge.
        let from = position.unwrap_or_default();
        let (mut ids, mut last) = (BTreeSet::new(), None);
        while ids.len() < REINDEX_AT_ONCE {
            let changes = store.errand_changes(last.unwrap_or(from), 1000).await?;
            let Some(end) = changes.last().map(|c| c.position) else { break };
            ids.extend(changes.iter().map(|c| c.errand_id));
            last = Some(end);
        }
        // Pruning may have run while the changes were read: if it passed
        // where this round started, the round may have missed changes.
        if last.is_some() && store.feed_floor().await? > from {
            *position = None;
            return Ok(indexed);
        }
        if let Some(last) = last {
            let mut docs = Vec::with_capacity(ids.len());
            let ids: Vec<i64> = ids.into_iter().collect();
            for chunk in ids.chunks(500) {
                docs.extend(self.errand_docs(chunk.to_vec()).await?);
            }
            indexed += docs.len();
            let index = index.clone();
            spawn_index(move || index.apply(docs, false)).await?;
            *position = Some(last);
        }
        Ok(indexed)
    }

    /// Whether a committed change is still to reach this node's errand
    /// index (on PostgreSQL a change is read only once every older
    /// transaction in the cluster has ended).
    pub async fn errand_index_pending(&self) -> Result<bool> {
        let at = *self.errand_search.position.lock().await;
        Ok(match at {
            Some(at) => self.store.first_pending_at(at).await?.is_some(),
            None => true,
        })
    }

    /// Searches the errands `actor` may open, by registry number (as
    /// written, without the space, in lower case), a party's name or
    /// e-mail address, or words of the title, description, answers and
    /// messages. Each hit is audited.
    pub async fn search_errands(
        &self,
        actor: &Actor,
        text: &str,
        limit: usize,
        offset: usize,
    ) -> Result<ErrandResults> {
        let Some(access) = access(actor) else { return Err(AppError::Forbidden) };
        // A node that has not built its index yet builds it first.
        if self.errand_search.position.lock().await.is_none() {
            self.sync_errand_index().await?;
        }
        let index = self.errand_index()?;
        let text = text.to_owned();
        let query_text = text.clone();
        let (limit, offset) = (limit.clamp(1, MAX_HITS), offset.min(MAX_OFFSET));
        let mut results = tokio::task::spawn_blocking(move || index.search(&text, &access, limit, offset))
            .await
            .map_err(|e| AppError::Unavailable(e.to_string()))?
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        // The index may lag the database (a handover, a secrecy marking not
        // yet indexed): each hit is checked against the errand as it is now.
        let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
        let now: std::collections::HashMap<i64, Errand> =
            self.store.errands_by_ids(&ids).await?.into_iter().map(|e| (e.id, e)).collect();
        let before = results.hits.len();
        results.hits.retain(|hit| now.get(&hit.id).is_some_and(|e| crate::may_see(actor, &e.unit, e.confidential)));
        results.total -= before - results.hits.len();
        // A registry number the index has not taken in yet (registered on
        // another node, or by `porten mail-intake`, a moment ago) is read
        // from the database: a caller who gives their number is found.
        if results.hits.is_empty()
            && offset == 0
            && let Ok(number) = porten_domain::RegistryNumber::parse_lenient(&query_text)
            && let Some(e) = self.store.errand_by_number(&number).await?
            && crate::may_see(actor, &e.unit, e.confidential)
        {
            results.hits.push(porten_search::ErrandHit {
                id: e.id,
                public_id: e.public_id.to_string(),
                registry_number: e.registry_number.to_string(),
                title: porten_domain::personnummer::mask_personal_numbers(&e.title).into_owned(),
                unit: e.unit.as_str().to_owned(),
                lifecycle: e.lifecycle.as_str().to_owned(),
                channel: e.channel.as_str().to_owned(),
                created_micros: e.created_at.timestamp_micros(),
            });
            results.total = 1;
        }
        // Every hit audited, in one statement.
        let audits: Vec<_> =
            results.hits.iter().map(|hit| self.audit_entry(actor, "errand.search_hit", Some(hit.id), None)).collect();
        self.store.record_audits(&audits).await?;
        Ok(results)
    }
}
