//! Supervisors' reports (issue 20): counts grouped in the database, so a
//! report reads a few hundred rows whatever the number of errands, and the
//! errand export in keyset pages, so it streams in constant memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use porten_domain::report::ReportFilter;

use crate::Result;

/// Active errands of one unit in one state and age band, assigned or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BacklogCell {
    pub unit: String,
    pub lifecycle: String,
    /// [`porten_domain::report::age_band`].
    pub band: usize,
    pub unassigned: bool,
    pub count: u64,
}

/// Errands registered and contacts logged in one UTC hour on one channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeCell {
    /// Hours since the epoch, UTC.
    pub hour: i64,
    pub channel: String,
    pub errands: u64,
    pub contacts: u64,
}

/// Errands of one service resolved in the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolutions {
    pub service: String,
    pub resolved: u64,
    /// Of them, those whose SLA breached (an `sla_alert` breach on the timeline).
    pub breached: u64,
    /// Of them, those resolved with at most one answer to the citizen.
    pub first_reply: u64,
    /// Seconds from registration to resolution, summed.
    pub handle_seconds: i64,
}

/// One errand as the export writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRow {
    pub id: i64,
    pub registry_number: String,
    pub service: String,
    pub unit: String,
    pub channel: String,
    pub priority: String,
    pub lifecycle: String,
    pub confidential: bool,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub assigned: bool,
    pub title: String,
    /// The parties' names and e-mail addresses (`name <address>`), `; `-joined.
    pub parties: String,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    /// The active errands now, by unit, state, age band and whether assigned
    /// (the period does not apply; unit, service and channel do).
    async fn backlog(&self, filter: &ReportFilter, now: DateTime<Utc>) -> Result<Vec<BacklogCell>>;
    /// Errands registered and contacts logged in the period, per UTC hour and channel.
    async fn volume(&self, filter: &ReportFilter) -> Result<Vec<VolumeCell>>;
    /// Contacts logged in the period, by outcome.
    async fn contact_outcomes(&self, filter: &ReportFilter) -> Result<Vec<(String, u64)>>;
    /// Errands resolved in the period, per service.
    async fn resolutions(&self, filter: &ReportFilter) -> Result<Vec<Resolutions>>;
    /// How many errands registered in the period the export holds.
    async fn count_export(&self, filter: &ReportFilter) -> Result<u64>;
    /// The next `limit` errands registered in the period, in the order they
    /// came in, after the errand registered at `after` (its time and row id).
    async fn export_page(
        &self,
        filter: &ReportFilter,
        after: Option<(DateTime<Utc>, i64)>,
        limit: u32,
    ) -> Result<Vec<ExportRow>>;
}

