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
    /// When the SLA's resolution target is due, while its clock runs.
    pub due_at: Option<DateTime<Utc>>,
}

/// Filters for listing errands. All set filters must match.
#[derive(Clone, Debug, Default)]
pub struct ErrandFilter {
    pub unit: Option<UnitCode>,
    pub lifecycle: Option<Lifecycle>,
    /// Only errands the city still works on (not resolved or closed).
    pub active: Option<bool>,
    pub service_code: Option<String>,
    /// Only errands of services that need this skill (a skill queue).
    pub skill: Option<String>,
    pub channel: Option<Channel>,
    pub assignee: Option<i64>,
    /// Only errands no one is assigned.
    pub unassigned: bool,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Only errands whose SLA clock is past its warning share at this
    /// time: breaching soon, or late.
    pub warning_by: Option<DateTime<Utc>>,
    /// When set, confidential errands are listed only if one of these units
    /// owns them (an empty list hides every confidential errand).
    pub confidential_units: Option<Vec<UnitCode>>,
}

/// The order of an errand list (a queue).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first (by registration).
    #[default]
    Newest,
    /// Oldest first: the queue's age order.
    Oldest,
    /// Most urgent first, then oldest first.
    Priority,
    /// Most recently changed first (a message, a note, a status).
    LastActivity,
    /// Due soonest first; errands whose SLA clock does not run come last.
    Due,
}

impl Sort {
    pub const ALL: [Sort; 5] = [Self::Newest, Self::Oldest, Self::Priority, Self::LastActivity, Self::Due];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Priority => "priority",
            Self::LastActivity => "last_activity",
            Self::Due => "due",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// The allowed values, for error messages.
    pub fn allowed() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

/// A position in a sorted errand list: the sort keys of the last row seen
/// and its id. `key` is the sort's main key: registration time (newest,
/// oldest), last change (last activity), or urgency (priority, 0 = urgent,
/// with `created_at_micros` as the second key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub sort: Sort,
    pub key: i64,
    pub created_at_micros: i64,
    pub id: i64,
}

impl Cursor {
    /// Opaque text form used in API `next` links: `created.id` for the
    /// default order (as before sorts existed), else prefixed by the sort.
    pub fn encode(&self) -> String {
        match self.sort {
            Sort::Newest => format!("{}.{}", self.created_at_micros, self.id),
            Sort::Priority => format!("p.{}.{}.{}", self.key, self.created_at_micros, self.id),
            Sort::Oldest => format!("o.{}.{}", self.key, self.id),
            Sort::LastActivity => format!("a.{}.{}", self.key, self.id),
            Sort::Due => format!("d.{}.{}", self.key, self.id),
        }
    }
    pub fn decode(s: &str) -> Option<Self> {
        let parts: Vec<&str> = s.split('.').collect();
        let n = |i: usize| parts.get(i).and_then(|p| p.parse::<i64>().ok());
        let (sort, key, created, id) = match parts.first().copied()? {
            "p" if parts.len() == 4 => (Sort::Priority, n(1)?, n(2)?, n(3)?),
            "o" if parts.len() == 3 => (Sort::Oldest, n(1)?, n(1)?, n(2)?),
            "a" if parts.len() == 3 => (Sort::LastActivity, n(1)?, 0, n(2)?),
            "d" if parts.len() == 3 => (Sort::Due, n(1)?, 0, n(2)?),
            _ if parts.len() == 2 => (Sort::Newest, n(0)?, n(0)?, n(1)?),
            _ => return None,
        };
        Some(Self { sort, key, created_at_micros: created, id })
    }
}

/// The list parameters a client may send; anything else is refused, so a
/// mistyped filter never silently lists everything.
pub const LIST_PARAMETERS: [&str; 14] = [
    "unit",
    "status",
    "active",
    "service_code",
    "skill",
    "channel",
    "assignee_id",
    "unassigned",
    "breaching",
    "created_from",
    "created_to",
    "sort",
    "limit",
    "cursor",
];

