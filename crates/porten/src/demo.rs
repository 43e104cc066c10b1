//! `porten serve --demo`: a fictional city (Lindhamn) with its
//! administrations, services, staff, an API key, a few hundred errands
//! spread over the last eight weeks, and the contact center's measured
//! traffic for the same weeks: telephony (ACD) statistics per quarter-hour
//! and the contact log of every call and visit handled, so the planning page
//! has realistic volumes to forecast and staff.
//!
//! The content lives in `demo/city.toml`. The data is created once per
//! database (guarded by a meta row, so several nodes can start at once);
//! restarting keeps whatever users did. Everything is written through
//! [`App`], with its access rules and audit entries, like any other write:
//! the past is written on a [`ManualClock`] set to each moment in turn. Personal identity numbers are
//! synthetic: valid checksums, but every serial is in the 98x range and all
//! names and addresses are invented.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::rng::Rng;
use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use porten_app::{App, ManualClock};
use porten_domain::errand::{Direction, RawErrand, RawParty};
use porten_domain::{Actor, Audience, Channel, Command, Lifecycle, Outcome, Role, Scope, Service, Unit, UnitCode};
use serde::Deserialize;

const CITY_TOML: &str = include_str!("../demo/city.toml");

/// The demo city's e-service definitions (`demo/eservices/`).
const ESERVICES: [(&str, &str); 12] = [
    ("demo/eservices/e-id-help.toml", include_str!("../demo/eservices/e-id-help.toml")),
    ("demo/eservices/fallen-tree.toml", include_str!("../demo/eservices/fallen-tree.toml")),
    ("demo/eservices/feedback-complaint.toml", include_str!("../demo/eservices/feedback-complaint.toml")),
    ("demo/eservices/graffiti.toml", include_str!("../demo/eservices/graffiti.toml")),
    ("demo/eservices/litter.toml", include_str!("../demo/eservices/litter.toml")),
    ("demo/eservices/playground-fault.toml", include_str!("../demo/eservices/playground-fault.toml")),
    ("demo/eservices/pothole.toml", include_str!("../demo/eservices/pothole.toml")),
    ("demo/eservices/preschool-place.toml", include_str!("../demo/eservices/preschool-place.toml")),
    ("demo/eservices/public-document-request.toml", include_str!("../demo/eservices/public-document-request.toml")),
    ("demo/eservices/school-transport.toml", include_str!("../demo/eservices/school-transport.toml")),
    ("demo/eservices/snow-clearing.toml", include_str!("../demo/eservices/snow-clearing.toml")),
    ("demo/eservices/street-light-fault.toml", include_str!("../demo/eservices/street-light-fault.toml")),
];

/// The demo city's e-service definitions, checked.
pub fn eservices()
-> std::result::Result<Vec<porten_domain::eservice::Definition>, Vec<porten_app::eservices::DefinitionError>> {
    porten_app::eservices::parse_definitions(ESERVICES)
}
pub const DEMO_PASSWORD: &str = "porten-demo-2026";
const ERRANDS: usize = 560;
const DAYS: i64 = 56;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CityFile {
    city: City,
    units: Vec<UnitDef>,
    #[serde(default)]
    skills: Vec<porten_domain::Skill>,
    services: Vec<ServiceDef>,
    people: Vec<Person>,
    businesses: Vec<Business>,
    kb: Vec<KbArticle>,
    #[allow(dead_code)]
    topics: Vec<toml::Value>,
    #[allow(dead_code)]
    contact: toml::Value,
    synonyms: Vec<SynonymDef>,
}

/// A knowledge-base article of the demo city.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KbArticle {
    slug: String,
    topic: String,
    visibility: Option<String>,
    title_sv: String,
    summary_sv: String,
    body_sv: String,
    title_en: Option<String>,
    summary_en: Option<String>,
    body_en: Option<String>,
    audiences: Vec<String>,
    service: Option<String>,
    tags: Vec<String>,
    /// A newer text saved as a draft after the published one: an edit in
    /// progress, for the editors' preview and comparison.
    draft_body_sv: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymDef {
    term: String,
    words: Vec<String>,
}

