//! The review page (check the answers) and the submit, which leads to the
//! receipt on the tracking page.

use super::*;

/// One answer on the review page.
pub(super) struct ReviewRow {
    pub(super) label: String,
    pub(super) answer: String,
    pub(super) error: String,
    pub(super) id: String,
}

pub(super) struct ReviewStep {
    pub(super) title: String,
    pub(super) change: String,
    pub(super) rows: Vec<ReviewRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "eservice_review.html")]
pub(super) struct ReviewPage {
    pub(super) t: Tr,
    pub(super) nav: Nav,
    pub(super) title: String,
    pub(super) steps: Vec<ReviewStep>,
    pub(super) errors: Vec<ErrorLink>,
    pub(super) action: String,
    pub(super) assisted: bool,
}

/// How an answer reads on the review page.
pub(super) fn answer_text(t: &Tr, field: &Field, view: &DraftView) -> String {
    let answers: &[String] = view.draft.answers.get(&field.name).map_or(&[], Vec::as_slice);
    match field.kind {
        FieldKind::File => view.draft.files.iter().find(|f| f.field == field.name).map(|f| f.name.clone()),
        FieldKind::Checkbox => answers.first().map(|_| t.get("es-yes")),
        FieldKind::SingleChoice | FieldKind::MultipleChoice => {
            let labels: Vec<&str> = field
                .options
                .iter()
                .filter(|o| answers.contains(&o.value))
                .map(|o| t.pick(&o.label.sv, &o.label.en))
                .collect();
            (!labels.is_empty()).then(|| labels.join(", "))
        }
        _ => (!answers.is_empty()).then(|| answers.join(", ")),
    }
    .unwrap_or_else(|| t.get("es-not-answered"))
}

pub(super) fn render_review(t: Tr, nav: Nav, view: &DraftView, violations: &Violations) -> Response {
    let d = &view.definition;
    let with_files = view.answers_with_files();
    let steps = d
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| ReviewStep {
            title: t.pick(&s.title.sv, &s.title.en).to_owned(),
            change: step_href(view, i),
            rows: s
                .fields
                .iter()
                .filter(|f| d.shown(f, &with_files))
                .map(|f| ReviewRow {
                    label: t.pick(&f.label.sv, &f.label.en).to_owned(),
                    answer: answer_text(&t, f, view),
                    error: violations
                        .0
                        .iter()
                        .find(|v| v.field == f.name)
                        .map(|v| field_error(&t, f, v.code))
                        .unwrap_or_default(),
                    id: format!("f-{}", f.name),
                })
                .collect(),
        })
        .collect();
    let page = ReviewPage {
        title: t.pick(&d.title.sv, &d.title.en).to_owned(),
        steps,
        errors: summary(&t, d, violations),
        action: format!("/e/{}/{}/submit", view.draft.service_code, view.draft.id),
        assisted: view.draft.assisted_by.is_some(),
        t,
        nav,
    };
    let status = if violations.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

pub(super) async fn review_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((code, draft)): Path<(String, String)>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    match state.app.review_draft(&actor_of(user.as_ref()), &draft).await {
        Ok((view, _)) if view.draft.service_code == code => render_review(t, nav, &view, &Violations::new()),
        Ok(_) => error_page(t, nav, StatusCode::NOT_FOUND),
        Err(e) => draft_error(&state, t, nav, &code, &draft, user.as_ref(), e).await,
    }
}

pub(super) async fn submit(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path((code, draft)): Path<(String, String)>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    if !csrf.matches(&form.csrf) {
        return error_page(t, nav, StatusCode::BAD_REQUEST);
    }
    // Each submit may mail a receipt: one address cannot send without end.
    let key = state.limiter.key(("submit", ip));
    if !state.limiter.allow(key, ABUSE_WINDOW, SUBMITS_PER_ADDRESS) {
        tracing::warn!(target: "porten::security", event = "eservice.refused", reason = "submits per address");
        return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
    }
    match state.app.submit_draft_with_receipt(&actor_of(user.as_ref()), &draft, t.lang == Lang::En).await {
        Ok((token, ReceiptMail::Held)) => Redirect::to(&format!("/track/{token}?received=1&mail=held")).into_response(),
        Ok((token, _)) => Redirect::to(&format!("/track/{token}?received=1")).into_response(),
        Err(AppError::Invalid(v)) => match state.app.open_draft(&actor_of(user.as_ref()), &draft).await {
            Ok(view) => render_review(t.at(format!("/e/{code}/{draft}/review")), nav, &view, &v),
            Err(e) => draft_error(&state, t, nav, &code, &draft, user.as_ref(), e).await,
        },
        Err(e) => draft_error(&state, t, nav, &code, &draft, user.as_ref(), e).await,
    }
}
