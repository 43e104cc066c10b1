//! Open311 GeoReport v2 (issue 21): the services that take reports, their
//! definitions built from the e-service fields, requests posted by an
//! external actor's API key, and the public list of requests.
//!
//! A request posted here is an ordinary errand: a registry number, queues
//! and SLAs, on the channel `open311`. The public list shows only errands
//! of services marked as public reports, never a confidential one, and
//! neither names, e-mail addresses nor personnummer: only a request posted
//! over Open311 shows its description, masked, and of the answers only
//! choices, numbers and points.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use porten_domain::eservice::{Definition, FieldKind};
use porten_domain::open311::{self, DEFAULT_DAYS, MAX_REQUESTS, RawRequest};
use porten_domain::{Actor, Errand, Lifecycle, Location, PublicId, RawErrand, RawParty, Service, Violations};
use porten_store::PublicQuery;

use crate::{App, AppError, Result};

/// A service that takes Open311 requests, with its e-service if it has one.
#[derive(Clone, Debug)]
pub struct Open311Service {
    /// The Open311 `service_code`.
    pub code: String,
    pub service: Service,
    pub definition: Option<Arc<Definition>>,
}

/// A request as the public list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicRequest {
    /// The errand's public id: stable, and neither its row id nor its
    /// registry number.
    pub id: String,
    pub state: Lifecycle,
    /// The citizen's word for the state, in Swedish.
    pub status_notes: String,
    pub service_code: String,
    pub service_name: String,
    /// What the reporter wrote, for a request posted over Open311 only;
    /// masked: no personnummer, e-mail address or phone number.
    pub description: String,
    /// The unit that owns the errand, by its Swedish name.
    pub agency: String,
    pub service_notice: Option<String>,
    pub requested: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub expected: Option<DateTime<Utc>>,
    pub location: Option<Location>,
    /// The answers as `(code, label, value)`, for `extensions=true`.
    pub attributes: Vec<(String, String, String)>,
}

/// A status change of a public report, as mySociety's service request
/// updates show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUpdateView {
    pub update_id: String,
    pub service_request_id: String,
    pub state: Lifecycle,
    /// The citizen's word for the new state, in Swedish (never the reason
    /// typed, which may name people).
    pub description: String,
    pub at: DateTime<Utc>,
}

/// The filters of `GET /requests`, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct RequestsQuery {
    #[serde(default)]
    pub service_request_id: Option<String>,
    #[serde(default)]
    pub service_code: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub page_size: Option<String>,
}

/// The most values a comma list of ids or service codes may hold.
const MAX_LISTED: usize = 100;
/// How far into the list a page may start.
const MAX_OFFSET: u32 = 10_000;

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    let mut v = Violations::new();
    v.push(field, "invalid", message);
    AppError::Invalid(v)
}

