//! An errand's lifecycle: its states, the words each audience sees for them,
//! who may move an errand from which state to which, and the decisions
//! (*beslut*) that resolve it.
//!
//! The rules are one table, [`MOVES`]: a move not in it is refused for
//! everyone, and a move in it is open only to the standings it names and
//! only with what it needs (a reason or a decision). The table is data that
//! later capabilities extend (a citizen's withdrawal, a business bundle's
//! children).

use serde::{Deserialize, Serialize};

use crate::access::{Actor, Role};
use crate::catalogue::UnitCode;
use crate::validation::Violations;

/// The fixed lifecycle classes of an errand. A service may give them its own
/// citizen words (`Service::status_names_sv`/`_en`), but rules such as SLA
/// clocks and "Mina ärenden" work on these classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    New,
    Open,
    InProgress,
    /// Waiting for the citizen (*väntar på komplettering*); SLA clocks pause.
    WaitingForCitizen,
    /// Decided (*avgjort*): resolved with a [`Decision`].
    Resolved,
    /// Closed (*avslutat*): no more work; only reopening changes it.
    Closed,
}

/// Who reads a status: staff words name the work, citizen words name what
/// it means for the citizen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Staff,
    Citizen,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 6] =
        [Self::New, Self::Open, Self::InProgress, Self::WaitingForCitizen, Self::Resolved, Self::Closed];
    /// Still being worked on: neither resolved nor closed.
    pub const ACTIVE: [Lifecycle; 4] = [Self::New, Self::Open, Self::InProgress, Self::WaitingForCitizen];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::WaitingForCitizen => "waiting_for_citizen",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn is_active(self) -> bool {
        Self::ACTIVE.contains(&self)
    }

    /// The default words for the state, `(sv, en)`: one per state and
    /// audience, used on every list, page, timeline, dropdown, e-mail and
    /// API label. Resolving and closing never share a word.
    pub fn words(self, viewer: Viewer) -> (&'static str, &'static str) {
        match (viewer, self) {
            (Viewer::Staff, Self::New) => ("Ny", "New"),
            (Viewer::Staff, Self::Open) => ("Öppen", "Open"),
            (Viewer::Staff, Self::InProgress) => ("Under handläggning", "In progress"),
            (Viewer::Staff, Self::WaitingForCitizen) => ("Väntar på komplettering", "Awaiting the citizen"),
            (Viewer::Staff, Self::Resolved) => ("Avgjord", "Resolved"),
            (Viewer::Staff, Self::Closed) => ("Avslutad", "Closed"),
            (Viewer::Citizen, Self::New | Self::Open) => ("Mottaget", "Received"),
            (Viewer::Citizen, Self::InProgress) => ("Handläggs", "Being handled"),
            (Viewer::Citizen, Self::WaitingForCitizen) => ("Väntar på svar från dig", "Waiting for your reply"),
            (Viewer::Citizen, Self::Resolved) => ("Klart", "Done"),
            (Viewer::Citizen, Self::Closed) => ("Avslutat", "Closed"),
        }
    }
}

/// Where an actor stands towards one errand; the lifecycle's rules are
/// written for standings, not roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Staff of the unit that owns the errand: its case officers and unit
    /// admins, and contact-center agents on the contact center's own errands.
    OwningUnit,
    /// A contact-center agent on another unit's errand: first line. Agents
    /// help, ask and hand over; they never decide or close.
    ContactCenter,
    /// A system admin: administers the installation, reopens and archives,
    /// but does not decide errands.
    Admin,
    /// An API key with `errands:write`: the owning unit's back-office system.
    Integration,
    /// Porten itself (imports, jobs, the demo seeder).
    Porten,
}

impl Standing {
    pub const ALL: [Standing; 5] =
        [Self::OwningUnit, Self::ContactCenter, Self::Admin, Self::Integration, Self::Porten];

