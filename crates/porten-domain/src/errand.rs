//! Errands (*ärenden*), their parties and their timeline.
//!
//! The errand row is the current state; the timeline is the history. Every
//! change goes through [`Errand::apply`], which returns the new state together
//! with the events that explain it, so the storage layer can write both in one
//! transaction and they can never disagree.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::catalogue::UnitCode;
use crate::ids::PublicId;
pub use crate::lifecycle::{Decision, Lifecycle, Outcome};
use crate::lifecycle::{DecisionDocument, MoveRefusal, Needs, Standing};
use crate::personnummer::{OrganisationNumber, PersonalIdentityNumber};
use crate::registry::RegistryNumber;
use crate::validation::Violations;

/// Where a contact came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Email,
    Phone,
    /// A walk-in visit (*besök*).
    Visit,
    Open311,
    Api,
}

impl Channel {
    /// Whether contacts wait in real time (a caller on the line, a visitor
    /// in the room), so queueing models apply; the others (e-mail, web
    /// forms, systems) wait in a backlog and are staffed by workload.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Phone | Self::Visit)
    }

    pub const ALL: [Channel; 6] = [Self::Web, Self::Email, Self::Phone, Self::Visit, Self::Open311, Self::Api];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Visit => "visit",
            Self::Open311 => "open311",
            Self::Api => "api",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A party's part in an errand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// The person or business the errand is about or who applied (*sökande*).
    Applicant,
    /// Who reported it (*anmälare*), e.g. for a fault report.
    Reporter,
    /// Someone else to keep informed.
    Contact,
    /// Someone the errand concerns who did not bring it (*berörd*), e.g.
    /// the child a preschool application is for.
    Concerned,
}

impl PartyRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::Reporter => "reporter",
            Self::Contact => "contact",
            Self::Concerned => "concerned",
        }
    }
    /// The Swedish name, as the registry writes it.
    pub fn name_sv(self) -> &'static str {
        match self {
            Self::Applicant => "sökande",
            Self::Reporter => "anmälare",
            Self::Contact => "kontaktperson",
            Self::Concerned => "berörd",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Applicant, Self::Reporter, Self::Contact, Self::Concerned].into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ContactChannel {
    Email(String),
    Phone(String),
}

/// A stakeholder (*intressent*) in an errand. A personal identity number is
/// stored once per party and referred to by the party's id everywhere else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub role: PartyRole,
    pub name: String,
    pub personal_number: Option<PersonalIdentityNumber>,
    pub organisation_number: Option<OrganisationNumber>,
    pub contacts: Vec<ContactChannel>,
}

/// An errand (*ärende*) as currently registered.
#[derive(Clone, Debug, PartialEq)]
pub struct Errand {
    /// Storage row id. Internal: never shown, never in URLs.
    pub id: i64,
    pub public_id: PublicId,
    /// *Diarienummer*, assigned at registration.
    pub registry_number: RegistryNumber,
    pub service_code: String,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub priority: Priority,
    pub lifecycle: Lifecycle,
    /// The unit that owns the errand now (changes on handover).
    pub unit: UnitCode,
    /// User id of the assignee, if any.
    pub assignee: Option<i64>,
    pub parties: Vec<Party>,
    /// Secrecy marking (*sekretessmarkering*).
    pub confidential: bool,
    pub labels: Vec<String>,
    /// Answers from the e-service form, by field name.
    pub form: BTreeMap<String, String>,
    /// Optimistic-locking version; starts at 1 and grows by one per change.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Where the errand is (*plats*), when it has a place.
    pub location: Option<crate::Location>,
}

impl Errand {
    /// Whether reading this errand is a read of personal data (and so must be
    /// audited): it has parties, or a personal identity number was typed into
    /// its title, description or form answers. Messages and notes on the
    /// timeline are checked by [`EventKind::has_personal_number`].
    pub fn has_personal_data(&self) -> bool {
        !self.parties.is_empty()
            || [&self.title, &self.description].into_iter().chain(self.form.values()).any(|t| has_personal_number(t))
    }

