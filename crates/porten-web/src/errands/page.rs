//! One errand for staff: its timeline and parties, the personnummer revealed
//! for a stated purpose (audited), and its attached files.

use porten_domain::catalogue::status_words;
use porten_domain::lifecycle::{Needs, next_states};
use porten_domain::{ContactChannel, Outcome, Standing, Viewer};

use super::*;
use crate::staff::StaffForm;

pub(super) struct EventRow {
    pub(super) label: String,
    pub(super) at: String,
    pub(super) actor: String,
    pub(super) text: String,
    /// Where the text links to (a decision's document).
    pub(super) href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "errand.html")]
pub(super) struct ErrandPage {
    pub(super) t: Tr,
    pub(super) nav: Nav,
    pub(super) id: String,
    pub(super) registry_number: String,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) service: String,
    pub(super) unit: String,
    pub(super) channel: String,
    pub(super) assignee: String,
    pub(super) created: String,
    pub(super) confidential: bool,
    pub(super) description: String,
    pub(super) parties: Vec<String>,
    pub(super) events: Vec<EventRow>,
    pub(super) version: i64,
    pub(super) next_states: Vec<SelectOption>,
    /// The outcomes of a decision, when the viewer may resolve the errand.
    pub(super) outcomes: Vec<SelectOption>,
    /// The status as the citizen reads it, when it differs from the staff word.
    pub(super) citizen_status: Option<String>,
    pub(super) can_assign_self: bool,
    pub(super) priority: String,
    /// Related errands from the timeline: (link, registry number, how related).
    pub(super) related: Vec<(String, String, String)>,
    /// Public articles on the errand's service to draft a reply from.
    pub(super) replies: Vec<SelectOption>,
    /// The SLA and legal clocks, and the SLA clock's segments.
    pub(super) clocks: Vec<ClockRow>,
    pub(super) ledger: Vec<String>,
    /// The party may demand a decision now (12 §) and has not yet.
    pub(super) can_record_demand: bool,
    /// The errand is decided and the user may decide it: the form for the
    /// decision's document.
    pub(super) can_attach_document: bool,
    /// The errand page's other controls: units to hand over to, colleagues
    /// to assign, priorities.
    pub(super) handover_units: Vec<SelectOption>,
    pub(super) assignable: Vec<SelectOption>,
    pub(super) priorities: Vec<SelectOption>,
    pub(super) error: Option<String>,
    pub(super) error_field: String,
    pub(super) notice: Option<String>,
    pub(super) typed: Typed,
    /// Personal identity numbers are shown in full (after a reveal).
    pub(super) revealed: bool,
    /// The e-service answers: (question, answer).
    pub(super) answers: Vec<(String, String)>,
    /// Where the errand is, as text, and a map link for its coordinates.
    pub(super) location: Option<(String, Option<String>)>,
    /// Attached files: (link, name, type and size).
    pub(super) attachments: Vec<(String, String, String)>,
    /// "E-service version 1", with who filled it in for the citizen.
    pub(super) submitted_through: String,
}

/// One line of the errand's clocks: what, when, and how it stands
/// (`ok`, `warning`, `breached`, `paused`, `done`).
pub(super) struct ClockRow {
    pub(super) label: String,
    pub(super) value: String,
    pub(super) state: &'static str,
}

