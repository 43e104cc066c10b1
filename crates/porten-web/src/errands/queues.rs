//! The agent's queues above the errand list: my errands, unassigned,
//! waiting for the citizen, breaching soon, all open errands oldest first,
//! and one per skill, each a filtered list with its count.

use super::*;

/// A queue: its name, its list's address, how many errands it holds, and
/// whether it is the list shown.
pub(super) struct QueueLink {
    pub(super) label: String,
    pub(super) href: String,
    /// How many, in words where the count stopped ("över 1 000").
    pub(super) count: String,
    pub(super) current: bool,
}

/// The queues of `user`, with counts within what they may see; `query` is
/// the list's query string, to mark the queue shown.
pub(super) async fn queue_links(
    state: &AppState,
    actor: &porten_domain::Actor,
    user_id: i64,
    t: &Tr,
    query: Option<&str>,
) -> Result<Vec<QueueLink>, AppError> {
    let me = user_id.to_string();
    let mut queues: Vec<(String, Vec<(&str, &str)>)> = [
        ("mine", vec![("assignee_id", me.as_str()), ("active", "true"), ("sort", "due")]),
        ("unassigned", vec![("unassigned", "true"), ("active", "true"), ("sort", "oldest")]),
        ("waiting", vec![("status", "waiting_for_citizen"), ("sort", "oldest")]),
        ("breaching", vec![("breaching", "true"), ("active", "true"), ("sort", "due")]),
        ("open", vec![("active", "true"), ("sort", "oldest")]),
    ]
    .into_iter()
    .map(|(name, params)| (t.get(&format!("queue-{name}")), params))
    .collect();
    // A queue per skill, of the errands whose services need it.
    let skills = state.app.skills(Some(actor)).await?;
    for skill in &skills {
        let label = t.with1("queue-skill", "skill", t.pick(&skill.name_sv, &skill.name_en).to_owned());
        queues.push((label, vec![("skill", skill.code.as_str()), ("active", "true"), ("sort", "oldest")]));
    }
    let mut lists = Vec::new();
    let mut parsed = Vec::new();
    for (label, params) in queues {
        let text = serde_urlencoded::to_string(&params).unwrap_or_default();
        let raw: ListParams = serde_urlencoded::from_str(&text).map_err(|_| AppError::NotFound)?;
        parsed.push(parse_filter(&raw).map_err(AppError::Invalid)?);
        lists.push((label, text));
    }
    let counts = state.app.count_errands(actor, &parsed).await?;
    let links = lists
        .into_iter()
        .zip(counts)
        .map(|((label, text), (total, exact))| QueueLink {
            label,
            count: match exact {
                true => total.to_string(),
                false => t.count("queue-count-more", "total", total),
            },
            current: query == Some(text.as_str()),
            href: format!("/staff/errands?{text}"),
        })
        .collect();
    Ok(links)
}

/// The signed-in person's availability, where their unit hands out errands
/// automatically: whether they are present, and how the unit hands out.
pub(super) struct Presence {
    pub(super) present: bool,
    pub(super) how: String,
}

/// `None` for someone not handed errands, or in a unit that assigns by hand.
pub(super) async fn presence(
    state: &AppState,
    actor: &porten_domain::Actor,
    t: &Tr,
) -> Result<Option<Presence>, AppError> {
    let porten_domain::Actor::User { unit: Some(unit), .. } = actor else { return Ok(None) };
    let Some(present) = state.app.presence(actor).await? else { return Ok(None) };
    let routing = state.app.routing_of(unit).await?;
    if !routing.automatic() {
        return Ok(None);
    }
    let strategy = t.get(&format!("presence-strategy-{}", routing.strategy.as_str()));
    let how = match routing.max_open {
        Some(max) => t.with("presence-how-capped", &[("strategy", strategy), ("max", max.to_string())]),
        None => t.with1("presence-how", "strategy", strategy),
    };
    Ok(Some(Presence { present, how }))
}

#[derive(Deserialize)]
pub(super) struct PresenceForm {
    pub(super) csrf: String,
    /// `present` or `away`.
    #[serde(default)]
    pub(super) presence: String,
}

crate::staff::token_forms!(PresenceForm);

/// Marks the signed-in person present (handing them waiting errands at
/// once) or away, then shows their errands.
pub(super) async fn set_presence(
    State(state): State<AppState>,
    crate::staff::StaffForm { staff: Staff { actor, t, nav, .. }, form }: crate::staff::StaffForm<
        AnyStaff,
        PresenceForm,
    >,
) -> Response {
    let present = match form.presence.as_str() {
        "present" => true,
        "away" => false,
        _ => return error_page(t, nav, StatusCode::UNPROCESSABLE_ENTITY),
    };
    match state.app.set_presence(&actor, present).await {
        Ok(_) => Redirect::to("/staff/errands").into_response(),
        Err(e) => app_error_page(t, nav, e),
    }
}
