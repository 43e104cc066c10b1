//! The errands SQL both backends share, as the `impl_errands!` macro over
//! sqlx; `insert_errand` is also the e-service submission's.

/// Expands to `impl ErrandStore` for a backend; `$dialect` is [`sqlite`] or [`postgres`].
macro_rules! impl_errands {
    ($store:ty, $db:ty, $row:ty, $dialect:ident) => {
        /// The errands SQL of this backend; `insert_errand` is shared with
        /// the e-service submission.
        pub(crate) mod errand_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use porten_domain::{Actor, Command, Errand, EventKind, Lifecycle, PublicId, TimelineEvent};
            use sqlx::{QueryBuilder, Row};

            use $crate::codec::*;
            use $crate::errands::$dialect::{LOCK_ROW, UNIT_BESIDE_SKILL};
            use $crate::errands::OwnedRegistration;
            use $crate::errands::registration::*;
            use $crate::{Authorize, ClockUpdate, Cursor, ErrandFilter, ErrandSummary, Page, Registration, Result, StoreError};
            use porten_domain::errand_list::{COUNT_CAP, Sort};
            use $crate::assignment::ACTIVE_SQL;
            use $crate::{from_micros, micros};

            pub(crate) fn errand_row(row: &$row) -> Result<Errand> {
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
                    location: location(
                        row.try_get("location_address")?,
                        row.try_get("location_lat")?,
                        row.try_get("location_long")?,
                        row.try_get("location_ref")?,
                    ),
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
                        due_at: row.try_get::<Option<i64>, _>("due_at")?.map(from_micros).transpose()?,
                    },
                ))
            }


            fn timeline_row(r: &$row) -> Result<TimelineEvent> {
                Ok(TimelineEvent {
                    id: r.try_get("id")?,
                    at: from_micros(r.try_get("at")?)?,
                    actor_kind: r.try_get("actor_kind")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    kind: event(r.try_get("kind")?, r.try_get("data")?)?,
                })
            }

            pub(crate) async fn load_parties<'e, E>(executor: E, errand_id: i64) -> Result<Vec<porten_domain::Party>>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let sql = format!("{PARTIES} WHERE ep.errand_id = $1 ORDER BY ep.position");
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(errand_id).fetch_all(executor).await?;
                rows.iter().map(party_row).collect()
            }

            /// An errand's parties, with the errand's id for batch reads.
            const PARTIES: &str = "SELECT ep.errand_id, ep.role, ep.name, p.personal_number, ep.organisation_number, \
                ep.contacts FROM errand_parties ep LEFT JOIN parties p ON p.id = ep.party_id";

            fn party_row(r: &$row) -> Result<porten_domain::Party> {
                party(
                    r.try_get("role")?,
                    r.try_get("name")?,
                    r.try_get("personal_number")?,
                    r.try_get("organisation_number")?,
                    r.try_get("contacts")?,
                )
            }

            /// `, `-separated binds of the ids, inside an `IN (` the caller opened.
            fn push_ids(qb: &mut QueryBuilder<$db>, ids: &[i64]) {
                let mut list = qb.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
            }

            async fn append_events(
                c: &mut <$db as sqlx::Database>::Connection,
                errand_id: i64,
                actor: &Actor,
                at: DateTime<Utc>,
                events: &[EventKind],
            ) -> Result<()> {
                for event in events {
                    sqlx::query(INSERT_EVENT)
                    .bind(errand_id)
                    .bind(micros(at))
                    .bind(actor.kind())
                    .bind(actor.id())
                    .bind(actor.name())
                    .bind(event.type_name())
                    .bind(json(event))
                    .execute(&mut *c)
                    .await?;
                }
                Ok(())
            }

            /// Appends a write's timeline events and its change to the errand
            /// feed, in the write's savepoint: on PostgreSQL the first event
            /// and the change in one statement.
            /// Applies one command to a row locked here, checking access and
            /// the expected version on the locked row, and writes the next
            /// state with its events and its change in the caller's transaction.
            pub(crate) async fn apply_locked(
                c: &mut <$db as sqlx::Database>::Connection,
                id: PublicId,
                expected_version: Option<i64>,
                actor: &Actor,
                command: Command,
                now: DateTime<Utc>,
                authorize: &Authorize,
            ) -> Result<Errand> {
                let sql = format!("SELECT {ERRAND_COLUMNS} FROM errands WHERE public_id = $1{LOCK_ROW}");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id.to_string())
                    .fetch_optional(&mut *c)
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
                            .fetch_optional(&mut *c)
                            .await?;
                        if exists.is_none() {
                            return Err(StoreError::UnknownReference("unit"));
                        }
                    }
                    Command::Assign { assignee: Some(user) } => {
                        let exists: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM users WHERE id = $1")
                            .bind(*user)
                            .fetch_optional(&mut *c)
                            .await?;
                        if exists.is_none() {
                            return Err(StoreError::UnknownReference("user"));
                        }
                    }
                    _ => {}
                }
                errand.parties = load_parties(&mut *c, errand.id).await?;
                let transition = errand.apply(actor, command, now)?;
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
                .execute(&mut *c)
                .await?;
                append_write(c, next.id, actor, now, &transition.events, next.version).await?;
                for event in &transition.events {
                    if let EventKind::DocumentAttached { document } = event {
                        sqlx::query(
                            "INSERT INTO errand_documents (errand_id, sha256, name, created_at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (errand_id, sha256) DO NOTHING",
                        )
                        .bind(next.id)
                        .bind(&document.sha256)
                        .bind(&document.name)
                        .bind(micros(now))
                        .execute(&mut *c)
                        .await?;
                    }
                }
                Ok(next)
            }

            /// An errand row, if there is one, with its parties.
            async fn with_parties<'e, E>(executor: E, row: Option<$row>) -> Result<Option<Errand>>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let Some(row) = row else { return Ok(None) };
                let mut errand = errand_row(&row)?;
                errand.parties = load_parties(executor, errand.id).await?;
                Ok(Some(errand))
            }

            async fn append_write(
                c: &mut <$db as sqlx::Database>::Connection,
                errand_id: i64,
                actor: &Actor,
                at: DateTime<Utc>,
                events: &[EventKind],
                version: i64,
            ) -> Result<()> {
                let kind = events.first().map_or("changed", EventKind::type_name);
                let rest = match ($crate::feed::$dialect::EVENT_WITH_CHANGE, events.split_first()) {
                    (Some(sql), Some((first, rest))) => {
                        sqlx::query(sql)
                            .bind(errand_id)
                            .bind(micros(at))
                            .bind(actor.kind())
                            .bind(actor.id())
                            .bind(actor.name())
                            .bind(kind)
                            .bind(json(first))
                            .bind(version)
                            .execute(&mut *c)
                            .await?;
                        rest
                    }
                    _ => {
                        sqlx::query($crate::feed::INSERT_CHANGE)
                            .bind(errand_id)
                            .bind(version)
                            .bind(kind)
                            .bind(micros(at))
                            .execute(&mut *c)
                            .await?;
                        events
                    }
                };
                append_events(c, errand_id, actor, at, rest).await
            }

            /// The sort's ORDER BY, after the cursor's row, and the limit
            /// (one more row than the page, to know whether another follows).
            fn push_order(qb: &mut QueryBuilder<$db>, sort: Sort, after: Option<Cursor>, limit: u32) {
                // `due_key` is the due time, or the largest BIGINT for an
                // errand without a running clock (as its cursor has it).
                let (keys, order, cmp) = match sort {
                    Sort::Newest => ("created_at, id", "created_at DESC, id DESC", "<"),
                    Sort::Oldest => ("created_at, id", "created_at, id", ">"),
                    Sort::LastActivity => ("updated_at, id", "updated_at DESC, id DESC", "<"),
                    Sort::Priority => ("urgency, created_at, id", "urgency, created_at, id", ">"),
                    Sort::Due => ("due_key, id", "due_key, id", ">"),
                };
                if let Some(c) = after {
                    qb.push(format!(" AND ({keys}) {cmp} (")).push_bind(c.key);
                    if sort == Sort::Priority {
                        qb.push(", ").push_bind(c.created_at_micros);
                    }
                    qb.push(", ").push_bind(c.id).push(")");
                }
                qb.push(format!(" ORDER BY {order} LIMIT ")).push_bind(i64::from(limit) + 1);
            }

            fn push_filters(qb: &mut QueryBuilder<$db>, f: &ErrandFilter) {
                if let Some(unit) = &f.unit {
                    let unit_filter = if f.skill.is_some() { UNIT_BESIDE_SKILL } else { " AND unit_code = " };
                    qb.push(unit_filter).push_bind(unit.as_str().to_owned());
                }
                // The state as a literal (one of the enum's own words), so
                // that the waiting queue's partial index serves it.
                if let Some(state) = f.lifecycle {
                    qb.push(format!(" AND lifecycle = '{}'", state.as_str()));
                }
                // The active states, written as the partial indexes of the
                // queues have them, so that they serve every active list.
                let active_state = f.lifecycle.is_some_and(Lifecycle::is_active);
                match f.active {
                    Some(true) => {
                        qb.push(format!(" AND lifecycle IN {ACTIVE_SQL}"));
                    }
                    None if active_state => {
                        qb.push(format!(" AND lifecycle IN {ACTIVE_SQL}"));
                    }
                    Some(false) => {
                        qb.push(" AND lifecycle IN ('resolved', 'closed')");
                    }
                    None => {}
                }
                if let Some(code) = &f.service_code {
                    qb.push(" AND service_code = ").push_bind(code.clone());
                }
                if let Some(skill) = &f.skill {
                    qb.push(" AND service_code IN (SELECT code FROM services WHERE skill_code = ")
                        .push_bind(skill.clone())
                        .push(")");
                }
                if let Some(c) = f.channel {
                    qb.push(" AND channel = ").push_bind(c.as_str());
                }
                if let Some(a) = f.assignee {
                    qb.push(" AND assignee_id = ").push_bind(a);
                }
                if f.unassigned {
                    qb.push(" AND assignee_id IS NULL");
                }
                if let Some(t) = f.created_from {
                    qb.push(" AND created_at >= ").push_bind(micros(t));
                }
                if let Some(t) = f.created_to {
                    qb.push(" AND created_at < ").push_bind(micros(t));
                }
                if let Some(t) = f.warning_by {
                    qb.push(" AND warn_at <= ").push_bind(micros(t));
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


            /// Registers an errand on the writer's connection: the body of
            /// [`ErrandStore::register_errand`], for writes that register an
            /// errand together with more (an e-service submission).
            pub(crate) async fn insert_errand(
                c: &mut <$db as sqlx::Database>::Connection,
                reg: OwnedRegistration,
            ) -> Result<Errand> {
                let new = &reg.errand;
                let unit = reg.unit.as_str();
                let year = i64::from(porten_domain::time::stockholm_year(reg.at));
                let serial: Option<i64> = sqlx::query_scalar(TAKE_SERIAL)
                    .bind(unit)
                    .bind(year)
                    .bind(&new.service_code)
                    .fetch_optional(&mut *c)
                    .await?;
                let Some(serial) = serial else {
                    let services: i64 =
                        sqlx::query_scalar(COUNT_SERVICE).bind(&new.service_code).fetch_one(&mut *c).await?;
                    return Err(unknown_reference(services));
                };
                let registry_number = registry_number(unit, year, serial)?;
                let (id, confidential): (i64, bool) = sqlx::query_as(INSERT_ERRAND)
                    .bind(reg.public_id.to_string())
                    .bind(unit)
                    .bind(year)
                    .bind(serial)
                    .bind(&new.service_code)
                    .bind(&new.title)
                    .bind(&new.description)
                    .bind(new.channel.as_str())
                    .bind(new.priority.as_str())
                    .bind(Lifecycle::New.as_str())
                    .bind(unit)
                    .bind(new.confidential)
                    .bind(json(&new.labels))
                    .bind(json(&new.form))
                    .bind(micros(reg.at))
                    .bind(new.location.as_ref().and_then(|l| l.address.clone()))
                    .bind(new.location.as_ref().and_then(|l| l.point).map(|p| p.lat))
                    .bind(new.location.as_ref().and_then(|l| l.point).map(|p| p.long))
                    .bind(new.location.as_ref().and_then(|l| l.place_ref.clone()))
                    .fetch_one(&mut *c)
                    .await
                    .map_err(|e| duplicate(e, "errand"))?;
                for (position, p) in new.parties.iter().enumerate() {
                    let party_id: Option<i64> = match &p.personal_number {
                        Some(number) => {
                            Some(sqlx::query_scalar(UPSERT_PARTY).bind(number.expose()).fetch_one(&mut *c).await?)
                        }
                        None => None,
                    };
                    sqlx::query(INSERT_ERRAND_PARTY)
                        .bind(id)
                        .bind(position as i64)
                        .bind(party_id)
                        .bind(p.role.as_str())
                        .bind(&p.name)
                        .bind(p.organisation_number.as_ref().map(|n| n.as_str().to_owned()))
                        .bind(json(&p.contacts))
                        .execute(&mut *c)
                        .await?;
                }
                let registered =
                    EventKind::Registered { registry_number: registry_number.to_string(), channel: new.channel };
                append_write(c, id, &reg.actor, reg.at, &[registered], 1).await?;
                Ok(reg.into_errand(id, registry_number, confidential))
            }

            #[async_trait::async_trait]
            impl $crate::ErrandStore for $store {
                async fn register_errand(&self, reg: Registration<'_>) -> Result<Errand> {
                    let owned = OwnedRegistration::from(&reg);
                    if self.writer().takes_direct() {
                        self.writer().write_direct(move |c| $crate::errands::register_direct(c, owned)).await
                    } else {
                        self.writer().write(move |c| Box::pin(insert_errand(c, owned))).await
                    }
                }

    async fn get_errand(&self, id: PublicId) -> Result<Option<Errand>> {
                    let sql = format!("SELECT {ERRAND_COLUMNS} FROM errands WHERE public_id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(id.to_string())
                        .fetch_optional(self.reader())
                        .await?;
                    with_parties(self.reader(), row).await
                }

                async fn errands_of_person(&self, personal_number: &str, limit: u32) -> Result<Vec<(i64, ErrandSummary)>> {
                    let sql = format!(
                        "SELECT {SUMMARY_COLUMNS} FROM errands WHERE id IN (SELECT ep.errand_id FROM errand_parties ep \
                         JOIN parties p ON p.id = ep.party_id WHERE p.personal_number = $1) \
                         ORDER BY created_at DESC, id DESC LIMIT $2"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(personal_number)
                        .bind(i64::from(limit.max(1)))
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter().map(summary_row).collect()
                }

                async fn errand_by_number(&self, number: &porten_domain::RegistryNumber) -> Result<Option<Errand>> {
                    let sql = format!(
                        "SELECT {ERRAND_COLUMNS} FROM errands \
                         WHERE registry_unit = $1 AND registry_year = $2 AND registry_serial = $3"
                    );
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(number.unit.as_str())
                        .bind(number.year)
                        .bind(i64::from(number.serial))
                        .fetch_optional(self.reader())
                        .await?;
                    with_parties(self.reader(), row).await
                }

                async fn list_errands(
                    &self,
                    filter: &ErrandFilter,
                    sort: Sort,
                    after: Option<Cursor>,
                    limit: u32,
                ) -> Result<Page<ErrandSummary>> {
                    let limit = limit.clamp(1, $crate::MAX_PAGE_SIZE);
                    // Counted up to one past the cap, so that a count never reads more.
                    let mut count = QueryBuilder::<$db>::new("SELECT COUNT(*) FROM (SELECT 1 FROM errands WHERE 1 = 1");
                    push_filters(&mut count, filter);
                    count.push(" LIMIT ").push_bind(COUNT_CAP as i64 + 1).push(") AS capped");
                    let counted: i64 = count.build_query_scalar().fetch_one(self.reader()).await?;
                    let counted = u64::try_from(counted).unwrap_or(0);

                    let mut qb =
                        QueryBuilder::<$db>::new(format!("SELECT {SUMMARY_COLUMNS}, CAST(urgency AS BIGINT) AS urgency FROM errands WHERE 1 = 1"));
                    push_filters(&mut qb, filter);
                    push_order(&mut qb, sort, after, limit);
                    let rows = qb.build().fetch_all(self.reader()).await?;
                    let mut items = rows.iter().map(summary_row).collect::<Result<Vec<_>>>()?;
                    let next = if items.len() > limit as usize {
                        items.truncate(limit as usize);
                        let last: Option<i64> =
                            rows.get(limit as usize - 1).map(|r| r.try_get("urgency")).transpose()?;
                        items.last().map(|(id, s)| {
                            let created_at_micros = micros(s.created_at);
                            let key = match sort {
                                Sort::Newest | Sort::Oldest => created_at_micros,
                                Sort::LastActivity => micros(s.updated_at),
                                Sort::Due => s.due_at.map_or(i64::MAX, micros),
                                Sort::Priority => last.unwrap_or_default(),
                            };
                            Cursor { sort, key, created_at_micros, id: *id }
                        })
                    } else {
                        None
                    };
                    Ok(Page {
                        items: items.into_iter().map(|(_, s)| s).collect(),
                        total: counted.min(COUNT_CAP),
                        total_exact: counted <= COUNT_CAP,
                        next,
                    })
                }

                async fn count_errands(&self, filters: &[ErrandFilter]) -> Result<Vec<(u64, bool)>> {
                    if filters.is_empty() {
                        return Ok(Vec::new());
                    }
                    // One scalar subquery per filter, each served by its own
                    // index and stopped one past the cap: one round trip.
                    let mut qb = QueryBuilder::<$db>::new("SELECT ");
                    for (i, filter) in filters.iter().enumerate() {
                        if i > 0 {
                            qb.push(", ");
                        }
                        qb.push("(SELECT COUNT(*) FROM (SELECT 1 FROM errands WHERE 1 = 1");
                        push_filters(&mut qb, filter);
                        qb.push(" LIMIT ").push_bind(COUNT_CAP as i64 + 1).push(format!(") AS capped{i})"));
                    }
                    let row = qb.build().fetch_one(self.reader()).await?;
                    (0..filters.len())
                        .map(|i| {
                            let counted = u64::try_from(row.try_get::<i64, _>(i)?).unwrap_or(0);
                            Ok((counted.min(COUNT_CAP), counted <= COUNT_CAP))
                        })
                        .collect()
                }

                async fn set_clocks(&self, clocks: &[ClockUpdate]) -> Result<()> {
                    let clocks = clocks.to_vec();
                    if clocks.is_empty() {
                        return Ok(());
                    }
                    self.writer().write(move |c| Box::pin(async move {
                        for u in &clocks {
                            sqlx::query("UPDATE errands SET due_at = $1, warn_at = $2 WHERE id = $3")
                                .bind(u.due_at.map(micros))
                                .bind(u.warn_at.map(micros))
                                .bind(u.errand_id)
                                .execute(&mut *c)
                                .await?;
                        }
                        Ok(())
                    })).await
                }

                async fn citizen_errands(&self, user_id: i64) -> Result<Vec<ErrandSummary>> {
                    let sql = format!(
                        "SELECT {SUMMARY_COLUMNS} FROM errands \
                         WHERE id IN (SELECT errand_id FROM eservice_submissions WHERE owner_id = $1) \
                            OR (NOT confidential AND id IN (SELECT ep.errand_id FROM errand_parties ep \
                                JOIN users u ON u.party_id = ep.party_id \
                                WHERE u.id = $1 AND ep.role = 'applicant')) \
                         ORDER BY created_at DESC, id DESC LIMIT $2"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(user_id)
                        .bind(i64::from($crate::MAX_PAGE_SIZE))
                        .fetch_all(self.reader())
                        .await?;
                    rows.iter().map(|r| summary_row(r).map(|(_, s)| s)).collect()
                }

                async fn timeline(&self, errand_id: i64) -> Result<Vec<TimelineEvent>> {
                    let rows = sqlx::query(
                        "SELECT id, at, actor_kind, actor_id, actor_name, kind, data FROM timeline \
                         WHERE errand_id = $1 ORDER BY id",
                    )
                    .bind(errand_id)
                    .fetch_all(self.reader())
                    .await?;
                    rows.iter().map(timeline_row).collect()
                }

                async fn errand_ids(&self, after: i64, limit: u32) -> Result<Vec<i64>> {
                    Ok(sqlx::query_scalar("SELECT id FROM errands WHERE id > $1 ORDER BY id LIMIT $2")
                        .bind(after)
                        .bind(i64::from(limit.max(1)))
                        .fetch_all(self.reader())
                        .await?)
                }

                async fn errands_by_ids(&self, ids: &[i64]) -> Result<Vec<Errand>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {ERRAND_COLUMNS} FROM errands WHERE id IN ("));
                    push_ids(&mut qb, ids);
                    qb.push(") ORDER BY id");
                    let mut errands = qb.build().fetch_all(self.reader()).await?.iter().map(errand_row).collect::<Result<Vec<_>>>()?;
                    let mut qb = QueryBuilder::<$db>::new(format!("{PARTIES} WHERE ep.errand_id IN ("));
                    push_ids(&mut qb, ids);
                    qb.push(") ORDER BY ep.errand_id, ep.position");
                    let mut parties: std::collections::HashMap<i64, Vec<porten_domain::Party>> = Default::default();
                    for r in qb.build().fetch_all(self.reader()).await? {
                        parties.entry(r.try_get("errand_id")?).or_default().push(party_row(&r)?);
                    }
                    for e in &mut errands {
                        e.parties = parties.remove(&e.id).unwrap_or_default();
                    }
                    Ok(errands)
                }

                async fn timelines_of(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<TimelineEvent>>> {
                    let mut timelines: std::collections::HashMap<i64, Vec<TimelineEvent>> = Default::default();
                    if ids.is_empty() {
                        return Ok(timelines);
                    }
                    let mut qb = QueryBuilder::<$db>::new(
                        "SELECT errand_id, id, at, actor_kind, actor_id, actor_name, kind, data FROM timeline WHERE errand_id IN (",
                    );
                    push_ids(&mut qb, ids);
                    qb.push(") ORDER BY errand_id, id");
                    for r in qb.build().fetch_all(self.reader()).await? {
                        timelines.entry(r.try_get("errand_id")?).or_default().push(timeline_row(&r)?);
                    }
                    Ok(timelines)
                }


                async fn apply_command(
                    &self,
                    id: PublicId,
                    expected_version: Option<i64>,
                    actor: &Actor,
                    command: Command,
                    now: DateTime<Utc>,
                    authorize: Authorize,
                ) -> Result<Errand> {
                    let actor = actor.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                apply_locked(c, id, expected_version, &actor, command, now, &authorize).await
                            })
                        })
                        .await
                }

                async fn apply_commands(
                    &self,
                    commands: Vec<(PublicId, Command)>,
                    actor: &Actor,
                    now: DateTime<Utc>,
                    authorize: Authorize,
                ) -> Result<Vec<Errand>> {
                    let actor = actor.clone();
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                // Locked in id order, so two such writes cannot deadlock.
                                let mut ordered: Vec<(usize, PublicId, Command)> =
                                    commands.into_iter().enumerate().map(|(i, (id, cmd))| (i, id, cmd)).collect();
                                ordered.sort_by_key(|(_, id, _)| id.to_string());
                                let mut done = Vec::with_capacity(ordered.len());
                                for (i, id, command) in ordered {
                                    done.push((i, apply_locked(c, id, None, &actor, command, now, &authorize).await?));
                                }
                                done.sort_by_key(|(i, _)| *i);
                                Ok(done.into_iter().map(|(_, e)| e).collect())
                            })
                        })
                        .await
                }
            }
        }
    };
}

pub(crate) use impl_errands;
