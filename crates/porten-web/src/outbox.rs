//! The mail outbox for system admins (`/staff/outbox`): the mail waiting to
//! go out, oldest first, with its tries and the relay's last answer; each
//! can be tried again at once or given up. Nothing waits in silence: the
//! count and the oldest age are also in `/metrics`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::i18n::{Tr, local_time};
use crate::pages::{CsrfOnly, Done, Nav, app_error_page};
use crate::routes::Routes;
use crate::staff::{Staff, StaffForm, SystemAdmins};

/// The most mails the page lists.
const LIMIT: u32 = 200;

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/outbox", outbox_page)
        .post("/staff/outbox/{id}/retry", retry)
        .post("/staff/outbox/{id}/give-up", give_up)
}

struct Row {
    id: i64,
    recipient: String,
    subject: String,
    queued: String,
    attempts: u32,
    next_try: String,
    last_error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "outbox.html")]
struct OutboxPage {
    t: Tr,
    nav: Nav,
    rows: Vec<Row>,
    total: u64,
    oldest_hours: String,
    done: String,
}

async fn outbox_page(
    State(state): State<AppState>,
    staff: Staff<SystemAdmins>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Response {
    let Staff { actor, t, nav, .. } = staff;
    let (waiting, (total, oldest)) = match (state.app.outbox(&actor, LIMIT).await, state.app.mail_backlog(&actor).await)
    {
        (Ok(w), Ok(b)) => (w, b),
        (Err(e), _) | (_, Err(e)) => return app_error_page(t, nav, e),
    };
    let rows = waiting
        .into_iter()
        .map(|w| Row {
            id: w.mail.id,
            recipient: w.mail.recipient,
            subject: w.mail.subject,
            queued: local_time(w.mail.created_at),
            attempts: w.attempts,
            next_try: w.next_try.map(local_time).unwrap_or_default(),
            last_error: w.last_error.unwrap_or_default(),
        })
        .collect();
    let done = match q.done.as_str() {
        "retry" => t.get("outbox-done-retry"),
        "give-up" => t.get("outbox-done-give-up"),
        _ => String::new(),
    };
    OutboxPage { rows, total, oldest_hours: format!("{:.1}", oldest / 3600.0), done, t, nav }.into_response()
}

async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm<SystemAdmins, CsrfOnly>,
) -> Response {
    // Parsed after the access check: a malformed id is "no such mail".
    let id = id.parse().unwrap_or(-1);
    match state.app.retry_mail(&staff.actor, id).await {
        Ok(()) => Redirect::to("/staff/outbox?done=retry").into_response(),
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}

async fn give_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm { staff, .. }: StaffForm<SystemAdmins, CsrfOnly>,
) -> Response {
    // Parsed after the access check: a malformed id is "no such mail".
    let id = id.parse().unwrap_or(-1);
    match state.app.give_up_mail(&staff.actor, id).await {
        Ok(()) => Redirect::to("/staff/outbox?done=give-up").into_response(),
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}
