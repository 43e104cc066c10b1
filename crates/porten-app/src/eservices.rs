//! E-services (*e-tjänster*): a citizen fills in a form one step at a time,
//! saves and resumes a draft, checks everything, and submits; the errand is
//! registered with a diarienummer and the citizen follows it through an
//! unguessable tracking link or, signed in, in Mina ärenden.
//!
//! Access rules:
//! - Anyone may start an e-service, with or without signing in.
//! - A draft is opened with its unguessable id. A signed-in citizen's draft
//!   opens only for them; a draft a staff member fills in for a citizen
//!   (assisted service, by phone or at a visit) only for staff.
//! - Staff who fill in a form do so for a citizen: the errand records that
//!   it was assisted, by whom, and through which channel.
//! - The tracking link shows the errand's status and messages, and takes a
//!   reply, without login. Mina ärenden shows a signed-in citizen the errands
//!   they submitted and those naming them by personnummer.
//! - Staff see the answers and attachments of errands they may read; every
//!   read of an attachment is audited.

mod definitions;
pub mod files;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use porten_domain::errand::{Direction, RawParty};
use porten_domain::eservice::{Answers, Definition, FieldKind};
use porten_domain::{
    Actor, Channel, Command, Errand, EventKind, Lifecycle, NewErrand, PublicId, RawErrand, Role, Service, Violations,
};
use porten_store::{Draft, ErrandSummary, FileRef, NewMail, OwnedRegistration, Submission, SubmissionRecord};
pub use porten_store::{ReceiptLimits, ReceiptMail};
use sha2::{Digest, Sha256};

pub use definitions::{DefinitionError, load_definitions, parse_definition, parse_definitions};

use crate::auth::{Principal, new_token, user_actor};
use crate::{App, AppError, Result, may_see};

/// How long a draft lives after it was last saved.
pub const DRAFT_DAYS: i64 = 30;
/// How long a draft lives that nobody signed in started (issue 17): its
/// files must not stay in the database for a month.
pub const ANONYMOUS_DRAFT_DAYS: i64 = 3;
/// The most a draft's files may take together: five 10 MiB photos and more.
pub const DRAFT_FILE_QUOTA_BYTES: u64 = 60 * 1024 * 1024;

/// How long `draft` lives after its last save.
pub fn draft_lifetime(draft: &Draft) -> Duration {
    match (draft.owner, draft.assisted_by) {
        (None, None) => Duration::days(ANONYMOUS_DRAFT_DAYS),
        _ => Duration::days(DRAFT_DAYS),
    }
}

/// The e-services this installation offers: each service's definitions by
/// version. New drafts start on the newest; an errand keeps its version.
#[derive(Clone, Debug, Default)]
pub struct Eservices {
    by_code: BTreeMap<String, Vec<Arc<Definition>>>,
}

impl Eservices {
    pub fn new(definitions: Vec<Definition>) -> Self {
        let mut by_code: BTreeMap<String, Vec<Arc<Definition>>> = BTreeMap::new();
        for d in definitions {
            by_code.entry(d.service_code.clone()).or_default().push(Arc::new(d));
        }
        for versions in by_code.values_mut() {
            versions.sort_by_key(|d| d.version);
        }
        Self { by_code }
    }

    /// The newest definition of a service's e-service.
    pub fn current(&self, code: &str) -> Option<Arc<Definition>> {
        self.by_code.get(code).and_then(|v| v.last()).cloned()
    }

    pub fn version(&self, code: &str, version: u32) -> Option<Arc<Definition>> {
        self.by_code.get(code).and_then(|v| v.iter().find(|d| d.version == version)).cloned()
    }
}

/// A draft with the definition it is filled in against, as App opened it
/// for a user allowed to (only App makes one).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DraftView {
    pub draft: Draft,
    pub definition: Arc<Definition>,
}

impl DraftView {
    /// The answers with each uploaded file's name standing in for its field,
    /// as the definition checks them and the review page shows them.
    pub fn answers_with_files(&self) -> Answers {
        answers_with_files(&self.draft)
    }
}

