//! Value sets the API documents as `enum`s. The fields stay text, so that a
//! wrong value gets a field violation (422) naming the field, not a generic
//! parse error.
#![allow(dead_code)] // described in the OpenAPI document, never built

use utoipa::ToSchema;

/// How the errand reached the city.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Email,
    Phone,
    Visit,
    Open311,
    Api,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// The errand's lifecycle class.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Status {
    New,
    Open,
    InProgress,
    WaitingForCitizen,
    Resolved,
    Closed,
}

/// The status an errand can be moved to (not back to new).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum TargetStatus {
    Open,
    InProgress,
    WaitingForCitizen,
    Resolved,
    Closed,
}

/// The order of an errand list.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Sort {
    Newest,
    Oldest,
    Priority,
    LastActivity,
    Due,
}

/// The outcome of a decision (*beslut*): bifall, delvis bifall, avslag,
/// avvisning, or answered (a question or fault, no appealable decision).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Outcome {
    Granted,
    PartlyGranted,
    Refused,
    Dismissed,
    Answered,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum PartyRole {
    Applicant,
    Reporter,
    Contact,
    /// Someone the errand concerns who did not bring it (*berörd*).
    Concerned,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Audience {
    Resident,
    Parent,
    Pupil,
    Business,
    Senior,
}

/// out: from the city; in: from the citizen.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

/// A language: Swedish or English.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Lang {
    Sv,
    En,
}
