//! Errand use cases with their access rules.
//!
//! Access rules, in one place:
//! - System admins and contact-center agents may read and work all errands,
//!   except that confidential errands are visible only to the owning unit's
//!   staff and to system admins.
//! - Case officers and unit admins work their own unit's errands.
//! - API keys need `errands:read` to read and `errands:write` to write, and
//!   never see confidential errands.
//! - Citizens may register errands; reading their own comes with "Mina ärenden".
//! - Every read of an errand with personal data leaves an audit entry.

use std::sync::Arc;

use porten_domain::errand::ErrandRef;
use porten_domain::errand::RawErrand;
use porten_domain::{Actor, Command, Errand, NewErrand, PublicId, Role, Scope, Service, TimelineEvent, Unit, UnitCode};
use porten_store::{ErrandSummary, Page, Registration};

use crate::{App, AppError, Result, random_bytes};

/// An errand with its history, as a reader may see it.
#[derive(Clone, Debug)]
pub struct ErrandView {
    pub errand: Errand,
    pub timeline: Vec<TimelineEvent>,
    /// The errand's service, if the catalogue still has it (for its own
    /// status words: `porten_domain::catalogue::status_words`).
    pub service: Option<Service>,
}

/// What the staff errand page shows besides the errand itself.
#[derive(Clone, Debug)]
pub struct ErrandPeople {
    /// The unit that owns the errand.
    pub unit: Option<Unit>,
    /// The display name of the assigned staff member.
    pub assignee_name: Option<String>,
    /// Who the errand may be assigned to: `(user id, name)`, by name.
    pub assignable: Vec<(i64, String)>,
    /// The units it may be handed over to (every other unit).
    pub other_units: Vec<Unit>,
}

use porten_domain::errand_list::ErrandFilter;
pub use porten_domain::errand_list::ListQuery;

/// Whether `actor` may read an errand owned by `unit` with the given secrecy marking.
pub fn may_see(actor: &Actor, unit: &UnitCode, confidential: bool) -> bool {
    match actor {
        Actor::System { .. } => true,
        Actor::ApiKey { .. } => actor.has_scope(Scope::ErrandsRead) && !confidential,
        Actor::User { role, unit: own, .. } => match role {
            Role::SystemAdmin => true,
            Role::Agent => !confidential || own.as_ref() == Some(unit),
            Role::CaseOfficer | Role::UnitAdmin => own.as_ref() == Some(unit),
            Role::Citizen => false,
        },
        // A tracking link opens its own errand through the citizen's use cases only.
        Actor::Visitor | Actor::TrackingLink => false,
    }
}

fn may_read(actor: &Actor, errand: &Errand) -> bool {
    may_see(actor, &errand.unit, errand.confidential)
}

fn may_write(actor: &Actor, errand: &Errand) -> bool {
    may_read(actor, errand) && (!matches!(actor, Actor::ApiKey { .. }) || actor.has_scope(Scope::ErrandsWrite))
}

impl App {
    /// Registers an errand for the service named in the input. The owning
    /// unit is the service's unit; a confidential service makes the errand
    /// confidential.
    pub async fn register_errand(&self, actor: &Actor, raw: RawErrand) -> Result<Errand> {
        self.register_errand_once(actor, raw, None).await
    }

    /// [`App::register_errand`] for an external actor that sends an
    /// idempotency key: a key it used before gives back the errand it
    /// registered then, and registers nothing.
    pub(crate) async fn register_errand_once(
        &self,
        actor: &Actor,
        raw: RawErrand,
        key: Option<&str>,
    ) -> Result<Errand> {
        if let Actor::ApiKey { .. } = actor
            && !actor.has_scope(Scope::ErrandsWrite)
        {
            return Err(AppError::Forbidden);
        }
        let earlier = |key_id: i64, key: String| async move {
            let id = self.store.idempotent_errand(key_id, &key).await?.ok_or(AppError::NotFound)?;
            let errand = self.store.get_errand(id).await?.ok_or(AppError::NotFound)?;
            Ok::<_, AppError>(errand.masked())
        };
        let keyed = match (actor, key) {
            (Actor::ApiKey { id, .. }, Some(key)) => Some((*id, key)),
            _ => None,
        };
        if let Some((key_id, key)) = keyed
            && self.store.idempotent_errand(key_id, key).await?.is_some()
        {
            return earlier(key_id, key.to_owned()).await;
        }
        let mut new = NewErrand::parse(raw).map_err(AppError::Invalid)?;
        let service = self.cached_service(&new.service_code).await?.ok_or_else(|| {
            let mut v = porten_domain::Violations::new();
            v.push("service_code", "unknown", "no such service");
            AppError::Invalid(v)
        })?;
        new.confidential |= service.confidential;
        let registration = Registration {
            public_id: PublicId::from_random_bytes(random_bytes()),
            errand: &new,
            unit: &service.unit,
            actor,
            at: self.now(),
        };
        let public_id = registration.public_id;
        let write = self.store.register_errand(registration);
        let errand = match keyed {
            Some((key_id, key)) => {
                match porten_store::with_idempotency(key_id, key, public_id, self.now(), write).await {
                    // A retry that raced this one registered it first.
                    Err(porten_store::StoreError::Duplicate("idempotency key")) => {
                        return earlier(key_id, key.to_owned()).await;
                    }
                    other => other?,
                }
            }
            None => write.await?,
        };
        tracing::info!(registry_number = %errand.registry_number, channel = errand.channel.as_str(), "errand registered");
        Ok(errand.masked())
    }

