//! A step's page: its fields with what was typed, hints and errors.

use super::*;

/// One choice of a choice field, as shown.
pub(super) struct OptionView {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) checked: bool,
}

/// One field of a step, as shown.
pub(super) struct FieldView {
    pub(super) name: String,
    /// `text`, `textarea`, `radio`, `checkboxes`, `checkbox` or `file`.
    pub(super) widget: &'static str,
    /// The `type` of a text input.
    pub(super) input_type: &'static str,
    pub(super) inputmode: &'static str,
    pub(super) autocomplete: &'static str,
    pub(super) label: String,
    pub(super) help: String,
    /// "Answer only if …", for a field shown for an answer on the same step.
    pub(super) condition: String,
    pub(super) required: bool,
    pub(super) error: String,
    pub(super) value: String,
    pub(super) options: Vec<OptionView>,
    /// The file already uploaded for this field.
    pub(super) file_name: String,
    /// The ids of the texts that describe the input: condition, help, file
    /// hints, error.
    pub(super) describedby: String,
    pub(super) max_length: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "eservice_step.html")]
pub(super) struct StepPage {
    pub(super) t: Tr,
    pub(super) nav: Nav,
    pub(super) title: String,
    pub(super) step_title: String,
    pub(super) progress: String,
    pub(super) action: String,
    pub(super) back: Option<String>,
    pub(super) fields: Vec<FieldView>,
    pub(super) errors: Vec<ErrorLink>,
    pub(super) saved: bool,
    pub(super) restarted: bool,
    pub(super) resume_link: String,
    /// Until when the draft is kept (Stockholm time).
    pub(super) kept_until: String,
}

pub(super) fn field_view(
    t: &Tr,
    definition: &Definition,
    step: &Step,
    field: &Field,
    view: &DraftView,
    errors: &Violations,
) -> FieldView {
    let answers: &[String] = view.draft.answers.get(&field.name).map_or(&[], Vec::as_slice);
    let condition = match &field.show_if {
        Some(c) if step.fields.iter().any(|f| f.name == c.field) => {
            let controlling = definition.fields().find(|f| f.name == c.field);
            let answer = controlling
                .and_then(|f| f.options.iter().find(|o| o.value == c.equals))
                .map_or(c.equals.clone(), |o| t.pick(&o.label.sv, &o.label.en).to_owned());
            let question = controlling.map_or(String::new(), |f| t.pick(&f.label.sv, &f.label.en).to_owned());
            t.with("es-condition", &[("question", question), ("answer", answer)])
        }
        _ => String::new(),
    };
    let (widget, input_type, inputmode, autocomplete) = match field.kind {
        FieldKind::Textarea => ("textarea", "", "", ""),
        FieldKind::SingleChoice => ("radio", "", "", ""),
        FieldKind::MultipleChoice => ("checkboxes", "", "", ""),
        FieldKind::Checkbox => ("checkbox", "", "", ""),
        FieldKind::File => ("file", "", "", ""),
        FieldKind::Number => ("text", "text", "decimal", ""),
        FieldKind::Date => ("text", "date", "", ""),
        FieldKind::Email => ("text", "email", "email", "email"),
        FieldKind::Phone => ("text", "tel", "tel", "tel"),
        FieldKind::Personnummer | FieldKind::Organisationsnummer => ("text", "text", "numeric", "off"),
        FieldKind::Address => ("text", "text", "", "street-address"),
        FieldKind::Coordinates => ("text", "text", "decimal", "off"),
        FieldKind::Text => ("text", "text", "", if field.name == "name" { "name" } else { "" }),
    };
    let options = match field.kind {
        FieldKind::Checkbox => vec![OptionView {
            value: "yes".into(),
            label: t.pick(&field.label.sv, &field.label.en).to_owned(),
            checked: answers.iter().any(|a| a == "yes"),
        }],
        _ => field
            .options
            .iter()
            .map(|o| OptionView {
                value: o.value.clone(),
                label: t.pick(&o.label.sv, &o.label.en).to_owned(),
                checked: answers.contains(&o.value),
            })
            .collect(),
    };
    let error =
        errors.0.iter().find(|v| v.field == field.name).map(|v| field_error(t, field, v.code)).unwrap_or_default();
    let file_name = view.draft.files.iter().find(|f| f.field == field.name).map(|f| f.name.clone()).unwrap_or_default();
    let help = field.help.as_ref().map(|h| t.pick(&h.sv, &h.en).to_owned()).unwrap_or_default();
    let parts = [
        (!condition.is_empty(), "condition"),
        (!help.is_empty(), "hint"),
        (field.kind == FieldKind::File, "types"),
        (!file_name.is_empty(), "current"),
        (!error.is_empty(), "error"),
    ];
    let describedby =
        parts.iter().filter(|(on, _)| *on).map(|(_, p)| format!("f-{}-{p}", field.name)).collect::<Vec<_>>().join(" ");
    FieldView {
        describedby,
        name: field.name.clone(),
        widget,
        input_type,
        inputmode,
        autocomplete,
        label: t.pick(&field.label.sv, &field.label.en).to_owned(),
        help,
        condition,
        required: field.required,
        error,
        value: answers.first().cloned().unwrap_or_default(),
        options,
        file_name,
        max_length: field.max_length,
    }
}

pub(super) struct StepState {
    pub(super) saved: bool,
    pub(super) restarted: bool,
}

pub(super) fn render_step(
    t: Tr,
    nav: Nav,
    view: &DraftView,
    step_id: &str,
    violations: &Violations,
    state: StepState,
) -> Response {
    let d = &view.definition;
    let Some(index) = d.steps.iter().position(|s| s.id == step_id) else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    let step = &d.steps[index];
    let answers = &view.draft.answers;
    // A field whose condition rests on an earlier step's answer is shown only when that answer holds.
    let fields = step
        .fields
        .iter()
        .filter(|f| match &f.show_if {
            Some(c) if !step.fields.iter().any(|o| o.name == c.field) => d.shown(f, answers),
            _ => true,
        })
        .map(|f| field_view(&t, d, step, f, view, violations))
        .collect::<Vec<_>>();
    let page = StepPage {
        title: t.pick(&d.title.sv, &d.title.en).to_owned(),
        step_title: t.pick(&step.title.sv, &step.title.en).to_owned(),
        progress: t.with("es-progress", &[("n", (index + 1).to_string()), ("total", d.steps.len().to_string())]),
        action: format!("/e/{}/{}/step/{}", view.draft.service_code, view.draft.id, step.id),
        back: index.checked_sub(1).map(|i| step_href(view, i)),
        errors: summary(&t, d, violations),
        fields,
        saved: state.saved,
        restarted: state.restarted,
        resume_link: step_href(view, index),
        kept_until: crate::i18n::local_time(view.draft.expires_at),
        t,
        nav,
    };
    let status = if violations.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    (status, page).into_response()
}

pub(super) async fn step_page(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Path((code, draft, step)): Path<(String, String, String)>,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    match state.app.open_draft(&actor_of(user.as_ref()), &draft).await {
        Ok(view) if view.draft.service_code == code => {
            render_step(t, nav, &view, &step, &Violations::new(), StepState { saved: false, restarted: false })
        }
        Ok(_) => error_page(t, nav, StatusCode::NOT_FOUND),
        Err(e) => draft_error(&state, t, nav, &code, &draft, user.as_ref(), e).await,
    }
}
