//! Decoding and encoding between stored columns and domain values, shared by
//! every capability's SQL. A value that does not decode is
//! [`StoreError::Corrupt`]: the database holds something Porten never wrote.

use std::collections::BTreeMap;

use porten_domain::errand::{ContactChannel, Party, PartyRole};
use porten_domain::{
    Channel, EventKind, Lifecycle, OrganisationNumber, PersonalIdentityNumber, Priority, PublicId, RegistryNumber,
    Role, Scope, UnitCode,
};

use crate::{Result, StoreError};

pub(crate) const ERRAND_COLUMNS: &str = "id, public_id, registry_unit, registry_year, registry_serial, service_code, \
     title, description, channel, priority, lifecycle, unit_code, assignee_id, confidential, labels, form, version, \
     created_at, updated_at, resolved_at, location_address, location_lat, location_long, location_ref";

pub(crate) const SUMMARY_COLUMNS: &str = "id, public_id, registry_unit, registry_year, registry_serial, service_code, \
     title, channel, priority, lifecycle, unit_code, assignee_id, confidential, created_at, updated_at, due_at";

/// Maps a unique-constraint violation to [`StoreError::Duplicate`].
pub(crate) fn duplicate(e: sqlx::Error, what: &'static str) -> StoreError {
    if e.as_database_error().is_some_and(|d| d.is_unique_violation()) {
        StoreError::Duplicate(what)
    } else {
        StoreError::Database(e)
    }
}

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|_| corrupt(what))
}

pub(crate) fn parse_with<T>(s: &str, f: impl Fn(&str) -> Option<T>, what: &str) -> Result<T> {
    f(s).ok_or_else(|| corrupt(what))
}

pub(crate) fn unit_code(s: &str) -> Result<UnitCode> {
    UnitCode::parse(s).map_err(|_| corrupt("unit code"))
}

pub(crate) fn public_id(s: &str) -> Result<PublicId> {
    PublicId::parse(s).map_err(|_| corrupt("public id"))
}

pub(crate) fn registry_number(unit: &str, year: i64, serial: i64) -> Result<RegistryNumber> {
    Ok(RegistryNumber {
        unit: unit_code(unit)?,
        year: i32::try_from(year).map_err(|_| corrupt("registry year"))?,
        serial: u32::try_from(serial).map_err(|_| corrupt("registry serial"))?,
    })
}

pub(crate) fn channel(s: &str) -> Result<Channel> {
    parse_with(s, Channel::parse, "channel")
}
pub(crate) fn priority(s: &str) -> Result<Priority> {
    parse_with(s, Priority::parse, "priority")
}
pub(crate) fn lifecycle(s: &str) -> Result<Lifecycle> {
    parse_with(s, Lifecycle::parse, "lifecycle")
}
pub(crate) fn role(s: &str) -> Result<Role> {
    parse_with(s, Role::parse, "role")
}

pub(crate) fn scopes(s: &str) -> Result<Vec<Scope>> {
    let names: Vec<String> = from_json(s, "scopes")?;
    names.iter().map(|n| parse_with(n, Scope::parse, "scope")).collect()
}

pub(crate) fn scopes_json(scopes: &[Scope]) -> String {
    json(&scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>())
}

pub(crate) fn party(
    role: &str,
    name: String,
    personal_number: Option<String>,
    organisation_number: Option<String>,
    contacts: &str,
) -> Result<Party> {
    Ok(Party {
        role: parse_with(role, PartyRole::parse, "party role")?,
        name,
        personal_number: personal_number
            .map(|p| PersonalIdentityNumber::parse(&p).map_err(|_| corrupt("personal number")))
            .transpose()?,
        organisation_number: organisation_number
            .map(|o| OrganisationNumber::parse(&o).map_err(|_| corrupt("organisation number")))
            .transpose()?,
        contacts: from_json::<Vec<ContactChannel>>(contacts, "contacts")?,
    })
}

pub(crate) fn event(kind: &str, data: &str) -> Result<EventKind> {
    let parsed: EventKind = from_json(data, "timeline event")?;
    if parsed.type_name() != kind {
        return Err(corrupt("timeline event type"));
    }
    Ok(parsed)
}

pub(crate) fn form(s: &str) -> Result<BTreeMap<String, String>> {
    from_json(s, "form")
}

/// An errand's location from its four columns; none when all are empty.
pub(crate) fn location(
    address: Option<String>,
    lat: Option<f64>,
    long: Option<f64>,
    place_ref: Option<String>,
) -> Option<porten_domain::Location> {
    let point = lat.zip(long).map(|(lat, long)| porten_domain::Point { lat, long });
    (address.is_some() || point.is_some() || place_ref.is_some()).then_some(porten_domain::Location {
        address,
        point,
        place_ref,
    })
}
