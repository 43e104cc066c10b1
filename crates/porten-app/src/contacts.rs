//! The contact log (*kontaktlogg*): staff record every contact they handle
//! (phone, visit, e-mail, chat) without personal data, which feeds
//! dimensioning (volumes, handle times, the service mix for channel shift).

use chrono::Duration;
use porten_domain::{
    Actor, Command, ContactLinks, LoggedContact, RawLoggedContact, RawTopic, Role, TopicRecord, Violations,
};
use porten_store::{ContactLogEntry, MergeRefused};

use crate::{App, AppError, Result, require_admin};

/// How many of their own latest contacts a user sees.
pub const RECENT_CONTACTS: u32 = 10;

/// Days the contact log keeps who logged a contact (*gallring*): long
/// enough for agents to check their own recent entries; after that the
/// entry counts, anonymous, toward volumes only.
pub const DEFAULT_AGENT_RETENTION_DAYS: u32 = 30;

/// Whether `role` may log contacts: staff who meet the public.
pub fn may_log_contacts(role: Role) -> bool {
    role.is_staff()
}

fn staff_user(actor: &Actor) -> Result<i64> {
    match actor {
        Actor::User { id, role, .. } if may_log_contacts(*role) => Ok(*id),
        _ => Err(AppError::Forbidden),
    }
}

impl App {
    /// Logs one contact that ends now; it started its handle time ago.
    /// Bad input: [`AppError::Invalid`] with every problem.
    pub async fn log_contact(&self, actor: &Actor, raw: &RawLoggedContact) -> Result<ContactLogEntry> {
        let agent = staff_user(actor)?;
        let topics = self.store.contact_topics().await?;
        let parsed = LoggedContact::parse(raw, |code| {
            topics.iter().find(|t| t.code == code && !t.retired).map(|t| t.counts_as.clone())
        });
        let (contact, links) = match (parsed, ContactLinks::parse(raw)) {
            (Ok(c), Ok(l)) => (c, l),
            (Err(mut a), Err(b)) => {
                a.0.extend(b.0);
                return Err(AppError::Invalid(a));
            }
            (Err(v), _) | (_, Err(v)) => return Err(AppError::Invalid(v)),
        };
        let unknown = |field: &str, what: &str| {
            let mut v = Violations::new();
            v.push(field, "unknown", format!("no {what} you may open"));
            AppError::Invalid(v)
        };
        // The errand must be one the agent may open; the article a published one.
        let errand = match &links.errand {
            Some(n) => {
                let found = self.store.errand_by_number(n).await?;
                Some(
                    found
                        .filter(|e| crate::may_see(actor, &e.unit, e.confidential))
                        .ok_or_else(|| unknown("errand", "errand"))?,
                )
            }
            None => None,
        };
        // Checked, not read: citing an article counts no view of it.
        if let Some(slug) = &links.article {
            let data = self.portal_data().await?;
            crate::knowledge::readable(&data, Some(actor), slug)
                .map_err(|_| unknown("article", "published article"))?;
        }
        let took = Duration::seconds(i64::from(contact.handle_seconds.unwrap_or(0)));
        let entry = ContactLogEntry {
            started_at: self.now() - took,
            agent_id: Some(agent),
            errand_id: errand.as_ref().map(|e| e.id),
            article: links.article,
            contact,
        };
        // The errand's timeline records the contact, so its history shows
        // every call and visit about it.
        if let Some(e) = &errand {
            let record = Command::RecordContact { channel: entry.contact.channel, outcome: entry.contact.outcome };
            self.act_on_errand(actor, e.public_id, None, record).await?;
        }
        self.store.log_contacts(std::slice::from_ref(&entry)).await?;
        Ok(entry)
    }

    /// Forgets who logged the contacts older than `keep_days` days; run by
    /// the server every hour (safe on several nodes at once). How many
    /// entries were changed.
    pub async fn forget_old_contact_agents(&self, keep_days: u32) -> Result<u64> {
        // A retention longer than the calendar reaches forgets nothing.
        let Some(before) = self.now().checked_sub_signed(Duration::days(i64::from(keep_days))) else {
            return Ok(0);
        };
        Ok(self.store.forget_contact_agents(before).await?)
    }