    /// The errand as screens and the API show it: personal identity numbers
    /// typed into free text are masked (`19121212-****`), as a party's is.
    pub fn masked(mut self) -> Self {
        self.title = mask_personal_numbers(&self.title).into_owned();
        self.description = mask_personal_numbers(&self.description).into_owned();
        for answer in self.form.values_mut() {
            *answer = mask_personal_numbers(answer).into_owned();
        }
        self
    }
}

fn has_personal_number(text: &str) -> bool {
    !crate::personnummer::find_personal_numbers(text).is_empty()
}

use crate::personnummer::mask_personal_numbers;

/// Limits on errand input.
pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 20_000;
pub const MAX_LABELS: usize = 20;
pub const MAX_FORM_FIELDS: usize = 100;
pub const MAX_PARTIES: usize = 20;

/// Validated input for registering an errand.
#[derive(Clone, Debug, PartialEq)]
pub struct NewErrand {
    pub service_code: String,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub priority: Priority,
    pub parties: Vec<Party>,
    pub confidential: bool,
    pub labels: Vec<String>,
    pub form: BTreeMap<String, String>,
    pub location: Option<crate::Location>,
}

/// Unvalidated party input, as it arrives from a form or the API. Its
/// `Debug` output leaves out the personal identity number.
#[derive(Clone, Default, Deserialize)]
pub struct RawParty {
    pub role: Option<String>,
    pub name: String,
    pub personal_number: Option<String>,
    pub organisation_number: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl std::fmt::Debug for RawParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawParty")
            .field("role", &self.role)
            .field("name", &self.name)
            .field("personal_number", &self.personal_number.as_ref().map(|_| "<redacted>"))
            .field("organisation_number", &self.organisation_number)
            .finish_non_exhaustive()
    }
}

/// Unvalidated errand input.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RawErrand {
    pub service_code: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub priority: Option<String>,
    pub parties: Vec<RawParty>,
    pub confidential: Option<bool>,
    pub labels: Vec<String>,
    pub form: BTreeMap<String, String>,
    pub location: Option<crate::RawLocation>,
}

impl NewErrand {
    /// Validates raw input, collecting every violation.
    pub fn parse(raw: RawErrand) -> Result<NewErrand, Violations> {
        let mut v = Violations::new();
        let service_code = v.text("service_code", &raw.service_code, 64).unwrap_or_default();
        let title = v.text("title", &raw.title, MAX_TITLE).unwrap_or_default();
        let description = v.text("description", &raw.description, MAX_TEXT).unwrap_or_default();
        let channel = Channel::parse(&raw.channel).unwrap_or_else(|| {
            v.push("channel", "invalid", "must be one of web, email, phone, visit, open311, api");
            Channel::Web
        });
        let priority = match raw.priority.as_deref() {
            None | Some("") => Priority::Normal,
            Some(p) => Priority::parse(p).unwrap_or_else(|| {
                v.push("priority", "invalid", "must be one of low, normal, high, urgent");
                Priority::Normal
            }),
        };
        if raw.parties.len() > MAX_PARTIES {
            v.push("parties", "too_many", format!("at most {MAX_PARTIES} parties"));
        }
        let parties = raw
            .parties
            .into_iter()
            .take(MAX_PARTIES)
            .enumerate()
            .filter_map(|(i, p)| parse_party(&mut v, &format!("parties[{i}]"), p))
            .collect();
        if raw.labels.len() > MAX_LABELS {
            v.push("labels", "too_many", format!("at most {MAX_LABELS} labels"));
        }
        let mut labels: Vec<String> =
            raw.labels.iter().enumerate().filter_map(|(i, l)| v.text(&format!("labels[{i}]"), l, 50)).collect();
        labels.sort();
        labels.dedup();
        if raw.form.len() > MAX_FORM_FIELDS {
            v.push("form", "too_many", format!("at most {MAX_FORM_FIELDS} fields"));
        }
        for (key, value) in &raw.form {
            if key.is_empty() || key.len() > 64 {
                v.push("form", "invalid", "field names must be 1–64 characters");
            }
            if value.chars().count() > MAX_TEXT {
                v.push(format!("form.{key}"), "too_long", format!("must be at most {MAX_TEXT} characters"));
            }
        }
        let location = raw.location.as_ref().and_then(|l| crate::Location::parse(l, "location.", &mut v));
        v.into_result(NewErrand {
            service_code,
            title,
            description,
            channel,
            priority,
            parties,
            confidential: raw.confidential.unwrap_or(false),
            labels,
            form: raw.form,
            location,
        })
    }
}

