//! The access rules as one table: every role (and API keys with each scope,
//! and Porten itself) against every action, on errands of their own unit and
//! of another, confidential and not. The expectations are written out by
//! hand from the rules in `errands.rs`, `catalogue.rs`, `contacts.rs`,
//! `planning.rs`, `calendar.rs` and `lib.rs`, not computed by them.

use std::collections::BTreeSet;

use porten_app::{AppError, ListQuery};
use porten_domain::calendar::RawDayException;
use porten_domain::errand::RawErrand;
use porten_domain::{Actor, Channel, Command, Errand, RawLoggedContact, Scope, Service};
use porten_store::NewJob;

use crate::support::{TestApp, system};

/// `Y` when the action went through, `N` when it was refused (forbidden, or
/// "not found" for an errand the actor may not see). Anything else fails.
fn yn<T>(what: &str, who: &str, r: Result<T, AppError>) -> char {
    match r {
        Ok(_) => 'Y',
        Err(AppError::Forbidden | AppError::NotFound | AppError::Unauthenticated) => 'N',
        Err(other) => panic!("{who} {what}: unexpected {other:?}"),
    }
}

/// The errands every actor is tried against, in table-column order.
const COLUMNS: &str = "TK, TK confidential, KC, KC confidential, SOF (confidential service)";

