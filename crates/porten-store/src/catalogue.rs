//! The catalogue (*tjänstekatalog*): units (*förvaltningar*) and the services
//! they own. Public information, read on nearly every page.

use async_trait::async_trait;
use porten_domain::{Service, Skill, Unit};

use crate::Result;

#[async_trait]
pub trait CatalogueStore: Send + Sync {
    async fn upsert_unit(&self, unit: &Unit) -> Result<()>;
    async fn list_units(&self) -> Result<Vec<Unit>>;
    /// Creates or replaces a service; its unit must exist.
    async fn upsert_service(&self, service: &Service) -> Result<()>;
    async fn list_services(&self) -> Result<Vec<Service>>;
    async fn get_service(&self, code: &str) -> Result<Option<Service>>;
    /// Creates or renames a skill.
    async fn upsert_skill(&self, skill: &Skill) -> Result<()>;
    /// Every skill, by code.
    async fn list_skills(&self) -> Result<Vec<Skill>>;
}

/// Expands to `impl CatalogueStore` for a backend (see `sqlite.rs`).
macro_rules! impl_catalogue {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use std::collections::BTreeMap;

            use porten_domain::{Service, Skill, Unit};
            use sqlx::Row;

            use $crate::Result;
            use $crate::StoreError;
            use $crate::codec::*;

            fn service_row(row: &$row) -> Result<Service> {
                let names = |column: &str| -> Result<BTreeMap<porten_domain::Lifecycle, String>> {
                    let names: BTreeMap<String, String> = from_json(row.try_get(column)?, "status names")?;
                    names.into_iter().map(|(k, v)| Ok((lifecycle(&k)?, v))).collect()
                };
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
                    public_reports: row.try_get("public_reports")?,
                    status_names_sv: names("status_names_sv")?,
                    status_names_en: names("status_names_en")?,
                    sla: row
                        .try_get::<Option<String>, _>("sla")?
                        .map(|j| from_json(&j, "sla"))
                        .transpose()?,
                    keywords: from_json(row.try_get("keywords")?, "keywords")?,
                    processing_time_sv: row.try_get("processing_time_sv")?,
                    processing_time_en: row.try_get("processing_time_en")?,
                    skill: row.try_get("skill_code")?,
                })
            }

            #[async_trait::async_trait]
            impl $crate::CatalogueStore for $store {
                async fn upsert_unit(&self, unit: &Unit) -> Result<()> {
                    let unit = unit.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO units (code, name_sv, name_en, contact_center, routing) VALUES ($1, $2, $3, $4, $5) \
                                     ON CONFLICT (code) DO UPDATE SET name_sv = excluded.name_sv, \
                                     name_en = excluded.name_en, contact_center = excluded.contact_center, \
                                     routing = excluded.routing",
                                )
                                .bind(unit.code.as_str())
                                .bind(&unit.name_sv)
                                .bind(&unit.name_en)
                                .bind(unit.contact_center)
                                .bind(json(&unit.routing))
                                .execute(&mut *c)
                                .await?;
                                search_sql::insert_change(c, $crate::knowledge::CHANGE_UNIT, unit.code.as_str()).await
                            })
                        })
                        .await
                }

                async fn list_units(&self) -> Result<Vec<Unit>> {
                    let rows = sqlx::query("SELECT code, name_sv, name_en, contact_center, routing FROM units ORDER BY code")
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Unit {
                                code: unit_code(r.try_get("code")?)?,
                                name_sv: r.try_get("name_sv")?,
                                name_en: r.try_get("name_en")?,
                                contact_center: r.try_get("contact_center")?,
                                routing: from_json(r.try_get("routing")?, "unit routing")?,
                            })
                        })
                        .collect()
                }

                async fn upsert_service(&self, s: &Service) -> Result<()> {
                    let s = s.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let names = |n: &BTreeMap<porten_domain::Lifecycle, String>| {
                                    json(&n.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<BTreeMap<_, _>>())
                                };
                                let unit_exists: Option<i64> =
                                    sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM units WHERE code = $1")
                                        .bind(s.unit.as_str())
                                        .fetch_optional(&mut *c)
                                        .await?;
                                if unit_exists.is_none() {
                                    return Err(StoreError::UnknownReference("unit"));
                                }
                                if let Some(skill) = &s.skill {
                                    let exists: Option<i64> =
                                        sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM skills WHERE code = $1")
                                            .bind(skill)
                                            .fetch_optional(&mut *c)
                                            .await?;
                                    if exists.is_none() {
                                        return Err(StoreError::UnknownReference("skill"));
                                    }
                                }
                                sqlx::query(
                                    "INSERT INTO services (code, unit_code, name_sv, name_en, description_sv, \
                                     description_en, audiences, channels, open311_code, confidential, status_names_sv, keywords, processing_time_sv, processing_time_en, \
                                     status_names_en, sla, skill_code, public_reports) \
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                                     ON CONFLICT (code) DO UPDATE SET unit_code = excluded.unit_code, \
                                     name_sv = excluded.name_sv, name_en = excluded.name_en, \
                                     description_sv = excluded.description_sv, description_en = excluded.description_en, \
                                     audiences = excluded.audiences, channels = excluded.channels, \
                                     open311_code = excluded.open311_code, confidential = excluded.confidential, \
                                     status_names_sv = excluded.status_names_sv, keywords = excluded.keywords, \
                                     processing_time_sv = excluded.processing_time_sv, \
                                     processing_time_en = excluded.processing_time_en, \
                                     status_names_en = excluded.status_names_en, sla = excluded.sla, \
                                     skill_code = excluded.skill_code, public_reports = excluded.public_reports",
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
                                .bind(names(&s.status_names_sv))
                                .bind(json(&s.keywords))
                                .bind(&s.processing_time_sv)
                                .bind(&s.processing_time_en)
                                .bind(names(&s.status_names_en))
                                .bind(s.sla.as_ref().map(json))
                                .bind(&s.skill)
                                .bind(s.public_reports)
                                .execute(&mut *c)
                                .await?;
                                // Every service is a contact topic too; once it
                                // exists, its name and state are the administrator's.
                                sqlx::query(
                                    "INSERT INTO contact_topics (code, name_sv, name_en, service_code) \
                                     VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING",
                                )
                                .bind(format!("service:{}", s.code))
                                .bind(&s.name_sv)
                                .bind(&s.name_en)
                                .bind(&s.code)
                                .execute(&mut *c)
                                .await?;
                                search_sql::insert_change(c, $crate::knowledge::CHANGE_SERVICE, &s.code).await
                            })
                        })
                        .await
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

                async fn upsert_skill(&self, skill: &Skill) -> Result<()> {
                    let skill = skill.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                sqlx::query(
                                    "INSERT INTO skills (code, name_sv, name_en) VALUES ($1, $2, $3) \
                                     ON CONFLICT (code) DO UPDATE SET name_sv = excluded.name_sv, name_en = excluded.name_en",
                                )
                                .bind(&skill.code)
                                .bind(&skill.name_sv)
                                .bind(&skill.name_en)
                                .execute(&mut *c)
                                .await?;
                                Ok(())
                            })
                        })
                        .await
                }

                async fn list_skills(&self) -> Result<Vec<Skill>> {
                    let rows = sqlx::query("SELECT code, name_sv, name_en FROM skills ORDER BY code")
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter()
                        .map(|r| Ok(Skill { code: r.try_get("code")?, name_sv: r.try_get("name_sv")?, name_en: r.try_get("name_en")? }))
                        .collect()
                }
            }
        };
    };
}

pub(crate) use impl_catalogue;