/// Violations for query parameters not in `allowed`, each naming the allowed ones.
pub fn unknown_parameters<'a>(given: impl IntoIterator<Item = &'a str>, allowed: &[&str]) -> Violations {
    let mut v = Violations::new();
    for name in given {
        if !allowed.contains(&name) && !v.0.iter().any(|f| f.field == name) {
            v.push(name, "unknown", format!("not a filter here; use one of {}", allowed.join(", ")));
        }
    }
    v
}

/// Largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Counts of a list stop here: beyond it a list says "more than 1,000",
/// so that no count reads more than this many index entries.
pub const COUNT_CAP: u64 = 1000;

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Number of errands matching the filter, over all pages, up to
    /// [`COUNT_CAP`].
    pub total: u64,
    /// False when more than [`COUNT_CAP`] errands match (`total` is then the cap).
    pub total_exact: bool,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// A list request: filters, order, and keyset position.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filter: ErrandFilter,
    /// Only errands breaching soon or late (App sets `warning_by` to now).
    pub breaching: bool,
    pub sort: Sort,
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
    pub skill: Option<String>,
    pub channel: Option<String>,
    pub assignee_id: Option<i64>,
    pub unassigned: Option<bool>,
    pub breaching: Option<bool>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// `newest` when absent.
    pub sort: Option<String>,
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
        let skill = given(&p.skill).filter(|s| {
            let ok = crate::catalogue::is_code(s);
            if !ok {
                v.push("skill", "invalid", "must be a skill's code: 1–64 characters a–z, 0–9 and -");
            }
            ok
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
        let sort = given(&p.sort).map_or(Some(Sort::Newest), |s| Sort::parse(&s)).unwrap_or_else(|| {
            v.push("sort", "invalid", format!("must be one of {}", Sort::allowed()));
            Sort::Newest
        });
        let after = given(&p.cursor).and_then(|c| {
            Cursor::decode(&c).filter(|c| c.sort == sort).or_else(|| {
                v.push("cursor", "invalid", "use the next_cursor value of the previous page, with the same sort");
                None
            })
        });
        let filter = ErrandFilter {
            unit,
            lifecycle,
            active: p.active,
            service_code: given(&p.service_code),
            skill,
            channel,
            assignee: p.assignee_id,
            unassigned: p.unassigned.unwrap_or(false),
            created_from: p.created_from,
            created_to: p.created_to,
            warning_by: None,
            confidential_units: None,
        };
        v.into_result(Self { filter, breaching: p.breaching.unwrap_or(false), sort, after, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_keeps_its_sort_and_the_old_form_still_reads() {
        for sort in Sort::ALL {
            let c = Cursor { sort, key: 7, created_at_micros: 7, id: 42 };
            let c =
                if matches!(sort, Sort::LastActivity | Sort::Due) { Cursor { created_at_micros: 0, ..c } } else { c };
            assert_eq!(Cursor::decode(&c.encode()), Some(c), "{sort:?}");
        }
        assert_eq!(Cursor::decode("1700000000000000.5").map(|c| (c.sort, c.id)), Some((Sort::Newest, 5)));
        assert_eq!(Cursor::decode("p.1.2"), None);
        let wrong = RawListQuery { sort: Some("oldest".into()), cursor: Some("5.5".into()), ..Default::default() };
        assert_eq!(ListQuery::parse(&wrong).unwrap_err().0[0].field, "cursor");
    }

    #[test]
    fn unknown_parameters_are_named_with_the_allowed_ones() {
        let v = unknown_parameters(["unit", "registry_number", "registry_number"], &LIST_PARAMETERS);
        assert_eq!(v.0.len(), 1);
        assert_eq!((v.0[0].field.as_str(), v.0[0].code), ("registry_number", "unknown"));
        assert!(v.0[0].message.contains("unit, status"), "{}", v.0[0].message);
        let bad_sort = ListQuery::parse(&RawListQuery { sort: Some("due_date".into()), ..Default::default() });
        assert!(bad_sort.unwrap_err().0[0].message.contains("newest, oldest, priority, last_activity, due"));
    }

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