#[tokio::test]
async fn every_role_and_scope_against_every_action() {
    let t = TestApp::new().await;
    let errands: Vec<Errand> = vec![
        t.errand("pothole", false).await,
        t.errand("pothole", true).await,
        t.errand("general-question", false).await,
        t.errand("general-question", true).await,
        t.errand("financial-assistance", false).await,
    ];
    assert!(errands[4].confidential, "a confidential service makes its errands confidential");

    // who; read, write (add a note) and list over the errand columns; register;
    // then catalogue, log contact, plan, edit calendar, define service, list
    // jobs, create API key, import ACD statistics.
    let table: [(&str, &str, &str, &str, char, &str); 9] = [
        ("citizen", "NNNNN", "NNNNN", "forbidden", 'Y', "YNNNNNNN"),
        ("agent", "YNYYN", "YNYYN", "YNYYN", 'Y', "YYYNNNNN"),
        ("case_officer", "YYNNN", "YYNNN", "YYNNN", 'Y', "YYNNNNNN"),
        ("unit_admin", "YYNNN", "YYNNN", "YYNNN", 'Y', "YYYYNNNN"),
        ("system_admin", "YYYYY", "YYYYY", "YYYYY", 'Y', "YYYYYYYY"),
        ("key errands:read", "YNYNN", "NNNNN", "YNYNN", 'N', "NNNNNNNN"),
        ("key errands:read+write", "YNYNN", "YNYNN", "YNYNN", 'Y', "NNNNNNNN"),
        ("key catalogue:read", "NNNNN", "NNNNN", "forbidden", 'N', "YNNNNNNN"),
        ("system", "YYYYY", "YYYYY", "YYYYY", 'Y', "YNYNYYYY"),
    ];
    for (who, read, write, list, register, other) in table {
        let actor: Actor = match who {
            "key errands:read" => t.key(&[Scope::ErrandsRead]).await,
            "key errands:read+write" => t.key(&[Scope::ErrandsRead, Scope::ErrandsWrite]).await,
            "key catalogue:read" => t.key(&[Scope::CatalogueRead]).await,
            "system" => system(),
            user => t.user(user),
        };
        let mut got_read = String::new();
        let mut got_write = String::new();
        for e in &errands {
            got_read.push(yn("read", who, t.app.read_errand(&actor, e.public_id, None).await));
            let note = Command::AddNote { body: format!("Anteckning av {who}") };
            got_write.push(yn("write", who, t.app.act_on_errand(&actor, e.public_id, None, note).await));
        }
        assert_eq!(got_read, read, "{who} reads ({COLUMNS})");
        assert_eq!(got_write, write, "{who} writes ({COLUMNS})");

        let query = ListQuery { limit: 200, ..Default::default() };
        let got_list = match t.app.list_errands(&actor, query).await {
            Ok(page) => {
                let listed: BTreeSet<_> = page.items.iter().map(|s| s.public_id).collect();
                assert_eq!(page.total as usize, listed.len(), "{who}: the total counts only what is listed");
                errands.iter().map(|e| if listed.contains(&e.public_id) { 'Y' } else { 'N' }).collect()
            }
            Err(AppError::Forbidden) => "forbidden".to_owned(),
            Err(other) => panic!("{who} list: unexpected {other:?}"),
        };
        assert_eq!(got_list, list, "{who} lists ({COLUMNS})");

        let raw = RawErrand {
            service_code: "pothole".into(),
            title: "Nytt ärende".into(),
            description: "Beskrivning".into(),
            channel: "web".into(),
            ..Default::default()
        };
        let registered = t.app.register_errand(&actor, raw).await;
        if let Ok(e) = &registered {
            // Keep the errand columns above as they were for the next actor.
            let close = Command::AddNote { body: "Registrerat i tabelltestet".into() };
            t.app.act_on_errand(&system(), e.public_id, None, close).await.unwrap();
        }
        assert_eq!(yn("register", who, registered), register, "{who} registers");

        let contact = RawLoggedContact {
            channel: Some("phone".into()),
            topic: Some("general".into()),
            outcome: Some("resolved".into()),
            minutes: Some("3".into()),
            ..Default::default()
        };
        let day = RawDayException {
            date: Some("2026-12-24".into()),
            open: Some("open".into()),
            note: Some("Julafton öppet".into()),
        };
        let pothole: Service = t.app.service(None, "pothole").await.unwrap().unwrap();
        let job = NewJob {
            kind: "test.noop".into(),
            payload: "{}".into(),
            unique_key: None,
            run_at: t.app.now(),
            max_attempts: 1,
        };
        let got_other: String = [
            yn("catalogue", who, t.app.services(Some(&actor)).await),
            yn("log contact", who, t.app.log_contact(&actor, &contact).await),
            yn("plan", who, t.app.planning_mix(&actor, Channel::Phone).await),
            yn("calendar", who, t.app.set_day_exception(&actor, &day).await),
            yn("define service", who, t.app.define_service(&actor, &pothole).await),
            yn("jobs", who, t.app.enqueue_job(&actor, &job).await),
            yn("api key", who, t.app.create_api_key(&actor, "Ny nyckel", &[Scope::ErrandsRead], None).await),
            yn("import acd", who, t.app.import_acd(&actor, &[]).await),
        ]
        .into_iter()
        .collect();
        assert_eq!(got_other, other, "{who}: catalogue, log, plan, calendar, define, jobs, key, import");
    }
    t.db.cleanup().await;
}

#[tokio::test]
async fn reads_of_personal_data_and_admin_writes_leave_audit_entries() {
    let t = TestApp::new().await;
    let e = t.errand("pothole", false).await;
    let officer = t.user("case_officer");
    t.app.read_errand(&officer, e.public_id, Some("utredning")).await.unwrap();
    t.clock.advance(chrono::Duration::minutes(5));
    let key = t.app.create_api_key(&system(), "Revoked", &[Scope::ErrandsRead], None).await.unwrap();
    t.app.revoke_api_key(&t.user("system_admin"), key.id).await.unwrap();
    let trail = t.app.audit_trail(&system(), &e).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!((trail[0].action.as_str(), trail[0].purpose.as_deref()), ("errand.read", Some("utredning")));
    assert_eq!(trail[0].at, t.app.now() - chrono::Duration::minutes(5), "App's clock stamps the entry");
    assert!(matches!(t.app.audit_trail(&officer, &e).await, Err(AppError::Forbidden)));
    assert!(
        matches!(t.app.revoke_api_key(&t.user("system_admin"), key.id).await, Err(AppError::NotFound)),
        "a revoked key cannot be revoked again"
    );
    t.db.cleanup().await;
}
