//! Unit tests of `errand.rs`: commands, transitions and input parsing.
use super::*;
use chrono::TimeZone;

fn errand() -> Errand {
    let t = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    Errand {
        id: 1,
        public_id: PublicId::from_random_bytes([7; 16]),
        registry_number: RegistryNumber::parse("TK 2026/00001").unwrap(),
        service_code: "pothole".into(),
        title: "Potthål".into(),
        description: "Djupt hål".into(),
        channel: Channel::Web,
        priority: Priority::Normal,
        lifecycle: Lifecycle::New,
        unit: UnitCode::parse("TK").unwrap(),
        assignee: None,
        parties: vec![],
        confidential: false,
        labels: vec![],
        form: BTreeMap::new(),
        version: 1,
        created_at: t,
        updated_at: t,
        resolved_at: None,
        location: None,
    }
}

fn officer() -> Actor {
    Actor::User {
        id: 5,
        name: "Handläggare".into(),
        role: crate::Role::CaseOfficer,
        unit: Some(UnitCode::parse("TK").unwrap()),
    }
}

fn status(to: Lifecycle, reason: Option<&str>) -> Command {
    Command::ChangeStatus { to, reason: reason.map(Into::into), decision: None }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 3, 10, 0, 0).unwrap()
}

#[test]
fn status_change_bumps_version_and_records_event() {
    let e = errand();
    let decision = Decision { outcome: Outcome::Answered, text: "Hålet är lagat".into() };
    let resolve = Command::ChangeStatus { to: Lifecycle::Resolved, reason: None, decision: Some(decision) };
    let t = e.apply(&officer(), resolve, now()).unwrap();
    assert_eq!(t.errand.lifecycle, Lifecycle::Resolved);
    assert_eq!(t.errand.version, 2);
    assert_eq!(t.errand.resolved_at, Some(now()));
    assert_eq!(
        t.events,
        vec![
            EventKind::Decided { outcome: Outcome::Answered, text: "Hålet är lagat".into() },
            EventKind::StatusChanged { from: Lifecycle::New, to: Lifecycle::Resolved, reason: None }
        ]
    );
    // Reopening says why, and clears the resolved time.
    let refused = t.errand.apply(&officer(), status(Lifecycle::Open, None), now()).unwrap_err();
    assert!(matches!(refused, CommandError::Invalid(v) if v.0[0].field == "reason"));
    let t2 = t.errand.apply(&officer(), status(Lifecycle::Open, Some("Hålet är tillbaka")), now()).unwrap();
    assert_eq!(t2.errand.resolved_at, None);
}

#[test]
fn closed_errands_can_only_be_reopened() {
    let mut e = errand();
    e.lifecycle = Lifecycle::Closed;
    let err = e.apply(&officer(), status(Lifecycle::InProgress, None), now()).unwrap_err();
    assert_eq!(err, CommandError::IllegalTransition { from: "closed", to: "in_progress" });
    assert!(e.apply(&officer(), status(Lifecycle::Open, Some("Ny uppgift")), now()).is_ok());
    assert!(e.apply(&officer(), status(Lifecycle::Closed, Some("x")), now()).is_err());
}

#[test]
fn the_contact_center_may_not_resolve_or_close_another_units_errand() {
    let agent = Actor::User {
        id: 9,
        name: "Agent".into(),
        role: crate::Role::Agent,
        unit: Some(UnitCode::parse("KC").unwrap()),
    };
    let decision = Decision { outcome: Outcome::Answered, text: "Klart".into() };
    let resolve = Command::ChangeStatus { to: Lifecycle::Resolved, reason: None, decision: Some(decision) };
    assert_eq!(
        errand().apply(&agent, resolve, now()).unwrap_err(),
        CommandError::NotPermitted { from: "new", to: "resolved" }
    );
    let close = status(Lifecycle::Closed, Some("Dubblett"));
    assert_eq!(
        errand().apply(&agent, close.clone(), now()).unwrap_err(),
        CommandError::NotPermitted { from: "new", to: "closed" }
    );
    // Closing without a decision needs a reason; with one, the owning unit may.
    let bare = errand().apply(&officer(), status(Lifecycle::Closed, Some("  ")), now()).unwrap_err();
    assert!(matches!(bare, CommandError::Invalid(v) if v.0[0].field == "reason"));
    assert!(errand().apply(&officer(), close, now()).is_ok());
    // Resolving without a decision is refused, as is a decision on another move.
    let undecided = errand().apply(&officer(), status(Lifecycle::Resolved, None), now()).unwrap_err();
    assert!(matches!(undecided, CommandError::Invalid(v) if v.0[0].field == "decision.outcome"));
    let stray = Command::ChangeStatus {
        to: Lifecycle::InProgress,
        reason: None,
        decision: Some(Decision { outcome: Outcome::Granted, text: "x".into() }),
    };
    assert!(matches!(errand().apply(&agent, stray, now()).unwrap_err(), CommandError::Invalid(_)));
}

#[test]
fn citizen_reply_resumes_waiting_errand() {
    let mut e = errand();
    e.lifecycle = Lifecycle::WaitingForCitizen;
    let t = e
        .apply(&officer(), Command::AddMessage { direction: Direction::In, body: "Här är bilden".into() }, now())
        .unwrap();
    assert_eq!(t.errand.lifecycle, Lifecycle::InProgress);
    assert_eq!(t.events.len(), 2);
    assert_eq!(t.errand.version, 2, "one command is one version, however many events");
}