    /// Imports contacts logged elsewhere (an earlier contact-center system,
    /// the demo's history) in one write; how many. Porten itself and system
    /// admins only; audited.
    pub async fn import_contacts(&self, actor: &Actor, entries: &[ContactLogEntry]) -> Result<u64> {
        require_admin(actor)?;
        let purpose = format!("{} contacts", entries.len());
        self.audited(actor, "contacts.import", &purpose, self.store.log_contacts(entries)).await
    }

    /// The latest contacts the actor logged, newest first.
    pub async fn my_logged_contacts(&self, actor: &Actor) -> Result<Vec<ContactLogEntry>> {
        let agent = staff_user(actor)?;
        Ok(self.store.contacts_logged_by(agent, RECENT_CONTACTS).await?)
    }
}

/// One violation of a topic form.
fn violation(field: &str, code: &'static str, message: &str) -> AppError {
    let mut v = Violations::new();
    v.push(field, code, message);
    AppError::Invalid(v)
}

/// The contact topics as a managed taxonomy (*kontaktorsaker*): staff read
/// them to log contacts; system admins add, rename, retire and merge them,
/// each change audited in the transaction that makes it.
impl App {
    /// Every topic, retired and merged ones too (staff).
    pub async fn contact_topics(&self, actor: &Actor) -> Result<Vec<TopicRecord>> {
        if require_admin(actor).is_err() {
            staff_user(actor)?;
        }
        Ok(self.store.contact_topics().await?)
    }

    /// Adds a topic; its code is made from the Swedish name.
    pub async fn add_contact_topic(&self, actor: &Actor, raw: &RawTopic) -> Result<TopicRecord> {
        require_admin(actor)?;
        let services = self.store.list_services().await?;
        let topic = raw.parse_new(|code| services.iter().any(|s| s.code == code)).map_err(AppError::Invalid)?;
        let what = format!("{} ({})", topic.code, topic.name_sv);
        if !self.audited(actor, "topic.add", &what, self.store.add_contact_topic(&topic)).await? {
            return Err(violation("name_sv", "taken", "a topic with this name exists"));
        }
        Ok(topic)
    }

    /// Renames a topic in both languages.
    pub async fn rename_contact_topic(&self, actor: &Actor, code: &str, raw: &RawTopic) -> Result<()> {
        require_admin(actor)?;
        let mut v = Violations::new();
        let names = raw.names(&mut v);
        let (sv, en) = v.into_result(names).map_err(AppError::Invalid)?.unwrap_or_default();
        let what = format!("{code}: {sv} / {en}");
        let write = self.store.rename_contact_topic(code, &sv, &en);
        if !self.audited(actor, "topic.rename", &what, write).await? {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// Retires a topic (no longer offered; its history stays) or brings it back.
    pub async fn retire_contact_topic(&self, actor: &Actor, code: &str, retired: bool) -> Result<()> {
        require_admin(actor)?;
        let action = if retired { "topic.retire" } else { "topic.restore" };
        if !self.audited(actor, action, code, self.store.retire_contact_topic(code, retired)).await? {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// Merges one topic into another: the first is retired and every
    /// contact logged under it counts under the survivor. How many moved.
    pub async fn merge_contact_topic(&self, actor: &Actor, from: &str, into: &str) -> Result<u64> {
        require_admin(actor)?;
        let topics = self.store.contact_topics().await?;
        let find = |code: &str| topics.iter().find(|t| t.code == code);
        let refused = || violation("into", "invalid", "choose another topic in use, not the topic itself");
        match (find(from), find(into)) {
            (Some(source), Some(target)) if from == into || target.retired || source.merged_into.is_some() => {
                return Err(refused());
            }
            (Some(_), Some(_)) => {}
            (None, _) => return Err(AppError::NotFound),
            (_, None) => return Err(violation("into", "unknown", "no such topic")),
        }
        let what = format!("{from} into {into}");
        // Checked again in the write, which refuses what changed meanwhile.
        match self.audited(actor, "topic.merge", &what, self.store.merge_contact_topic(from, into)).await? {
            Ok(moved) => Ok(moved),
            Err(MergeRefused::Unknown) => Err(AppError::NotFound),
            Err(MergeRefused::Target) => Err(refused()),
        }
    }
}