    /// Where `actor` stands towards an errand owned by `unit`; `None` for
    /// actors who may not work errands (citizens, visitors, tracking links,
    /// staff of another unit). Access to the errand is checked before this.
    pub fn of(actor: &Actor, unit: &UnitCode) -> Option<Standing> {
        match actor {
            Actor::User { role, unit: own, .. } => match role {
                Role::Agent if own.as_ref() == Some(unit) => Some(Self::OwningUnit),
                Role::Agent => Some(Self::ContactCenter),
                Role::CaseOfficer | Role::UnitAdmin if own.as_ref() == Some(unit) => Some(Self::OwningUnit),
                Role::SystemAdmin => Some(Self::Admin),
                Role::CaseOfficer | Role::UnitAdmin | Role::Citizen => None,
            },
            Actor::ApiKey { .. } => Some(Self::Integration),
            Actor::System { .. } => Some(Self::Porten),
            Actor::Visitor | Actor::TrackingLink => None,
        }
    }

    /// Whether `actor` may decide errands owned by `unit`: the table's
    /// resolving move is theirs (and so is attaching the decision's document).
    pub fn may_decide(actor: &Actor, unit: &UnitCode) -> bool {
        Self::of(actor, unit).is_some_and(|s| rule(Lifecycle::InProgress, Lifecycle::Resolved, s).is_ok())
    }
}

/// What a move needs besides the standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// A reason, recorded on the timeline (closing without a decision, reopening).
    Reason,
    /// A decision (resolving).
    Decision,
}

/// One row of the lifecycle table.
#[derive(Debug)]
pub struct Move {
    pub from: &'static [Lifecycle],
    pub to: &'static [Lifecycle],
    pub who: &'static [Standing],
    pub needs: Needs,
}

use Lifecycle::*;
use Standing::*;

const WORKERS: &[Standing] = &[OwningUnit, ContactCenter, Admin, Integration, Porten];
const DECIDERS: &[Standing] = &[OwningUnit, Integration, Porten];

/// The lifecycle table: which standing may move an errand from which state
/// to which, and what the move needs. Nothing moves to `new`; a move not
/// listed is refused for everyone.
pub const MOVES: &[Move] = &[
    // Working states, for everyone who works errands.
    Move { from: &[New], to: &[Open, InProgress, WaitingForCitizen], who: WORKERS, needs: Needs::Nothing },
    Move { from: &[Open], to: &[InProgress, WaitingForCitizen], who: WORKERS, needs: Needs::Nothing },
    Move { from: &[InProgress], to: &[Open, WaitingForCitizen], who: WORKERS, needs: Needs::Nothing },
    Move { from: &[WaitingForCitizen], to: &[Open, InProgress], who: WORKERS, needs: Needs::Nothing },
    // Resolving needs a decision, by the owning unit (or its system).
    Move { from: &Lifecycle::ACTIVE, to: &[Resolved], who: DECIDERS, needs: Needs::Decision },
    // Closing without resolving needs a reason.
    Move { from: &Lifecycle::ACTIVE, to: &[Closed], who: DECIDERS, needs: Needs::Reason },
    // A decided errand is closed (archived) when nothing more is to be done.
    Move { from: &[Resolved], to: &[Closed], who: &[OwningUnit, Admin, Integration, Porten], needs: Needs::Nothing },
    // Reopening says why. The contact center may reopen a resolved errand
    // when the citizen calls back (the owning unit then takes it up).
    Move { from: &[Resolved], to: &[Open], who: WORKERS, needs: Needs::Reason },
    Move { from: &[Resolved], to: &[InProgress], who: DECIDERS, needs: Needs::Reason },
    Move { from: &[Closed], to: &[Open], who: &[OwningUnit, Admin, Integration, Porten], needs: Needs::Reason },
];

/// Why a move is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveRefusal {
    /// No one may make this move.
    Illegal,
    /// The move exists, but not for this standing.
    NotPermitted,
}