/// What saving a step answers: the draft as saved (always, so nothing typed
/// is lost), and what is wrong with the step.
#[derive(Clone, Debug)]
pub struct StepOutcome {
    pub view: DraftView,
    pub violations: Violations,
    /// The draft had expired or was gone: a new one was started with what
    /// was sent now.
    pub restarted: bool,
}

/// A file sent with a step.
#[derive(Clone, Debug)]
pub struct Upload {
    pub field: String,
    pub name: String,
    pub content: Vec<u8>,
}

/// The status in citizens' words, in Swedish and English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitizenStatus {
    pub sv: String,
    pub en: String,
}

impl CitizenStatus {
    pub fn of(service: Option<&Service>, lifecycle: Lifecycle) -> Self {
        let (sv, en) = porten_domain::catalogue::status_words(service, lifecycle, porten_domain::Viewer::Citizen);
        Self { sv: sv.to_owned(), en: en.to_owned() }
    }
}

/// One event of an errand as its citizen sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CitizenEvent {
    Registered,
    Status(CitizenStatus),
    /// The city's decision (*beslut*), with its text.
    Decision {
        outcome: porten_domain::Outcome,
        text: String,
    },
    /// A message; `from_city` when the city wrote it.
    Message {
        from_city: bool,
        body: String,
    },
    /// The document of the decision (a PDF): its name, and its number
    /// among the errand's documents, from 0, to fetch it by.
    Document {
        name: String,
        number: usize,
    },
}

/// An errand as its citizen follows it (tracking link, Mina ärenden).
#[derive(Clone, Debug)]
pub struct CitizenView {
    pub public_id: PublicId,
    pub registry_number: String,
    pub service: Option<Service>,
    pub title: String,
    pub status: CitizenStatus,
    pub lifecycle: Lifecycle,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub events: Vec<(DateTime<Utc>, CitizenEvent)>,
    /// The tracking token, when the errand came in through an e-service.
    pub tracking_token: Option<String>,
    /// When the city promises a decision (the service's resolution target
    /// on the running clock); none while the errand waits for the citizen.
    pub promise: Option<DateTime<Utc>>,
}

/// A row of Mina ärenden.
#[derive(Clone, Debug)]
pub struct CitizenErrand {
    pub summary: ErrandSummary,
    pub status: CitizenStatus,
    /// The errand's service, if the catalogue still has it.
    pub service: Option<Service>,
}

/// How a citizen reaches one of their errands: its tracking link, or
/// signed in (then it must be theirs).
#[derive(Clone, Copy, Debug)]
pub enum CitizenAccess<'a> {
    Token(&'a str),
    SignedIn(&'a Actor, PublicId),
}

/// The signed-in person behind an actor; a visitor, a tracking link, a key
/// or Porten itself has none.
#[derive(Clone, Copy, Debug)]
struct Person<'a> {
    id: i64,
    role: Role,
    unit: Option<&'a porten_domain::UnitCode>,
}

fn person(actor: &Actor) -> Option<Person<'_>> {
    match actor {
        Actor::User { id, role, unit, .. } => Some(Person { id: *id, role: *role, unit: unit.as_ref() }),
        _ => None,
    }
}

/// The signed-in citizen behind an actor, or [`AppError::Forbidden`].
fn citizen(actor: &Actor) -> Result<Person<'_>> {
    person(actor).filter(|p| p.role == Role::Citizen).ok_or(AppError::Forbidden)
}

fn expired() -> AppError {
    AppError::Expired
}

/// The answer to an e-service field as one line of the errand's form.
fn form_value(field_kind: FieldKind, answers: &[String], files: &[&FileRef]) -> String {
    match field_kind {
        FieldKind::File => files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", "),
        _ => answers.join(", "),
    }
}

impl App {
    /// The e-service of a service, if it has one.
    pub fn eservice(&self, code: &str) -> Option<Arc<Definition>> {
        self.eservices.current(code)
    }

    /// The e-services this installation offers.
    pub fn eservices(&self) -> &Eservices {
        &self.eservices
    }

    /// Starts a draft of a service's e-service. A staff member starts it for
    /// a citizen who reached them through `assisted` (phone or visit).
    pub async fn start_draft(&self, actor: &Actor, code: &str, assisted: Option<Channel>) -> Result<DraftView> {
        self.new_draft(person(actor), code, assisted, Answers::new(), Vec::new()).await
    }