/// The clocks as the staff page shows them: the SLA targets, the legal
/// clock, and the SLA clock's ledger of segments.
fn clock_rows(
    t: &Tr,
    clocks: &porten_app::sla::Clocks,
    active: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> (Vec<ClockRow>, Vec<String>) {
    use porten_domain::sla::Clock;
    let mut rows = Vec::new();
    let target = |due: &porten_domain::sla::Due| -> (String, &'static str) {
        match due.at {
            _ if !active => (t.get("clock-stopped"), "done"),
            Some(at) if due.breached() => (t.with1("clock-breached", "time", local_time(at)), "breached"),
            Some(at) if due.warning(clocks.warn_percent) => (t.with1("clock-soon", "time", local_time(at)), "warning"),
            Some(at) => (local_time(at), "ok"),
            None => (t.get("clock-paused"), "paused"),
        }
    };
    match (&clocks.first_response, clocks.responded_at) {
        (_, Some(at)) => rows.push(ClockRow {
            label: t.get("clock-first-response"),
            value: t.with1("clock-answered", "time", local_time(at)),
            state: "done",
        }),
        (Some(due), None) => {
            let (value, state) = target(due);
            rows.push(ClockRow { label: t.get("clock-first-response"), value, state });
        }
        (None, None) => {}
    }
    if let Some(due) = &clocks.resolution {
        let (value, state) = target(due);
        rows.push(ClockRow { label: t.get("clock-resolution"), value, state });
    }
    // The legal clock matters while the errand is open.
    if active {
        let legal = &clocks.legal;
        let legal_state = match now {
            now if now >= legal.demand_possible => "breached",
            now if now >= legal.warn_from => "warning",
            _ => "ok",
        };
        rows.push(ClockRow {
            label: t.get("clock-legal"),
            value: local_time(legal.demand_possible),
            state: legal_state,
        });
        if let Some((_, deadline)) = clocks.demanded {
            let state = if now >= deadline { "breached" } else { "warning" };
            rows.push(ClockRow { label: t.get("clock-demanded"), value: local_time(deadline), state });
        }
    }
    let ledger = clocks
        .segments
        .iter()
        .map(|s| {
            let key = if s.clock == Clock::Running { "clock-segment-running" } else { "clock-segment-paused" };
            let until = s.to.map(local_time).unwrap_or_else(|| t.get("clock-segment-now"));
            let reason = t.get(&format!("clock-reason-{}", s.reason));
            t.with(key, &[("from", local_time(s.from)), ("to", until), ("reason", reason)])
        })
        .collect();
    (rows, ledger)
}

/// What a re-rendered errand page tells the user, and what they had typed.
#[derive(Default)]
pub(super) struct Feedback {
    /// The message and the id of the field it is about.
    pub(super) error: Option<(String, &'static str)>,
    pub(super) notice: Option<String>,
    pub(super) typed: Typed,
    /// Show personal identity numbers in full, for this purpose (audited).
    pub(super) reveal_purpose: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Flash {
    pub(super) saved: Option<u8>,
    pub(super) conflict: Option<u8>,
    /// A knowledge article to draft the message to the citizen from.
    pub(super) reply: Option<String>,
}

pub(super) async fn errand_page(
    State(state): State<AppState>,
    Staff { user, t, csrf, .. }: Staff<AnyStaff>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let notice = if flash.conflict.is_some() {
        Some(t.get("errand-conflict"))
    } else if flash.saved.is_some() {
        Some(t.get("errand-saved"))
    } else {
        None
    };
    // A reply drafted from an article, to edit before sending.
    let message = match &flash.reply {
        Some(slug) => match state.app.canned_reply(&user_actor(&user), slug).await {
            Ok(text) => text,
            Err(e) => return app_error_page(t, Nav::new(Some(&user), &csrf), e),
        },
        None => String::new(),
    };
    let typed = Typed { message, ..Typed::default() };
    render_errand(&state, t, &csrf, &user, &id, Feedback { notice, typed, ..Default::default() }).await
}

pub(super) async fn render_errand(
    state: &AppState,
    t: Tr,
    csrf: &CsrfToken,
    user: &Principal,
    id: &str,
    feedback: Feedback,
) -> Response {
    let nav = Nav::new(Some(user), csrf);
    let Ok(public_id) = PublicId::parse(id) else { return error_page(t, nav, StatusCode::NOT_FOUND) };
    let read = match &feedback.reveal_purpose {
        Some(purpose) => state.app.reveal_errand(&user_actor(user), public_id, purpose).await,
        None => state.app.read_errand(&user_actor(user), public_id, None).await,
    };
    let revealed = feedback.reveal_purpose.is_some();
    let view = match read {
        Ok(v) => v,
        Err(AppError::Invalid(_)) if revealed => {
            let retry = Feedback { error: Some((t.get("errand-reveal-error"), "purpose")), ..Feedback::default() };
            return Box::pin(render_errand(state, t, csrf, user, id, retry)).await;
        }
        Err(e) => return app_error_page(t, nav, e),
    };
    // Opening the errand is seeing its notices.
    if let Err(e) = state.app.mark_notices_seen(&user_actor(user), Some(view.errand.id)).await {
        return app_error_page(t, nav, e);
    }
    let view_clocks = match state.app.errand_clocks(&view).await {
        Ok(c) => c,
        Err(e) => return app_error_page(t, nav, e),
    };
    let people = match state.app.errand_people(&view.errand).await {
        Ok(p) => p,
        Err(e) => return app_error_page(t, nav, e),
    };
    let submission = match state.app.submission(&user_actor(user), &view.errand).await {
        Ok(s) => s,
        Err(e) => return app_error_page(t, nav, e),
    };
    let e = view.errand;
    let service = view.service;
    let location = e.location.as_ref().map(|l| {
        let map =
            l.point.map(|p| format!("https://www.openstreetmap.org/?mlat={0}&mlon={1}#map=18/{0}/{1}", p.lat, p.long));
        (l.text(), map)
    });
    let definition = submission.as_ref().and_then(|s| state.app.eservices().version(&e.service_code, s.version));
    let answers = e
        .form
        .iter()
        .map(|(k, v)| {
            let label = definition
                .as_ref()
                .and_then(|d| d.fields().find(|f| &f.name == k))
                .map_or_else(|| k.clone(), |f| t.pick(&f.label.sv, &f.label.en).to_owned());
            // A choice shows its label in the reader's language, not its code.
            let english = t.lang == crate::i18n::Lang::En;
            let value = definition.as_ref().map_or_else(|| v.clone(), |d| d.answer_text(k, v, english));
            (label, value)
        })
        .collect();
    let attachments = submission
        .as_ref()
        .map(|s| {
            s.attachments
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let href = format!("/staff/errands/{}/attachments/{i}", e.public_id);
                    (href, f.name.clone(), format!("{}, {} kB", f.media_type, f.size.div_ceil(1024)))
                })
                .collect()
        })
        .unwrap_or_default();
    let submitted_through = match &submission {
        None => String::new(),
        Some(s) => {
            let assisted = match s.assisted_by {
                Some(id) => state.app.user_name(id).await.ok().flatten(),
                None => None,
            };
            // Version 0 has no form: the errand came in by e-mail.
            let version = match s.version {
                0 => t.get("errand-by-mail"),
                v => t.with1("errand-eservice-version", "version", v),
            };
            match assisted {
                Some(name) => format!("{version} {}", t.with1("errand-eservice-assisted", "name", name)),
                None => version,
            }
        }
    };
    let assignee = match e.assignee {
        Some(_) => people.assignee_name.unwrap_or_default(),
        None => t.get("errand-unassigned"),
    };
    let status = t.staff_status(e.lifecycle).to_owned();
    let citizen_status = {
        let (sv, en) = status_words(service.as_ref(), e.lifecycle, Viewer::Citizen);
        Some(t.pick(sv, en).to_owned()).filter(|c| *c != status)
    };
    let parties = e
        .parties
        .iter()
        .map(|p| {
            // A reporter who left only an e-mail address has no name.
            let name = if p.name == "–" { t.get("party-unnamed") } else { p.name.clone() };
            let mut s = format!("{name} ({})", t.get(&format!("party-{}", p.role.as_str())));
            if let Some(n) = &p.personal_number {
                s.push_str(&format!(", {}", if revealed { n.expose().to_owned() } else { n.masked() }));
            }
            if let Some(o) = &p.organisation_number {
                s.push_str(&format!(", {}", o.as_str()));
            }
            for contact in &p.contacts {
                let (ContactChannel::Email(c) | ContactChannel::Phone(c)) = contact;
                s.push_str(&format!(", {c}"));
            }
            s
        })
        .collect();
    let mut documents = 0..;
    let events = view
        .timeline
        .iter()
        .map(|ev| {
            let mut href = None;
            let (label, text) = match &ev.kind {
                EventKind::DocumentAttached { document } => {
                    let n = documents.next().unwrap_or_default();
                    href = Some(format!("/staff/errands/{}/documents/{n}", e.public_id));
                    (t.get("event-document_attached"), document.name.clone())
                }
                EventKind::Registered { channel, .. } => (
                    t.with1("event-registered", "channel", t.get(&format!("channel-{}", channel.as_str()))),
                    String::new(),
                ),
                EventKind::Message { direction, body } => {
                    let key = if *direction == porten_domain::Direction::In {
                        "event-message-in"
                    } else {
                        "event-message-out"
                    };
                    (t.get(key), body.clone())
                }
                EventKind::Note { body } => (t.get("event-note"), body.clone()),
                EventKind::StatusChanged { from, to, reason } => (
                    t.get("event-status_changed"),
                    format!(
                        "{} → {}{}",
                        t.staff_status(*from),
                        t.staff_status(*to),
                        reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
                    ),
                ),
                EventKind::Decided { outcome, text } => {
                    let (sv, en) = outcome.words();
                    (t.with1("track-event-decision", "outcome", t.pick(sv, en)), text.clone())
                }
                EventKind::Assigned { to, why, .. } => {
                    let name = to.and_then(|to| people.assignable.iter().find(|(id, _)| *id == to));
                    let why = why.map(|w| t.get(&format!("assigned-why-{}", assignment_why(w))));
                    let text = [name.map(|(_, n)| n.clone()), why].into_iter().flatten().collect::<Vec<_>>();
                    (t.get("event-assigned"), text.join(". "))
                }
                EventKind::HandedOver { from_unit, to_unit, reason } => {
                    (t.get("event-handed_over"), format!("{from_unit} → {to_unit}: {reason}"))
                }
                EventKind::Escalated { reason } => (t.get("event-escalated"), reason.clone()),
                EventKind::SlaAlert { alert, due } => (
                    t.get(&format!("event-sla_alert-{}", alert.as_str())),
                    match alert {
                        porten_domain::sla::Alert::Breached => t.with1("sla-alert-at", "date", local_time(*due)),
                        porten_domain::sla::Alert::Warning => String::new(),
                    },
                ),
                EventKind::ContactLogged { channel, outcome } => (
                    t.with1("event-contact_logged", "channel", t.get(&format!("channel-{}", channel.as_str()))),
                    t.get(&format!("contacts-outcome-{}", outcome.as_str())),
                ),
                EventKind::Linked { other } => (t.get("event-linked"), other.registry_number.clone()),
                EventKind::MergedInto { survivor } => (t.get("event-merged_into"), survivor.registry_number.clone()),
                EventKind::MergedFrom { duplicate } => (t.get("event-merged_from"), duplicate.registry_number.clone()),
                EventKind::DecisionDemanded { deadline } => {
                    (t.get("event-decision_demanded"), t.with1("errand-demand-deadline", "date", local_time(*deadline)))
                }
                EventKind::PriorityChanged { from, to } => (
                    t.get("event-priority_changed"),
                    format!(
                        "{} → {}",
                        t.get(&format!("priority-{}", from.as_str())),
                        t.get(&format!("priority-{}", to.as_str()))
                    ),
                ),
            };
            EventRow { label, at: local_time(ev.at), actor: ev.actor_name.clone(), text, href }
        })
        .collect();
    // The moves the lifecycle table gives this user on this errand;
    // resolving has its own form, with the decision.
    let moves = Standing::of(&user_actor(user), &e.unit).map(|s| next_states(e.lifecycle, s)).unwrap_or_default();
    let may_resolve = moves.iter().any(|(to, _)| *to == Lifecycle::Resolved);
    let next_states = moves
        .into_iter()
        .filter(|(to, _)| *to != Lifecycle::Resolved)
        .map(|(to, needs)| SelectOption {
            value: to.as_str().into(),
            label: match needs {
                Needs::Reason => t.with1("errand-status-needs-reason", "status", t.staff_status(to)),
                _ => t.staff_status(to).to_owned(),
            },
            selected: false,
        })
        .collect();
    let outcomes = match may_resolve {
        false => Vec::new(),
        true => Outcome::ALL
            .into_iter()
            .map(|o| SelectOption {
                value: o.as_str().into(),
                label: t.pick(o.words().0, o.words().1).to_owned(),
                selected: feedback.typed.outcome == o.as_str(),
            })
            .collect(),
    };
    let handover_units = people
        .other_units
        .iter()
        .map(|u| SelectOption {
            value: u.code.to_string(),
            label: t.pick(&u.name_sv, &u.name_en).to_owned(),
            selected: feedback.typed.handover_unit == u.code.as_str(),
        })
        .collect();
    let assignable = people
        .assignable
        .iter()
        .map(|(id, name)| SelectOption {
            value: id.to_string(),
            label: name.clone(),
            selected: e.assignee == Some(*id),
        })
        .collect();
    let priorities = porten_domain::Priority::ALL
        .into_iter()
        .map(|p| SelectOption {
            value: p.as_str().into(),
            label: t.get(&format!("priority-{}", p.as_str())),
            selected: p == e.priority,
        })
        .collect();
    let related = view
        .timeline
        .iter()
        .filter_map(|ev| match &ev.kind {
            EventKind::Linked { other } => Some((other, "related-linked")),
            EventKind::MergedInto { survivor } => Some((survivor, "related-survivor")),
            EventKind::MergedFrom { duplicate } => Some((duplicate, "related-duplicate")),
            _ => None,
        })
        .map(|(r, key)| (format!("/staff/errands/{}", r.public_id), r.registry_number.clone(), t.get(key)))
        .collect();
    let replies = match state.app.canned_replies(&user_actor(user), &e.service_code).await {
        Ok(r) => r.into_iter().map(|r| SelectOption { selected: false, value: r.slug, label: r.title }).collect(),
        Err(err) => return app_error_page(t, nav, err),
    };
    let now = state.app.now();
    let (clocks, ledger) = clock_rows(&t, &view_clocks, e.lifecycle.is_active(), now);
    let can_record_demand =
        e.lifecycle.is_active() && view_clocks.demanded.is_none() && now >= view_clocks.legal.demand_possible;
    let can_attach_document = e.lifecycle == Lifecycle::Resolved && Standing::may_decide(&user_actor(user), &e.unit);
    let (error, error_field) = match feedback.error {
        Some((m, f)) => (Some(m), f.to_owned()),
        None => (None, String::new()),
    };
    let page = ErrandPage {
        id: e.public_id.to_string(),
        registry_number: e.registry_number.to_string(),
        title: e.title.clone(),
        status,
        service: service.map(|s| t.pick(&s.name_sv, &s.name_en).to_owned()).unwrap_or_else(|| e.service_code.clone()),
        unit: people.unit.map(|u| t.pick(&u.name_sv, &u.name_en).to_owned()).unwrap_or_else(|| e.unit.to_string()),
        channel: t.get(&format!("channel-{}", e.channel.as_str())),
        assignee,
        created: local_time(e.created_at),
        confidential: e.confidential,
        description: e.description.clone(),
        parties,
        events,
        version: e.version,
        next_states,
        outcomes,
        citizen_status,
        can_assign_self: e.assignee != Some(user.id),
        priority: t.get(&format!("priority-{}", e.priority.as_str())),
        related,
        replies,
        clocks,
        ledger,
        can_record_demand,
        can_attach_document,
        handover_units,
        assignable,
        priorities,
        error,
        error_field,
        notice: feedback.notice,
        typed: feedback.typed,
        revealed,
        answers,
        location,
        attachments,
        submitted_through,
        t,
        nav,
    };
    let status = if page.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (status, page).into_response()
}

#[derive(Deserialize)]
pub(super) struct RevealForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) purpose: String,
}

