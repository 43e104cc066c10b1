//! The contact log (*kontaktlogg*): staff record every contact they handle
//! (phone, visit, e-mail, chat) without personal data, which feeds
//! dimensioning (volumes, handle times, the service mix for channel shift).

use chrono::Duration;
use porten_domain::{Actor, Command, ContactLinks, LoggedContact, RawLoggedContact, Role, Violations};
use porten_store::ContactLogEntry;

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
        let codes: Vec<String> = self.store.list_services().await?.into_iter().map(|s| s.code).collect();
        let parsed = LoggedContact::parse(raw, |code| codes.iter().any(|c| c == code));
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
