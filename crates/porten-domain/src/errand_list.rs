//! Lists of errands: the filter a list is asked for, its rows (no parties,
//! so a list reads no personal data), and keyset pages with their cursor.

use chrono::{DateTime, Utc};

use crate::{Channel, Lifecycle, Priority, PublicId, RegistryNumber, UnitCode};

/// One row of an errand list: no parties, so listing reads no personal data.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrandSummary {
    pub public_id: PublicId,
    pub registry_number: RegistryNumber,
    pub service_code: String,
    pub title: String,
    pub channel: Channel,
    pub priority: Priority,
    pub lifecycle: Lifecycle,
    pub unit: UnitCode,
    pub assignee: Option<i64>,
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Filters for listing errands. All set filters must match.
#[derive(Clone, Debug, Default)]
pub struct ErrandFilter {
    pub unit: Option<UnitCode>,
    pub lifecycle: Option<Lifecycle>,
    /// Only errands the city still works on (not resolved or closed).
    pub active: Option<bool>,
    pub service_code: Option<String>,
    pub channel: Option<Channel>,
    pub assignee: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// When set, confidential errands are listed only if one of these units
    /// owns them (an empty list hides every confidential errand).
    pub confidential_units: Option<Vec<UnitCode>>,
}

/// A position in the newest-first order of errands: (created_at, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at_micros: i64,
    pub id: i64,
}

impl Cursor {
    /// Opaque text form used in API `next` links.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at_micros, self.id)
    }
    pub fn decode(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('.')?;
        Some(Self { created_at_micros: a.parse().ok()?, id: b.parse().ok()? })
    }
}

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Number of errands matching the filter, over all pages.
    pub total: u64,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}
