//! Staffing one interval: the one function both the planning page and
//! `porten staffing` call, and the zero-contact rule it applies.

use porten_erlang::{Metrics, Queue, StaffingTarget, scheduled_agents};

use crate::PlanningError;
use crate::input::{DEFAULT_BACKLOG_OCCUPANCY, PlanningInput};

/// Fewer contacts than this in an interval are none: a forecast of a
/// millionth of a contact is rounding, not traffic.
pub const NO_CONTACTS_BELOW: f64 = 1e-6;

/// The minimum staffing of an interval inside opening hours on a live
/// channel (phone, visit): someone answers when the line is open, even
/// when no contact is forecast.
pub const OPEN_MINIMUM_AGENTS: u32 = 1;

/// What the number of agents of an interval is chosen by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StaffingGoal {
    /// The smallest number of agents meeting the target.
    Meet(StaffingTarget),
    /// Exactly `agents` agents (at least one), to see what they achieve
    /// against an answer-time target of `target_seconds`.
    Evaluate { agents: u32, target_seconds: f64 },
}

/// How intervals are staffed: the model, the goal, shrinkage and the
/// minimum staffing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StaffingRule {
    /// Length of the interval, seconds.
    pub interval_seconds: f64,
    /// Mean patience of callers; given, Erlang A, else Erlang C.
    pub patience_seconds: Option<f64>,
    pub goal: StaffingGoal,
    /// Share of paid time not available for contacts, in [0, 1).
    pub shrinkage: f64,
    /// Agents the interval gets whatever its traffic:
    /// [`OPEN_MINIMUM_AGENTS`] for an interval in opening hours, 0 for a
    /// standalone computation (`porten staffing`, which knows no opening
    /// hours). See [`staff_interval`].
    pub minimum_agents: u32,
}

/// One interval, staffed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntervalStaffing {
    /// Offered load, Erlangs (0 without contacts).
    pub offered_load: f64,
    /// Agents on the line, before shrinkage.
    pub agents: u32,
    /// Agents to schedule after shrinkage.
    pub scheduled: u32,
    /// The queue's figures; `None` without contacts, when waiting times,
    /// service level and the like are undefined.
    pub metrics: Option<Metrics>,
}

/// Staffs one interval with `calls` contacts offered, each taking
/// `aht_seconds`, by `rule`. The one staffing function: the planning page
/// (open intervals of a live channel) and `porten staffing` both call it.
///
/// **The zero-contact rule.** An interval with no contacts (fewer than
/// [`NO_CONTACTS_BELOW`]) gets `rule.minimum_agents` agents — or, when
/// evaluating, the agents asked about — and no queue figures. The minimum
/// is explicit so each caller states its rule: the planning page staffs
/// every interval inside opening hours with at least
/// [`OPEN_MINIMUM_AGENTS`] (one person answers an open line, even when no
/// contact is forecast), and does not staff intervals outside opening hours
/// at all (0); `porten staffing` has no notion of opening hours, so by
/// default (`--minimum-agents 0`) an interval with 0 offered calls gets 0
/// agents. With contacts, the agents are the smallest number meeting the
/// target, and never fewer than the minimum.
pub fn staff_interval(calls: f64, aht_seconds: f64, rule: &StaffingRule) -> Result<IntervalStaffing, PlanningError> {
    let scheduled = |agents| scheduled_agents(agents, rule.shrinkage);
    if calls < NO_CONTACTS_BELOW {
        let agents = match rule.goal {
            StaffingGoal::Meet(_) => rule.minimum_agents,
            StaffingGoal::Evaluate { agents, .. } => agents,
        };
        return Ok(IntervalStaffing { offered_load: 0.0, agents, scheduled: scheduled(agents)?, metrics: None });
    }
    let queue = Queue::from_interval(calls, rule.interval_seconds, aht_seconds, rule.patience_seconds)?;
    let metrics = match rule.goal {
        StaffingGoal::Meet(target) => {
            let m = queue.staff(&target)?;
            if m.agents < rule.minimum_agents {
                queue.evaluate(rule.minimum_agents, target.target_seconds)?
            } else {
                m
            }
        }
        StaffingGoal::Evaluate { agents, target_seconds } => queue.evaluate(agents, target_seconds)?,
    };
    Ok(IntervalStaffing {
        offered_load: queue.offered_load(),
        agents: metrics.agents,
        scheduled: scheduled(metrics.agents)?,
        metrics: Some(metrics),
    })
}

