//! Roles, API scopes and the actors that act on errands.

use serde::{Deserialize, Serialize};

use crate::catalogue::UnitCode;

/// A user's role. A user has exactly one role; case officers and unit admins
/// belong to a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A resident or business representative (*invånare*). Sees only their own errands.
    Citizen,
    /// A contact-center agent (*kontaktcenterhandläggare*). Works all units' errands in first line.
    Agent,
    /// A case officer (*handläggare*) in one unit.
    CaseOfficer,
    /// Administers one unit: its services, users and calendars.
    UnitAdmin,
    /// Administers the whole installation.
    SystemAdmin,
}

impl Role {
    pub const ALL: [Role; 5] = [Self::Citizen, Self::Agent, Self::CaseOfficer, Self::UnitAdmin, Self::SystemAdmin];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Agent => "agent",
            Self::CaseOfficer => "case_officer",
            Self::UnitAdmin => "unit_admin",
            Self::SystemAdmin => "system_admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    /// Staff work on errands that are not their own.
    pub fn is_staff(self) -> bool {
        !matches!(self, Self::Citizen)
    }
}

/// What an API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "errands:read")]
    ErrandsRead,
    #[serde(rename = "errands:write")]
    ErrandsWrite,
    #[serde(rename = "catalogue:read")]
    CatalogueRead,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Self::ErrandsRead, Self::ErrandsWrite, Self::CatalogueRead];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ErrandsRead => "errands:read",
            Self::ErrandsWrite => "errands:write",
            Self::CatalogueRead => "catalogue:read",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Who is acting: a signed-in user, an external system with an API key,
/// Porten itself (imports, the demo seeder, background jobs), a visitor who
/// has not signed in (filling in an e-service), or whoever holds an errand's
/// tracking link (reading it or replying).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User {
        id: i64,
        name: String,
        role: Role,
        unit: Option<UnitCode>,
    },
    ApiKey {
        id: i64,
        name: String,
        scopes: Vec<Scope>,
    },
    System {
        name: String,
    },
    /// Someone not signed in; nothing is known of them.
    Visitor,
    /// The holder of an errand's tracking link: the link is their only proof.
    TrackingLink,
}

impl Actor {
    /// `user`, `api_key`, `system`, `visitor` or `tracking_link`; recorded
    /// on timeline and audit entries.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User { .. } => "user",
            Self::ApiKey { .. } => "api_key",
            Self::System { .. } => "system",
            Self::Visitor => "visitor",
            Self::TrackingLink => "tracking_link",
        }
    }
    pub fn id(&self) -> Option<i64> {
        match self {
            Self::User { id, .. } | Self::ApiKey { id, .. } => Some(*id),
            Self::System { .. } | Self::Visitor | Self::TrackingLink => None,
        }
    }
    /// The name shown on the timeline and in the audit trail.
    pub fn name(&self) -> &str {
        match self {
            Self::User { name, .. } | Self::ApiKey { name, .. } | Self::System { name } => name,
            Self::Visitor => "besökare",
            Self::TrackingLink => "invånare via spårningslänk",
        }
    }
    pub fn has_scope(&self, scope: Scope) -> bool {
        match self {
            Self::ApiKey { scopes, .. } => scopes.contains(&scope),
            _ => false,
        }
    }
}