/// What `standing` needs to move an errand from `from` to `to`, or why it may not.
pub fn rule(from: Lifecycle, to: Lifecycle, standing: Standing) -> Result<Needs, MoveRefusal> {
    let mut rows = MOVES.iter().filter(|m| m.from.contains(&from) && m.to.contains(&to)).peekable();
    if rows.peek().is_none() {
        return Err(MoveRefusal::Illegal);
    }
    rows.find(|m| m.who.contains(&standing)).map(|m| m.needs).ok_or(MoveRefusal::NotPermitted)
}

/// The states `standing` may move an errand in `from` to, in lifecycle order.
pub fn next_states(from: Lifecycle, standing: Standing) -> Vec<(Lifecycle, Needs)> {
    Lifecycle::ALL.into_iter().filter_map(|to| rule(from, to, standing).ok().map(|n| (to, n))).collect()
}

/// The outcome of a decision (*beslut*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// *Bifall*: granted as asked.
    Granted,
    /// *Delvis bifall*.
    PartlyGranted,
    /// *Avslag*: refused on its merits.
    Refused,
    /// *Avvisning*: not tried (too late, not the city's matter).
    Dismissed,
    /// *Besvarat*: a question answered, a fault dealt with; no appealable decision.
    Answered,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [Self::Granted, Self::PartlyGranted, Self::Refused, Self::Dismissed, Self::Answered];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::PartlyGranted => "partly_granted",
            Self::Refused => "refused",
            Self::Dismissed => "dismissed",
            Self::Answered => "answered",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
    /// `(sv, en)`, the same for staff and citizens.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::Granted => ("Bifall", "Granted"),
            Self::PartlyGranted => ("Delvis bifall", "Partly granted"),
            Self::Refused => ("Avslag", "Refused"),
            Self::Dismissed => ("Avvisat", "Dismissed"),
            Self::Answered => ("Besvarat", "Answered"),
        }
    }
}

/// Longest decision text.
pub const MAX_DECISION: usize = 20_000;

/// A decision (*beslut*) that resolves an errand: its outcome and its text,
/// which the citizen reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub text: String,
}

/// The document of a decision (*beslutsdokument*): a PDF the citizen sees
/// beside the decision, kept by the hash of its content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionDocument {
    /// The file's name as uploaded (shown, never trusted).
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