/// How one interval of a plan is staffed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Staffing {
    /// Agents needed on the line, before shrinkage.
    pub agents: u32,
    /// The agents the week's hours count: `agents` on a live channel; on a
    /// backlog channel the workload ÷ the occupancy cap, unrounded, since
    /// the work of a quiet interval is part of someone's time, not a person.
    pub agent_equivalents: f64,
    /// Agents to schedule after shrinkage.
    pub scheduled: u32,
    /// Achieved service level (among all offered contacts); `None` for a
    /// backlog channel, where contacts do not wait on the line.
    pub service_level: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub occupancy: f64,
    /// Share of callers abandoning (Erlang A only).
    pub abandon_rate: Option<f64>,
}

/// People on duty and scheduled in one interval, as a planner reads them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Heads {
    pub on_duty: f64,
    pub scheduled: f64,
    /// Decimals to show: 0 for whole people, 2 for a backlog channel's need.
    pub decimals: usize,
}

impl Heads {
    /// Nobody.
    pub const NONE: Heads = Heads { on_duty: 0.0, scheduled: 0.0, decimals: 0 };
}

impl Staffing {
    /// People on duty and scheduled, as a planner reads them: whole people
    /// on a live channel, the unrounded need on a backlog channel (a quiet
    /// interval's mail is part of someone's time).
    pub fn heads(&self, live: bool, shrinkage: f64) -> Heads {
        if live {
            Heads { on_duty: f64::from(self.agents), scheduled: f64::from(self.scheduled), decimals: 0 }
        } else {
            Heads {
                on_duty: self.agent_equivalents,
                scheduled: self.agent_equivalents / (1.0 - shrinkage),
                decimals: 2,
            }
        }
    }

    /// The plan's view of a staffed queue. An interval without contacts
    /// has nobody waiting: everyone (no one) is answered in time, at once.
    fn of_queue(s: IntervalStaffing, erlang_a: bool) -> Self {
        let only_a = |x: f64| erlang_a.then_some(x);
        match s.metrics {
            Some(m) => Staffing {
                agents: s.agents,
                agent_equivalents: f64::from(s.agents),
                scheduled: s.scheduled,
                service_level: Some(m.service_level),
                asa_seconds: Some(m.asa),
                occupancy: m.occupancy,
                abandon_rate: only_a(m.abandon_rate),
            },
            None => Staffing {
                agents: s.agents,
                agent_equivalents: f64::from(s.agents),
                scheduled: s.scheduled,
                service_level: Some(1.0),
                asa_seconds: Some(0.0),
                occupancy: 0.0,
                abandon_rate: only_a(0.0),
            },
        }
    }
}

/// Staffs `calls` contacts offered in one open interval of a live channel
/// ([`staff_interval`] with [`PlanningInput::open_interval_rule`]).
pub(crate) fn staff(calls: f64, aht_seconds: f64, input: &PlanningInput) -> Result<Staffing, PlanningError> {
    let s = staff_interval(calls, aht_seconds, &input.open_interval_rule())?;
    Ok(Staffing::of_queue(s, input.patience_seconds.is_some()))
}

