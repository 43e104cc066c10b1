//! The agent's queues above the errand list: my errands, unassigned,
//! waiting for the citizen, breaching soon, and all open errands oldest
//! first, each a filtered list with its count.

use super::*;

/// A queue: its name, its list's address, how many errands it holds, and
/// whether it is the list shown.
pub(super) struct QueueLink {
    pub(super) label: String,
    pub(super) href: String,
    pub(super) count: u64,
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
    let queues: [(&str, Vec<(&str, &str)>); 5] = [
        ("mine", vec![("assignee_id", &me), ("active", "true"), ("sort", "due")]),
        ("unassigned", vec![("unassigned", "true"), ("active", "true"), ("sort", "oldest")]),
        ("waiting", vec![("status", "waiting_for_citizen"), ("sort", "oldest")]),
        ("breaching", vec![("breaching", "true"), ("active", "true"), ("sort", "due")]),
        ("open", vec![("active", "true"), ("sort", "oldest")]),
    ];
    let mut links = Vec::new();
    for (name, params) in queues {
        let text = serde_urlencoded::to_string(&params).unwrap_or_default();
        let parsed: ListParams = serde_urlencoded::from_str(&text).map_err(|_| AppError::NotFound)?;
        let filter = parse_filter(&ListParams { limit: Some(1), ..parsed }).map_err(AppError::Invalid)?;
        let count = state.app.list_errands(actor, filter).await?.total;
        links.push(QueueLink {
            label: t.get(&format!("queue-{name}")),
            href: format!("/staff/errands?{text}"),
            count,
            current: query == Some(text.as_str()),
        });
    }
    Ok(links)
}