impl Decision {
    /// Checks a decision as it arrives from a form or the API; `None` for
    /// both means "no decision given".
    pub fn parse(outcome: Option<&str>, text: Option<&str>) -> Result<Option<Decision>, Violations> {
        let outcome = outcome.map(str::trim).filter(|o| !o.is_empty());
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if outcome.is_none() && text.is_none() {
            return Ok(None);
        }
        let mut v = Violations::new();
        let outcome = match outcome.map(|o| (o, Outcome::parse(o))) {
            Some((_, Some(o))) => Some(o),
            Some((_, None)) => {
                v.push(
                    "decision.outcome",
                    "invalid",
                    "must be one of granted, partly_granted, refused, dismissed, answered",
                );
                None
            }
            None => {
                v.push("decision.outcome", "required", "a decision needs its outcome");
                None
            }
        };
        let text = v.text("decision.text", text.unwrap_or_default(), MAX_DECISION);
        match (outcome, text) {
            (Some(outcome), Some(text)) if v.is_empty() => Ok(Some(Decision { outcome, text })),
            _ => Err(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table written out in full, one line per standing and move:
    /// a change to the rules shows here as a changed line.
    #[test]
    fn the_lifecycle_table_for_every_standing_and_move() {
        let mut lines = Vec::new();
        for standing in Standing::ALL {
            for from in Lifecycle::ALL {
                for to in Lifecycle::ALL {
                    let cell = match rule(from, to, standing) {
                        Err(MoveRefusal::Illegal) => continue,
                        Err(MoveRefusal::NotPermitted) => "-".to_owned(),
                        Ok(needs) => format!("{needs:?}"),
                    };
                    lines.push(format!("{standing:?} {} -> {}: {cell}", from.as_str(), to.as_str()));
                }
            }
        }
        let expected = include_str!("lifecycle_table.txt");
        assert_eq!(lines.join("\n"), expected.trim_end(), "the lifecycle table changed");
    }

    #[test]
    fn nothing_moves_to_new_or_stays_put_and_closed_only_reopens() {
        // Whether anyone at all may make the move.
        let can_become = |from, to| rule(from, to, Porten) != Err(MoveRefusal::Illegal);
        for from in Lifecycle::ALL {
            assert!(!can_become(from, New));
            assert!(!can_become(from, from), "{from:?}");
        }
        assert_eq!(Lifecycle::ALL.into_iter().filter(|to| can_become(Closed, *to)).collect::<Vec<_>>(), [Open]);
    }

    #[test]
    fn the_contact_center_hands_over_but_never_decides_or_closes() {
        for from in Lifecycle::ACTIVE {
            assert_eq!(rule(from, Resolved, ContactCenter), Err(MoveRefusal::NotPermitted));
            assert_eq!(rule(from, Closed, ContactCenter), Err(MoveRefusal::NotPermitted));
            assert_eq!(rule(from, Resolved, OwningUnit), Ok(Needs::Decision));
            assert_eq!(rule(from, Closed, OwningUnit), Ok(Needs::Reason));
        }
        assert_eq!(rule(Resolved, Closed, OwningUnit), Ok(Needs::Nothing));
        assert_eq!(rule(Resolved, Closed, ContactCenter), Err(MoveRefusal::NotPermitted));
        assert_eq!(rule(Resolved, Open, ContactCenter), Ok(Needs::Reason));
    }

    #[test]
    fn standing_follows_role_and_unit() {
        let user = |role, unit: &str| Actor::User {
            id: 1,
            name: "x".into(),
            role,
            unit: Some(UnitCode::parse(unit).unwrap()),
        };
        let tk = UnitCode::parse("TK").unwrap();
        assert_eq!(Standing::of(&user(Role::Agent, "KC"), &tk), Some(ContactCenter));
        assert_eq!(Standing::of(&user(Role::Agent, "TK"), &tk), Some(OwningUnit));
        assert_eq!(Standing::of(&user(Role::CaseOfficer, "TK"), &tk), Some(OwningUnit));
        assert_eq!(Standing::of(&user(Role::UnitAdmin, "MF"), &tk), None);
        assert_eq!(Standing::of(&user(Role::SystemAdmin, "KC"), &tk), Some(Admin));
        assert_eq!(Standing::of(&user(Role::Citizen, "TK"), &tk), None);
        assert_eq!(Standing::of(&Actor::TrackingLink, &tk), None);
    }

    #[test]
    fn every_audience_has_one_word_per_state_and_resolving_is_not_closing() {
        for viewer in [Viewer::Staff, Viewer::Citizen] {
            let (sv_resolved, en_resolved) = Resolved.words(viewer);
            let (sv_closed, en_closed) = Closed.words(viewer);
            assert_ne!(sv_resolved, sv_closed);
            assert_ne!(en_resolved, en_closed);
        }
        // Staff words tell every state apart; citizens see one word for new and open.
        let staff: std::collections::HashSet<_> = Lifecycle::ALL.iter().map(|s| s.words(Viewer::Staff)).collect();
        assert_eq!(staff.len(), 6);
    }

    #[test]
    fn a_decision_needs_a_known_outcome_and_a_text() {
        assert_eq!(Decision::parse(None, Some(" ")), Ok(None));
        let d = Decision::parse(Some("granted"), Some(" Plats på Ekbacken ")).unwrap().unwrap();
        assert_eq!((d.outcome, d.text.as_str()), (Outcome::Granted, "Plats på Ekbacken"));
        let fields = |r: Result<Option<Decision>, Violations>| -> Vec<String> {
            r.unwrap_err().0.into_iter().map(|f| format!("{}:{}", f.field, f.code)).collect()
        };
        assert_eq!(fields(Decision::parse(Some("maybe"), Some("x"))), ["decision.outcome:invalid"]);
        assert_eq!(fields(Decision::parse(Some("refused"), None)), ["decision.text:required"]);
        assert_eq!(fields(Decision::parse(None, Some("Text"))), ["decision.outcome:required"]);
    }
}
