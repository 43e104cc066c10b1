//! A step's post, read as a stream: the form token and the draft are
//! checked before any file part is read, files are kept only for the step's
//! own file fields and up to one byte over the limit, text parts are
//! bounded, and the client address's upload limits are counted.

use super::*;

/// Bounds on the text parts of a step post: a field's answer is at most a
/// few thousand characters, so a larger part is an attack, not a citizen.
pub(super) const MAX_TEXT_PART_BYTES: usize = 64 * 1024;

pub(super) const MAX_TEXT_BYTES: usize = 512 * 1024;

/// A step's form as it is read: the answers and which button was pressed,
/// then the files.
#[derive(Default)]
pub(super) struct StepForm {
    pub(super) action: String,
    pub(super) answers: Answers,
    pub(super) uploads: Vec<Upload>,
    pub(super) text_bytes: usize,
}

/// Where a step post is saved: the draft it names, or a new draft when that
/// one has expired.
pub(super) enum StepTarget {
    Draft(DraftView),
    Restart,
}

impl StepForm {
    /// Reads text parts up to the form token and returns it. A file part
    /// before the token is refused: nothing large is read before the token
    /// and the draft have been checked.
    async fn read_to_token(&mut self, multipart: &mut Multipart) -> Result<String, StatusCode> {
        while let Some(field) = multipart.next_field().await.map_err(|e| e.status())? {
            if field.file_name().is_some() {
                return Err(StatusCode::BAD_REQUEST);
            }
            let name = field.name().unwrap_or_default().to_owned();
            let value = self.read_text(field).await?;
            if name == "csrf" {
                return Ok(value);
            }
            self.keep(name, value);
        }
        Ok(String::new())
    }

    /// Reads the rest of the form, keeping one file for each of `file_fields`
    /// (the step's); other files are skipped unread. A file is read up to
    /// one byte over the largest accepted, so that the check can say it is
    /// too large without the rest being held.
    async fn read_rest(&mut self, multipart: &mut Multipart, file_fields: &[&str]) -> Result<(), StatusCode> {
        while let Some(mut field) = multipart.next_field().await.map_err(|e| e.status())? {
            let name = field.name().unwrap_or_default().to_owned();
            let Some(file_name) = field.file_name().map(str::to_owned) else {
                let value = self.read_text(field).await?;
                self.keep(name, value);
                continue;
            };
            if !file_fields.contains(&name.as_str()) || self.uploads.iter().any(|u| u.field == name) {
                continue;
            }
            let mut content = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| e.status())? {
                let room = (MAX_FILE_BYTES + 1).saturating_sub(content.len());
                content.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if room <= chunk.len() {
                    break;
                }
            }
            self.uploads.push(Upload { field: name, name: file_name, content });
        }
        Ok(())
    }

    async fn read_text(&mut self, mut field: axum::extract::multipart::Field<'_>) -> Result<String, StatusCode> {
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| e.status())? {
            bytes.extend_from_slice(&chunk);
            self.text_bytes += chunk.len();
            if bytes.len() > MAX_TEXT_PART_BYTES || self.text_bytes > MAX_TEXT_BYTES {
                return Err(StatusCode::PAYLOAD_TOO_LARGE);
            }
        }
        String::from_utf8(bytes).map_err(|_| StatusCode::BAD_REQUEST)
    }

    fn keep(&mut self, name: String, value: String) {
        match name.as_str() {
            "action" => self.action = value,
            // Bounded: at most 200 fields of at most 50 values each (the
            // App keeps one per field, or a multiple choice's options).
            _ if self.answers.len() < 200 || self.answers.contains_key(&name) => {
                let values = self.answers.entry(name).or_default();
                if values.len() < 50 {
                    values.push(value);
                }
            }
            _ => {}
        }
    }
}

