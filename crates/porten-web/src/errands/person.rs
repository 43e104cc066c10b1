//! A caller's history by personal identity number: posted, never in the
//! address bar, and audited (`App::errands_of_person`).

use super::*;
use crate::staff::StaffForm;

#[derive(Deserialize)]
pub(super) struct PersonForm {
    pub(super) csrf: String,
    #[serde(default)]
    pub(super) personal_number: String,
}

crate::staff::token_forms!(PersonForm);

/// The errands of the person with the posted personnummer, within what the
/// staff member may open; a number that is not valid is said so.
pub(super) async fn person_search(
    State(state): State<AppState>,
    StaffForm { staff: Staff { actor, t, nav, .. }, form }: StaffForm<AnyStaff, PersonForm>,
) -> Response {
    let t = t.at("/staff/errands".to_owned());
    match state.app.errands_of_person(&actor, &form.personal_number).await {
        Ok(found) => {
            let shown = porten_domain::PersonalIdentityNumber::parse(form.personal_number.trim())
                .map(|n| n.masked())
                .unwrap_or_default();
            let rows: Vec<ErrandRow> = found.into_iter().map(|s| row(&t, s)).collect();
            let total = rows.len();
            let heading = t.with1("errands-person-heading", "number", shown);
            let page =
                ErrandListPage { person: Some(heading), ..search_results(t, nav, String::new(), rows, total, None) };
            page.into_response()
        }
        Err(AppError::Invalid(_)) => {
            let page = ErrandListPage {
                error: Some(t.get("errands-person-invalid")),
                ..search_results(t, nav, String::new(), Vec::new(), 0, None)
            };
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(e) => app_error_page(t, nav, e),
    }
}
