//! Automatic assignment: a unit's strategy and cap hand its waiting errands
//! to present staff; the rest waits in the unassigned queue until someone
//! has room; a reopened errand leaves an owner who is away; the timeline
//! says why.

use porten_app::ListQuery;
use porten_domain::assignment::{Routing, Strategy, Why};
use porten_domain::errand_list::{ErrandFilter, Sort};
use porten_domain::{Actor, Command, Errand, EventKind, Lifecycle, Outcome, Role, Unit};

use crate::support::{PASSWORD, TestApp, code, system};

/// Gives TK this routing and two more case officers: the fixture's
/// `case_officer`, then `officer2` and `officer3`, in order of user id.
async fn tk(t: &TestApp, strategy: Strategy, max_open: Option<u32>) -> [Actor; 3] {
    let routing = Routing { strategy, max_open };
    let unit = Unit {
        code: code("TK"),
        name_sv: "Enhet TK".into(),
        name_en: "Unit TK".into(),
        contact_center: false,
        routing,
    };
    t.app.define_unit(&system(), &unit).await.unwrap();
    let mut officers = vec![t.user("case_officer")];
    for name in ["officer2", "officer3"] {
        let id = t.app.create_user(&system(), name, name, Role::CaseOfficer, Some(code("TK")), PASSWORD).await.unwrap();
        officers.push(Actor::User { id, name: name.into(), role: Role::CaseOfficer, unit: Some(code("TK")) });
    }
    officers.try_into().unwrap()
}

fn id(actor: &Actor) -> i64 {
    match actor {
        Actor::User { id, .. } => *id,
        _ => unreachable!(),
    }
}

async fn errands(t: &TestApp, n: usize) -> Vec<Errand> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(t.errand("pothole", false).await);
    }
    out
}

/// Each errand's assignee now, in the order given.
async fn assignees(t: &TestApp, errands: &[Errand]) -> Vec<Option<i64>> {
    let mut out = Vec::new();
    for e in errands {
        out.push(t.db.store.get_errand(e.public_id).await.unwrap().unwrap().assignee);
    }
    out
}

async fn unassigned(t: &TestApp) -> u64 {
    let filter = ErrandFilter { unassigned: true, active: Some(true), ..Default::default() };
    let q = ListQuery { filter, breaching: false, sort: Sort::Oldest, limit: 1, after: None };
    t.app.list_errands(&t.user("unit_admin"), q).await.unwrap().total
}