    async fn new_draft(
        &self,
        user: Option<Person<'_>>,
        code: &str,
        assisted: Option<Channel>,
        answers: Answers,
        files: Vec<FileRef>,
    ) -> Result<DraftView> {
        let definition = self.eservice(code).ok_or(AppError::NotFound)?;
        let staff = user.filter(|u| u.role.is_staff());
        let assisted_channel = match (staff, assisted) {
            (Some(_), Some(c @ (Channel::Phone | Channel::Visit))) => Some(c),
            (Some(_), _) => {
                let mut v = Violations::new();
                v.push("assisted", "required", "staff fill in a form for a citizen on the phone or at a visit");
                return Err(AppError::Invalid(v));
            }
            (None, _) => None,
        };
        let now = self.now();
        let mut draft = Draft {
            id: new_token(),
            service_code: definition.service_code.clone(),
            version: definition.version,
            answers,
            files,
            owner: user.filter(|u| u.role == Role::Citizen).map(|u| u.id),
            assisted_by: staff.map(|u| u.id),
            assisted_channel,
            created_at: now,
            updated_at: now,
            expires_at: now,
        };
        draft.expires_at = now + draft_lifetime(&draft);
        self.store.save_draft(&draft).await?;
        Ok(DraftView { draft, definition })
    }

    /// Whether `user` may open a draft with this owner and helper: a
    /// citizen's own draft only they; one an agent fills in for a caller,
    /// that agent and the contact center (issue 17); an anonymous one,
    /// whoever holds its id.
    async fn may_open_by(
        &self,
        user: Option<Person<'_>>,
        owner: Option<i64>,
        assisted_by: Option<i64>,
    ) -> Result<bool> {
        Ok(match (owner, assisted_by) {
            (Some(owner), _) => user.is_some_and(|u| u.id == owner),
            (None, Some(helper)) => match user {
                Some(u) if u.id == helper => true,
                Some(u) if u.role.is_staff() => self.in_contact_center(u).await?,
                _ => false,
            },
            (None, None) => true,
        })
    }

    /// Whether `user` works in a contact-center unit.
    async fn in_contact_center(&self, user: Person<'_>) -> Result<bool> {
        let Some(unit) = user.unit else { return Ok(false) };
        Ok(self.portal_data().await?.units.iter().any(|u| &u.code == unit && u.contact_center))
    }

    /// Opens a draft. An expired draft answers [`AppError::Expired`]; one the user may not open, [`AppError::NotFound`].
    pub async fn open_draft(&self, actor: &Actor, id: &str) -> Result<DraftView> {
        let draft = self.store.get_draft(id).await?.ok_or_else(expired)?;
        if !self.may_open_by(person(actor), draft.owner, draft.assisted_by).await? {
            return Err(AppError::NotFound);
        }
        if draft.expires_at < self.now() {
            return Err(expired());
        }
        // A draft keeps the version it was started on while that version is offered.
        let definition = self
            .eservices
            .version(&draft.service_code, draft.version)
            .or_else(|| self.eservice(&draft.service_code))
            .ok_or(AppError::NotFound)?;
        Ok(DraftView { draft, definition })
    }

    /// The tracking token of a draft that was submitted, for a second submit
    /// or the back button: only for whoever could open the draft.
    pub async fn submitted_draft(&self, actor: &Actor, id: &str) -> Result<Option<String>> {
        let Some(submitted) = self.store.submitted_draft(id).await? else { return Ok(None) };
        let may = self.may_open_by(person(actor), submitted.owner, submitted.assisted_by).await?;
        Ok(may.then_some(submitted.tracking_token))
    }

    /// Saves the answers to one step of a draft, with its uploads, and
    /// checks them. The draft is saved even when the step has errors, and
    /// accepted files are kept even when other fields fail. An expired or
    /// unknown draft answers [`AppError::Expired`]; see [`App::restart_step`].
    pub async fn save_step(
        &self,
        actor: &Actor,
        id: &str,
        step: &str,
        answers: Answers,
        uploads: Vec<Upload>,
    ) -> Result<StepOutcome> {
        let view = self.open_draft(actor, id).await?;
        self.save_step_in(view, step, answers, uploads).await
    }

