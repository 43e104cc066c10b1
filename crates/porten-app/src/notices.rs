//! Notices to staff (`porten_domain::notice`): the durable feed consumer
//! `notify` turns the timeline events of each change into notices for the
//! people they concern, in their workspace and, for those who chose it,
//! by e-mail. The mail names the errand by registry number and links to
//! it; it carries nothing of the errand's content, since e-mail leaves the
//! city's systems.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use porten_domain::notice::{NoticeKind, recipients};
use porten_domain::sla::Alert;
use porten_domain::{Actor, Errand, EventKind, UnitCode, Violations};
use porten_store::{ErrandChange, NewMail, NewNotice, Notice};

use crate::{App, AppError, Result};

/// The durable feed consumer that writes notices.
pub const CONSUMER: &str = "notify";

/// Notices a workspace lists.
pub const LISTED: u32 = 50;

/// The signed-in staff member's user id.
fn staff(actor: &Actor) -> Result<i64> {
    match actor {
        Actor::User { id, role, .. } if role.is_staff() => Ok(*id),
        _ => Err(AppError::Forbidden),
    }
}

/// A person's notices and how many they have not seen.
#[derive(Clone, Debug, Default)]
pub struct Notices {
    pub list: Vec<Notice>,
    /// Counted up to [`porten_store::UNSEEN_CAP`].
    pub unseen: u32,
}

impl App {
    /// The signed-in staff member's notices, unseen first.
    pub async fn notices(&self, actor: &Actor) -> Result<Notices> {
        let user = staff(actor)?;
        Ok(Notices { list: self.store.notices(user, LISTED).await?, unseen: self.store.unseen_notices(user).await? })
    }

    /// How many notices the signed-in staff member has not seen (0 for others).
    pub async fn unseen_notices(&self, actor: &Actor) -> Result<u32> {
        match staff(actor) {
            Ok(user) => Ok(self.store.unseen_notices(user).await?),
            Err(_) => Ok(0),
        }
    }

    /// Marks the signed-in staff member's notices seen: those of one errand
    /// (by internal id, as read through [`App::read_errand`]) when they open
    /// it, or all.
    pub async fn mark_notices_seen(&self, actor: &Actor, errand_id: Option<i64>) -> Result<u64> {
        let user = staff(actor)?;
        // Most page views have nothing to mark: a read spares them a write.
        if self.store.unseen_notices(user).await? == 0 {
            return Ok(0);
        }
        Ok(self.store.mark_notices_seen(user, errand_id, self.now()).await?)
    }

    /// Whether the signed-in staff member gets notices by e-mail too.
    pub async fn notify_by_email(&self, actor: &Actor) -> Result<bool> {
        Ok(self.store.notify_by_email(staff(actor)?).await?)
    }

    /// Turns notices by e-mail on or off; on needs an address on file.
    pub async fn set_notify_by_email(&self, actor: &Actor, on: bool) -> Result<()> {
        let user = staff(actor)?;
        if on && self.store.user_by_id(user).await?.and_then(|u| u.email).is_none() {
            let mut v = Violations::new();
            v.push("email", "missing", "there is no e-mail address for you; ask an administrator to add one");
            return Err(AppError::Invalid(v));
        }
        Ok(self.store.set_notify_by_email(user, on).await?)
    }

    fn notice_mail(&self, errand: &Errand, kind: NoticeKind, to: &str) -> NewMail {
        let number = errand.registry_number.to_string();
        let what = match kind {
            NoticeKind::Assigned => "har tilldelats dig",
            NoticeKind::Answered => "har fått svar från den som ärendet gäller",
            NoticeKind::Warning => "närmar sig sin tidsgräns",
            NoticeKind::Breached => "har passerat sin tidsgräns",
        };
        let base = self.public_url.trim_end_matches('/');
        NewMail {
            recipient: to.to_owned(),
            subject: format!("Ärende {number} {what}"),
            body: format!(
                "Ärende {number} {what}.\n\nÖppna ärendet: {base}/staff/errands/{}\n\n\
                 Du får det här brevet för att du har valt notiser med e-post. \
                 Du kan stänga av dem under Notiser: {base}/staff/notices\n",
                errand.public_id
            ),
            thread: porten_store::MailThread::generated(),
        }
    }
}

/// The `notify` consumer: the notices of the events each change wrote
/// (events at or after the change's time; a notice exists once per person
/// and event, so a change seen twice adds nothing).
pub async fn consume(app: App, batch: Vec<ErrandChange>) -> Result<()> {
    let mut since: BTreeMap<i64, DateTime<Utc>> = BTreeMap::new();
    for c in &batch {
        let at = since.entry(c.errand_id).or_insert(c.at);
        *at = (*at).min(c.at);
    }
    let ids: Vec<i64> = since.keys().copied().collect();
    let errands = app.store.errands_by_ids(&ids).await?;
    let timelines = app.store.timelines_of(&ids).await?;
    let mut admins: HashMap<UnitCode, Vec<i64>> = HashMap::new();
    let mut notices = Vec::new();
    for e in &errands {
        let from = since[&e.id];
        for ev in timelines.get(&e.id).into_iter().flatten().filter(|ev| ev.at >= from) {
            let breach = matches!(ev.kind, EventKind::SlaAlert { alert: Alert::Breached, .. });
            if breach && !admins.contains_key(&e.unit) {
                admins.insert(e.unit.clone(), app.store.unit_admins(&e.unit).await?);
            }
            let unit_admins = admins.get(&e.unit).filter(|_| breach).map_or(&[][..], Vec::as_slice);
            for (user_id, kind) in recipients(ev, e.assignee, unit_admins) {
                notices.push((e, NewNotice { user_id, errand_id: e.id, event_id: ev.id, kind, at: ev.at, mail: None }));
            }
        }
    }
    let people: Vec<i64> = notices.iter().map(|(_, n)| n.user_id).collect::<BTreeSet<_>>().into_iter().collect();
    let addresses: HashMap<i64, String> = app.store.notice_addresses(&people).await?.into_iter().collect();
    let notices: Vec<NewNotice> = notices
        .into_iter()
        .map(|(e, mut n)| {
            n.mail = addresses.get(&n.user_id).map(|to| app.notice_mail(e, n.kind, to));
            n
        })
        .collect();
    app.store.add_notices(&notices, app.now()).await?;
    Ok(())
}
