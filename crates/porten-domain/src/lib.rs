//! # porten-domain
//!
//! The vocabulary of Porten as plain Rust types: units (*förvaltningar*),
//! catalogue services, errands (*ärenden*) with their registry numbers
//! (*diarienummer*), parties with personal identity numbers, the timeline and
//! the roles that may act on it.
//!
//! This crate is pure: no I/O, no clock, no randomness. Callers pass in "now"
//! and random bytes. Every type that holds user input can only be built through
//! a `parse` function, so a value of the type is valid by construction
//! ("parse, don't validate").

pub mod access;
pub mod assignment;
pub mod calendar;
pub mod catalogue;
pub mod catalogue_edit;
pub mod contact;
pub mod errand;
pub mod errand_list;
pub mod eservice;
pub mod ids;
pub mod knowledge;
pub mod lifecycle;
pub mod location;
pub mod mail;
pub mod notice;
pub mod open311;
pub mod personnummer;
pub mod planning;
pub mod registry;
pub mod report;
pub mod sla;
pub mod time;
pub mod validation;

pub use access::{Actor, Role, Scope};
pub use catalogue::{Audience, Service, Skill, Unit, UnitCode};
pub use contact::{ContactLinks, ContactOutcome, ContactTopic, LoggedContact, RawLoggedContact, RawTopic, TopicRecord};
pub use errand::{
    Channel, Command, CommandError, ContactChannel, Direction, Errand, EventKind, NewErrand, Party, PartyRole,
    Priority, RawErrand, RawParty, TimelineEvent, Transition,
};
pub use ids::PublicId;
pub use lifecycle::{Decision, DecisionDocument, Lifecycle, Outcome, Standing, Viewer};
pub use location::{Location, Point, RawLocation};
pub use personnummer::{OrganisationNumber, PersonalIdentityNumber};
pub use registry::RegistryNumber;
pub use validation::{FieldViolation, Violations};