fn parse_party(v: &mut Violations, path: &str, raw: RawParty) -> Option<Party> {
    let before = v.0.len();
    let role = match raw.role.as_deref() {
        None | Some("") => PartyRole::Applicant,
        Some(r) => PartyRole::parse(r).unwrap_or_else(|| {
            v.push(format!("{path}.role"), "invalid", "must be applicant, reporter or contact");
            PartyRole::Applicant
        }),
    };
    let name = v.text(&format!("{path}.name"), &raw.name, 200).unwrap_or_default();
    let personal_number = match raw.personal_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => match PersonalIdentityNumber::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                v.push(format!("{path}.personal_number"), "invalid", e.to_string());
                None
            }
        },
    };
    let organisation_number = match raw.organisation_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => match OrganisationNumber::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                v.push(format!("{path}.organisation_number"), "invalid", e.to_string());
                None
            }
        },
    };
    let mut contacts = Vec::new();
    if let Some(email) = v.optional_text(&format!("{path}.email"), raw.email.as_deref(), 254) {
        if is_plausible_email(&email) {
            contacts.push(ContactChannel::Email(email));
        } else {
            v.push(format!("{path}.email"), "invalid", "must be an e-mail address like namn@example.com");
        }
    }
    if let Some(phone) = v.optional_text(&format!("{path}.phone"), raw.phone.as_deref(), 40) {
        if phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
            contacts.push(ContactChannel::Phone(phone));
        } else {
            v.push(format!("{path}.phone"), "invalid", "may contain digits, spaces and + - ( ) only");
        }
    }
    (v.0.len() == before).then_some(Party { role, name, personal_number, organisation_number, contacts })
}

/// A deliberately simple check: one `@`, something before it, a dot after it.
pub fn is_plausible_email(s: &str) -> bool {
    // A bare address only: no display name, quotes, angle brackets or
    // encoded words, which a mail library would read as another recipient
    // than the text the limits count (issue 17).
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "<>\"(),;:\\[]".contains(c);
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.contains(forbidden)
                && !s.contains("=?")
        }
        None => false,
    }
}

/// Direction of a message on the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the citizen or business to the city.
    In,
    /// From the city to the citizen or business.
    Out,
}

