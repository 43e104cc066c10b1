//! The SQL both backends share. `impl_store!` expands to a full
//! [`crate::Store`] implementation for one sqlx database type; the calling
//! module supplies `begin_write()`, `reader()` and `run_migrations()`, and the
//! row-lock clause its dialect needs. Parameters are written `$1, $2, …` in
//! order of first use, which SQLite and PostgreSQL both accept.

use std::collections::BTreeMap;

use porten_domain::errand::{ContactChannel, Party, PartyRole};
use porten_domain::{
    Channel, EventKind, Lifecycle, OrganisationNumber, PersonalIdentityNumber, Priority, PublicId, RegistryNumber,
    Role, Scope, UnitCode,
};

use crate::{Result, StoreError};

pub(crate) const ERRAND_COLUMNS: &str = "id, public_id, registry_unit, registry_year, registry_serial, service_code, \
     title, description, channel, priority, lifecycle, unit_code, assignee_id, confidential, labels, form, version, \
     created_at, updated_at, resolved_at";

pub(crate) const SUMMARY_COLUMNS: &str = "id, public_id, registry_unit, registry_year, registry_serial, service_code, \
     title, channel, priority, lifecycle, unit_code, assignee_id, confidential, created_at, updated_at";

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

/// Expands to `impl Store for $store` over sqlx database `$db` with row type `$row`.
macro_rules! impl_store {
    ($store:ty, $db:ty, $row:ty, $backend:expr, for_update = $for_update:literal) => {
        use chrono::{DateTime, Utc};
        use porten_domain::{
            Actor, Command, Errand, EventKind, Lifecycle, PublicId, Scope, Service, TimelineEvent, Unit,
        };
        use sqlx::{QueryBuilder, Row};

        use $crate::sql::*;
        use $crate::{
            from_micros, micros, AcdInterval, ApiKey, AuditEntry, Backend, ContactCount, ContactLogEntry, Cursor, ServiceMix, ErrandFilter, ErrandSummary, NewUser, Page,
            Registration, Result, StoreError, User,
        };

        fn errand_row(row: &$row) -> Result<Errand> {
            Ok(Errand {
                id: row.try_get("id")?,
                public_id: public_id(row.try_get("public_id")?)?,
                registry_number: registry_number(
                    row.try_get("registry_unit")?,
                    row.try_get("registry_year")?,
                    row.try_get("registry_serial")?,
                )?,
                service_code: row.try_get("service_code")?,
                title: row.try_get("title")?,
                description: row.try_get("description")?,
                channel: channel(row.try_get("channel")?)?,
                priority: priority(row.try_get("priority")?)?,
                lifecycle: lifecycle(row.try_get("lifecycle")?)?,
                unit: unit_code(row.try_get("unit_code")?)?,
                assignee: row.try_get("assignee_id")?,
                parties: Vec::new(),
                confidential: row.try_get("confidential")?,
                labels: from_json(row.try_get("labels")?, "labels")?,
                form: form(row.try_get("form")?)?,
                version: row.try_get("version")?,
                created_at: from_micros(row.try_get("created_at")?)?,
                updated_at: from_micros(row.try_get("updated_at")?)?,
                resolved_at: row.try_get::<Option<i64>, _>("resolved_at")?.map(from_micros).transpose()?,
            })
        }

        fn summary_row(row: &$row) -> Result<(i64, ErrandSummary)> {
            Ok((
                row.try_get("id")?,
                ErrandSummary {
                    public_id: public_id(row.try_get("public_id")?)?,
                    registry_number: registry_number(
                        row.try_get("registry_unit")?,
                        row.try_get("registry_year")?,
                        row.try_get("registry_serial")?,
                    )?,
                    service_code: row.try_get("service_code")?,
                    title: row.try_get("title")?,
                    channel: channel(row.try_get("channel")?)?,
                    priority: priority(row.try_get("priority")?)?,
                    lifecycle: lifecycle(row.try_get("lifecycle")?)?,
                    unit: unit_code(row.try_get("unit_code")?)?,
                    assignee: row.try_get("assignee_id")?,
                    confidential: row.try_get("confidential")?,
                    created_at: from_micros(row.try_get("created_at")?)?,
                    updated_at: from_micros(row.try_get("updated_at")?)?,
                },
            ))
        }

        fn service_row(row: &$row) -> Result<Service> {
            let status_names: BTreeMap<String, String> = from_json(row.try_get("status_names_sv")?, "status names")?;
            Ok(Service {
                code: row.try_get("code")?,
                unit: unit_code(row.try_get("unit_code")?)?,
                name_sv: row.try_get("name_sv")?,
                name_en: row.try_get("name_en")?,
                description_sv: row.try_get("description_sv")?,
                description_en: row.try_get("description_en")?,
                audiences: from_json(row.try_get("audiences")?, "audiences")?,
                channels: from_json(row.try_get("channels")?, "channels")?,
                open311_code: row.try_get("open311_code")?,
                confidential: row.try_get("confidential")?,
                status_names_sv: status_names
                    .into_iter()
                    .map(|(k, v)| Ok((lifecycle(&k)?, v)))
                    .collect::<Result<_>>()?,
            })
        }

        fn user_row(row: &$row) -> Result<User> {
            Ok(User {
                id: row.try_get("id")?,
                username: row.try_get("username")?,
                display_name: row.try_get("display_name")?,
                email: row.try_get("email")?,
                role: role(row.try_get("role")?)?,
                unit: row.try_get::<Option<&str>, _>("unit_code")?.map(unit_code).transpose()?,
                password_hash: row.try_get("password_hash")?,
                disabled: row.try_get("disabled")?,
            })
        }

        fn audit_row(row: &$row) -> Result<AuditEntry> {
            Ok(AuditEntry {
                at: from_micros(row.try_get("at")?)?,
                actor_kind: row.try_get("actor_kind")?,
                actor_id: row.try_get("actor_id")?,
                actor_name: row.try_get("actor_name")?,
                action: row.try_get("action")?,
                errand_id: row.try_get("errand_id")?,
                purpose: row.try_get("purpose")?,
            })
        }

        async fn load_parties<'e, E>(executor: E, errand_id: i64) -> Result<Vec<porten_domain::Party>>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let rows = sqlx::query(
                "SELECT ep.role, ep.name, p.personal_number, ep.organisation_number, ep.contacts \
                 FROM errand_parties ep LEFT JOIN parties p ON p.id = ep.party_id \
                 WHERE ep.errand_id = $1 ORDER BY ep.position",
            )
            .bind(errand_id)
            .fetch_all(executor)
            .await?;
            rows.iter()
                .map(|r| {
                    party(
                        r.try_get("role")?,
                        r.try_get("name")?,
                        r.try_get("personal_number")?,
                        r.try_get("organisation_number")?,
                        r.try_get("contacts")?,
                    )
                })
                .collect()
        }

        async fn append_events(
            tx: &mut sqlx::Transaction<'static, $db>,
            errand_id: i64,
            actor: &Actor,
            at: DateTime<Utc>,
            events: &[EventKind],
        ) -> Result<()> {
            for event in events {
                sqlx::query(
                    "INSERT INTO timeline (errand_id, at, actor_kind, actor_id, actor_name, kind, data) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(errand_id)
                .bind(micros(at))
                .bind(actor.kind())
                .bind(actor.id())
                .bind(actor.name())
                .bind(event.type_name())
                .bind(json(event))
                .execute(&mut **tx)
                .await?;
            }
            Ok(())
        }

        fn push_filters(qb: &mut QueryBuilder<$db>, f: &ErrandFilter) {
            if let Some(unit) = &f.unit {
                qb.push(" AND unit_code = ").push_bind(unit.as_str().to_owned());
            }
            if let Some(state) = f.lifecycle {
                qb.push(" AND lifecycle = ").push_bind(state.as_str());
            }
            match f.active {
                Some(true) => {
                    qb.push(" AND lifecycle NOT IN ('resolved', 'closed')");
                }
                Some(false) => {
                    qb.push(" AND lifecycle IN ('resolved', 'closed')");
                }
                None => {}
            }
            if let Some(code) = &f.service_code {
                qb.push(" AND service_code = ").push_bind(code.clone());
            }
            if let Some(c) = f.channel {
                qb.push(" AND channel = ").push_bind(c.as_str());
            }
            if let Some(a) = f.assignee {
                qb.push(" AND assignee_id = ").push_bind(a);
            }
            if let Some(t) = f.created_from {
                qb.push(" AND created_at >= ").push_bind(micros(t));
            }
            if let Some(t) = f.created_to {
                qb.push(" AND created_at < ").push_bind(micros(t));
            }
            if let Some(units) = &f.confidential_units {
                qb.push(" AND (NOT confidential");
                if !units.is_empty() {
                    qb.push(" OR unit_code IN (");
                    let mut list = qb.separated(", ");
                    for unit in units {
                        list.push_bind(unit.as_str().to_owned());
                    }
                    qb.push(")");
                }
                qb.push(")");
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                self.run_migrations().await
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            async fn upsert_unit(&self, unit: &Unit) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO units (code, name_sv, name_en, contact_center) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (code) DO UPDATE SET name_sv = excluded.name_sv, name_en = excluded.name_en, \
                     contact_center = excluded.contact_center",
                )
                .bind(unit.code.as_str())
                .bind(&unit.name_sv)
                .bind(&unit.name_en)
                .bind(unit.contact_center)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_units(&self) -> Result<Vec<Unit>> {
                let rows = sqlx::query("SELECT code, name_sv, name_en, contact_center FROM units ORDER BY code")
                    .fetch_all(self.reader())
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Unit {
                            code: unit_code(r.try_get("code")?)?,
                            name_sv: r.try_get("name_sv")?,
                            name_en: r.try_get("name_en")?,
                            contact_center: r.try_get("contact_center")?,
                        })
                    })
                    .collect()
            }

            async fn upsert_service(&self, s: &Service) -> Result<()> {
                let status_names: BTreeMap<&str, &str> =
                    s.status_names_sv.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let mut tx = self.begin_write().await?;
                let unit_exists: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM units WHERE code = $1")
                    .bind(s.unit.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if unit_exists.is_none() {
                    return Err(StoreError::UnknownReference("unit"));
                }
                sqlx::query(
                    "INSERT INTO services (code, unit_code, name_sv, name_en, description_sv, description_en, \
                     audiences, channels, open311_code, confidential, status_names_sv) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (code) DO UPDATE SET unit_code = excluded.unit_code, name_sv = excluded.name_sv, \
                     name_en = excluded.name_en, description_sv = excluded.description_sv, \
                     description_en = excluded.description_en, audiences = excluded.audiences, \
                     channels = excluded.channels, open311_code = excluded.open311_code, \
                     confidential = excluded.confidential, status_names_sv = excluded.status_names_sv",
                )
                .bind(&s.code)
                .bind(s.unit.as_str())
                .bind(&s.name_sv)
                .bind(&s.name_en)
                .bind(&s.description_sv)
                .bind(&s.description_en)
                .bind(json(&s.audiences))
                .bind(json(&s.channels))
                .bind(&s.open311_code)
                .bind(s.confidential)
                .bind(json(&status_names))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_services(&self) -> Result<Vec<Service>> {
                let rows = sqlx::query("SELECT * FROM services ORDER BY code").fetch_all(self.reader()).await?;
                rows.iter().map(service_row).collect()
            }

            async fn get_service(&self, code: &str) -> Result<Option<Service>> {
                let row = sqlx::query("SELECT * FROM services WHERE code = $1")
                    .bind(code)
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(service_row).transpose()
            }

            async fn register_errand(&self, reg: Registration<'_>) -> Result<Errand> {
                let new = reg.errand;
                let year = porten_domain::time::stockholm_year(reg.at);
                let mut tx = self.begin_write().await?;
                let service: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM services WHERE code = $1")
                    .bind(&new.service_code)
                    .fetch_optional(&mut *tx)
                    .await?;
                if service.is_none() {
                    return Err(StoreError::UnknownReference("service"));
                }
                let unit: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM units WHERE code = $1")
                    .bind(reg.unit.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if unit.is_none() {
                    return Err(StoreError::UnknownReference("unit"));
                }
                // The counter row is locked until commit, so no other transaction can take
                // the same serial, and a rollback gives the serial back.
                let serial: i64 = sqlx::query_scalar(
                    "INSERT INTO registry_counters (unit_code, year, last_serial) VALUES ($1, $2, 1) \
                     ON CONFLICT (unit_code, year) DO UPDATE SET last_serial = registry_counters.last_serial + 1 \
                     RETURNING last_serial",
                )
                .bind(reg.unit.as_str())
                .bind(i64::from(year))
                .fetch_one(&mut *tx)
                .await?;
                let registry_number = registry_number(reg.unit.as_str(), i64::from(year), serial)?;
                let at = micros(reg.at);
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO errands (public_id, registry_unit, registry_year, registry_serial, service_code, \
                     title, description, channel, priority, lifecycle, unit_code, assignee_id, confidential, labels, \
                     form, version, created_at, updated_at, resolved_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, $14, 1, $15, $15, NULL) \
                     RETURNING id",
                )
                .bind(reg.public_id.to_string())
                .bind(reg.unit.as_str())
                .bind(i64::from(year))
                .bind(serial)
                .bind(&new.service_code)
                .bind(&new.title)
                .bind(&new.description)
                .bind(new.channel.as_str())
                .bind(new.priority.as_str())
                .bind(Lifecycle::New.as_str())
                .bind(reg.unit.as_str())
                .bind(new.confidential)
                .bind(json(&new.labels))
                .bind(json(&new.form))
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                for (position, p) in new.parties.iter().enumerate() {
                    let party_id: Option<i64> = match &p.personal_number {
                        Some(number) => {
                            sqlx::query(
                                "INSERT INTO parties (personal_number) VALUES ($1) ON CONFLICT (personal_number) DO NOTHING",
                            )
                            .bind(number.expose())
                            .execute(&mut *tx)
                            .await?;
                            Some(
                                sqlx::query_scalar("SELECT id FROM parties WHERE personal_number = $1")
                                    .bind(number.expose())
                                    .fetch_one(&mut *tx)
                                    .await?,
                            )
                        }
                        None => None,
                    };
                    sqlx::query(
                        "INSERT INTO errand_parties (errand_id, position, party_id, role, name, organisation_number, \
                         contacts) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(position as i64)
                    .bind(party_id)
                    .bind(p.role.as_str())
                    .bind(&p.name)
                    .bind(p.organisation_number.as_ref().map(|n| n.as_str().to_owned()))
                    .bind(json(&p.contacts))
                    .execute(&mut *tx)
                    .await?;
                }
                let registered =
                    EventKind::Registered { registry_number: registry_number.to_string(), channel: new.channel };
                append_events(&mut tx, id, reg.actor, reg.at, &[registered]).await?;
                tx.commit().await?;
                Ok(Errand {
                    id,
                    public_id: reg.public_id,
                    registry_number,
                    service_code: new.service_code.clone(),
                    title: new.title.clone(),
                    description: new.description.clone(),
                    channel: new.channel,
                    priority: new.priority,
                    lifecycle: Lifecycle::New,
                    unit: reg.unit.clone(),
                    assignee: None,
                    parties: new.parties.clone(),
                    confidential: new.confidential,
                    labels: new.labels.clone(),
                    form: new.form.clone(),
                    version: 1,
                    created_at: from_micros(at)?,
                    updated_at: from_micros(at)?,
                    resolved_at: None,
                })
            }

            async fn get_errand(&self, id: PublicId) -> Result<Option<Errand>> {
                let sql = format!("SELECT {ERRAND_COLUMNS} FROM errands WHERE public_id = $1");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id.to_string())
                    .fetch_optional(self.reader())
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let mut errand = errand_row(&row)?;
                errand.parties = load_parties(self.reader(), errand.id).await?;
                Ok(Some(errand))
            }

            async fn list_errands(
                &self,
                filter: &ErrandFilter,
                after: Option<Cursor>,
                limit: u32,
            ) -> Result<Page<ErrandSummary>> {
                let limit = limit.clamp(1, $crate::MAX_PAGE_SIZE);
                let mut count = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM errands WHERE 1 = 1");
                push_filters(&mut count, filter);
                let total: i64 = count.build_query_scalar().fetch_one(self.reader()).await?;

                let mut qb = QueryBuilder::<$db>::new(format!("SELECT {SUMMARY_COLUMNS} FROM errands WHERE 1 = 1"));
                push_filters(&mut qb, filter);
                if let Some(c) = after {
                    qb.push(" AND (created_at < ")
                        .push_bind(c.created_at_micros)
                        .push(" OR (created_at = ")
                        .push_bind(c.created_at_micros)
                        .push(" AND id < ")
                        .push_bind(c.id)
                        .push("))");
                }
                qb.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(i64::from(limit) + 1);
                let rows = qb.build().fetch_all(self.reader()).await?;
                let mut items = rows.iter().map(summary_row).collect::<Result<Vec<_>>>()?;
                let next = if items.len() > limit as usize {
                    items.truncate(limit as usize);
                    items.last().map(|(id, s)| Cursor { created_at_micros: micros(s.created_at), id: *id })
                } else {
                    None
                };
                Ok(Page {
                    items: items.into_iter().map(|(_, s)| s).collect(),
                    total: u64::try_from(total).unwrap_or(0),
                    next,
                })
            }

            async fn timeline(&self, errand_id: i64) -> Result<Vec<TimelineEvent>> {
                let rows = sqlx::query(
                    "SELECT id, at, actor_kind, actor_id, actor_name, kind, data FROM timeline \
                     WHERE errand_id = $1 ORDER BY id",
                )
                .bind(errand_id)
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(TimelineEvent {
                            id: r.try_get("id")?,
                            at: from_micros(r.try_get("at")?)?,
                            actor_kind: r.try_get("actor_kind")?,
                            actor_id: r.try_get("actor_id")?,
                            actor_name: r.try_get("actor_name")?,
                            kind: event(r.try_get("kind")?, r.try_get("data")?)?,
                        })
                    })
                    .collect()
            }

            async fn contact_counts(
                &self,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                bucket_minutes: u32,
            ) -> Result<Vec<ContactCount>> {
                let bucket = i64::from(bucket_minutes.max(1)) * 60_000_000;
                // Errands, plus logged contacts that did not become one.
                let rows = sqlx::query(
                    "SELECT CAST((t / $1) * $1 AS BIGINT) AS bucket, channel, COUNT(*) AS n FROM ( \
                       SELECT created_at AS t, channel FROM errands WHERE created_at >= $2 AND created_at < $3 \
                       UNION ALL \
                       SELECT started_at AS t, channel FROM contact_log \
                       WHERE started_at >= $2 AND started_at < $3 AND outcome <> 'errand' \
                     ) c GROUP BY 1, 2 ORDER BY 1, 2",
                )
                .bind(bucket)
                .bind(micros(from))
                .bind(micros(to))
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ContactCount {
                            bucket_start: from_micros(r.try_get("bucket")?)?,
                            channel: channel(r.try_get("channel")?)?,
                            count: u64::try_from(r.try_get::<i64, _>("n")?).map_err(|_| corrupt("count"))?,
                        })
                    })
                    .collect()
            }

            async fn contact_mix(
                &self,
                channel_: porten_domain::Channel,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<ServiceMix>> {
                let rows = sqlx::query(
                    "SELECT service_code, CAST(SUM(counted) AS BIGINT) AS n, COUNT(handle_seconds) AS timed, \
                       CAST(COALESCE(SUM(handle_seconds), 0) AS DOUBLE PRECISION) AS seconds FROM ( \
                       SELECT service_code, 1 AS counted, CAST(NULL AS BIGINT) AS handle_seconds FROM errands \
                       WHERE channel = $1 AND created_at >= $2 AND created_at < $3 \
                       UNION ALL \
                       SELECT service_code, CASE WHEN outcome = 'errand' THEN 0 ELSE 1 END, handle_seconds \
                       FROM contact_log WHERE channel = $1 AND started_at >= $2 AND started_at < $3 \
                     ) c GROUP BY service_code ORDER BY n DESC, service_code IS NULL, service_code",
                )
                .bind(channel_.as_str())
                .bind(micros(from))
                .bind(micros(to))
                .fetch_all(self.reader())
                .await?;
                // A logged contact that became an errand is counted through
                // the errand, but its handle time still measures the work.
                let mut mix: Vec<ServiceMix> = Vec::with_capacity(rows.len());
                for r in &rows {
                    let count = |name: &str| -> Result<u64> {
                        u64::try_from(r.try_get::<i64, _>(name)?).map_err(|_| corrupt("count"))
                    };
                    mix.push(ServiceMix {
                        service_code: r.try_get("service_code")?,
                        contacts: count("n")?,
                        timed: count("timed")?,
                        handle_seconds: r.try_get("seconds")?,
                    });
                }
                Ok(mix)
            }

            async fn day_exceptions(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> Result<Vec<porten_domain::calendar::DayException>> {
                let rows = sqlx::query("SELECT day, open, note FROM day_exceptions WHERE day >= $1 AND day < $2 ORDER BY day")
                    .bind(from.to_string())
                    .bind(to.to_string())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter()
                    .map(|r| {
                        let day: String = r.try_get("day")?;
                        Ok(porten_domain::calendar::DayException {
                            date: day.parse().map_err(|_| corrupt("calendar day"))?,
                            open: r.try_get("open")?,
                            note: r.try_get("note")?,
                        })
                    })
                    .collect()
            }

            async fn set_day_exception(
                &self,
                e: &porten_domain::calendar::DayException,
                by: i64,
                at: DateTime<Utc>,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO day_exceptions (day, open, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (day) DO UPDATE SET open = excluded.open, note = excluded.note, \
                     updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                )
                .bind(e.date.to_string())
                .bind(e.open)
                .bind(&e.note)
                .bind(by)
                .bind(micros(at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_day_exception(&self, date: chrono::NaiveDate) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM day_exceptions WHERE day = $1")
                    .bind(date.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }

            async fn forget_contact_agents(&self, before: DateTime<Utc>) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE contact_log SET agent_id = NULL WHERE agent_id IS NOT NULL AND started_at < $1")
                    .bind(micros(before))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            async fn first_logged_contact(&self, channel_: porten_domain::Channel) -> Result<Option<DateTime<Utc>>> {
                let first: Option<i64> = sqlx::query_scalar("SELECT MIN(started_at) FROM contact_log WHERE channel = $1")
                    .bind(channel_.as_str())
                    .fetch_one(self.reader())
                    .await?;
                first.map(from_micros).transpose()
            }

            async fn log_contacts(&self, entries: &[ContactLogEntry]) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                for chunk in entries.chunks(500) {
                    let mut q = QueryBuilder::<$db>::new(
                        "INSERT INTO contact_log (channel, service_code, tech_help, outcome, handle_seconds, started_at, agent_id) ",
                    );
                    q.push_values(chunk, |mut b, e| {
                        let (service, tech) = match &e.contact.topic {
                            porten_domain::ContactTopic::Service(code) => (Some(code.clone()), false),
                            porten_domain::ContactTopic::General => (None, false),
                            porten_domain::ContactTopic::TechHelp => (None, true),
                        };
                        b.push_bind(e.contact.channel.as_str())
                            .push_bind(service)
                            .push_bind(tech)
                            .push_bind(e.contact.outcome.as_str())
                            .push_bind(e.contact.handle_seconds.map(i64::from))
                            .push_bind(micros(e.started_at))
                            .push_bind(e.agent_id);
                    });
                    q.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(entries.len() as u64)
            }

            async fn contacts_logged_by(&self, agent_id: i64, limit: u32) -> Result<Vec<ContactLogEntry>> {
                let rows = sqlx::query(
                    "SELECT channel, service_code, tech_help, outcome, handle_seconds, started_at, agent_id \
                     FROM contact_log WHERE agent_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
                )
                .bind(agent_id)
                .bind(i64::from(limit))
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|r| {
                        let service: Option<String> = r.try_get("service_code")?;
                        let topic = match (service, r.try_get::<bool, _>("tech_help")?) {
                            (Some(code), _) => porten_domain::ContactTopic::Service(code),
                            (None, true) => porten_domain::ContactTopic::TechHelp,
                            (None, false) => porten_domain::ContactTopic::General,
                        };
                        let outcome: String = r.try_get("outcome")?;
                        let seconds: Option<i64> = r.try_get("handle_seconds")?;
                        Ok(ContactLogEntry {
                            contact: porten_domain::LoggedContact {
                                channel: channel(r.try_get("channel")?)?,
                                topic,
                                outcome: porten_domain::ContactOutcome::parse(&outcome)
                                    .ok_or_else(|| corrupt("contact outcome"))?,
                                handle_seconds: seconds
                                    .map(|s| u32::try_from(s).map_err(|_| corrupt("handle time")))
                                    .transpose()?,
                            },
                            started_at: from_micros(r.try_get("started_at")?)?,
                            agent_id: r.try_get("agent_id")?,
                        })
                    })
                    .collect()
            }

            async fn import_acd(&self, intervals: &[AcdInterval]) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                for i in intervals {
                    sqlx::query(
                        "INSERT INTO acd_intervals (channel, start_at, minutes, offered, answered, abandoned, aht_seconds) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (channel, start_at) DO UPDATE SET minutes = excluded.minutes, \
                         offered = excluded.offered, answered = excluded.answered, abandoned = excluded.abandoned, \
                         aht_seconds = excluded.aht_seconds",
                    )
                    .bind(i.channel.as_str())
                    .bind(micros(i.start))
                    .bind(i64::from(i.minutes))
                    .bind(i.offered)
                    .bind(i.answered)
                    .bind(i.abandoned)
                    .bind(i.aht_seconds)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(intervals.len() as u64)
            }

            async fn acd_intervals(
                &self,
                channel_: porten_domain::Channel,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
            ) -> Result<Vec<AcdInterval>> {
                let rows = sqlx::query(
                    "SELECT channel, start_at, minutes, offered, answered, abandoned, aht_seconds FROM acd_intervals \
                     WHERE channel = $1 AND start_at >= $2 AND start_at < $3 ORDER BY start_at",
                )
                .bind(channel_.as_str())
                .bind(micros(from))
                .bind(micros(to))
                .fetch_all(self.reader())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(AcdInterval {
                            channel: channel(r.try_get("channel")?)?,
                            start: from_micros(r.try_get("start_at")?)?,
                            minutes: u32::try_from(r.try_get::<i64, _>("minutes")?).map_err(|_| corrupt("minutes"))?,
                            offered: r.try_get("offered")?,
                            answered: r.try_get("answered")?,
                            abandoned: r.try_get("abandoned")?,
                            aht_seconds: r.try_get("aht_seconds")?,
                        })
                    })
                    .collect()
            }

            async fn apply_command(
                &self,
                id: PublicId,
                expected_version: Option<i64>,
                actor: &Actor,
                command: Command,
                now: DateTime<Utc>,
                authorize: &(dyn for<'e> Fn(&'e Errand) -> bool + Send + Sync),
            ) -> Result<Errand> {
                let mut tx = self.begin_write().await?;
                let sql = format!("SELECT {ERRAND_COLUMNS} FROM errands WHERE public_id = $1{}", $for_update);
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let mut errand = errand_row(&row)?;
                // Checked on the locked row, so a concurrent handover cannot slip past it.
                if !authorize(&errand) {
                    return Err(StoreError::NotFound);
                }
                if let Some(expected) = expected_version
                    && expected != errand.version
                {
                    return Err(StoreError::Conflict { current: errand.version });
                }
                match &command {
                    Command::HandOver { to_unit, .. } => {
                        let exists: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM units WHERE code = $1")
                            .bind(to_unit.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                        if exists.is_none() {
                            return Err(StoreError::UnknownReference("unit"));
                        }
                    }
                    Command::Assign { assignee: Some(user) } => {
                        let exists: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM users WHERE id = $1")
                            .bind(*user)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if exists.is_none() {
                            return Err(StoreError::UnknownReference("user"));
                        }
                    }
                    _ => {}
                }
                errand.parties = load_parties(&mut *tx, errand.id).await?;
                let transition = errand.apply(command, now)?;
                let next = transition.errand;
                sqlx::query(
                    "UPDATE errands SET priority = $1, lifecycle = $2, unit_code = $3, assignee_id = $4, \
                     version = $5, updated_at = $6, resolved_at = $7 WHERE id = $8",
                )
                .bind(next.priority.as_str())
                .bind(next.lifecycle.as_str())
                .bind(next.unit.as_str())
                .bind(next.assignee)
                .bind(next.version)
                .bind(micros(next.updated_at))
                .bind(next.resolved_at.map(micros))
                .bind(next.id)
                .execute(&mut *tx)
                .await?;
                append_events(&mut tx, next.id, actor, now, &transition.events).await?;
                tx.commit().await?;
                Ok(next)
            }

            async fn create_user(&self, u: &NewUser, now: DateTime<Utc>) -> Result<i64> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, email, role, unit_code, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(&u.email)
                .bind(u.role.as_str())
                .bind(u.unit.as_ref().map(|c| c.as_str().to_owned()))
                .bind(&u.password_hash)
                .bind(micros(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| duplicate(e, "username"))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
                let row = sqlx::query("SELECT * FROM users WHERE username = $1")
                    .bind(username)
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(user_row).transpose()
            }

            async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
                let row =
                    sqlx::query("SELECT * FROM users WHERE id = $1").bind(id).fetch_optional(self.reader()).await?;
                row.as_ref().map(user_row).transpose()
            }

            async fn create_session(
                &self,
                token_hash: &[u8],
                user_id: i64,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(micros(now)).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(token_hash)
                    .bind(user_id)
                    .bind(micros(now))
                    .bind(micros(expires_at))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<User>> {
                let row = sqlx::query(
                    "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled",
                )
                .bind(token_hash)
                .bind(micros(now))
                .fetch_optional(self.reader())
                .await?;
                row.as_ref().map(user_row).transpose()
            }

            async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_api_key(
                &self,
                name: &str,
                key_hash: &[u8],
                scopes: &[Scope],
                now: DateTime<Utc>,
            ) -> Result<i64> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO api_keys (name, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(name)
                .bind(key_hash)
                .bind(scopes_json(scopes))
                .bind(micros(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| duplicate(e, "api key"))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn api_key_by_hash(&self, key_hash: &[u8]) -> Result<Option<ApiKey>> {
                let row =
                    sqlx::query("SELECT id, name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                        .bind(key_hash)
                        .fetch_optional(self.reader())
                        .await?;
                row.map(|r| {
                    Ok(ApiKey { id: r.try_get("id")?, name: r.try_get("name")?, scopes: scopes(r.try_get("scopes")?)? })
                })
                .transpose()
            }

            async fn revoke_api_key(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(micros(now))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn record_audit(&self, e: &AuditEntry) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, errand_id, purpose) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(micros(e.at))
                .bind(&e.actor_kind)
                .bind(e.actor_id)
                .bind(&e.actor_name)
                .bind(&e.action)
                .bind(e.errand_id)
                .bind(&e.purpose)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_for_errand(&self, errand_id: i64) -> Result<Vec<AuditEntry>> {
                let rows = sqlx::query("SELECT * FROM audit_log WHERE errand_id = $1 ORDER BY id")
                    .bind(errand_id)
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(audit_row).collect()
            }

            async fn claim_once(&self, key: &str, value: &str) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn backup(&self, target: &std::path::Path) -> Result<()> {
                self.backup_to(target).await
            }

            async fn meta(&self, key: &str) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_optional(self.reader())
                    .await?)
            }
        }
    };
}

pub(crate) use impl_store;