    /// Reads an errand and its timeline, leaving an audit entry when it holds personal data.
    pub async fn read_errand(&self, actor: &Actor, id: PublicId, purpose: Option<&str>) -> Result<ErrandView> {
        let errand = self.store.get_errand(id).await?.ok_or(AppError::NotFound)?;
        if !may_read(actor, &errand) {
            // Same answer as for a missing errand: existence is not revealed.
            return Err(AppError::NotFound);
        }
        let timeline = self.store.timeline(errand.id).await?;
        if errand.has_personal_data() || timeline.iter().any(|e| e.kind.has_personal_number()) {
            self.audit(actor, "errand.read", Some(errand.id), purpose).await?;
        }
        // Personal identity numbers typed into free text are shown masked,
        // like a party's: only a reveal with a purpose shows them in full.
        let errand = errand.masked();
        let timeline = timeline.into_iter().map(|e| TimelineEvent { kind: e.kind.masked(), ..e }).collect();
        self.errand_view(errand, timeline).await
    }

    /// Reads an errand with every personal identity number in full, for a
    /// staff member who needs them for the handling (a child's personnummer
    /// on a preschool application) and says why. Each reveal leaves an audit
    /// entry with its purpose; API keys never see numbers in full.
    pub async fn reveal_errand(&self, actor: &Actor, id: PublicId, purpose: &str) -> Result<ErrandView> {
        if !matches!(actor, Actor::User { role, .. } if role.is_staff()) {
            return Err(AppError::Forbidden);
        }
        let purpose = purpose.trim();
        if purpose.is_empty() || purpose.chars().count() > 200 {
            let mut v = porten_domain::Violations::new();
            v.push("purpose", "required", "say why the numbers are needed (at most 200 characters)");
            return Err(AppError::Invalid(v));
        }
        let errand = self.store.get_errand(id).await?.filter(|e| may_read(actor, e)).ok_or(AppError::NotFound)?;
        let timeline = self.store.timeline(errand.id).await?;
        self.audit(actor, "errand.reveal", Some(errand.id), Some(purpose)).await?;
        tracing::info!(target: "porten::security", event = "errand.reveal", registry_number = %errand.registry_number);
        self.errand_view(errand, timeline).await
    }

    async fn errand_view(&self, errand: Errand, timeline: Vec<TimelineEvent>) -> Result<ErrandView> {
        let service = self.cached_service(&errand.service_code).await?;
        Ok(ErrandView { errand, timeline, service })
    }

    /// The owning unit, the assignee's name, the colleagues it may be
    /// assigned to and the units it may be handed to, for the staff page of
    /// an errand read with [`App::read_errand`] (the API needs none of them).
    pub async fn errand_people(&self, errand: &Errand) -> Result<ErrandPeople> {
        let assignee_name = match errand.assignee {
            Some(id) => self.store.user_by_id(id).await?.map(|u| u.display_name),
            None => None,
        };
        let (unit, other_units) = self.store.list_units().await?.into_iter().partition(|u| u.code == errand.unit);
        let unit: Option<Unit> = Vec::into_iter(unit).next();
        let assignable =
            self.store.assignable_staff(&errand.unit).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
        Ok(ErrandPeople { unit, assignee_name, assignable, other_units })
    }

    /// The service of an errand, for its own status words; `None` if the
    /// catalogue no longer has it.
    pub async fn service_of(&self, errand: &Errand) -> Result<Option<Service>> {
        self.cached_service(&errand.service_code).await
    }

    /// Lists errands the actor may see. Case officers are limited to their
    /// unit; confidential errands are left out (and not counted) for actors
    /// who may not read them.
    pub async fn list_errands(&self, actor: &Actor, query: ListQuery) -> Result<Page<ErrandSummary>> {
        let filter = self.scoped_filter(actor, &query)?;
        let mut page = self.store.list_errands(&filter, query.sort, query.after, query.limit).await?;
        for item in &mut page.items {
            item.title = porten_domain::personnummer::mask_personal_numbers(&item.title).into_owned();
        }
        Ok(page)
    }

