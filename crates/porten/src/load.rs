//! `porten load-errands`: fills a database that already holds a city (its
//! units, services and staff; `porten serve --demo` makes one) with
//! generated errands for scale benchmarks, with a realistic spread: three
//! years of registrations across the city's services, most of them closed
//! long ago and a few per cent still active (recent ones far more often),
//! priorities, channels, assignees from each unit's staff, a named party
//! with an e-mail address or phone number, and a history of messages,
//! assignments, decisions and status changes. Deterministic for a seed.

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use porten_app::App;
use porten_domain::errand::{ContactChannel, Direction, PartyRole};
use porten_domain::{
    Actor, Channel, Decision, EventKind, Lifecycle, Outcome, Party, Priority, PublicId, Service, UnitCode,
};
use porten_store::LoadedErrand;

use crate::rng::Rng;

/// Errands per transaction.
const BATCH: usize = 5_000;
/// How far back registrations go.
const YEARS: i64 = 3;

const FIRST: &[&str] = &[
    "Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Mohammed", "Fatima", "Ali", "Elsa",
    "Oskar", "Ingrid", "Nils", "Aisha", "Mikael", "Lena", "Per", "Sofia", "Hassan", "Britt", "Gunnar",
];
const LAST: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Ahmed",
    "Hussein",
    "Lindberg",
    "Lindqvist",
    "Berg",
    "Nyström",
];
const STREETS: &[&str] = &[
    "Sjögatan",
    "Storgatan",
    "Kyrkogatan",
    "Hamngatan",
    "Parkvägen",
    "Skolgatan",
    "Björkvägen",
    "Strandvägen",
    "Norra Långgatan",
    "Södra vägen",
    "Järnvägsgatan",
    "Ekbacken",
    "Tallstigen",
    "Torget",
    "Mejerivägen",
];
const ASKS: &[&str] = &[
    "Jag vill veta hur lång tid handläggningen tar och om ni behöver något mer från mig.",
    "Det har varit så här i flera veckor nu och det blir bara värre, särskilt när det regnar.",
    "Kan ni ringa upp mig? Jag har försökt logga in med BankID men det fungerar inte.",
    "Vi är flera grannar som undrar vad som händer och när det kommer att åtgärdas.",
    "Jag skickade in ansökan förra månaden men har inte fått någon bekräftelse.",
    "Hur gör jag för att lägga till en bilaga i efterhand? Jag glömde intyget.",
    "Lampan lyser inte och det är mycket mörkt på kvällen vid busshållplatsen.",
    "Mitt barn ska börja i skolan i höst och jag undrar vilka tider som gäller.",
];
const ANSWERS: &[&str] = &[
    "Tack för ditt meddelande. Vi har tagit emot ärendet och återkommer så snart vi kan.",
    "Vi har skickat ärendet vidare till rätt förvaltning som kontaktar dig.",
    "Kan du skicka en bild eller beskriva platsen närmare?",
    "Åtgärden är beställd och beräknas vara klar inom två veckor.",
];

/// Loads `count` errands in batches, printing progress; then computes the
/// active errands' due times. Returns how many errands were loaded.
pub async fn errands(app: &App, count: usize, seed: u64) -> Result<usize> {
    let porten = Actor::System { name: "porten load-errands".into() };
    let services: Vec<Service> = app.services(None).await?;
    anyhow::ensure!(!services.is_empty(), "the database has no services: start it once with `porten serve --demo`");
    let mut staff: Vec<(UnitCode, Vec<i64>)> = Vec::new();
    for unit in app.units(None).await? {
        let people = app.unit_staff(&unit.code).await?;
        staff.push((unit.code, people));
    }
    let agents = staff.iter().find(|(u, _)| u.as_str() == "KC").map(|(_, p)| p.clone()).unwrap_or_default();
    let now = app.now();
    let start = now - Duration::days(365 * YEARS);
    let span = (now - start).num_seconds();
    let mut rng = Rng(seed);
    let (mut loaded, mut active) = (0, Vec::new());
    while loaded < count {
        let n = BATCH.min(count - loaded);
        let batch: Vec<LoadedErrand> = (loaded..loaded + n)
            .map(|i| {
                let at = start + Duration::seconds(span * i as i64 / count as i64 + rng.below(60) as i64);
                let service = rng.pick(&services);
                let people = staff.iter().find(|(u, _)| *u == service.unit).map(|(_, p)| p.as_slice());
                let people = people.filter(|p| !p.is_empty()).unwrap_or(&agents);
                generate(&mut rng, service, people, at, now)
            })
            .collect();
        let lifecycles: Vec<bool> = batch.iter().map(|e| e.lifecycle.is_active()).collect();
        let ids = app.load_errands(&porten, batch).await.context("loading a batch")?;
        active.extend(ids.into_iter().zip(lifecycles).filter(|(_, a)| *a).map(|(id, _)| id));
        loaded += n;
        eprintln!("loaded {loaded} of {count} errands ({} active)", active.len());
    }
    for chunk in active.chunks(1000) {
        app.refresh_clocks(chunk, false).await?;
    }
    eprintln!("computed the due times of {} active errands", active.len());
    app.refresh_statistics(&porten).await.context("gathering the planner's statistics")?;
    Ok(loaded)
}