/// A change someone asks for. Validated by [`Errand::apply`].
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    AddMessage {
        direction: Direction,
        body: String,
    },
    AddNote {
        body: String,
    },
    /// Resolving needs a decision; closing without one, and reopening, a reason.
    ChangeStatus {
        to: Lifecycle,
        reason: Option<String>,
        decision: Option<Decision>,
    },
    /// Attaches the document of the errand's decision; only those who may
    /// decide, and only once it is resolved.
    AttachDocument {
        document: crate::lifecycle::DecisionDocument,
    },
    Assign {
        assignee: Option<i64>,
    },
    /// Automatic assignment: to `to`, if the errand is still `from`'s
    /// (refused as [`CommandError::NoChange`] when someone got there first).
    Route {
        from: Option<i64>,
        to: i64,
        why: crate::assignment::Why,
    },
    HandOver {
        to_unit: UnitCode,
        reason: String,
    },
    Escalate {
        reason: String,
    },
    SetPriority {
        priority: Priority,
    },
    /// The party demands a decision (förvaltningslagen 12 §, after six
    /// months): recorded with its four-week deadline.
    DemandDecision,
    /// Records that another errand is related (both get one).
    Link {
        other: ErrandRef,
    },
    /// Closes this errand as a duplicate of `survivor`: it keeps its
    /// registry number and points to the survivor.
    MergeInto {
        survivor: ErrandRef,
    },
    /// Records on the survivor that a duplicate was merged into it.
    Absorb {
        duplicate: ErrandRef,
    },
    /// Records an SLA alert for the resolution clock's time `due` (the
    /// warning's time for a warning); refused as [`CommandError::NoChange`]
    /// when the errand is done (that it is not raised twice is the caller's
    /// to check against the timeline).
    RaiseAlert {
        alert: crate::sla::Alert,
        due: DateTime<Utc>,
    },
    /// Records that the contact center logged a contact about the errand.
    RecordContact {
        channel: Channel,
        outcome: crate::ContactOutcome,
    },
}

/// Another errand, as a link names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrandRef {
    pub public_id: String,
    pub registry_number: String,
}

impl ErrandRef {
    pub fn of(errand: &Errand) -> Self {
        Self { public_id: errand.public_id.to_string(), registry_number: errand.registry_number.to_string() }
    }
}

impl Command {
    /// A status change without a decision, with a reason if given.
    pub fn status(to: Lifecycle, reason: Option<&str>) -> Command {
        Command::ChangeStatus { to, reason: reason.map(str::to_owned), decision: None }
    }

    /// Resolves an errand with a decision.
    pub fn resolve(outcome: Outcome, text: &str) -> Command {
        let decision = Decision { outcome, text: text.to_owned() };
        Command::ChangeStatus { to: Lifecycle::Resolved, reason: None, decision: Some(decision) }
    }

    /// Whether someone typed a personal identity number into the command's text.
    pub fn has_personal_number(&self) -> bool {
        match self {
            Self::AddMessage { body: text, .. }
            | Self::AddNote { body: text }
            | Self::HandOver { reason: text, .. }
            | Self::Escalate { reason: text } => has_personal_number(text),
            Self::ChangeStatus { reason, decision, .. } => {
                reason.iter().chain(decision.iter().map(|d| &d.text)).any(|t| has_personal_number(t))
            }
            Self::Assign { .. }
            | Self::Route { .. }
            | Self::SetPriority { .. }
            | Self::DemandDecision
            | Self::Link { .. }
            | Self::MergeInto { .. }
            | Self::Absorb { .. }
            | Self::RaiseAlert { .. }
            | Self::RecordContact { .. } => false,
            Self::AttachDocument { document } => has_personal_number(&document.name),
        }
    }
}

/// What happened, as recorded on the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Registered {
        registry_number: String,
        channel: Channel,
    },
    Message {
        direction: Direction,
        body: String,
    },
    Note {
        body: String,
    },
    StatusChanged {
        from: Lifecycle,
        to: Lifecycle,
        reason: Option<String>,
    },
    /// A decision (*beslut*), recorded just before the status change it brings.
    Decided {
        outcome: Outcome,
        text: String,
    },
    Assigned {
        from: Option<i64>,
        to: Option<i64>,
        /// Why automatic assignment chose `to`; none when someone chose.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why: Option<crate::assignment::Why>,
    },
    HandedOver {
        from_unit: String,
        to_unit: String,
        reason: String,
    },
    Escalated {
        reason: String,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
    },
    /// A demand for a decision (12 §) and when the decision must come.
    DecisionDemanded {
        deadline: DateTime<Utc>,
    },
    Linked {
        other: ErrandRef,
    },
    /// This errand was a duplicate, merged into `survivor`.
    MergedInto {
        survivor: ErrandRef,
    },
    /// A duplicate was merged into this errand.
    MergedFrom {
        duplicate: ErrandRef,
    },
    /// The resolution clock passed its warning share (`due` is when) or
    /// its target (`due` is the due time).
    SlaAlert {
        alert: crate::sla::Alert,
        due: DateTime<Utc>,
    },
    /// A contact about the errand (a call, a visit) was logged.
    ContactLogged {
        channel: Channel,
        outcome: crate::ContactOutcome,
    },
    /// The decision's document (a PDF) was attached.
    DocumentAttached {
        document: crate::lifecycle::DecisionDocument,
    },
}

