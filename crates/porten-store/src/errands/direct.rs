//! Registration as a direct command on SQLite: the statements of
//! [`super::registration`] run one after the other on the writer's thread
//! (see [`crate::writer`]), with no hand-off to sqlx's worker between them.

use porten_domain::{Errand, EventKind, Lifecycle};
use rusqlite::{Connection, OptionalExtension, params};

use super::OwnedRegistration;
use super::registration::*;
use crate::codec::{json, registry_number};
use crate::{Result, StoreError, micros};

pub(crate) fn register_direct(c: &Connection, reg: OwnedRegistration) -> Result<Errand> {
    let new = &reg.errand;
    let unit = reg.unit.as_str();
    let year = i64::from(porten_domain::time::stockholm_year(reg.at));
    let serial: Option<i64> =
        c.prepare_cached(TAKE_SERIAL)?.query_row(params![unit, year, new.service_code], |r| r.get(0)).optional()?;
    let Some(serial) = serial else {
        let services = c.prepare_cached(COUNT_SERVICE)?.query_row([&new.service_code], |r| r.get(0))?;
        return Err(unknown_reference(services));
    };
    let registry_number = registry_number(unit, year, serial)?;
    let at = micros(reg.at);
    let location = new.location.as_ref();
    let (id, confidential): (i64, bool) = c
        .prepare_cached(INSERT_ERRAND)?
        .query_row(
            params![
                reg.public_id.to_string(),
                unit,
                year,
                serial,
                new.service_code,
                new.title,
                new.description,
                new.channel.as_str(),
                new.priority.as_str(),
                Lifecycle::New.as_str(),
                unit,
                new.confidential,
                json(&new.labels),
                json(&new.form),
                at,
                location.and_then(|l| l.address.as_deref()),
                location.and_then(|l| l.point).map(|p| p.lat),
                location.and_then(|l| l.point).map(|p| p.long),
                location.and_then(|l| l.place_ref.as_deref()),
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| duplicate(e, "errand"))?;
    for (position, p) in new.parties.iter().enumerate() {
        let party_id: Option<i64> = match &p.personal_number {
            Some(number) => Some(c.prepare_cached(UPSERT_PARTY)?.query_row([number.expose()], |r| r.get(0))?),
            None => None,
        };
        c.prepare_cached(INSERT_ERRAND_PARTY)?.execute(params![
            id,
            position as i64,
            party_id,
            p.role.as_str(),
            p.name,
            p.organisation_number.as_ref().map(|n| n.as_str()),
            json(&p.contacts),
        ])?;
    }
    let registered = EventKind::Registered { registry_number: registry_number.to_string(), channel: new.channel };
    let actor = &reg.actor;
    c.prepare_cached(INSERT_EVENT)?.execute(params![
        id,
        at,
        actor.kind(),
        actor.id(),
        actor.name(),
        registered.type_name(),
        json(&registered),
    ])?;
    c.prepare_cached(crate::feed::INSERT_CHANGE)?.execute(params![id, 1_i64, registered.type_name(), at])?;
    Ok(reg.into_errand(id, registry_number, confidential))
}

/// A unique-key violation is [`StoreError::Duplicate`], as through sqlx.
fn duplicate(e: rusqlite::Error, what: &'static str) -> StoreError {
    use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if [SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY].contains(&f.extended_code) =>
        {
            StoreError::Duplicate(what)
        }
        _ => e.into(),
    }
}