/// One errand registered at `at`, worked as far as its age makes likely.
fn generate(rng: &mut Rng, service: &Service, staff: &[i64], at: DateTime<Utc>, now: DateTime<Utc>) -> LoadedErrand {
    let age = (now - at).num_days();
    let active_odds = match age {
        0..14 => 0.7,
        14..60 => 0.3,
        60..365 => 0.02,
        _ => 0.003,
    };
    let lifecycle = if rng.odds(active_odds) {
        *rng.pick(&[
            Lifecycle::New,
            Lifecycle::New,
            Lifecycle::Open,
            Lifecycle::Open,
            Lifecycle::InProgress,
            Lifecycle::InProgress,
            Lifecycle::InProgress,
            Lifecycle::WaitingForCitizen,
            Lifecycle::WaitingForCitizen,
        ])
    } else if rng.odds(0.7) {
        Lifecycle::Closed
    } else {
        Lifecycle::Resolved
    };
    let priority = match rng.below(100) {
        0..2 => Priority::Urgent,
        2..10 => Priority::High,
        10..90 => Priority::Normal,
        _ => Priority::Low,
    };
    let channel =
        *rng.pick(&[Channel::Web, Channel::Web, Channel::Web, Channel::Email, Channel::Phone, Channel::Phone]);
    let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
    let mut contacts = Vec::new();
    if rng.odds(0.6) {
        contacts.push(ContactChannel::Email(format!("{}@example.se", name.to_lowercase().replace(' ', "."))));
    } else if rng.odds(0.7) {
        contacts.push(ContactChannel::Phone(format!(
            "070-{:03} {:02} {:02}",
            rng.below(1000),
            rng.below(100),
            rng.below(100)
        )));
    }
    let role = if service.open311_code.is_some() { PartyRole::Reporter } else { PartyRole::Applicant };
    let party = Party { role, name, personal_number: None, organisation_number: None, contacts };
    let street = format!("{} {}", rng.pick(STREETS), 1 + rng.below(60));
    let title = format!("{} – {street}", service.name_sv);
    let description = format!("{} Gäller {street}.", rng.pick(ASKS));
    let unassigned = lifecycle == Lifecycle::New || (lifecycle == Lifecycle::Open && rng.odds(0.3));
    let assignee = (!unassigned && !staff.is_empty()).then(|| *rng.pick(staff));

    // The history, each step a while after the one before, never after now.
    let mut events = Vec::new();
    let mut t = at;
    let mut step = |rng: &mut Rng, hours: usize| {
        t = (t + Duration::minutes(30 + rng.below(hours as u64 * 60) as i64)).min(now);
        t
    };
    let city = "Handläggare".to_owned();
    // The store writes the registry number it gives.
    events.push((at, "e-tjänst".to_owned(), EventKind::Registered { registry_number: String::new(), channel }));
    if let Some(to) = assignee {
        events.push((step(rng, 8), "Fördelning".into(), EventKind::Assigned { from: None, to: Some(to), why: None }));
    }
    if lifecycle != Lifecycle::New {
        let to = if lifecycle == Lifecycle::Open { Lifecycle::Open } else { Lifecycle::InProgress };
        events.push((step(rng, 24), city.clone(), EventKind::StatusChanged { from: Lifecycle::New, to, reason: None }));
    }
    if lifecycle != Lifecycle::New && rng.odds(0.6) {
        let body = rng.pick(ANSWERS).to_string();
        events.push((step(rng, 24), city.clone(), EventKind::Message { direction: Direction::Out, body }));
        if rng.odds(0.4) {
            let body = rng.pick(ASKS).to_string();
            events.push((step(rng, 48), "Invånare".into(), EventKind::Message { direction: Direction::In, body }));
        }
    }
    if lifecycle == Lifecycle::WaitingForCitizen {
        let (from, to) = (Lifecycle::InProgress, Lifecycle::WaitingForCitizen);
        events.push((step(rng, 24), city.clone(), EventKind::StatusChanged { from, to, reason: None }));
    }
    let mut resolved_at = None;
    if matches!(lifecycle, Lifecycle::Resolved | Lifecycle::Closed) {
        let outcome = *rng.pick(&[Outcome::Granted, Outcome::Granted, Outcome::Answered, Outcome::Refused]);
        let Decision { outcome, text } = Decision { outcome, text: "Ärendet är utrett och avgjort.".into() };
        let when = step(rng, 240);
        events.push((when, city.clone(), EventKind::Decided { outcome, text }));
        let (from, to) = (Lifecycle::InProgress, Lifecycle::Resolved);
        events.push((when, city.clone(), EventKind::StatusChanged { from, to, reason: None }));
        resolved_at = Some(when);
        if lifecycle == Lifecycle::Closed {
            let (from, to) = (Lifecycle::Resolved, Lifecycle::Closed);
            events.push((step(rng, 240), city.clone(), EventKind::StatusChanged { from, to, reason: None }));
        }
    }
    let updated_at = events.last().map_or(at, |(t, _, _)| *t);
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&rng.next().to_le_bytes());
    id[8..].copy_from_slice(&rng.next().to_le_bytes());
    LoadedErrand {
        public_id: PublicId::from_random_bytes(id),
        unit: service.unit.clone(),
        service_code: service.code.clone(),
        title,
        description,
        channel,
        priority,
        lifecycle,
        assignee,
        confidential: service.confidential,
        created_at: at,
        updated_at,
        resolved_at,
        parties: vec![party],
        events,
    }
}