/// Expands to `impl ReportStore` for a backend.
macro_rules! impl_reports {
    ($store:ty, $db:ty, $row:ty) => {
        const _: () = {
            use chrono::{DateTime, Utc};
            use porten_domain::report::{AGE_BANDS, ReportFilter};
            use sqlx::{QueryBuilder, Row};

            use $crate::reports::{BacklogCell, ExportRow, Resolutions, VolumeCell};
            use $crate::{Result, from_micros, micros};

            /// ` AND …` for the filter's unit, service and channel on `errands e`.
            fn narrow(qb: &mut QueryBuilder<$db>, f: &ReportFilter, unit_column: &str) {
                if let Some(unit) = &f.unit {
                    qb.push(format!(" AND {unit_column} = ")).push_bind(unit.as_str().to_owned());
                }
                if let Some(service) = &f.service {
                    qb.push(" AND e.service_code = ").push_bind(service.clone());
                }
                if let Some(channel) = f.channel {
                    qb.push(" AND e.channel = ").push_bind(channel.as_str().to_owned());
                }
            }

            fn period(qb: &mut QueryBuilder<$db>, f: &ReportFilter, column: &str) {
                qb.push(format!(" {column} >= ")).push_bind(micros(f.from));
                qb.push(format!(" AND {column} < ")).push_bind(micros(f.to));
            }

            fn count(r: &$row, column: &str) -> Result<u64> {
                Ok(r.try_get::<Option<i64>, _>(column)?.unwrap_or(0).max(0) as u64)
            }

            #[async_trait::async_trait]
            impl $crate::ReportStore for $store {
                async fn backlog(&self, f: &ReportFilter, now: DateTime<Utc>) -> Result<Vec<BacklogCell>> {
                    let mut qb = QueryBuilder::<$db>::new("SELECT e.unit_code, e.lifecycle, CAST(CASE");
                    for (band, hours) in AGE_BANDS.iter().enumerate() {
                        let since = micros(now - chrono::Duration::hours(*hours));
                        qb.push(" WHEN e.created_at > ").push_bind(since).push(format!(" THEN {band}"));
                    }
                    qb.push(format!(" ELSE {} END AS BIGINT) AS band, ", AGE_BANDS.len()));
                    qb.push("CAST(CASE WHEN e.assignee_id IS NULL THEN 1 ELSE 0 END AS BIGINT) AS unassigned, count(*) AS n ");
                    qb.push("FROM errands e WHERE e.lifecycle IN ('new', 'open', 'in_progress', 'waiting_for_citizen')");
                    narrow(&mut qb, f, "e.unit_code");
                    qb.push(" GROUP BY e.unit_code, e.lifecycle, band, unassigned");
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(BacklogCell {
                                unit: r.try_get("unit_code")?,
                                lifecycle: r.try_get("lifecycle")?,
                                band: r.try_get::<i64, _>("band")?.clamp(0, AGE_BANDS.len() as i64) as usize,
                                unassigned: r.try_get::<i64, _>("unassigned")? == 1,
                                count: count(r, "n")?,
                            })
                        })
                        .collect()
                }

                async fn volume(&self, f: &ReportFilter) -> Result<Vec<VolumeCell>> {
                    let mut cells: std::collections::BTreeMap<(i64, String), (u64, u64)> = Default::default();
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT e.created_at / 3600000000 AS hour, e.channel, count(*) AS n FROM errands e WHERE",
                    );
                    period(&mut qb, f, "e.created_at");
                    narrow(&mut qb, f, "e.unit_code");
                    qb.push(" GROUP BY hour, e.channel");
                    for r in qb.build().fetch_all(self.reader()).await? {
                        cells.entry((r.try_get("hour")?, r.try_get("channel")?)).or_default().0 += count(&r, "n")?;
                    }
                    // Contacts: the channel of the contact, the unit of its service.
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT e.started_at / 3600000000 AS hour, e.channel, count(*) AS n \
                         FROM contact_log e LEFT JOIN services s ON s.code = e.service_code WHERE",
                    );
                    period(&mut qb, f, "e.started_at");
                    narrow(&mut qb, f, "s.unit_code");
                    qb.push(" GROUP BY hour, e.channel");
                    for r in qb.build().fetch_all(self.reader()).await? {
                        cells.entry((r.try_get("hour")?, r.try_get("channel")?)).or_default().1 += count(&r, "n")?;
                    }
                    Ok(cells
                        .into_iter()
                        .map(|((hour, channel), (errands, contacts))| VolumeCell { hour, channel, errands, contacts })
                        .collect())
                }

                async fn contact_outcomes(&self, f: &ReportFilter) -> Result<Vec<(String, u64)>> {
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT e.outcome, count(*) AS n FROM contact_log e \
                         LEFT JOIN services s ON s.code = e.service_code WHERE",
                    );
                    period(&mut qb, f, "e.started_at");
                    narrow(&mut qb, f, "s.unit_code");
                    qb.push(" GROUP BY e.outcome ORDER BY e.outcome");
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    rows.iter().map(|r| Ok((r.try_get("outcome")?, count(r, "n")?))).collect()
                }

                async fn resolutions(&self, f: &ReportFilter) -> Result<Vec<Resolutions>> {
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT e.service_code, count(*) AS n, \
                         CAST(sum(CASE WHEN EXISTS (SELECT 1 FROM timeline t WHERE t.errand_id = e.id \
                           AND t.kind = 'sla_alert' AND t.data LIKE '%\"breached\"%') THEN 1 ELSE 0 END) AS BIGINT) AS breached, \
                         CAST(sum(CASE WHEN (SELECT count(*) FROM timeline t WHERE t.errand_id = e.id \
                           AND t.kind = 'message' AND t.data LIKE '%\"direction\":\"out\"%') <= 1 THEN 1 ELSE 0 END) \
                           AS BIGINT) AS first_reply, \
                         CAST(sum(e.resolved_at - e.created_at) AS BIGINT) AS handle \
                         FROM errands e WHERE",
                    );
                    period(&mut qb, f, "e.resolved_at");
                    narrow(&mut qb, f, "e.unit_code");
                    qb.push(" GROUP BY e.service_code ORDER BY e.service_code");
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(Resolutions {
                                service: r.try_get("service_code")?,
                                resolved: count(r, "n")?,
                                breached: count(r, "breached")?,
                                first_reply: count(r, "first_reply")?,
                                handle_seconds: r.try_get::<Option<i64>, _>("handle")?.unwrap_or(0) / 1_000_000,
                            })
                        })
                        .collect()
                }

                async fn count_export(&self, f: &ReportFilter) -> Result<u64> {
                    let mut qb = QueryBuilder::<$db>::new("SELECT count(*) AS n FROM errands e WHERE");
                    period(&mut qb, f, "e.created_at");
                    narrow(&mut qb, f, "e.unit_code");
                    let row = qb.build().fetch_one(self.reader()).await?;
                    count(&row, "n")
                }

                async fn export_page(
                    &self,
                    f: &ReportFilter,
                    after: Option<(DateTime<Utc>, i64)>,
                    limit: u32,
                ) -> Result<Vec<ExportRow>> {
                    // Keyset pages on (created_at, id): the index by
                    // registration serves each page, whatever the period.
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT e.id, e.registry_unit, e.registry_year, e.registry_serial, e.service_code, \
                         e.unit_code, e.channel, e.priority, e.lifecycle, e.confidential, e.created_at, \
                         e.resolved_at, e.assignee_id, e.title FROM errands e WHERE",
                    );
                    // After a cursor, it is the only lower bound: with the
                    // period's start beside it SQLite takes that one and
                    // walks the period from its start for every page.
                    match after {
                        Some((at, id)) => {
                            qb.push(" (e.created_at, e.id) > (").push_bind(micros(at)).push(", ").push_bind(id).push(")");
                            qb.push(" AND e.created_at < ").push_bind(micros(f.to));
                        }
                        None => period(&mut qb, f, "e.created_at"),
                    }
                    narrow(&mut qb, f, "e.unit_code");
                    qb.push(" ORDER BY e.created_at, e.id LIMIT ").push_bind(i64::from(limit));
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        let number = $crate::codec::registry_number(
                            r.try_get("registry_unit")?,
                            r.try_get("registry_year")?,
                            r.try_get("registry_serial")?,
                        )?;
                        out.push(ExportRow {
                            id: r.try_get("id")?,
                            registry_number: number.to_string(),
                            service: r.try_get("service_code")?,
                            unit: r.try_get("unit_code")?,
                            channel: r.try_get("channel")?,
                            priority: r.try_get("priority")?,
                            lifecycle: r.try_get("lifecycle")?,
                            confidential: r.try_get("confidential")?,
                            created_at: from_micros(r.try_get("created_at")?)?,
                            resolved_at: r.try_get::<Option<i64>, _>("resolved_at")?.map(from_micros).transpose()?,
                            assigned: r.try_get::<Option<i64>, _>("assignee_id")?.is_some(),
                            title: r.try_get("title")?,
                            parties: String::new(),
                        });
                    }
                    if !out.is_empty() {
                        let at: std::collections::HashMap<i64, usize> =
                            out.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
                        let mut qb = QueryBuilder::<$db>::new(
                            "SELECT errand_id, name, contacts FROM errand_parties WHERE errand_id IN (",
                        );
                        let mut ids = qb.separated(", ");
                        for r in &out {
                            ids.push_bind(r.id);
                        }
                        qb.push(") ORDER BY errand_id, position");
                        for p in qb.build().fetch_all(self.reader()).await? {
                            let Some(row) = at.get(&p.try_get::<i64, _>("errand_id")?).map(|i| &mut out[*i]) else {
                                continue;
                            };
                            let name: String = p.try_get("name")?;
                            let contacts: Vec<porten_domain::ContactChannel> =
                                serde_json::from_str(&p.try_get::<String, _>("contacts")?).unwrap_or_default();
                            let email = contacts.iter().find_map(|c| match c {
                                porten_domain::ContactChannel::Email(e) => Some(e.as_str()),
                                _ => None,
                            });
                            if !row.parties.is_empty() {
                                row.parties.push_str("; ");
                            }
                            row.parties.push_str(&name);
                            if let Some(email) = email {
                                row.parties.push_str(&format!(" <{email}>"));
                            }
                        }
                    }
                    Ok(out)
                }
            }
        };
    };
}

pub(crate) use impl_reports;