impl EventKind {
    /// The free text of the event (a message, a note, a reason).
    fn texts_mut(&mut self) -> Vec<&mut String> {
        match self {
            Self::Message { body, .. } | Self::Note { body } => vec![body],
            Self::StatusChanged { reason: Some(reason), .. } => vec![reason],
            Self::HandedOver { reason, .. } | Self::Escalated { reason } | Self::Decided { text: reason, .. } => {
                vec![reason]
            }
            Self::DocumentAttached { document } => vec![&mut document.name],
            Self::Registered { .. }
            | Self::StatusChanged { reason: None, .. }
            | Self::Assigned { .. }
            | Self::PriorityChanged { .. }
            | Self::DecisionDemanded { .. }
            | Self::Linked { .. }
            | Self::MergedInto { .. }
            | Self::MergedFrom { .. }
            | Self::SlaAlert { .. }
            | Self::ContactLogged { .. } => vec![],
        }
    }

    /// Whether someone typed a personal identity number into the event's text.
    pub fn has_personal_number(&self) -> bool {
        self.clone().texts_mut().into_iter().any(|t| has_personal_number(t))
    }

    /// The event with personal identity numbers in its text masked.
    pub fn masked(mut self) -> Self {
        for text in self.texts_mut() {
            *text = mask_personal_numbers(text).into_owned();
        }
        self
    }

    /// The stable type name, e.g. `status_changed`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Registered { .. } => "registered",
            Self::Message { .. } => "message",
            Self::Note { .. } => "note",
            Self::StatusChanged { .. } => "status_changed",
            Self::Decided { .. } => "decided",
            Self::Assigned { .. } => "assigned",
            Self::HandedOver { .. } => "handed_over",
            Self::Escalated { .. } => "escalated",
            Self::PriorityChanged { .. } => "priority_changed",
            Self::DecisionDemanded { .. } => "decision_demanded",
            Self::Linked { .. } => "linked",
            Self::MergedInto { .. } => "merged_into",
            Self::MergedFrom { .. } => "merged_from",
            Self::SlaAlert { .. } => "sla_alert",
            Self::ContactLogged { .. } => "contact_logged",
            Self::DocumentAttached { .. } => "document_attached",
        }
    }
}

/// One entry on an errand's timeline. Append-only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub kind: EventKind,
}

/// The result of applying a command: the new state and the events that explain it.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub errand: Errand,
    pub events: Vec<EventKind>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("invalid input: {0}")]
    Invalid(Violations),
    #[error("an errand cannot go from {from} to {to}")]
    IllegalTransition { from: &'static str, to: &'static str },
    /// The move exists, but not for the actor's standing (the contact center
    /// never decides or closes another unit's errand).
    #[error("you may not move this errand from {from} to {to}")]
    NotPermitted { from: &'static str, to: &'static str },
    #[error("the errand already belongs to that unit")]
    SameUnit,
    #[error("nothing would change")]
    NoChange,
}