    /// How many errands each list holds, within what the actor may see,
    /// counted up to [`COUNT_CAP`](porten_domain::errand_list::COUNT_CAP)
    /// in one read: `(count, exact)` per query, in order (the queues above
    /// the list). Only the filters count; sort and paging are ignored.
    pub async fn count_errands(&self, actor: &Actor, queries: &[ListQuery]) -> Result<Vec<(u64, bool)>> {
        let filters = queries.iter().map(|q| self.scoped_filter(actor, q)).collect::<Result<Vec<_>>>()?;
        Ok(self.store.count_errands(&filters).await?)
    }

    /// The filter of a list, narrowed to what the actor may see: case
    /// officers to their unit, confidential errands left out (and not
    /// counted) for actors who may not read them.
    fn scoped_filter(&self, actor: &Actor, query: &ListQuery) -> Result<ErrandFilter> {
        let mut filter = query.filter.clone();
        if query.breaching {
            filter.warning_by = Some(self.now());
        }
        match actor {
            Actor::ApiKey { .. } if !actor.has_scope(Scope::ErrandsRead) => return Err(AppError::Forbidden),
            Actor::ApiKey { .. } => filter.confidential_units = Some(Vec::new()),
            Actor::User { role: Role::Citizen, .. } | Actor::Visitor | Actor::TrackingLink => {
                return Err(AppError::Forbidden);
            }
            Actor::User { role: Role::CaseOfficer | Role::UnitAdmin, unit, .. } => {
                let Some(own) = unit else { return Err(AppError::Forbidden) };
                if filter.unit.as_ref().is_some_and(|u| u != own) {
                    return Err(AppError::Forbidden);
                }
                filter.unit = Some(own.clone());
            }
            Actor::User { role: Role::Agent, unit, .. } => {
                filter.confidential_units = Some(unit.iter().cloned().collect())
            }
            Actor::User { role: Role::SystemAdmin, .. } | Actor::System { .. } => {}
        }
        Ok(filter)
    }

    /// Applies a command for an actor allowed to work the errand. Access is
    /// checked on the locked row inside the store's transaction. With
    /// `expected_versions`, the errand must be at one of them (an empty list
    /// matches nothing), else [`AppError::Conflict`]. The answer holds the
    /// errand's parties, so it is audited like a read.
    pub async fn act_on_errand(
        &self,
        actor: &Actor,
        id: PublicId,
        expected_versions: Option<&[i64]>,
        command: Command,
    ) -> Result<Errand> {
        // A key without the write scope may not act on any errand; it is told
        // so rather than "not found", as it may well read the errand.
        if let Actor::ApiKey { .. } = actor
            && !actor.has_scope(Scope::ErrandsWrite)
        {
            return Err(AppError::Forbidden);
        }
        // The store checks one version on the locked row; with several, the
        // errand's current one is checked here and then on the locked row.
        let expected_version = match expected_versions {
            None => None,
            Some([one]) => Some(*one),
            Some(versions) => {
                let errand = self.store.get_errand(id).await?.filter(|e| may_write(actor, e));
                let current = errand.ok_or(AppError::NotFound)?.version;
                if !versions.contains(&current) {
                    return Err(AppError::Conflict { current });
                }
                Some(current)
            }
        };
        // The assignee must work for the owning unit or the contact center.
        // Checked first for a clear answer, and again on the locked row, in
        // case the errand is handed over in between.
        // The unit a new assignee is bound to (none for contact-center agents).
        let mut bound_to: Option<UnitCode> = None;
        if let Command::Assign { assignee: Some(user_id) } = &command {
            let errand = self.store.get_errand(id).await?.ok_or(AppError::NotFound)?;
            let user = self.store.user_by_id(*user_id).await?.filter(|u| u.role.is_staff());
            let fits = user.as_ref().is_some_and(|u| u.role == Role::Agent || u.unit.as_ref() == Some(&errand.unit));
            if !fits {
                let mut v = porten_domain::Violations::new();
                v.push("assignee", "invalid", "must be a staff member of the owning unit or the contact center");
                return Err(AppError::Invalid(v));
            }
            bound_to = user.filter(|u| u.role != Role::Agent).and_then(|u| u.unit);
        }
        let typed_number = command.has_personal_number();
        let to_citizen = match &command {
            Command::AddMessage { direction: porten_domain::errand::Direction::Out, body } => Some(body.clone()),
            _ => None,
        };
        let allowed = actor.clone();
        let authorize =
            Arc::new(move |e: &Errand| may_write(&allowed, e) && bound_to.as_ref().is_none_or(|unit| unit == &e.unit));
        // A message to the citizen is announced by mail, queued in the same
        // savepoint as the message: both commit, or neither.
        let notice = match to_citizen.filter(|_| self.mail_citizens) {
            Some(body) => match self.store.get_errand(id).await? {
                Some(errand) => self.message_notice(&errand, &body).await?,
                None => None,
            },
            None => None,
        };
        let write = self.store.apply_command(id, expected_version, actor, command, self.now(), authorize);
        let errand = match notice {
            Some(mail) => porten_store::with_mail(mail, self.now(), write).await?,
            None => write.await?,
        };
        if errand.has_personal_data() || typed_number {
            self.audit(actor, "errand.update", Some(errand.id), None).await?;
        }
        Ok(errand.masked())
    }
}

