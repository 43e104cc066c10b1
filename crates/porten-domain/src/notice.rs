//! Notices (*notiser*) to staff: which events on an errand's timeline
//! someone should see in their workspace (and by e-mail, if they chose
//! so). The assignee hears that an errand was given to them by someone
//! else or by automatic assignment, that the citizen answered, and that
//! the SLA clock is about to pass or has passed its target; a breach also
//! goes to the unit's administrators (the escalation).

use serde::{Deserialize, Serialize};

use crate::errand::{Direction, EventKind, TimelineEvent};
use crate::sla::Alert;

/// What a notice says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The errand was assigned to you.
    Assigned,
    /// The citizen answered.
    Answered,
    /// The errand will soon pass its SLA target.
    Warning,
    /// The errand passed its SLA target.
    Breached,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] = [Self::Assigned, Self::Answered, Self::Warning, Self::Breached];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Answered => "answered",
            Self::Warning => "warning",
            Self::Breached => "breached",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who is noticed of `event`, and of what: `assignee` is who holds the
/// errand now, `admins` the administrators of its unit. Nobody is noticed
/// of what they did themselves.
pub fn recipients(event: &TimelineEvent, assignee: Option<i64>, admins: &[i64]) -> Vec<(i64, NoticeKind)> {
    let mut out: Vec<(i64, NoticeKind)> = match &event.kind {
        EventKind::Assigned { to: Some(to), .. } => vec![(*to, NoticeKind::Assigned)],
        EventKind::Message { direction: Direction::In, .. } => {
            assignee.map(|a| (a, NoticeKind::Answered)).into_iter().collect()
        }
        EventKind::SlaAlert { alert: Alert::Warning, .. } => {
            assignee.map(|a| (a, NoticeKind::Warning)).into_iter().collect()
        }
        EventKind::SlaAlert { alert: Alert::Breached, .. } => {
            assignee.into_iter().chain(admins.iter().copied()).map(|a| (a, NoticeKind::Breached)).collect()
        }
        _ => Vec::new(),
    };
    out.retain(|(user, _)| event.actor_id != Some(*user) || event.actor_kind != "user");
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::assignment::Why;

    fn event(actor_id: Option<i64>, kind: EventKind) -> TimelineEvent {
        let actor_kind = if actor_id.is_some() { "user" } else { "system" }.to_owned();
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        TimelineEvent { id: 1, at, actor_kind, actor_id, actor_name: String::new(), kind }
    }

    #[test]
    fn an_errand_given_to_someone_else_or_by_routing_notices_them_but_taking_it_oneself_does_not() {
        let to_7 = |why| EventKind::Assigned { from: None, to: Some(7), why };
        assert_eq!(recipients(&event(Some(3), to_7(None)), Some(7), &[]), [(7, NoticeKind::Assigned)]);
        assert_eq!(recipients(&event(None, to_7(Some(Why::RoundRobin))), Some(7), &[]), [(7, NoticeKind::Assigned)]);
        assert_eq!(recipients(&event(Some(7), to_7(None)), Some(7), &[]), []);
        let unassigned = EventKind::Assigned { from: Some(7), to: None, why: None };
        assert_eq!(recipients(&event(Some(3), unassigned), None, &[]), []);
    }

    #[test]
    fn a_citizens_answer_notices_the_assignee_and_the_citys_own_message_does_not() {
        let answer = EventKind::Message { direction: Direction::In, body: "Här är bilden".into() };
        assert_eq!(recipients(&event(None, answer.clone()), Some(7), &[]), [(7, NoticeKind::Answered)]);
        assert_eq!(recipients(&event(None, answer), None, &[]), []);
        let reply = EventKind::Message { direction: Direction::Out, body: "Tack".into() };
        assert_eq!(recipients(&event(Some(3), reply), Some(7), &[]), []);
    }

    #[test]
    fn a_warning_goes_to_the_assignee_and_a_breach_escalates_to_the_units_administrators() {
        let due = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let warning = EventKind::SlaAlert { alert: Alert::Warning, due };
        assert_eq!(recipients(&event(None, warning), Some(7), &[20, 21]), [(7, NoticeKind::Warning)]);
        let breach = EventKind::SlaAlert { alert: Alert::Breached, due };
        assert_eq!(
            recipients(&event(None, breach.clone()), Some(7), &[20, 7]),
            [(7, NoticeKind::Breached), (20, NoticeKind::Breached)]
        );
        assert_eq!(recipients(&event(None, breach), None, &[20]), [(20, NoticeKind::Breached)]);
    }
}