impl Errand {
    /// Applies a command by `actor` at time `now`. Pure: returns the new
    /// state (with a bumped version) and the timeline events, or why the
    /// command is refused. Status changes follow the lifecycle table
    /// ([`crate::lifecycle::MOVES`]) for where the actor stands towards
    /// this errand; access to the errand is the caller's to check.
    pub fn apply(&self, actor: &Actor, command: Command, now: DateTime<Utc>) -> Result<Transition, CommandError> {
        let mut next = self.clone();
        let mut events = Vec::new();
        let text = |field: &str, body: &str, max: usize| -> Result<String, CommandError> {
            let mut v = Violations::new();
            v.text(field, body, max).ok_or(CommandError::Invalid(v))
        };
        match command {
            Command::AddMessage { direction, body } => {
                let body = text("body", &body, MAX_TEXT)?;
                events.push(EventKind::Message { direction, body });
                // A reply from the citizen restarts work on an errand that waited for them.
                if direction == Direction::In && self.lifecycle == Lifecycle::WaitingForCitizen {
                    events.push(next.set_lifecycle(Lifecycle::InProgress, None, now));
                }
            }
            Command::AddNote { body } => {
                events.push(EventKind::Note { body: text("body", &body, MAX_TEXT)? });
            }
            Command::ChangeStatus { to, reason, decision } => {
                let (from, into) = (self.lifecycle.as_str(), to.as_str());
                let standing = Standing::of(actor, &self.unit).ok_or(CommandError::NotPermitted { from, to: into })?;
                let needs = crate::lifecycle::rule(self.lifecycle, to, standing).map_err(|r| match r {
                    MoveRefusal::Illegal => CommandError::IllegalTransition { from, to: into },
                    MoveRefusal::NotPermitted => CommandError::NotPermitted { from, to: into },
                })?;
                let reason = reason.filter(|r| !r.trim().is_empty()).map(|r| text("reason", &r, 2000)).transpose()?;
                let mut v = Violations::new();
                match needs {
                    Needs::Reason if reason.is_none() => v.push("reason", "required", "say why"),
                    Needs::Decision if decision.is_none() => {
                        v.push("decision.outcome", "required", "resolving an errand needs a decision")
                    }
                    Needs::Nothing | Needs::Reason if decision.is_some() => {
                        v.push("decision.outcome", "not_allowed", "only resolving takes a decision")
                    }
                    _ => {}
                }
                if !v.is_empty() {
                    return Err(CommandError::Invalid(v));
                }
                if let Some(Decision { outcome, text }) = decision {
                    events.push(EventKind::Decided { outcome, text });
                }
                events.push(next.set_lifecycle(to, reason, now));
            }
            Command::AttachDocument { document } => {
                if !Standing::may_decide(actor, &self.unit) {
                    let state = self.lifecycle.as_str();
                    return Err(CommandError::NotPermitted { from: state, to: state });
                }
                let mut v = Violations::new();
                if self.lifecycle != Lifecycle::Resolved {
                    v.push("document", "no_decision", "a document goes with a decision: resolve the errand first");
                }
                let name = v.text("document", &document.name, 200);
                match name {
                    Some(name) if v.is_empty() => {
                        events.push(EventKind::DocumentAttached { document: DecisionDocument { name, ..document } })
                    }
                    _ => return Err(CommandError::Invalid(v)),
                }
            }
            Command::Assign { assignee } => {
                if assignee == self.assignee {
                    return Err(CommandError::NoChange);
                }
                next.assignee = assignee;
                events.push(EventKind::Assigned { from: self.assignee, to: assignee, why: None });
                if self.lifecycle == Lifecycle::New && assignee.is_some() {
                    events.push(next.set_lifecycle(Lifecycle::Open, None, now));
                }
            }
            Command::Route { from, to, why } => {
                if from != self.assignee || Some(to) == self.assignee || !self.lifecycle.is_active() {
                    return Err(CommandError::NoChange);
                }
                next.assignee = Some(to);
                events.push(EventKind::Assigned { from, to: Some(to), why: Some(why) });
                if self.lifecycle == Lifecycle::New {
                    events.push(next.set_lifecycle(Lifecycle::Open, None, now));
                }
            }
            Command::HandOver { to_unit, reason } => {
                if to_unit == self.unit {
                    return Err(CommandError::SameUnit);
                }
                let reason = text("reason", &reason, 2000)?;
                next.unit = to_unit.clone();
                next.assignee = None;
                events.push(EventKind::HandedOver {
                    from_unit: self.unit.to_string(),
                    to_unit: to_unit.to_string(),
                    reason,
                });
            }
            Command::Escalate { reason } => {
                let reason = text("reason", &reason, 2000)?;
                if next.priority < Priority::Urgent {
                    next.priority = Priority::ALL[next.priority as usize + 1];
                }
                events.push(EventKind::Escalated { reason });
            }
            Command::Link { other } => {
                self.not_itself(&other)?;
                events.push(EventKind::Linked { other });
            }
            Command::MergeInto { survivor } => {
                self.not_itself(&survivor)?;
                // Merging closes the duplicate: only who may close it may.
                let (from, into) = (self.lifecycle.as_str(), Lifecycle::Closed.as_str());
                let standing = Standing::of(actor, &self.unit).ok_or(CommandError::NotPermitted { from, to: into })?;
                crate::lifecycle::rule(self.lifecycle, Lifecycle::Closed, standing).map_err(|r| match r {
                    MoveRefusal::Illegal => CommandError::IllegalTransition { from, to: into },
                    MoveRefusal::NotPermitted => CommandError::NotPermitted { from, to: into },
                })?;
                let reason = format!("Dubblett av {}", survivor.registry_number);
                events.push(EventKind::MergedInto { survivor });
                events.push(next.set_lifecycle(Lifecycle::Closed, Some(reason), now));
            }
            Command::Absorb { duplicate } => {
                self.not_itself(&duplicate)?;
                if !self.lifecycle.is_active() {
                    return Err(CommandError::IllegalTransition { from: self.lifecycle.as_str(), to: "merged_from" });
                }
                events.push(EventKind::MergedFrom { duplicate });
            }
            Command::RaiseAlert { alert, due } => {
                if !self.lifecycle.is_active() {
                    return Err(CommandError::NoChange);
                }
                events.push(EventKind::SlaAlert { alert, due });
            }
            Command::RecordContact { channel, outcome } => {
                events.push(EventKind::ContactLogged { channel, outcome });
            }
            Command::DemandDecision => {
                if !self.lifecycle.is_active() {
                    return Err(CommandError::IllegalTransition {
                        from: self.lifecycle.as_str(),
                        to: "decision_demanded",
                    });
                }
                if now < crate::sla::LegalClock::of(self.created_at).demand_possible {
                    let mut v = Violations::new();
                    v.push("demand", "too_early", "a decision may be demanded six months after the errand began");
                    return Err(CommandError::Invalid(v));
                }
                let deadline = now + crate::sla::DECISION_AFTER_DEMAND;
                events.push(EventKind::DecisionDemanded { deadline });
            }
            Command::SetPriority { priority } => {
                if priority == self.priority {
                    return Err(CommandError::NoChange);
                }
                next.priority = priority;
                events.push(EventKind::PriorityChanged { from: self.priority, to: priority });
            }
        }
        next.version += 1;
        next.updated_at = now;
        Ok(Transition { errand: next, events })
    }

    /// Refuses a link of an errand to itself.
    fn not_itself(&self, other: &ErrandRef) -> Result<(), CommandError> {
        if other.public_id == self.public_id.to_string() {
            let mut v = Violations::new();
            v.push("other", "invalid", "an errand cannot be linked or merged with itself");
            return Err(CommandError::Invalid(v));
        }
        Ok(())
    }

    fn set_lifecycle(&mut self, to: Lifecycle, reason: Option<String>, now: DateTime<Utc>) -> EventKind {
        let from = self.lifecycle;
        self.lifecycle = to;
        self.resolved_at = match to {
            Lifecycle::Resolved | Lifecycle::Closed => self.resolved_at.or(Some(now)),
            _ => None,
        };
        EventKind::StatusChanged { from, to, reason }
    }
}

#[cfg(test)]
#[path = "errand_tests.rs"]
mod tests;