    /// [`App::save_step`] for a draft already opened with [`App::open_draft`].
    pub async fn save_step_in(
        &self,
        view: DraftView,
        step: &str,
        answers: Answers,
        uploads: Vec<Upload>,
    ) -> Result<StepOutcome> {
        self.save_step_of(view, step, answers, uploads, false).await
    }

    /// Starts a new draft of `code` with a step posted to a draft that has
    /// expired, keeping what was posted (the caller counts it as a start).
    pub async fn restart_step(
        &self,
        actor: &Actor,
        code: &str,
        step: &str,
        answers: Answers,
        uploads: Vec<Upload>,
    ) -> Result<StepOutcome> {
        let assisted = person(actor).filter(|u| u.role.is_staff()).map(|_| Channel::Phone);
        let view = self.new_draft(person(actor), code, assisted, Answers::new(), Vec::new()).await?;
        self.save_step_of(view, step, answers, uploads, true).await
    }

    async fn save_step_of(
        &self,
        mut view: DraftView,
        step: &str,
        mut answers: Answers,
        uploads: Vec<Upload>,
        restarted: bool,
    ) -> Result<StepOutcome> {
        let definition = view.definition.clone();
        let step = definition.steps.iter().find(|s| s.id == step).ok_or(AppError::NotFound)?;
        let mut violations = Violations::new();
        // Only this step's fields are taken from the form; empty answers are
        // dropped. What is kept is bounded: one answer per field (a multiple
        // choice as many as it has options), each at most a little longer
        // than the field allows, so that the check can still say it is too long.
        for field in &step.fields {
            let most = if field.kind == FieldKind::MultipleChoice { field.options.len() } else { 1 };
            let given: Vec<String> = answers
                .remove(&field.name)
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.trim().chars().take(field.max_length + 100).collect::<String>())
                .filter(|a| !a.is_empty())
                .take(most)
                .collect();
            if field.kind == FieldKind::File {
                continue;
            }
            if given.is_empty() {
                view.draft.answers.remove(&field.name);
            } else {
                view.draft.answers.insert(field.name.clone(), given);
            }
        }
        let now = self.now();
        for upload in uploads.into_iter().filter(|u| !u.content.is_empty()) {
            let Some(field) = step.fields.iter().find(|f| f.name == upload.field && f.kind == FieldKind::File) else {
                continue;
            };
            let others: u64 = view.draft.files.iter().filter(|f| f.field != field.name).map(|f| f.size).sum();
            if others + upload.content.len() as u64 > DRAFT_FILE_QUOTA_BYTES {
                violations.push(&field.name, "quota", "the draft's files together are over the quota");
                continue;
            }
            match files::check_file(&upload.content) {
                Ok(media_type) => {
                    let file = FileRef {
                        field: field.name.clone(),
                        name: clean_file_name(&upload.name),
                        sha256: format!("{:x}", Sha256::digest(&upload.content)),
                        media_type: media_type.to_owned(),
                        size: upload.content.len() as u64,
                    };
                    self.store.put_attachment(&file, upload.content, now).await?;
                    // One file per field: a new one replaces the old.
                    view.draft.files.retain(|f| f.field != file.field);
                    view.draft.files.push(file);
                }
                Err(problem) => violations.push(&field.name, problem.code(), "the file was not accepted"),
            }
        }
        view.draft.updated_at = now;
        view.draft.expires_at = now + draft_lifetime(&view.draft);
        self.store.save_draft(&view.draft).await?;
        if let Err(v) = definition.check_answers(&answers_with_files(&view.draft), Some(&step.id)) {
            for f in v.0 {
                if !violations.0.iter().any(|x| x.field == f.field) {
                    violations.0.push(f);
                }
            }
        }
        Ok(StepOutcome { view, violations, restarted })
    }

    /// Checks every step of a draft, for the review page.
    pub async fn review_draft(&self, actor: &Actor, id: &str) -> Result<(DraftView, Violations)> {
        let view = self.open_draft(actor, id).await?;
        let violations = match view.definition.check_answers(&answers_with_files(&view.draft), None) {
            Ok(()) => Violations::new(),
            Err(v) => v,
        };
        Ok((view, violations))
    }

    /// Submits a draft: registers its errand and queues the receipt mail
    /// when the citizen gave an e-mail address. Submitting the same draft
    /// again answers the same tracking token. `english` picks the mail's
    /// language.
    pub async fn submit_draft(&self, actor: &Actor, id: &str, english: bool) -> Result<String> {
        Ok(self.submit_draft_with_receipt(actor, id, english).await?.0)
    }

    /// [`App::submit_draft`], also saying what became of the receipt: a
    /// receipt over a limit (per recipient, or the hourly budget for
    /// visitors not signed in) is held back, and the errand registered all
    /// the same.
    pub async fn submit_draft_with_receipt(
        &self,
        actor: &Actor,
        id: &str,
        english: bool,
    ) -> Result<(String, ReceiptMail)> {
        let view = match self.open_draft(actor, id).await {
            Ok(view) => view,
            Err(AppError::Expired) => {
                let token = self.submitted_draft(actor, id).await?.ok_or_else(expired)?;
                return Ok((token, ReceiptMail::None));
            }
            Err(e) => return Err(e),
        };
        let (draft, definition) = (&view.draft, &view.definition);
        definition.check_answers(&answers_with_files(draft), None).map_err(AppError::Invalid)?;
        let service = self.cached_service(&draft.service_code).await?.ok_or(AppError::NotFound)?;
        let submitter = match draft.owner.or(draft.assisted_by) {
            Some(id) => self.store.user_by_id(id).await?,
            None => None,
        };
        let email = definition
            .fields()
            .find(|f| f.kind == FieldKind::Email && definition.shown(f, &draft.answers))
            .and_then(|f| draft.answers.get(&f.name))
            .and_then(|a| a.first())
            .cloned();
        // The applicant: the citizen signed in with e-ID, by personnummer;
        // otherwise whoever left an e-mail address.
        let mut parties = Vec::new();
        if let Some(owner) = draft.owner
            && let Some(u) = submitter.as_ref().filter(|u| u.id == owner)
        {
            parties.push(RawParty {
                role: Some("applicant".into()),
                name: u.display_name.clone(),
                personal_number: self.store.personal_number_of(u.id).await?,
                email: email.clone(),
                ..RawParty::default()
            });
        } else if let Some(email) = &email {
            parties.push(RawParty {
                role: Some("reporter".into()),
                name: "–".into(),
                email: Some(email.clone()),
                ..RawParty::default()
            });
        }
        // A personnummer answer becomes a party of the errand, with the role
        // its field gives; the answers keep only which party it is.
        let mut form = BTreeMap::new();
        for field in definition.fields().filter(|f| definition.shown(f, &draft.answers)) {
            let answers = draft.answers.get(&field.name).map_or(&[][..], Vec::as_slice);
            if let (Some(of), Some(number)) = (&field.party, answers.first()) {
                let name = of.name_field.as_ref().and_then(|n| draft.answers.get(n)).and_then(|a| a.first());
                // A name is no place for a personnummer: one typed there is masked.
                let name = name.map(|n| porten_domain::personnummer::mask_personal_numbers(n).into_owned());
                parties.push(RawParty {
                    role: Some(of.role.as_str().into()),
                    name: name.unwrap_or_else(|| "–".into()),
                    personal_number: Some(number.clone()),
                    ..RawParty::default()
                });
                form.insert(field.name.clone(), format!("Se part {} ({})", parties.len(), of.role.name_sv()));
                continue;
            }
            let files: Vec<&FileRef> = draft.files.iter().filter(|f| f.field == field.name).collect();
            let value = form_value(field.kind, answers, &files);
            if !value.is_empty() {
                form.insert(field.name.clone(), value);
            }
        }
        let channel = draft.assisted_channel.unwrap_or(Channel::Web);
        let raw = RawErrand {
            service_code: service.code.clone(),
            title: porten_domain::personnummer::mask_personal_numbers(&definition.errand_title(&draft.answers))
                .into_owned(),
            description: format!("Inskickat via e-tjänsten {} (version {}).", definition.title.sv, definition.version),
            channel: channel.as_str().into(),
            priority: None,
            parties,
            confidential: Some(service.confidential),
            labels: vec!["e-tjänst".into()],
            form,
            location: definition.location(&draft.answers).map(|l| l.raw()),
        };
        let new: NewErrand = NewErrand::parse(raw).map_err(AppError::Invalid)?;
        let actor = match &submitter {
            Some(u) => user_actor(&Principal::from(u.clone())),
            None => Actor::System { name: "e-tjänst".into() },
        };
        let token = new_token();
        let mail = email.filter(|_| self.mail_citizens).map(|to| self.receipt_mail(to, definition, &token, english));
        let submission = Submission {
            draft_id: draft.id.clone(),
            version: draft.version,
            registration: OwnedRegistration {
                public_id: PublicId::from_random_bytes(crate::random_bytes()),
                errand: new,
                unit: service.unit.clone(),
                actor,
                at: self.now(),
            },
            tracking_token: token,
            owner: draft.owner,
            assisted_by: draft.assisted_by,
            // A file of a field hidden by an answer given later is not sent.
            files: draft
                .files
                .iter()
                .filter(|file| definition.fields().any(|f| f.name == file.field && definition.shown(f, &draft.answers)))
                .cloned()
                .collect(),
            mail,
            receipt_limits: self.receipt_limits,
        };
        let receipt = self.store.submit_draft(submission).await?;
        if !receipt.repeated {
            tracing::info!(registry_number = %receipt.errand.registry_number, service = %service.code,
                version = draft.version, assisted = draft.assisted_by.is_some(), "e-service submitted");
        }
        if receipt.mail == ReceiptMail::Held {
            tracing::warn!(target: "porten::security", event = "receipt.held",
                registry_number = %receipt.errand.registry_number, "receipt over its limit, not mailed");
        }
        Ok((receipt.tracking_token, receipt.mail))
    }

    fn receipt_mail(&self, to: String, definition: &Definition, token: &str, english: bool) -> NewMail {
        let link = self.link(&format!("/track/{token}"));
        let (subject, body) = if english {
            (
                format!("We have received your errand: {}", definition.title.en),
                format!(
                    "Thank you. We have received your errand \"{}\".\n\nFollow it, read our messages and reply here:\n{link}\n\nKeep this link to yourself: anyone who has it can follow the errand.\n",
                    definition.title.en
                ),
            )
        } else {
            (
                format!("Vi har tagit emot ditt ärende: {}", definition.title.sv),
                format!(
                    "Tack! Vi har tagit emot ditt ärende \"{}\".\n\nHär följer du ärendet, läser våra meddelanden och svarar:\n{link}\n\nDela inte länken: den som har den kan följa ärendet.\n",
                    definition.title.sv
                ),
            )
        };
        NewMail { recipient: to, subject, body, thread: porten_store::MailThread::generated() }
    }

    /// An address on this installation for mail: the public URL, when set.
    pub(crate) fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim_end_matches('/'))
    }

    /// An errand as its citizen follows it.
    pub async fn citizen_errand(&self, access: CitizenAccess<'_>) -> Result<CitizenView> {
        let errand = self.citizen_errand_row(access).await?;
        let reader = match access {
            CitizenAccess::Token(_) => Actor::TrackingLink,
            CitizenAccess::SignedIn(actor, _) => actor.clone(),
        };
        let timeline = self.store.timeline(errand.id).await?;
        self.audit(&reader, "errand.read", Some(errand.id), Some("the citizen follows their errand")).await?;
        let service = self.cached_service(&errand.service_code).await?;
        let clocks = self.clocks(&errand, service.as_ref(), &timeline).await?;
        let promise = clocks.promise().filter(|_| errand.lifecycle.is_active());
        let mut documents = 0..;
        let events = timeline
            .into_iter()
            .filter_map(|e| {
                let event = match e.kind {
                    EventKind::DocumentAttached { document } => {
                        CitizenEvent::Document { name: document.name, number: documents.next().unwrap_or_default() }
                    }
                    EventKind::Registered { .. } => CitizenEvent::Registered,
                    EventKind::StatusChanged { to, .. } => {
                        CitizenEvent::Status(CitizenStatus::of(service.as_ref(), to))
                    }
                    EventKind::Message { direction, body } => {
                        CitizenEvent::Message { from_city: direction == Direction::Out, body }
                    }
                    EventKind::Decided { outcome, text } => CitizenEvent::Decision { outcome, text },
                    _ => return None,
                };
                Some((e.at, event))
            })
            .collect();
        let tracking_token = self.store.submission(errand.id).await?.map(|s| s.tracking_token);
        Ok(CitizenView {
            public_id: errand.public_id,
            registry_number: errand.registry_number.to_string(),
            status: CitizenStatus::of(service.as_ref(), errand.lifecycle),
            service,
            title: errand.title,
            lifecycle: errand.lifecycle,
            created_at: errand.created_at,
            updated_at: errand.updated_at,
            events,
            tracking_token,
            promise,
        })
    }

    pub(crate) async fn citizen_errand_row(&self, access: CitizenAccess<'_>) -> Result<Errand> {
        let id = match access {
            CitizenAccess::Token(token) => {
                self.store.errand_by_tracking_token(token).await?.ok_or(AppError::NotFound)?
            }
            CitizenAccess::SignedIn(actor, id) => {
                let user = citizen(actor)?;
                let mine = self.store.citizen_errands(user.id).await?;
                mine.into_iter().find(|e| e.public_id == id).ok_or(AppError::NotFound)?.public_id
            }
        };
        self.store.get_errand(id).await?.ok_or(AppError::NotFound)
    }

    /// Mina ärenden: a signed-in citizen's errands, newest first.
    pub async fn my_errands(&self, actor: &Actor) -> Result<Vec<CitizenErrand>> {
        let user = citizen(actor)?;
        let services = self.store.list_services().await?;
        let rows = self.store.citizen_errands(user.id).await?;
        Ok(rows
            .into_iter()
            .map(|mut summary| {
                summary.title = porten_domain::personnummer::mask_personal_numbers(&summary.title).into_owned();
                let service = services.iter().find(|s| s.code == summary.service_code).cloned();
                CitizenErrand { status: CitizenStatus::of(service.as_ref(), summary.lifecycle), service, summary }
            })
            .collect())
    }

    /// A signed-in citizen's unfinished applications, to resume from Mina ärenden.
    pub async fn my_drafts(&self, actor: &Actor) -> Result<Vec<DraftView>> {
        let user = citizen(actor)?;
        let drafts = self.store.drafts_of(user.id, self.now()).await?;
        Ok(drafts
            .into_iter()
            .filter_map(|draft| {
                let definition = self
                    .eservices
                    .version(&draft.service_code, draft.version)
                    .or_else(|| self.eservice(&draft.service_code))?;
                Some(DraftView { draft, definition })
            })
            .collect())
    }

    /// A citizen's reply on their errand: it lands on the errand's timeline
    /// (and an errand waiting for the citizen goes back to the case officer).
    pub async fn citizen_reply(&self, access: CitizenAccess<'_>, body: &str) -> Result<()> {
        let errand = self.citizen_errand_row(access).await?;
        // A closed errand takes no more replies: nobody would read them
        // (issue 17). The tracking page says how to reach the city instead.
        if errand.lifecycle == Lifecycle::Closed {
            return Err(AppError::Closed);
        }
        let actor = match access {
            CitizenAccess::Token(_) => Actor::TrackingLink,
            CitizenAccess::SignedIn(actor, _) => actor.clone(),
        };
        let command = Command::AddMessage { direction: Direction::In, body: body.to_owned() };
        let expected = errand.id;
        // Checked again on the locked row: an errand closed since it was read
        // takes no reply either.
        let authorize = Arc::new(move |e: &Errand| e.id == expected && e.lifecycle != Lifecycle::Closed);
        match self.store.apply_command(errand.public_id, None, &actor, command, self.now(), authorize).await {
            Ok(_) => Ok(()),
            Err(porten_store::StoreError::NotFound) => Err(AppError::Closed),
            Err(e) => Err(e.into()),
        }
    }

    /// The mail telling a citizen that the city wrote to them; `None` when
    /// the errand has no e-mail address. On an errand the citizen started
    /// by e-mail (they chose the channel) that is not confidential, the mail
    /// is the message itself, answering their last mail so that their reply
    /// threads back. Everywhere else it is a notice with the link where they
    /// read the message, which stays out of the mail.
    pub(crate) async fn message_notice(&self, errand: &Errand, body: &str) -> Result<Option<NewMail>> {
        let email = errand
            .parties
            .iter()
            .flat_map(|p| &p.contacts)
            .find_map(|c| match c {
                porten_domain::errand::ContactChannel::Email(e) => Some(e.clone()),
                _ => None,
            })
            .or_else(|| errand.form.get("email").cloned());
        let Some(to) = email else { return Ok(None) };
        let submission = self.store.submission(errand.id).await?;
        let by_mail = submission.as_ref().is_some_and(|s| s.version == 0)
            && errand.channel == porten_domain::Channel::Email
            && !errand.confidential;
        let link = match &submission {
            Some(s) => self.link(&format!("/track/{}", s.tracking_token)),
            None => self.link("/mina-arenden"),
        };
        let reg = &errand.registry_number;
        if by_mail {
            return Ok(Some(NewMail {
                recipient: to,
                subject: format!("Re: [{reg}] {}", errand.title),
                body: format!(
                    "{body}\n\n-- \nSvara på det här brevet, eller följ ärende {reg} här:\n{link}\n\n\
                     Reply to this mail, or follow errand {reg} here:\n{link}\n"
                ),
                thread: porten_store::MailThread {
                    errand_id: Some(errand.id),
                    message_id: Some(self.new_message_id()),
                    in_reply_to: self.store.last_inbound_message(errand.id).await?,
                    auto_submitted: None,
                },
            }));
        }
        Ok(Some(NewMail {
            recipient: to,
            subject: format!("Nytt meddelande i ditt ärende {reg} / New message about your errand"),
            body: format!(
                "Du har fått ett meddelande från oss i ärende {reg}. Läs det och svara här:\n{link}\n\n\
                 You have a message from us about errand {reg}. Read it and reply here:\n{link}\n"
            ),
            thread: porten_store::MailThread { errand_id: Some(errand.id), ..porten_store::MailThread::generated() },
        }))
    }

    /// How an errand came in through an e-service, with its attachments,
    /// for staff who may read the errand.
    pub async fn submission(&self, actor: &Actor, errand: &Errand) -> Result<Option<SubmissionRecord>> {
        if !may_see(actor, &errand.unit, errand.confidential) {
            return Err(AppError::NotFound);
        }
        Ok(self.store.submission(errand.id).await?)
    }

    /// One attachment of an errand (by its position), for staff who may read
    /// the errand; every read is audited.
    pub async fn attachment(&self, actor: &Actor, id: PublicId, position: usize) -> Result<(FileRef, Vec<u8>)> {
        let errand = self.store.get_errand(id).await?.ok_or(AppError::NotFound)?;
        let record = self.submission(actor, &errand).await?.ok_or(AppError::NotFound)?;
        let file = record.attachments.into_iter().nth(position).ok_or(AppError::NotFound)?;
        let content = self.store.attachment_content(&file.sha256).await?.ok_or(AppError::NotFound)?;
        self.audit(actor, "attachment.read", Some(errand.id), None).await?;
        Ok((file, content))
    }

    /// Signs in a citizen identified by e-ID (personnummer and name from
    /// the identity provider), creating their account on first login.
    pub async fn sign_in_with_eid(&self, personal_number: &str, name: &str) -> Result<Principal> {
        let number = porten_domain::PersonalIdentityNumber::parse(personal_number).map_err(|_| {
            let mut v = Violations::new();
            v.push("personal_number", "invalid", "the identity provider gave no valid personnummer");
            AppError::Invalid(v)
        })?;
        let user = self.store.citizen_by_personal_number(number.expose(), name, self.now()).await?;
        tracing::info!(target: "porten::security", event = "eid.login", user = user.id);
        Ok(user.into())
    }
}

/// The answers with each uploaded file standing in for its field.
fn answers_with_files(draft: &Draft) -> Answers {
    let mut answers = draft.answers.clone();
    for f in &draft.files {
        answers.insert(f.field.clone(), vec![f.name.clone()]);
    }
    answers
}

/// A file name as shown to staff: the last path part, without control
/// characters, at most 100 characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if clean.trim().is_empty() { "fil".into() } else { clean }
}