/// Staffing for a backlog channel (e-mail, web forms): `work_seconds` of
/// handling in the interval at no more than the occupancy cap (default
/// [`DEFAULT_BACKLOG_OCCUPANCY`]). No queue, so no minimum staffing: the
/// need is the work, unrounded.
pub(crate) fn staff_backlog(work_seconds: f64, input: &PlanningInput) -> Result<Staffing, PlanningError> {
    let load = work_seconds / f64::from(input.interval_minutes * 60);
    let cap = input.max_occupancy.unwrap_or(DEFAULT_BACKLOG_OCCUPANCY);
    // A hair of tolerance so an exact multiple is not rounded up by float noise.
    let agents = (load / cap - 1e-9).ceil().max(0.0) as u32;
    Ok(Staffing {
        agents,
        agent_equivalents: load / cap,
        scheduled: scheduled_agents(agents, input.shrinkage)?,
        service_level: None,
        asa_seconds: None,
        occupancy: if agents > 0 { load / f64::from(agents) } else { 0.0 },
        abandon_rate: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(goal: StaffingGoal, minimum_agents: u32) -> StaffingRule {
        StaffingRule { interval_seconds: 1800.0, patience_seconds: None, goal, shrinkage: 0.3, minimum_agents }
    }

    const TEXTBOOK: StaffingGoal = StaffingGoal::Meet(StaffingTarget {
        service_level: 0.8,
        target_seconds: 20.0,
        max_asa_seconds: None,
        max_abandon: None,
        max_occupancy: None,
    });

    #[test]
    fn no_contacts_get_the_minimum_and_no_queue_figures() {
        let standalone = staff_interval(0.0, 180.0, &rule(TEXTBOOK, 0)).unwrap();
        assert_eq!((standalone.agents, standalone.scheduled, standalone.metrics), (0, 0, None));
        let open = staff_interval(0.0, 0.0, &rule(TEXTBOOK, OPEN_MINIMUM_AGENTS)).unwrap();
        assert_eq!((open.agents, open.scheduled, open.offered_load, open.metrics), (1, 2, 0.0, None));
        // Rounding noise of a forecast is no traffic.
        assert_eq!(staff_interval(NO_CONTACTS_BELOW / 2.0, 180.0, &rule(TEXTBOOK, 1)).unwrap(), open);
        let evaluated = StaffingGoal::Evaluate { agents: 4, target_seconds: 20.0 };
        assert_eq!(staff_interval(0.0, 180.0, &rule(evaluated, 0)).unwrap().agents, 4);
    }

    #[test]
    fn with_contacts_the_search_decides_and_the_minimum_is_a_floor() {
        // 100 calls in 30 minutes of 180 s: 10 Erlang, 14 agents for 80 % in 20 s.
        let searched = staff_interval(100.0, 180.0, &rule(TEXTBOOK, 1)).unwrap();
        assert_eq!((searched.agents, searched.scheduled), (14, 20));
        assert!(searched.metrics.unwrap().service_level >= 0.8);
        let floor = staff_interval(100.0, 180.0, &rule(TEXTBOOK, 16)).unwrap();
        let m = floor.metrics.unwrap();
        assert_eq!((floor.agents, m.agents), (16, 16));
        assert!(m.service_level > searched.metrics.unwrap().service_level);
        let err = staff_interval(100.0, 0.0, &rule(TEXTBOOK, 1)).unwrap_err();
        assert!(matches!(err, PlanningError::Staffing(porten_erlang::ErlangError::InvalidHandlingTime(_))));
    }

    #[test]
    fn the_page_and_the_cli_apply_the_same_rule() {
        // An open interval of the page is staff_interval with the open minimum.
        let input = PlanningInput { interval_minutes: 30, ..PlanningInput::default() };
        let quiet = staff(0.0, 300.0, &input).unwrap();
        let rule = input.open_interval_rule();
        assert_eq!(rule.minimum_agents, OPEN_MINIMUM_AGENTS);
        assert_eq!(quiet.agents, staff_interval(0.0, 300.0, &rule).unwrap().agents);
        assert_eq!(
            (quiet.agents, quiet.service_level, quiet.asa_seconds, quiet.occupancy),
            (1, Some(1.0), Some(0.0), 0.0)
        );
        let busy = staff(100.0, 180.0, &input).unwrap();
        assert_eq!(busy.agents, staff_interval(100.0, 180.0, &rule).unwrap().agents);
    }
}