/// The errand page with every personal identity number in full, for the
/// purpose the staff member gives (audited); the next page view masks them again.
pub(super) async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff: Staff { user, t, csrf, .. }, form }: StaffForm<AnyStaff, RevealForm>,
) -> Response {
    let feedback = Feedback { reveal_purpose: Some(form.purpose), ..Feedback::default() };
    render_errand(&state, t.at(format!("/staff/errands/{id}")), &csrf, &user, &id, feedback).await
}

/// An attached file, for staff who may read the errand (audited).
pub(super) async fn attachment(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<AnyStaff>,
    Path((id, n)): Path<(String, String)>,
) -> Response {
    let (Ok(public_id), Ok(n)) = (PublicId::parse(&id), n.parse::<usize>()) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    match state.app.attachment(&actor, public_id, n).await {
        Ok((file, content)) => crate::api::file_response(&file, content),
        Err(e) => app_error_page(t, nav, e),
    }
}

crate::staff::token_forms!(RevealForm);

/// The name of an automatic assignment's reason, as in the message keys.
fn assignment_why(why: porten_domain::assignment::Why) -> &'static str {
    use porten_domain::assignment::Why;
    match why {
        Why::RoundRobin => "round_robin",
        Why::FewestOpen => "fewest_open",
        Why::OwnerAway => "owner_away",
    }
}