/// The reasons automatic assignment gave on an errand's timeline.
async fn whys(t: &TestApp, errand: &Errand) -> Vec<(Option<i64>, Why)> {
    let view = t.app.read_errand(&t.user("unit_admin"), errand.public_id, None).await.unwrap();
    view.timeline
        .iter()
        .filter_map(|ev| match &ev.kind {
            EventKind::Assigned { to, why: Some(why), .. } => Some((*to, *why)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn round_robin_hands_out_to_present_officers_up_to_their_cap_and_the_rest_waits() {
    let t = TestApp::new().await;
    let [a, b, c] = tk(&t, Strategy::RoundRobin, Some(2)).await;
    let list = errands(&t, 7).await;
    assert_eq!(t.app.hand_out(&code("TK")).await.unwrap(), 0, "nobody is present");
    assert_eq!(unassigned(&t).await, 7, "all seven wait, visibly");
    assert_eq!(t.app.presence(&a).await.unwrap(), Some(false), "away until one says otherwise");

    // Becoming present hands out at once, oldest first, up to the cap.
    assert_eq!(t.app.set_presence(&a, true).await.unwrap(), 2);
    assert_eq!(t.app.set_presence(&b, true).await.unwrap(), 2);
    let (a_id, b_id, c_id) = (id(&a), id(&b), id(&c));
    let got = assignees(&t, &list).await;
    assert_eq!(got, [Some(a_id), Some(a_id), Some(b_id), Some(b_id), None, None, None]);
    assert_eq!(unassigned(&t).await, 3);
    assert_eq!(whys(&t, &list[0]).await, [(Some(a_id), Why::RoundRobin)], "the timeline says why");
    let opened = t.db.store.get_errand(list[0].public_id).await.unwrap().unwrap();
    assert_eq!(opened.lifecycle, Lifecycle::Open, "a new errand handed out is open");

    // A third comes in; then room is freed by a decision, and the next in
    // line goes to the one with room.
    assert_eq!(t.app.set_presence(&c, true).await.unwrap(), 2);
    assert_eq!(assignees(&t, &list[4..]).await, [Some(c_id), Some(c_id), None]);
    assert_eq!(t.app.hand_out(&code("TK")).await.unwrap(), 0, "everyone holds two");
    let done = Command::resolve(Outcome::Answered, "Lagat.");
    t.app.act_on_errand(&b, list[2].public_id, None, done).await.unwrap();
    assert_eq!(t.app.hand_out(&code("TK")).await.unwrap(), 1);
    assert_eq!(assignees(&t, &list[6..]).await, [Some(b_id)]);
    assert_eq!(unassigned(&t).await, 0);

    // Away: nothing more for them, even with room.
    t.app.set_presence(&b, false).await.unwrap();
    t.app.act_on_errand(&b, list[3].public_id, None, Command::resolve(Outcome::Answered, "Lagat.")).await.unwrap();
    let late = t.errand("pothole", false).await;
    assert_eq!(t.app.hand_out(&code("TK")).await.unwrap(), 0, "the only one with room is away");
    assert_eq!(assignees(&t, std::slice::from_ref(&late)).await, [None]);
    t.db.cleanup().await;
}

#[tokio::test]
async fn fewest_open_fills_the_least_loaded_first() {
    let t = TestApp::new().await;
    let [a, b, c] = tk(&t, Strategy::FewestOpen, None).await;
    let held = errands(&t, 4).await;
    for (e, who) in held.iter().zip([&a, &a, &a, &b]) {
        let mine = Command::Assign { assignee: Some(id(who)) };
        t.app.act_on_errand(who, e.public_id, None, mine).await.unwrap();
    }
    t.app.set_presence(&a, true).await.unwrap();
    t.app.set_presence(&b, true).await.unwrap();
    let new = errands(&t, 3).await;
    assert_eq!(t.app.hand_out(&code("TK")).await.unwrap(), 3);
    let (a_id, b_id) = (id(&a), id(&b));
    // b holds 1, a 3: b gets two, and then a, waiting longer, wins the tie at 3.
    assert_eq!(assignees(&t, &new).await, [Some(b_id), Some(b_id), Some(a_id)]);
    assert_eq!(whys(&t, &new[0]).await, [(Some(b_id), Why::FewestOpen)]);
    assert_eq!(t.app.presence(&c).await.unwrap(), Some(false));
    assert_eq!(t.app.presence(&t.user("unit_admin")).await.unwrap(), None, "a supervisor takes no errands");
    assert!(t.app.set_presence(&t.user("unit_admin"), true).await.is_err());
    t.db.cleanup().await;
}

#[tokio::test]
async fn a_reopened_errand_goes_to_a_present_colleague_when_its_owner_is_away() {
    let t = TestApp::new().await;
    let [a, b, _] = tk(&t, Strategy::RoundRobin, None).await;
    let e = t.errand("pothole", false).await;
    t.app.set_presence(&a, true).await.unwrap();
    assert_eq!(assignees(&t, std::slice::from_ref(&e)).await, [Some(id(&a))]);
    t.app.act_on_errand(&a, e.public_id, None, Command::resolve(Outcome::Granted, "Lagat.")).await.unwrap();
    t.app.set_presence(&a, false).await.unwrap();
    t.app.set_presence(&b, true).await.unwrap();

    let reopen = Command::status(Lifecycle::InProgress, Some("Hålet är tillbaka."));
    t.app.act_on_errand(&t.user("unit_admin"), e.public_id, None, reopen).await.unwrap();
    // The `assign` consumer sees the reopening in the feed.
    let mut moved = false;
    for _ in 0..3000 {
        t.app.consume_feed(porten_app::assignment::CONSUMER, porten_app::assignment::consume).await.unwrap();
        if assignees(&t, std::slice::from_ref(&e)).await == [Some(id(&b))] {
            moved = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(moved, "the reopened errand went to the present colleague");
    let why = whys(&t, &e).await;
    assert_eq!(why.last(), Some(&(Some(id(&b)), Why::OwnerAway)));
    t.db.cleanup().await;
}
