//! Lists of errands: the filter a list is asked for, its rows (no parties,
//! so a list reads no personal data), and keyset pages with their cursor.

use chrono::{DateTime, Utc};

use crate::{Channel, Lifecycle, Priority, PublicId, RegistryNumber, UnitCode, Violations};

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

/// A list request: filters plus keyset position.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filter: ErrandFilter,
    pub after: Option<Cursor>,
    pub limit: u32,
}

/// A list request as it arrives (query parameters), before it is checked.
#[derive(Clone, Debug, Default)]
pub struct RawListQuery {
    pub unit: Option<String>,
    pub status: Option<String>,
    pub active: Option<bool>,
    pub service_code: Option<String>,
    pub channel: Option<String>,
    pub assignee_id: Option<i64>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Page size; 50 when absent.
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl ListQuery {
    /// Checks list parameters, collecting every violation. Empty values
    /// count as absent.
    pub fn parse(p: &RawListQuery) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let given = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let unit = given(&p.unit).and_then(|u| {
            UnitCode::parse(&u).map_err(|_| v.push("unit", "invalid", "a unit code is 2–5 letters A–Z")).ok()
        });
        let lifecycle = given(&p.status).and_then(|s| {
            Lifecycle::parse(&s).or_else(|| {
                v.push("status", "invalid", "must be a lifecycle class such as new or in_progress");
                None
            })
        });
        let channel = given(&p.channel).and_then(|c| {
            Channel::parse(&c).or_else(|| {
                v.push("channel", "invalid", "must be one of web, email, phone, visit, open311, api");
                None
            })
        });
        let limit = p.limit.unwrap_or(50);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            v.push("limit", "out_of_range", format!("must be between 1 and {MAX_PAGE_SIZE}"));
        }
        let after = given(&p.cursor).and_then(|c| {
            Cursor::decode(&c).or_else(|| {
                v.push("cursor", "invalid", "use the next_cursor value of the previous page");
                None
            })
        });
        let filter = ErrandFilter {
            unit,
            lifecycle,
            active: p.active,
            service_code: given(&p.service_code),
            channel,
            assignee: p.assignee_id,
            created_from: p.created_from,
            created_to: p.created_to,
            confidential_units: None,
        };
        v.into_result(Self { filter, after, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_parameters_are_checked_together_and_empty_ones_ignored() {
        let raw = RawListQuery {
            unit: Some("tk!".into()),
            status: Some("pending".into()),
            channel: Some(String::new()),
            limit: Some(500),
            cursor: Some("x".into()),
            ..Default::default()
        };
        let fields: Vec<String> = ListQuery::parse(&raw).unwrap_err().0.into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["unit", "status", "limit", "cursor"]);
        let ok = ListQuery::parse(&RawListQuery { unit: Some("TK".into()), ..Default::default() }).unwrap();
        assert_eq!((ok.filter.unit.map(|u| u.to_string()), ok.limit, ok.filter.channel), (Some("TK".into()), 50, None));
    }
}
