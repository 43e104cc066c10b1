//! The decision's document on the staff errand page: attached as a PDF
//! (a multipart form whose form token comes before the file, so that no
//! file is read for a forged post) and fetched by staff who may read the
//! errand.

use axum::extract::Multipart;
use porten_app::eservices::files::MAX_FILE_BYTES;
use porten_domain::eservice::FileRef;

use super::*;

/// The largest post: the document and two small fields.
pub(super) const MAX_DOCUMENT_POST: usize = MAX_FILE_BYTES + 16 * 1024;

/// A text part of the form (the token, the version): short.
const MAX_TEXT_PART: usize = 1024;

/// The form as read: its token and version, then the file.
#[derive(Default)]
struct DocumentForm {
    csrf: String,
    version: Option<i64>,
    file: Option<(String, Vec<u8>)>,
}

/// Reads the form; a file before the token, or text parts too long, are a
/// bad request. The file is read up to one byte over the limit.
async fn read_form(multipart: &mut Multipart, csrf: &CsrfToken) -> Result<DocumentForm, StatusCode> {
    let mut form = DocumentForm::default();
    while let Some(mut field) = multipart.next_field().await.map_err(|e| e.status())? {
        let name = field.name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        match field.file_name().map(str::to_owned) {
            Some(file_name) if name == "document" && csrf.matches(&form.csrf) => {
                while let Some(chunk) = field.chunk().await.map_err(|e| e.status())? {
                    let room = (MAX_FILE_BYTES + 1).saturating_sub(bytes.len());
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if room <= chunk.len() {
                        break;
                    }
                }
                form.file = Some((file_name, bytes));
            }
            Some(_) => return Err(StatusCode::BAD_REQUEST),
            None => {
                while let Some(chunk) = field.chunk().await.map_err(|e| e.status())? {
                    bytes.extend_from_slice(&chunk);
                    if bytes.len() > MAX_TEXT_PART {
                        return Err(StatusCode::PAYLOAD_TOO_LARGE);
                    }
                }
                let value = String::from_utf8(bytes).map_err(|_| StatusCode::BAD_REQUEST)?;
                match name.as_str() {
                    "csrf" => form.csrf = value,
                    "version" => form.version = value.trim().parse().ok(),
                    _ => {}
                }
            }
        }
    }
    if !csrf.matches(&form.csrf) {
        return Err(StatusCode::BAD_REQUEST);
    }
    Ok(form)
}

/// Attaches the decision's document, then shows the errand; a file that is
/// not a PDF, too large or missing comes back with an error summary.
pub(super) async fn attach_document(
    State(state): State<AppState>,
    staff: Staff<AnyStaff>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let Ok(public_id) = PublicId::parse(&id) else {
        return error_page(staff.t, staff.nav, StatusCode::NOT_FOUND);
    };
    let form = match read_form(&mut multipart, &staff.csrf).await {
        Ok(form) => form,
        Err(status) => return error_page(staff.t, staff.nav, status),
    };
    let (name, content) = form.file.unwrap_or_default();
    let Staff { user, actor, t, nav, csrf, .. } = staff;
    let t = t.at(format!("/staff/errands/{public_id}"));
    let outcome = state.app.attach_decision_document(&actor, public_id, form.version, &name, content).await;
    let error = match outcome {
        Ok(_) => return Redirect::to(&format!("/staff/errands/{public_id}?saved=1")).into_response(),
        Err(AppError::Invalid(v)) => {
            let code = v.0.first().map_or("invalid", |f| f.code);
            t.with1(&format!("violation-{code}"), "field", t.get("errand-document-label"))
        }
        Err(AppError::Conflict { .. }) => t.get("errand-conflict-kept"),
        Err(AppError::Refused { code: "not_permitted", .. }) => t.get("errand-not-permitted"),
        Err(e) => return app_error_page(t, nav, e),
    };
    let feedback = Feedback { error: Some((error, "document")), ..Feedback::default() };
    render_errand(&state, t, &csrf, &user, &id, feedback).await
}

/// A decision's document, for staff who may read the errand (audited).
pub(super) async fn document(
    State(state): State<AppState>,
    Staff { actor, t, nav, .. }: Staff<AnyStaff>,
    Path((id, n)): Path<(String, String)>,
) -> Response {
    let (Ok(public_id), Ok(n)) = (PublicId::parse(&id), n.parse::<usize>()) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    match state.app.decision_document(&actor, public_id, n).await {
        Ok(doc) => pdf_response(doc),
        Err(e) => app_error_page(t, nav, e),
    }
}

/// A decision's document as a download.
pub(crate) fn pdf_response(doc: porten_app::documents::Document) -> Response {
    let size = doc.content.len() as u64;
    let file = FileRef {
        field: "decision".into(),
        name: doc.name,
        sha256: String::new(),
        media_type: "application/pdf".into(),
        size,
    };
    crate::api::file_response(&file, doc.content)
}