pub(super) async fn save_step(
    State(state): State<AppState>,
    t: Tr,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    ClientIp(ip): ClientIp,
    Path((code, draft, step)): Path<(String, String, String)>,
    mut multipart: Multipart,
) -> Response {
    let nav = Nav::new(user.as_ref(), &csrf);
    let mut form = StepForm::default();
    match form.read_to_token(&mut multipart).await {
        Ok(token) if csrf.matches(&token) => {}
        Ok(_) => return error_page(t, nav, StatusCode::BAD_REQUEST),
        Err(status) => return error_page(t, nav, status),
    }
    // A step posted to an expired draft starts a new one, which counts as a start.
    let target = match state.app.open_draft(&actor_of(user.as_ref()), &draft).await {
        Ok(view) if view.draft.service_code != code => return error_page(t, nav, StatusCode::NOT_FOUND),
        Ok(view) => StepTarget::Draft(view),
        Err(AppError::Expired)
            if state.app.submitted_draft(&actor_of(user.as_ref()), &draft).await.ok().flatten().is_none() =>
        {
            let key = state.limiter.key(("draft-start", ip));
            if state.limiter.count(key, ABUSE_WINDOW) >= DRAFTS_PER_ADDRESS {
                return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
            }
            state.limiter.hit(key, ABUSE_WINDOW);
            StepTarget::Restart
        }
        Err(e) => return draft_error(&state, t, nav, &code, &draft, user.as_ref(), e).await,
    };
    let definition = match &target {
        StepTarget::Draft(view) => Some(view.definition.clone()),
        StepTarget::Restart => state.app.eservice(&code),
    };
    let Some(fields) = definition.as_ref().and_then(|d| d.steps.iter().find(|s| s.id == step)).map(|s| &s.fields)
    else {
        return error_page(t, nav, StatusCode::NOT_FOUND);
    };
    let file_fields: Vec<&str> = fields.iter().filter(|f| f.kind == FieldKind::File).map(|f| f.name.as_str()).collect();
    if let Err(status) = form.read_rest(&mut multipart, &file_fields).await {
        return error_page(t, nav, status);
    }
    if let Err(reason) = count_uploads(&state, user.as_ref(), ip, &form.uploads) {
        tracing::warn!(target: "porten::security", event = "eservice.refused", reason);
        return error_page(t, nav, StatusCode::TOO_MANY_REQUESTS);
    }
    let out = match target {
        StepTarget::Draft(view) => state.app.save_step_in(view, &step, form.answers, form.uploads).await,
        StepTarget::Restart => {
            state.app.restart_step(&actor_of(user.as_ref()), &code, &step, form.answers, form.uploads).await
        }
    };
    let out = match out {
        Ok(out) => out,
        Err(e) => return draft_error(&state, t, nav, &code, &draft, user.as_ref(), e).await,
    };
    let saving = form.action == "save";
    if saving || out.restarted || !out.violations.is_empty() {
        // Saving for later shows no errors yet; they come when the citizen goes on.
        let violations = if saving { Violations::new() } else { out.violations };
        let shown = StepState { saved: saving, restarted: out.restarted };
        let t = t.at(format!("/e/{code}/{}/step/{step}", out.view.draft.id));
        return render_step(t, nav, &out.view, &step, &violations, shown);
    }
    let steps = &out.view.definition.steps;
    let index = steps.iter().position(|s| s.id == step).unwrap_or(0);
    match steps.get(index + 1) {
        Some(_) => Redirect::to(&step_href(&out.view, index + 1)).into_response(),
        None => Redirect::to(&format!("/e/{code}/{}/review", out.view.draft.id)).into_response(),
    }
}

/// Counts a step's files against the limits of its client address: how
/// many in [`ABUSE_WINDOW`], and for anyone but staff, how many
/// bytes a day. Nothing is counted when a limit would be passed.
pub(super) fn count_uploads(
    state: &AppState,
    user: Option<&Principal>,
    ip: Option<std::net::IpAddr>,
    uploads: &[Upload],
) -> Result<(), &'static str> {
    let files = uploads.iter().filter(|u| !u.content.is_empty()).count() as u32;
    if files == 0 {
        return Ok(());
    }
    let limiter = &state.limiter;
    let count = limiter.key(("upload", ip));
    if limiter.count(count, ABUSE_WINDOW) + files > FILES_PER_ADDRESS {
        return Err("files per address");
    }
    let bytes = uploads.iter().map(|u| u.content.len()).sum::<usize>().min(u32::MAX as usize) as u32;
    let stored = limiter.key(("upload-bytes", ip));
    let budget = state.config.upload_bytes_per_address_per_day;
    // Staff fill in forms for callers all day; visitors and citizens have a budget.
    let counted = user.is_none_or(|u| !u.role.is_staff());
    if counted && limiter.count(stored, DAY).saturating_add(bytes) > budget {
        return Err("bytes per address and day");
    }
    limiter.add(count, ABUSE_WINDOW, files);
    if counted {
        limiter.add(stored, DAY, bytes);
    }
    Ok(())
}