/// A given query parameter: trimmed, not blank (an empty optional
/// parameter equals an absent one).
fn given(p: &Option<String>) -> Option<&str> {
    p.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl App {
    /// The services that take Open311 requests, by their Open311 code.
    pub async fn open311_services(&self) -> Result<Vec<Open311Service>> {
        // From this node's cache of the catalogue, which every change drops.
        let mut services: Vec<Open311Service> = self
            .cached_services()
            .await?
            .values()
            .filter_map(|service| {
                let code = service.open311_code.clone()?;
                let definition = self.eservice(&service.code);
                Some(Open311Service { code, service: service.clone(), definition })
            })
            .collect();
        services.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(services)
    }

    /// One service by its Open311 code.
    pub async fn open311_service(&self, code: &str) -> Result<Option<Open311Service>> {
        Ok(self.open311_services().await?.into_iter().find(|s| s.code == code))
    }

    /// Registers a request posted by an external actor (an API key with
    /// `errands:write`). Violations name the spec's parameters. With an
    /// idempotency key (at most 255 visible characters) the actor used
    /// before, the errand registered then is the answer.
    pub async fn open311_submit(
        &self,
        actor: &Actor,
        pairs: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Errand> {
        if !matches!(actor, Actor::ApiKey { .. }) {
            return Err(AppError::Forbidden);
        }
        let key = idempotency_key.map(str::trim);
        if key.is_some_and(|k| k.is_empty() || k.len() > 255 || !k.chars().all(|c| c.is_ascii_graphic())) {
            return Err(invalid("Idempotency-Key", "at most 255 visible ASCII characters"));
        }
        let raw = RawRequest::from_pairs(pairs);
        let (location, description) = raw.check().map_err(|errors| {
            let mut v = Violations::new();
            for e in errors {
                v.push("request", "invalid", e);
            }
            AppError::Invalid(v)
        })?;
        let target = self
            .open311_service(raw.service_code.trim())
            .await?
            .ok_or_else(|| invalid("service_code", "no such service_code"))?;
        let mut answers = open311::answers(&raw.attributes);
        let (title, form) = match &target.definition {
            Some(definition) => {
                fill_from_request(definition, &raw, &location, description.as_deref(), &mut answers);
                answers.retain(|code, _| definition.fields().any(|f| &f.name == code));
                definition.check_answers(&answers, None).map_err(|v| {
                    let mut named = Violations::new();
                    for f in v.0 {
                        named.push(format!("attribute[{}]", f.field), f.code, f.message);
                    }
                    AppError::Invalid(named)
                })?;
                let form = answers
                    .iter()
                    .map(|(code, values)| (code.clone(), definition.answer_text(code, &values.join(", "), false)))
                    .collect();
                (definition.errand_title(&answers), form)
            }
            None => {
                let place = location.address.clone().unwrap_or_else(|| location.text());
                (format!("{} – {place}", target.service.name_sv), Default::default())
            }
        };
        let contact = |p: &Option<String>| given(p).map(str::to_owned);
        let (email, phone, name) = (contact(&raw.email), contact(&raw.phone), raw.reporter_name());
        let parties = if email.is_some() || phone.is_some() || name.is_some() {
            vec![RawParty {
                role: Some("reporter".into()),
                name: name.unwrap_or_else(|| "–".into()),
                email,
                phone,
                ..RawParty::default()
            }]
        } else {
            Vec::new()
        };
        let errand = RawErrand {
            service_code: target.service.code.clone(),
            title: porten_domain::personnummer::mask_personal_numbers(&title).into_owned(),
            description: description.unwrap_or_else(|| "Felanmälan via Open311.".into()),
            channel: "open311".into(),
            priority: None,
            parties,
            confidential: None,
            labels: vec!["open311".into()],
            form,
            location: Some(location.raw()),
        };
        self.register_errand_once(actor, errand, key).await
    }

    /// The public list of requests (`GET /requests`): newest first, at
    /// most a thousand, over at most 90 days (the last 90 by default).
    pub async fn open311_requests(&self, q: &RequestsQuery) -> Result<Vec<PublicRequest>> {
        let services = self.open311_services().await?;
        let list = |p: &Option<String>, name: &str| {
            let mut items: Vec<String> =
                given(p).map(|l| l.split(',').map(|i| i.trim().to_owned()).collect()).unwrap_or_default();
            items.sort();
            items.dedup();
            if items.len() > MAX_LISTED {
                return Err(invalid(name, format!("at most {MAX_LISTED} values")));
            }
            Ok(items)
        };
        let ids: Vec<PublicId> = list(&q.service_request_id, "service_request_id")?
            .iter()
            .filter_map(|id| PublicId::parse(id).ok())
            .collect();
        if given(&q.service_request_id).is_some() && ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut codes = Vec::new();
        for code in list(&q.service_code, "service_code")? {
            match services.iter().find(|s| s.code == code.as_str()) {
                Some(s) => codes.push(s.service.code.clone()),
                None => return Err(invalid("service_code", format!("no such service_code: {code}"))),
            }
        }
        let date = |p: &Option<String>, name: &str| {
            given(p)
                .map(|raw| open311::parse_datetime(raw).ok_or_else(|| invalid(name, "a date in ISO 8601")))
                .transpose()
        };
        let (start, end) = (date(&q.start_date, "start_date")?, date(&q.end_date, "end_date")?);
        let span = Duration::days(DEFAULT_DAYS);
        // Up to now, inclusive: a request registered this second is listed.
        let now = self.now() + Duration::seconds(1);
        let (from, to) = match (start, end) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, (s + span).min(now)),
            (None, Some(e)) => (e - span, e),
            (None, None) => (now - span, now),
        };
        if ids.is_empty() && (to < from || to - from > span) {
            return Err(invalid("end_date", "the span from start_date to end_date is at most 90 days"));
        }
        let open = open311::parse_status_filter(given(&q.status).unwrap_or("")).map_err(|e| invalid("status", e))?;
        let number = |p: &Option<String>, name: &str, default: u32| {
            given(p).map_or(Ok(default), |raw| {
                raw.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| invalid(name, "a whole number from 1"))
            })
        };
        let page_size = number(&q.page_size, "page_size", MAX_REQUESTS as u32)?.min(MAX_REQUESTS as u32);
        let page = number(&q.page, "page", 1)?;
        let offset = (page - 1).saturating_mul(page_size);
        if offset > MAX_OFFSET {
            return Err(invalid(
                "page",
                format!("at most {MAX_OFFSET} requests into the list; narrow the dates instead"),
            ));
        }
        let query = PublicQuery { ids, services: codes, from, to, open, limit: page_size, offset };
        let reports = self.store.public_reports(&query).await?;
        let units = self.store.list_units().await?;
        Ok(reports
            .into_iter()
            .filter_map(|r| {
                let target = services.iter().find(|s| s.service.code == r.errand.service_code)?;
                let agency = units.iter().find(|u| u.code == r.errand.unit).map(|u| u.name_sv.clone());
                Some(public_request(target, r.errand, r.due_at, agency.unwrap_or_default()))
            })
            .collect())
    }

    /// mySociety's service request updates (`GET /servicerequestupdates`):
    /// the status changes of public reports, oldest first, over at most 90
    /// days (the last day by default), at most a thousand.
    pub async fn open311_updates(&self, start: Option<&str>, end: Option<&str>) -> Result<Vec<PublicUpdateView>> {
        let date = |p: Option<&str>, name: &str| {
            p.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|raw| open311::parse_datetime(raw).ok_or_else(|| invalid(name, "a date in ISO 8601")))
                .transpose()
        };
        let now = self.now() + Duration::seconds(1);
        let to = date(end, "end_date")?.unwrap_or(now);
        let from = date(start, "start_date")?.unwrap_or(to - Duration::days(1));
        if to < from || to - from > Duration::days(DEFAULT_DAYS) {
            return Err(invalid("end_date", "the span from start_date to end_date is at most 90 days"));
        }
        let services = self.open311_services().await?;
        let updates = self.store.public_updates(from, to, MAX_REQUESTS as u32).await?;
        Ok(updates
            .into_iter()
            .filter_map(|u| {
                let target = services.iter().find(|s| s.service.code == u.service_code)?;
                Some(PublicUpdateView {
                    update_id: u.id.to_string(),
                    service_request_id: u.errand.to_string(),
                    state: u.to,
                    description: target.service.status_words(u.to, porten_domain::Viewer::Citizen).0.to_owned(),
                    at: u.at,
                })
            })
            .collect())
    }

    /// An update posted by an external actor (FixMyStreet passing on what
    /// a citizen wrote about their report): a message from the citizen on
    /// the errand, which must be a public report that this actor posted
    /// over Open311. Its `update_id` is the errand's public id and the
    /// version the message made.
    pub async fn open311_post_update(&self, actor: &Actor, pairs: &[(String, String)]) -> Result<String> {
        if !matches!(actor, Actor::ApiKey { .. }) || !actor.has_scope(porten_domain::Scope::ErrandsWrite) {
            return Err(AppError::Forbidden);
        }
        let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
        let id = field("service_request_id").ok_or_else(|| invalid("service_request_id", "is required"))?;
        let description = field("description").ok_or_else(|| invalid("description", "is required"))?;
        if description.chars().count() > open311::MAX_DESCRIPTION {
            return Err(invalid("description", "at most 4000 characters"));
        }
        let public = self.open311_request(id).await.map_err(|e| match e {
            AppError::NotFound => invalid("service_request_id", "no such public request"),
            other => other,
        })?;
        let public_id = PublicId::parse(&public.id).map_err(|_| AppError::NotFound)?;
        // Only the actor that posted the request over Open311 passes on
        // what its reporter writes, never another system.
        let errand = self.store.get_errand(public_id).await?.ok_or(AppError::NotFound)?;
        let registered_by = self.store.timeline(errand.id).await?.into_iter().next();
        let own = errand.channel == porten_domain::Channel::Open311
            && registered_by.is_some_and(|e| e.actor_kind == "api_key" && e.actor_id == actor.id());
        if !own {
            return Err(AppError::Forbidden);
        }
        let message = porten_domain::Command::AddMessage {
            direction: porten_domain::errand::Direction::In,
            body: description.to_owned(),
        };
        let errand = self.act_on_errand(actor, public_id, None, message).await?;
        Ok(format!("{}-{}", errand.public_id, errand.version))
    }

    /// One public request by its id; not found when it is not public.
    pub async fn open311_request(&self, id: &str) -> Result<PublicRequest> {
        let q = RequestsQuery { service_request_id: Some(id.to_owned()), ..RequestsQuery::default() };
        self.open311_requests(&q).await?.into_iter().next().ok_or(AppError::NotFound)
    }
}

