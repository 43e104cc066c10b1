//! The errand export (`POST /staff/reports/export`): CSV of the errands
//! registered in the report's period, streamed page by page so that a
//! million rows take the memory of one page. Swedish settings (semicolons,
//! a byte-order mark for spreadsheets) are a choice; titles and parties
//! only with a stated purpose. The export is audited once, as it starts.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use porten_app::AppError;
use porten_app::reports::{Export, ExportCursor, ExportRow};
use porten_domain::Actor;
use porten_domain::report::{RawReportFilter, csv_field};
use porten_domain::time::to_stockholm;
use serde::Deserialize;

use crate::AppState;
use crate::pages::app_error_page;
use crate::staff::{Reporters, StaffForm};

#[derive(Deserialize)]
pub(super) struct ExportForm {
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    channel: String,
    /// `sv` for Swedish spreadsheet settings.
    #[serde(default)]
    style: String,
    /// `on` to include titles and parties.
    #[serde(default)]
    personal: String,
    #[serde(default)]
    purpose: String,
}

crate::staff::token_forms!(ExportForm);

const COLUMNS: [&str; 10] = [
    "registry_number",
    "service",
    "unit",
    "channel",
    "priority",
    "state",
    "confidential",
    "registered_at",
    "resolved_at",
    "assigned",
];
const PERSONAL: [&str; 2] = ["title", "parties"];

fn line(fields: impl IntoIterator<Item = String>, separator: char) -> String {
    let mut out = fields.into_iter().map(|f| csv_field(&f, separator)).collect::<Vec<_>>().join(&separator.to_string());
    out.push_str("\r\n");
    out
}

fn row(r: &ExportRow, personal: bool, separator: char) -> String {
    let time = |t: chrono::DateTime<chrono::Utc>| to_stockholm(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut fields = vec![
        r.registry_number.clone(),
        r.service.clone(),
        r.unit.clone(),
        r.channel.clone(),
        r.priority.clone(),
        r.lifecycle.clone(),
        u8::from(r.confidential).to_string(),
        time(r.created_at),
        r.resolved_at.map(time).unwrap_or_default(),
        u8::from(r.assigned).to_string(),
    ];
    if personal {
        fields.extend([r.title.clone(), r.parties.clone()]);
    }
    line(fields, separator)
}

/// Streams the export's pages as CSV text.
fn stream(state: AppState, actor: Actor, export: Export, separator: char, bom: bool) -> Body {
    let personal = export.personal();
    let mut head: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    if personal {
        head.extend(PERSONAL.iter().map(|c| (*c).to_owned()));
    }
    let first = format!("{}{}", if bom { "\u{feff}" } else { "" }, line(head, separator));
    // The state: `None` when done, else the cursor to go on after.
    let pages = futures_util::stream::unfold(Some(None::<ExportCursor>), move |after| {
        let (state, actor, export) = (state.clone(), actor.clone(), export.clone());
        async move {
            let after = after?;
            match state.app.export_page(&actor, &export, after).await {
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let next = rows.last().map(|r| Some(ExportCursor::after(r)));
                    let text: String = rows.iter().map(|r| row(r, personal, separator)).collect();
                    Some((Ok::<_, std::io::Error>(text), next))
                }
                // The client sees a cut-off file; the log says why.
                Err(e) => {
                    tracing::warn!(error = %e, "the errand export stopped");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    });
    let head = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) });
    Body::from_stream(futures_util::StreamExt::chain(head, pages))
}

pub(super) async fn export(
    State(state): State<AppState>,
    StaffForm { staff, form }: StaffForm<Reporters, ExportForm>,
) -> Response {
    let purpose = (form.personal == "on").then_some(form.purpose.as_str());
    let filter =
        RawReportFilter { from: form.from, to: form.to, unit: form.unit, service: form.service, channel: form.channel };
    match state.app.start_export(&staff.actor, &filter, purpose).await {
        Ok(export) => {
            let swedish = form.style == "sv";
            let name = format!(
                "attachment; filename=\"porten-errands-{}-{}{}.csv\"",
                export.first_day(),
                export.last_day(),
                if swedish { "-sv" } else { "" }
            );
            let body = stream(state.clone(), staff.actor.clone(), export, if swedish { ';' } else { ',' }, swedish);
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], body)
                .into_response()
        }
        Err(AppError::Invalid(v)) => super::render(&state, staff, filter, &v).await,
        Err(e) => app_error_page(staff.t, staff.nav, e),
    }
}