/// The demo city's site settings: its name, contact details and topics.
pub fn site() -> Result<porten_domain::knowledge::Site> {
    porten_app::knowledge::parse_site(CITY_TOML).map_err(|e| anyhow::anyhow!("demo/city.toml: {e}"))
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct City {
    pub name_sv: String,
    pub name_en: String,
    #[allow(dead_code)]
    pub domain: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitDef {
    code: String,
    name_sv: String,
    name_en: String,
    contact_center: bool,
    /// How the unit hands out errands (`[units.assignment]`); manual without it.
    #[serde(default)]
    assignment: porten_domain::assignment::Routing,
    #[allow(dead_code)]
    description_sv: String,
    #[allow(dead_code)]
    description_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceDef {
    code: String,
    unit: String,
    name_sv: String,
    name_en: String,
    description_sv: String,
    description_en: String,
    audiences: Vec<Audience>,
    channels: Vec<Channel>,
    open311_code: Option<String>,
    /// Its errands show in Open311's public list of requests.
    #[serde(default)]
    public_reports: bool,
    confidential: bool,
    weight: u32,
    keywords_sv: Vec<String>,
    processing_time_sv: Option<String>,
    processing_time_en: Option<String>,
    #[serde(default)]
    status_names: BTreeMap<String, String>,
    #[serde(default)]
    status_names_en: BTreeMap<String, String>,
    #[serde(default)]
    sla: Option<porten_domain::sla::Sla>,
    /// The skill its errands need (a `[[skills]]` code).
    skill: Option<String>,
    examples: Vec<Example>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Example {
    title: String,
    description: String,
    /// Where it is: `{ address, lat, long, place_ref }`, as text.
    #[serde(default)]
    location: Option<porten_domain::RawLocation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Person {
    given_name: String,
    family_name: String,
    email: Option<String>,
    phone: Option<String>,
    #[allow(dead_code)]
    street: String,
    #[allow(dead_code)]
    postal_code: String,
    #[allow(dead_code)]
    locality: String,
    birth_year: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Business {
    name: String,
    contact_given_name: String,
    contact_family_name: String,
    email: String,
    #[allow(dead_code)]
    street: String,
    #[allow(dead_code)]
    postal_code: String,
    #[allow(dead_code)]
    locality: String,
}

/// A clearly synthetic personnummer: a real date, serial 98x, valid check digit.
fn synthetic_personal_number(rng: &mut Rng, birth_year: i32) -> String {
    let month = 1 + rng.below(12) as u32;
    let day = 1 + rng.below(28) as u32;
    let serial = 980 + rng.below(10) as u32;
    let nine = format!("{:02}{month:02}{day:02}{serial:03}", birth_year % 100);
    let check = porten_domain::personnummer::luhn_check_digit(nine.as_bytes()) as char;
    format!("{birth_year}{month:02}{day:02}-{serial:03}{check}")
}

fn synthetic_org_number(rng: &mut Rng) -> String {
    let nine = format!("5590{:05}", rng.below(100_000));
    let check = porten_domain::personnummer::luhn_check_digit(nine.as_bytes()) as char;
    format!("{}-{}{check}", &nine[..6], &nine[6..])
}

/// The demo users: (username, display name, role, unit).
const USERS: [(&str, &str, Role, Option<&str>); 5] = [
    ("invanare", "Ines Invånare", Role::Citizen, None),
    ("agent", "Aziz Kontaktcenter", Role::Agent, Some("KC")),
    ("handlaggare", "Hanna Handläggare", Role::CaseOfficer, Some("TK")),
    ("enhetsadmin", "Elin Enhetsadmin", Role::UnitAdmin, Some("TK")),
    ("admin", "Sam Systemadmin", Role::SystemAdmin, None),
];

/// Creates the demo city once, prints how to sign in, and returns the city's names.
pub async fn seed(app: &App) -> Result<City> {
    let file: CityFile = toml::from_str(CITY_TOML).context("demo/city.toml")?;
    let demo = Actor::System { name: "Demo".into() };
    // Two markers: one node claims the work, and the finished marker tells
    // later starts (and other nodes) that the city is complete.
    if !app.claimed("demo_seeded").await? {
        if app.claim_once(&demo, "demo_seeding").await? {
            tracing::info!("creating the demo city");
            seed_catalogue(app, &demo, &file).await?;
            let staff = seed_users(app, &demo, &file).await?;
            seed_errands(app, &file, &staff.officers).await?;
            seed_contact_center(app, &demo, &file, staff.agent).await?;
            seed_calendar(app, &staff.admin).await?;
            seed_eservices(app).await?;
            seed_knowledge(app, &demo, &file).await?;
            app.claim_once(&demo, "demo_seeded").await?;
        } else {
            tracing::warn!(
                "another node is creating the demo city, or an earlier start was interrupted while doing so; \
                 if the demo looks incomplete, remove the database and start again"
            );
        }
    }
    for (username, _, role, _) in USERS {
        println!("demo login: role={} username={username} password={DEMO_PASSWORD}", role.as_str());
    }
    let key = match std::env::var("PORTEN_DEMO_API_KEY").ok().filter(|k| !k.is_empty()) {
        Some(key) => {
            // Registering the same key again is refused as a duplicate, which is fine on restart.
            match app.create_api_key(&demo, "Demo integration", &Scope::ALL, Some(&key)).await {
                Ok(_) | Err(porten_app::AppError::Duplicate { .. }) => key,
                Err(e) => return Err(e).context("PORTEN_DEMO_API_KEY"),
            }
        }
        None => app.create_api_key(&demo, "Demo integration", &Scope::ALL, None).await?.secret,
    };
    println!("demo api key: {key}");
    Ok(file.city)
}

/// The knowledge base (published, written as Porten itself) and the
/// search synonyms.
async fn seed_knowledge(app: &App, demo: &Actor, file: &CityFile) -> Result<()> {
    for a in &file.kb {
        let unit = match &a.service {
            Some(code) => file.services.iter().find(|s| &s.code == code).map(|s| s.unit.clone()),
            None => None,
        };
        let raw = porten_domain::knowledge::RawArticle {
            slug: a.slug.clone(),
            unit: unit.unwrap_or_else(|| "KC".into()),
            topic: Some(a.topic.clone()),
            visibility: a.visibility.clone().unwrap_or_else(|| "public".into()),
            title_sv: a.title_sv.clone(),
            summary_sv: a.summary_sv.clone(),
            body_sv: a.body_sv.clone(),
            title_en: a.title_en.clone(),
            summary_en: a.summary_en.clone(),
            body_en: a.body_en.clone(),
            keywords: a.tags.clone(),
            audiences: a.audiences.clone(),
            services: a.service.iter().cloned().collect(),
        };
        app.save_article(demo, &raw, true).await.with_context(|| format!("article {}", a.slug))?;
        if let Some(draft) = &a.draft_body_sv {
            let draft = porten_domain::knowledge::RawArticle { body_sv: draft.clone(), ..raw };
            app.save_article(demo, &draft, false).await.with_context(|| format!("draft of {}", a.slug))?;
        }
    }
    for s in &file.synonyms {
        app.set_synonym(demo, &s.term, &s.words.join(", ")).await.with_context(|| format!("synonym {}", s.term))?;
    }
    Ok(())
}

async fn seed_catalogue(app: &App, demo: &Actor, file: &CityFile) -> Result<()> {
    for u in &file.units {
        let code = UnitCode::parse(&u.code).map_err(|e| anyhow::anyhow!("unit {}: {e}", u.code))?;
        let unit = Unit {
            code,
            name_sv: u.name_sv.clone(),
            name_en: u.name_en.clone(),
            contact_center: u.contact_center,
            routing: u.assignment,
        };
        app.define_unit(demo, &unit).await?;
    }
    for skill in &file.skills {
        app.define_skill(demo, skill).await.with_context(|| format!("skill {}", skill.code))?;
    }
    for s in &file.services {
        let service = Service {
            code: s.code.clone(),
            unit: UnitCode::parse(&s.unit).map_err(|e| anyhow::anyhow!("service {}: {e}", s.code))?,
            name_sv: s.name_sv.clone(),
            name_en: s.name_en.clone(),
            description_sv: s.description_sv.clone(),
            description_en: s.description_en.clone(),
            audiences: s.audiences.clone(),
            channels: s.channels.clone(),
            open311_code: s.open311_code.clone(),
            public_reports: s.public_reports,
            confidential: s.confidential,
            status_names_sv: status_names(&s.status_names)?,
            status_names_en: status_names(&s.status_names_en)?,
            keywords: s.keywords_sv.clone(),
            processing_time_sv: s.processing_time_sv.clone(),
            processing_time_en: s.processing_time_en.clone(),
            sla: s.sla.clone(),
            skill: s.skill.clone(),
        };
        app.define_service(demo, &service).await.with_context(|| format!("service {}", s.code))?;
    }
    Ok(())
}

fn status_names(names: &BTreeMap<String, String>) -> Result<BTreeMap<Lifecycle, String>> {
    names.iter().map(|(k, v)| Ok((Lifecycle::parse(k).with_context(|| format!("status {k}"))?, v.clone()))).collect()
}

/// The demo staff the seeder acts as.
struct Staff {
    /// Officer id and name by unit code.
    officers: BTreeMap<String, (i64, String)>,
    /// The contact-center agent's id.
    agent: Option<i64>,
    /// The system admin, who decides the business calendar.
    admin: Actor,
}

/// Creates the demo users plus one case officer per unit.
async fn seed_users(app: &App, demo: &Actor, file: &CityFile) -> Result<Staff> {
    let mut officers = BTreeMap::new();
    let (mut agent, mut admin) = (None, None);
    for (username, name, role, unit) in USERS {
        let unit_code = unit.map(UnitCode::parse).transpose().map_err(|e| anyhow::anyhow!("{e}"))?;
        let id = app.create_user(demo, username, name, role, unit_code.clone(), DEMO_PASSWORD).await?;
        match role {
            Role::CaseOfficer => {
                officers.insert(unit.unwrap_or_default().to_owned(), (id, name.to_owned()));
            }
            Role::Agent => agent = Some(id),
            Role::SystemAdmin => admin = Some(Actor::User { id, name: name.into(), role, unit: unit_code }),
            Role::Citizen | Role::UnitAdmin => {}
        }
    }
    for u in &file.units {
        if officers.contains_key(&u.code) {
            continue;
        }
        let username = format!("handlaggare-{}", u.code.to_lowercase());
        let name = format!("Handläggare {}", u.code);
        let role = if u.contact_center { Role::Agent } else { Role::CaseOfficer };
        let id = app
            .create_user(
                demo,
                &username,
                &name,
                role,
                Some(UnitCode::parse(&u.code).map_err(|e| anyhow::anyhow!("{e}"))?),
                DEMO_PASSWORD,
            )
            .await?;
        officers.insert(u.code.clone(), (id, name));
    }
    Ok(Staff { officers, agent, admin: admin.context("the demo needs a system admin")? })
}

/// A plausible moment for a contact: weekdays more than weekends, office hours more than nights.
fn contact_time(rng: &mut Rng, now: DateTime<Utc>) -> DateTime<Utc> {
    loop {
        let day = now - Duration::days(1 + rng.below(DAYS as u64) as i64);
        let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        if weekend && !rng.chance(25) {
            continue;
        }
        let hour = if rng.chance(85) { 7 + rng.below(10) } else { rng.below(24) } as u32;
        let t = Utc
            .with_ymd_and_hms(day.year(), day.month(), day.day(), hour, rng.below(60) as u32, rng.below(60) as u32)
            .single();
        if let Some(t) = t.filter(|t| *t < now) {
            return t.with_nanosecond(0).unwrap_or(t);
        }
    }
}

fn pick_channel(rng: &mut Rng, channels: &[Channel]) -> Channel {
    let weight = |c: &Channel| match c {
        Channel::Web => 40,
        Channel::Phone => 30,
        Channel::Email => 15,
        Channel::Open311 => 10,
        Channel::Visit => 5,
        Channel::Api => 0,
    };
    let total: u64 = channels.iter().map(weight).sum();
    if total == 0 {
        return Channel::Web;
    }
    let mut roll = rng.below(total);
    for c in channels {
        if roll < weight(c) {
            return *c;
        }
        roll -= weight(c);
    }
    channels[0]
}

async fn seed_errands(app: &App, file: &CityFile, officers: &BTreeMap<String, (i64, String)>) -> Result<()> {
    let mut rng = Rng(0x5EED_2026);
    let now = app.now();
    let clock = Arc::new(ManualClock::new(now));
    // The past is written without mailing the fictional people.
    let past = app.on_clock(clock.clone()).without_mail();
    let total_weight: u64 = file.services.iter().map(|s| u64::from(s.weight)).sum();
    let mut planned = Vec::with_capacity(ERRANDS);
    for _ in 0..ERRANDS {
        let mut roll = rng.below(total_weight);
        let service = file
            .services
            .iter()
            .find(|s| {
                let hit = roll < u64::from(s.weight);
                roll = roll.saturating_sub(u64::from(s.weight));
                hit
            })
            .unwrap_or(&file.services[0]);
        planned.push((contact_time(&mut rng, now), service));
    }
    planned.sort_by_key(|(t, _)| *t);
    let system = Actor::System { name: "Demo".into() };
    for (at, service) in planned {
        let example = rng.pick(&service.examples);
        let channel = pick_channel(&mut rng, &service.channels);
        let party = if service.audiences == [Audience::Business]
            || (service.audiences.contains(&Audience::Business) && rng.chance(50))
        {
            let b = rng.pick(&file.businesses);
            RawParty {
                role: Some("applicant".into()),
                name: format!("{} ({} {})", b.name, b.contact_given_name, b.contact_family_name),
                organisation_number: Some(synthetic_org_number(&mut rng)),
                email: Some(b.email.clone()),
                ..Default::default()
            }
        } else {
            let p = rng.pick(&file.people);
            RawParty {
                role: Some(if service.open311_code.is_some() { "reporter" } else { "applicant" }.into()),
                name: format!("{} {}", p.given_name, p.family_name),
                personal_number: (channel != Channel::Open311)
                    .then(|| synthetic_personal_number(&mut rng, p.birth_year)),
                email: p.email.clone(),
                phone: p.phone.clone(),
                ..Default::default()
            }
        };
        let raw = RawErrand {
            service_code: service.code.clone(),
            title: example.title.clone(),
            description: example.description.clone(),
            channel: channel.as_str().into(),
            priority: Some(if rng.chance(8) { "high" } else { "normal" }.into()),
            parties: vec![party],
            confidential: Some(service.confidential),
            labels: vec![],
            form: BTreeMap::new(),
            location: example.location.clone(),
        };
        let unit = UnitCode::parse(&service.unit).map_err(|e| anyhow::anyhow!("{e}"))?;
        clock.set(at);
        let errand =
            past.register_errand(&system, raw).await.with_context(|| format!("demo errand for {}", service.code))?;
        // Older errands have come further.
        let age_days = (now - at).num_days();
        let Some((officer_id, officer_name)) = officers.get(&service.unit) else { continue };
        let officer = Actor::User {
            id: *officer_id,
            name: officer_name.clone(),
            role: Role::CaseOfficer,
            unit: Some(unit.clone()),
        };
        let mut t = at + Duration::minutes(30 + rng.below(600) as i64);
        let mut steps: Vec<Command> = Vec::new();
        if age_days >= 1 && rng.chance(85) {
            steps.push(Command::Assign { assignee: Some(*officer_id) });
            steps.push(Command::status(Lifecycle::InProgress, None));
        }
        if age_days >= 3 && rng.chance(20) {
            steps.push(Command::status(Lifecycle::WaitingForCitizen, Some("Vi behöver fler uppgifter")));
            steps.push(Command::AddMessage {
                direction: Direction::Out,
                body:
                    "Hej! Kan du komplettera med fler uppgifter, till exempel en bild eller en närmare platsangivelse?"
                        .into(),
            });
            if rng.chance(70) {
                steps.push(Command::AddMessage {
                    direction: Direction::In,
                    body: "Här kommer kompletteringen. Tack för hjälpen!".into(),
                });
            }
        }
        if age_days >= 7 && rng.chance(70) {
            steps.push(Command::AddNote { body: "Ärendet är utrett. Åtgärd beställd.".into() });
            steps.push(Command::AddMessage {
                direction: Direction::Out,
                body: "Tack för ditt ärende. Vi har nu åtgärdat det och avslutar ärendet.".into(),
            });
            steps.push(Command::resolve(Outcome::Answered, "Vi har åtgärdat det du anmälde."));
        }
        for command in steps {
            if t >= now {
                break;
            }
            clock.set(t);
            past.act_on_errand(&officer, errand.public_id, None, command).await?;
            t += Duration::hours(2 + rng.below(48) as i64);
        }
    }
    Ok(())
}

/// A few errands that came in through e-services in the last days: an
/// anonymous fault report with a photo, answered by the city, and feedback
/// from Anna Andersson, signed in with the demo e-ID, so that her Mina
/// ärenden has an errand.
async fn seed_eservices(app: &App) -> Result<()> {
    use porten_app::eservices::Upload;
    let clock = Arc::new(ManualClock::new(app.now() - Duration::days(2)));
    let past = app.on_clock(clock.clone()).without_mail();
    let answers = |pairs: &[(&str, &str)]| -> porten_domain::eservice::Answers {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()])).collect()
    };
    if past.eservice("pothole").is_some() {
        let id = past.start_draft(&Actor::Visitor, "pothole", None).await?.draft.id;
        past.save_step(&Actor::Visitor, &id, "where", answers(&[("address", "Sjögatan 14")]), vec![]).await?;
        let photo = Upload { field: "photo".into(), name: "hål-sjögatan.png".into(), content: DEMO_PNG.to_vec() };
        let what = answers(&[
            ("fault", "pothole"),
            ("description", "Djupt hål i körbanan vid övergångsstället, ungefär en halv meter brett."),
            ("email", "lina.berg@example.com"),
        ]);
        past.save_step(&Actor::Visitor, &id, "what", what, vec![photo]).await?;
        let token = past.submit_draft(&Actor::Visitor, &id, false).await?;
        clock.advance(Duration::hours(3));
        let errand = past.citizen_errand(porten_app::eservices::CitizenAccess::Token(&token)).await?.public_id;
        let city = Actor::System { name: "Trafikkontoret".into() };
        let message = "Tack för din anmälan! Vi lagar hålet senast på fredag. Är det djupare än 10 centimeter?";
        let msg = Command::AddMessage { direction: Direction::Out, body: message.into() };
        past.act_on_errand(&city, errand, None, msg).await?;
    }
    if past.eservice("feedback-complaint").is_some() {
        let anna = past.sign_in_with_eid("198112189876", "Anna Andersson").await?.actor();
        clock.advance(Duration::hours(20));
        let id = past.start_draft(&anna, "feedback-complaint", None).await?.draft.id;
        let step = past.eservice("feedback-complaint").map(|d| d.steps[0].id.clone()).unwrap_or_default();
        let first = answers(&[
            ("kind", "suggestion"),
            ("area", "culture"),
            ("message", "Biblioteket i Norrby borde ha öppet på söndagar, då har många barnfamiljer tid."),
        ]);
        let out = past.save_step(&anna, &id, &step, first, vec![]).await?;
        if let Some(second) = out.view.definition.steps.get(1).map(|s| s.id.clone()) {
            let reply =
                answers(&[("wants_reply", "yes"), ("name", "Anna Andersson"), ("email", "anna.andersson@example.com")]);
            past.save_step(&anna, &id, &second, reply, vec![]).await?;
        }
        past.submit_draft(&anna, &id, false).await?;
    }
    Ok(())
}

/// The demo fault report's photo: a 1×1 PNG.
const DEMO_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\0\x05\x00\x01\xff\x89\x99=\x1d\0\0\0\0IEND\xaeB`\x82";

/// Calls offered to the switchboard on an average weekday, before the
/// weekday factor; the demo city has about 60,000 inhabitants.
const CALLS_PER_DAY: f64 = 420.0;
/// Monday to Friday: Mondays are busiest.
const WEEKDAY_FACTOR: [f64; 5] = [1.3, 1.1, 1.0, 0.95, 0.75];
/// Share of a day's calls per opening hour, 08–17: peaks after opening and after lunch.
const HOUR_SHARE: [f64; 9] = [0.09, 0.15, 0.14, 0.12, 0.08, 0.12, 0.11, 0.10, 0.09];
/// Calls fall by this share a week as e-services take over (the channel shift).
const WEEKLY_DECLINE: f64 = 0.01;

/// The city closes the bridge day after Ascension Day (*klämdag*), this
/// year and next: decisions in the business calendar.
async fn seed_calendar(app: &App, admin: &Actor) -> Result<()> {
    use porten_domain::calendar::{RawDayException, easter_sunday};
    let year = porten_domain::time::to_stockholm(app.now()).year();
    for y in [year, year + 1] {
        let Some(easter) = easter_sunday(y) else { continue };
        let bridge_day = RawDayException {
            date: Some((easter + Duration::days(40)).to_string()),
            open: Some("closed".into()),
            note: Some("Klämdag efter Kristi himmelsfärds dag".into()),
        };
        app.set_day_exception(admin, &bridge_day).await?;
    }
    Ok(())
}

/// The contact center's measured traffic over the demo's eight weeks: ACD
/// statistics for the phone queue (08–17 on weekdays, per quarter-hour, with
/// abandoned calls), a contact-log entry for every answered call (service,
/// outcome, handle time) and the walk-in visits of the service desk.
async fn seed_contact_center(app: &App, demo: &Actor, file: &CityFile, agent: Option<i64>) -> Result<()> {
    use porten_domain::contact::ContactLogEntry;
    use porten_domain::planning::AcdInterval;
    use porten_domain::time::{from_stockholm_local, to_stockholm};
    use porten_domain::{ContactOutcome, ContactTopic, LoggedContact};

    let mut rng = Rng(0xACD_2026);
    let phone_services: Vec<&ServiceDef> =
        file.services.iter().filter(|s| s.channels.contains(&Channel::Phone) && !s.confidential).collect();
    let weight_total: u64 = phone_services.iter().map(|s| u64::from(s.weight)).sum();
    let topic = |rng: &mut Rng| -> ContactTopic {
        match rng.below(100) {
            0..12 => ContactTopic::TechHelp,
            12..30 => ContactTopic::General,
            _ => {
                let mut roll = rng.below(weight_total);
                let service = phone_services
                    .iter()
                    .find(|s| {
                        let hit = roll < u64::from(s.weight);
                        roll = roll.saturating_sub(u64::from(s.weight));
                        hit
                    })
                    .unwrap_or(&phone_services[0]);
                ContactTopic::Service(service.code.clone())
            }
        }
    };
    let outcome = |rng: &mut Rng| match rng.below(100) {
        0..72 => ContactOutcome::Resolved,
        72..90 => ContactOutcome::Referred,
        _ => ContactOutcome::Errand,
    };
    // Handle times roughly exponential around `mean` seconds, logged in whole minutes.
    let minutes =
        |rng: &mut Rng, mean: f64| -> u32 { ((-(1.0 - rng.unit()).ln() * mean / 60.0).ceil() as u32).clamp(1, 60) };

    let today = to_stockholm(app.now()).date_naive();
    let mut acd = Vec::new();
    let mut log = Vec::new();
    for days_ago in 1..=DAYS {
        let date = today - Duration::days(days_ago);
        let weekday = date.weekday().num_days_from_monday() as usize;
        if weekday >= 5 || porten_domain::calendar::swedish_holiday(date).is_some() {
            continue;
        }
        let trend = 1.0 + WEEKLY_DECLINE * (days_ago / 7) as f64;
        let day_calls = CALLS_PER_DAY * WEEKDAY_FACTOR[weekday] * trend;
        for (h, share) in HOUR_SHARE.iter().enumerate() {
            for quarter in 0..4 {
                let local = date.and_hms_opt(8 + h as u32, 15 * quarter, 0).expect("a valid time");
                let Some(start) = from_stockholm_local(local) else { continue };
                let offered = rng.poisson(day_calls * share / 4.0);
                let abandoned = (0..offered).filter(|_| rng.chance(5)).count() as u32;
                let answered = offered - abandoned;
                let mut handled = 0;
                for _ in 0..answered {
                    // E-ID trouble takes longest; afternoon calls run longer
                    // (the morning's quick questions are done).
                    let topic = topic(&mut rng);
                    let mean = match topic {
                        ContactTopic::TechHelp => 420.0,
                        ContactTopic::General => 180.0,
                        ContactTopic::Service(_) => 270.0,
                    } * if h >= 4 { 1.2 } else { 1.0 };
                    let m = minutes(&mut rng, mean);
                    handled += m * 60;
                    log.push(ContactLogEntry {
                        contact: LoggedContact {
                            channel: Channel::Phone,
                            topic_code: topic.code(),
                            topic,
                            outcome: outcome(&mut rng),
                            handle_seconds: Some(m * 60),
                        },
                        started_at: start + Duration::seconds(rng.below(900) as i64),
                        agent_id: agent,
                        errand_id: None,
                        article: None,
                    });
                }
                acd.push(AcdInterval {
                    channel: Channel::Phone,
                    start,
                    minutes: 15,
                    offered: f64::from(offered),
                    answered: f64::from(answered),
                    abandoned: f64::from(abandoned),
                    aht_seconds: if answered > 0 { f64::from(handled) / f64::from(answered) } else { 0.0 },
                });
            }
        }
        // The service desk: about 30 visits a day, 10–16.
        for hour in 10..16 {
            let Some(start) = from_stockholm_local(date.and_hms_opt(hour, 0, 0).expect("a valid time")) else {
                continue;
            };
            for _ in 0..rng.poisson(5.0 * trend) {
                let topic = topic(&mut rng);
                log.push(ContactLogEntry {
                    contact: LoggedContact {
                        channel: Channel::Visit,
                        topic_code: topic.code(),
                        topic,
                        outcome: outcome(&mut rng),
                        handle_seconds: Some(minutes(&mut rng, 480.0) * 60),
                    },
                    started_at: start + Duration::seconds(rng.below(3600) as i64),
                    agent_id: agent,
                    errand_id: None,
                    article: None,
                });
            }
        }
    }
    app.import_acd(demo, &acd).await?;
    app.import_contacts(demo, &log).await?;
    tracing::info!(intervals = acd.len(), contacts = log.len(), "demo contact-center traffic");
    merge_overlapping_topics(app, demo).await
}

/// The demo's history was logged before its topics were cleaned up: the
/// built-in "general question" and "technical help" overlap the services
/// of the same meaning, which skews channel shift. They are merged into the
/// services, as an administrator would, so every count stays.
async fn merge_overlapping_topics(app: &App, demo: &Actor) -> Result<()> {
    use porten_domain::RawTopic;
    let merges = [
        ("general", "service:general-question", "Allmän fråga", "General question"),
        (
            "tech_help",
            "service:e-id-help",
            "Teknisk hjälp: e-tjänster och e-legitimation",
            "Technical help: e-services and e-ID",
        ),
    ];
    for (from, into, sv, en) in merges {
        let moved = app.merge_contact_topic(demo, from, into).await?;
        let names = RawTopic { name_sv: sv.into(), name_en: en.into(), ..RawTopic::default() };
        app.rename_contact_topic(demo, into, &names).await?;
        tracing::info!(from, into, moved, "demo contact topics merged");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_content_parses_and_has_enough_services() {
        let file: CityFile = toml::from_str(CITY_TOML).unwrap();
        assert!(file.services.len() >= 20);
        assert!(file.units.iter().filter(|u| u.contact_center).count() == 1);
        for s in &file.services {
            assert!(file.units.iter().any(|u| u.code == s.unit), "{} has an unknown unit", s.code);
            assert!(!s.examples.is_empty(), "{} needs examples", s.code);
        }
    }

    #[test]
    fn demo_eservices_are_valid_and_belong_to_demo_services() {
        let file: CityFile = toml::from_str(CITY_TOML).unwrap();
        let definitions = eservices().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(definitions.len(), 12);
        for d in &definitions {
            assert!(file.services.iter().any(|s| s.code == d.service_code), "{} is no demo service", d.service_code);
        }
    }

    /// The relevance suite (`demo/relevance.toml`): each query finds its
    /// expected document among the first three results, on the database
    /// the tests run on.
    #[tokio::test]
    async fn search_finds_the_expected_document_in_the_top_three() {
        #[derive(Deserialize)]
        struct Cases {
            case: Vec<Case>,
        }
        #[derive(Deserialize)]
        struct Case {
            query: String,
            expect: String,
            lang: Option<String>,
            why: String,
        }
        let cases: Cases = toml::from_str(include_str!("../demo/relevance.toml")).unwrap();
        assert!(cases.case.len() >= 50);
        let db = porten_store::testing::TestDb::new().await;
        let app = App::new(db.store.clone()).with_portal(site().unwrap(), None);
        let file: CityFile = toml::from_str(CITY_TOML).unwrap();
        let demo = Actor::System { name: "Demo".into() };
        seed_catalogue(&app, &demo, &file).await.unwrap();
        seed_knowledge(&app, &demo, &file).await.unwrap();
        app.sync_search().await.unwrap();
        let mut misses = Vec::new();
        for c in &cases.case {
            let query = porten_app::search::SearchQuery {
                text: c.query.clone(),
                lang: c.lang.clone().unwrap_or_else(|| "sv".into()),
                limit: 3,
                ..Default::default()
            };
            let results = app.search(None, query).await.unwrap();
            let keys: Vec<&str> = results.hits.iter().map(|h| h.key.as_str()).collect();
            if !keys.contains(&c.expect.as_str()) {
                misses.push(format!("{:?} ({}) expected {}, got {keys:?}", c.query, c.why, c.expect));
            }
        }
        assert!(misses.is_empty(), "{} of {} queries missed:\n{}", misses.len(), cases.case.len(), misses.join("\n"));
        db.cleanup().await;
    }

    #[test]
    fn synthetic_personal_numbers_are_valid_and_marked() {
        let mut rng = Rng(1);
        for year in [1937, 1980, 2008] {
            let p = synthetic_personal_number(&mut rng, year);
            assert!(porten_domain::PersonalIdentityNumber::parse(&p).is_ok(), "{p}");
            assert_eq!(&p[9..11], "98");
        }
        assert!(porten_domain::OrganisationNumber::parse(&synthetic_org_number(&mut rng)).is_ok());
    }
}