/// Fills an e-service's fields from the request's own parameters, where
/// the attributes left them out: the address and coordinates from the
/// location, a field named `description` from the description, and the
/// e-mail and phone fields from the reporter's.
fn fill_from_request(
    definition: &Definition,
    raw: &RawRequest,
    location: &Location,
    description: Option<&str>,
    answers: &mut porten_domain::eservice::Answers,
) {
    let text = |p: &Option<String>| given(p).map(str::to_owned);
    for field in definition.fields() {
        let value = match field.kind {
            FieldKind::Address => location.address.clone(),
            FieldKind::Coordinates => location.point.map(|p| format!("{}, {}", p.lat, p.long)),
            FieldKind::Email => text(&raw.email),
            FieldKind::Phone => text(&raw.phone),
            _ if field.name == "description" => description.map(str::to_owned),
            _ => None,
        };
        if let Some(value) = value {
            answers.entry(field.name.clone()).or_insert_with(|| vec![value]);
        }
    }
}

fn public_request(target: &Open311Service, e: Errand, due: Option<DateTime<Utc>>, agency: String) -> PublicRequest {
    let viewer = porten_domain::Viewer::Citizen;
    let status_notes = target.service.status_words(e.lifecycle, viewer).0.to_owned();
    let attributes = target
        .definition
        .as_ref()
        .map(|d| {
            // Only answers chosen from a list, or numbers and points: free
            // text, names, files and contact details stay with the city.
            d.fields()
                .filter(|f| {
                    matches!(
                        f.kind,
                        FieldKind::SingleChoice
                            | FieldKind::MultipleChoice
                            | FieldKind::Checkbox
                            | FieldKind::Number
                            | FieldKind::Coordinates
                    )
                })
                .filter_map(|f| {
                    let value = e.form.get(&f.name)?;
                    Some((f.name.clone(), f.label.sv.clone(), open311::public_text(value)))
                })
                .collect()
        })
        .unwrap_or_default();
    PublicRequest {
        id: e.public_id.to_string(),
        state: e.lifecycle,
        status_notes,
        service_code: target.code.clone(),
        service_name: target.service.name_sv.clone(),
        // What a reporter posted over Open311 is meant for the public list;
        // what reached the city another way (a mail, a call, a form) is not.
        description: if e.channel == porten_domain::Channel::Open311 {
            open311::public_text(&e.description)
        } else {
            String::new()
        },
        agency,
        service_notice: target.service.processing_time_sv.clone(),
        requested: e.created_at,
        updated: e.updated_at,
        expected: due.filter(|_| e.lifecycle.is_active()),
        location: e
            .location
            .map(|l| porten_domain::Location { address: l.address.as_deref().map(open311::public_text), ..l }),
        attributes,
    }
}