impl App {
    /// Links the errand to the one numbered `other` (as typed: `kc2026/12`
    /// will do), both ways in one transaction. Both must be errands the
    /// actor may work; another is "no such errand" (field `other`).
    pub async fn link_errands(&self, actor: &Actor, id: PublicId, other: &str) -> Result<Errand> {
        let (this, that) = self.pair(actor, id, other).await?;
        let commands = vec![
            (this.public_id, Command::Link { other: ErrandRef::of(&that) }),
            (that.public_id, Command::Link { other: ErrandRef::of(&this) }),
        ];
        self.apply_pair(actor, commands).await
    }

    /// Merges the errand, a duplicate, into the one numbered `survivor`: the
    /// duplicate is closed and points to the survivor, which records it, in
    /// one transaction. Only who may close the duplicate may merge it.
    pub async fn merge_errand(&self, actor: &Actor, id: PublicId, survivor: &str) -> Result<Errand> {
        let (duplicate, survivor) = self.pair(actor, id, survivor).await?;
        let commands = vec![
            (duplicate.public_id, Command::MergeInto { survivor: ErrandRef::of(&survivor) }),
            (survivor.public_id, Command::Absorb { duplicate: ErrandRef::of(&duplicate) }),
        ];
        self.apply_pair(actor, commands).await
    }

    /// The errand `id` and the one numbered `other`, both writable by `actor`.
    async fn pair(&self, actor: &Actor, id: PublicId, other: &str) -> Result<(Errand, Errand)> {
        if let Actor::ApiKey { .. } = actor
            && !actor.has_scope(Scope::ErrandsWrite)
        {
            return Err(AppError::Forbidden);
        }
        let this = self.store.get_errand(id).await?.filter(|e| may_write(actor, e)).ok_or(AppError::NotFound)?;
        let unknown = || {
            let mut v = porten_domain::Violations::new();
            v.push("other", "unknown", "no errand with that registry number that you may work");
            AppError::Invalid(v)
        };
        let number = porten_domain::RegistryNumber::parse_lenient(other).map_err(|_| unknown())?;
        let that = self.store.errand_by_number(&number).await?.filter(|e| may_write(actor, e)).ok_or_else(unknown)?;
        Ok((this, that))
    }

    async fn apply_pair(&self, actor: &Actor, commands: Vec<(PublicId, Command)>) -> Result<Errand> {
        let allowed = actor.clone();
        let authorize = Arc::new(move |e: &Errand| may_write(&allowed, e));
        let written = self.store.apply_commands(commands, actor, self.now(), authorize).await?;
        for errand in written.iter().filter(|e| e.has_personal_data()) {
            self.audit(actor, "errand.update", Some(errand.id), None).await?;
        }
        let first = written.into_iter().next().ok_or(AppError::NotFound)?;
        Ok(first.masked())
    }
}

/// The most errands a person search lists.
pub const MAX_PERSON_ERRANDS: u32 = 200;

impl App {
    /// A caller's history: the errands in which the person with this
    /// personal identity number is a party, within what the staff member
    /// may open. The number comes in a POST body, never a URL; the search
    /// and every errand it shows are audited.
    pub async fn errands_of_person(&self, actor: &Actor, personal_number: &str) -> Result<Vec<ErrandSummary>> {
        if !matches!(actor, Actor::User { role, .. } if role.is_staff()) {
            return Err(AppError::Forbidden);
        }
        let number = porten_domain::PersonalIdentityNumber::parse(personal_number.trim()).map_err(|e| {
            let mut v = porten_domain::Violations::new();
            v.push("personal_number", "invalid", e.to_string());
            AppError::Invalid(v)
        })?;
        let found = self.store.errands_of_person(number.expose(), MAX_PERSON_ERRANDS).await?;
        let visible: Vec<(i64, ErrandSummary)> =
            found.into_iter().filter(|(_, e)| may_see(actor, &e.unit, e.confidential)).collect();
        self.audit(actor, "person.search", None, Some(&format!("{} errands shown", visible.len()))).await?;
        for (id, _) in &visible {
            self.audit(actor, "errand.search_hit", Some(*id), Some("person search")).await?;
        }
        Ok(visible
            .into_iter()
            .map(|(_, mut e)| {
                e.title = porten_domain::personnummer::mask_personal_numbers(&e.title).into_owned();
                e
            })
            .collect())
    }
}