#[test]
fn assignment_opens_new_errand_and_handover_clears_assignee() {
    let e = errand();
    let t = e.apply(&officer(), Command::Assign { assignee: Some(5) }, now()).unwrap();
    assert_eq!(t.errand.lifecycle, Lifecycle::Open);
    assert_eq!(e.apply(&officer(), Command::Assign { assignee: None }, now()).unwrap_err(), CommandError::NoChange);
    let h = t
        .errand
        .apply(
            &officer(),
            Command::HandOver { to_unit: UnitCode::parse("MF").unwrap(), reason: "Miljöfråga".into() },
            now(),
        )
        .unwrap();
    assert_eq!(h.errand.unit.as_str(), "MF");
    assert_eq!(h.errand.assignee, None);
    let same = h.errand.apply(
        &officer(),
        Command::HandOver { to_unit: UnitCode::parse("MF").unwrap(), reason: "x".into() },
        now(),
    );
    assert_eq!(same.unwrap_err(), CommandError::SameUnit);
}

#[test]
fn a_decision_may_be_demanded_after_six_months_and_must_come_within_four_weeks() {
    let early = errand().apply(&officer(), Command::DemandDecision, now()).unwrap_err();
    assert!(matches!(early, CommandError::Invalid(v) if v.0[0].code == "too_early"));
    let later = Utc.with_ymd_and_hms(2026, 9, 3, 8, 0, 0).unwrap();
    let t = errand().apply(&officer(), Command::DemandDecision, later).unwrap();
    assert_eq!(t.events, [EventKind::DecisionDemanded { deadline: later + chrono::Duration::weeks(4) }]);
}

#[test]
fn empty_note_is_rejected() {
    let err = errand().apply(&officer(), Command::AddNote { body: "  ".into() }, now()).unwrap_err();
    assert!(matches!(err, CommandError::Invalid(v) if v.0[0].field == "body"));
}

#[test]
fn parse_collects_all_violations_without_echoing_personal_numbers() {
    let raw = RawErrand {
        service_code: "".into(),
        title: "x".repeat(MAX_TITLE + 1),
        description: "ok".into(),
        channel: "fax".into(),
        parties: vec![RawParty {
            name: "Test Testsson".into(),
            personal_number: Some("19121212-1213".into()),
            email: Some("not-an-email".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let v = NewErrand::parse(raw).unwrap_err();
    let fields: Vec<_> = v.0.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(fields, ["service_code", "title", "channel", "parties[0].personal_number", "parties[0].email"]);
    assert!(!v.to_string().contains("1213"));
}

#[test]
fn parse_accepts_a_complete_errand() {
    let raw = RawErrand {
        service_code: "pothole".into(),
        title: " Hål i Sjögatan ".into(),
        description: "Stort hål".into(),
        channel: "web".into(),
        parties: vec![RawParty {
            name: "Tolvan Tolvansson".into(),
            personal_number: Some("19121212-1212".into()),
            email: Some("tolvan@example.com".into()),
            ..Default::default()
        }],
        labels: vec!["väg".into(), "väg".into()],
        ..Default::default()
    };
    let e = NewErrand::parse(raw).unwrap();
    assert_eq!(e.title, "Hål i Sjögatan");
    assert_eq!(e.labels, ["väg"]);
    assert_eq!(e.parties[0].contacts, [ContactChannel::Email("tolvan@example.com".into())]);
}

#[test]
fn an_email_address_is_a_bare_address_without_a_name_or_quotes() {
    assert!(is_plausible_email("anna.b+1@example.org"));
    for other in [
        "N<victim@example.org>",
        "<victim@example.org>",
        "\"victim\"@example.org",
        "=?utf-8?q?x?=victim@example.org",
        "victim@example.org.",
        "a b@example.org",
        "victim@example",
    ] {
        assert!(!is_plausible_email(other), "{other}");
    }
}

#[test]
fn a_decision_document_goes_with_a_decision_by_those_who_may_decide() {
    let document = |name: &str| Command::AttachDocument {
        document: DecisionDocument { name: name.into(), sha256: "ab".repeat(32), size: 1234 },
    };
    let open = errand().apply(&officer(), document("beslut.pdf"), now()).unwrap_err();
    assert!(matches!(open, CommandError::Invalid(v) if v.0[0].code == "no_decision"), "not before the decision");
    let decision = Decision { outcome: Outcome::Granted, text: "Beviljas".into() };
    let resolve = Command::ChangeStatus { to: Lifecycle::Resolved, reason: None, decision: Some(decision) };
    let resolved = errand().apply(&officer(), resolve, now()).unwrap().errand;
    let agent = Actor::User {
        id: 9,
        name: "Agent".into(),
        role: crate::Role::Agent,
        unit: Some(UnitCode::parse("KC").unwrap()),
    };
    assert!(matches!(resolved.apply(&agent, document("beslut.pdf"), now()), Err(CommandError::NotPermitted { .. })));
    let attached = resolved.apply(&officer(), document("Beslut 2026-03-03.pdf"), now()).unwrap();
    assert_eq!(attached.errand.version, resolved.version + 1);
    assert!(
        matches!(&attached.events[..], [EventKind::DocumentAttached { document }] if document.name == "Beslut 2026-03-03.pdf")
    );
    // A personnummer in the file's name is noticed, and masked on the timeline.
    assert!(document("beslut 19811218-9876.pdf").has_personal_number());
    let event = EventKind::DocumentAttached {
        document: DecisionDocument { name: "beslut 19811218-9876.pdf".into(), sha256: String::new(), size: 1 },
    };
    assert!(matches!(event.masked(), EventKind::DocumentAttached { document } if !document.name.contains("9876")));
}
