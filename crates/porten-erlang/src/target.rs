//! What a staffing must achieve, and shrinkage.

use crate::{ErlangError, Metrics, positive_finite};

pub(crate) fn check_target_time(t: f64) -> Result<(), ErlangError> {
    if t.is_finite() && t >= 0.0 { Ok(()) } else { Err(ErlangError::InvalidTargetTime(t)) }
}

/// What a staffing must achieve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StaffingTarget {
    /// Required service level, strictly between 0 and 1: the fraction of
    /// offered calls answered within `target_seconds` (e.g. 0.8).
    pub service_level: f64,
    /// The answer-time target in seconds (e.g. 20).
    pub target_seconds: f64,
    /// Optional cap on the average speed of answer, in seconds.
    pub max_asa_seconds: Option<f64>,
    /// Optional cap on the probability of abandonment (Erlang A only).
    pub max_abandon: Option<f64>,
    /// Optional cap on occupancy, in (0, 1].
    pub max_occupancy: Option<f64>,
}

impl StaffingTarget {
    /// A target of `service_level` answered within `target_seconds`, with no
    /// further caps.
    pub fn new(service_level: f64, target_seconds: f64) -> Self {
        Self { service_level, target_seconds, max_asa_seconds: None, max_abandon: None, max_occupancy: None }
    }

    /// Checks every field, returning the first problem.
    pub fn validate(&self) -> Result<(), ErlangError> {
        let sl = self.service_level;
        if !(sl > 0.0 && sl < 1.0) {
            return Err(ErlangError::InvalidServiceLevel(sl));
        }
        check_target_time(self.target_seconds)?;
        if let Some(asa) = self.max_asa_seconds
            && !positive_finite(asa)
        {
            return Err(ErlangError::InvalidAsaTarget(asa));
        }
        if let Some(cap) = self.max_abandon
            && !(cap > 0.0 && cap <= 1.0)
        {
            return Err(ErlangError::InvalidAbandonCap(cap));
        }
        if let Some(cap) = self.max_occupancy {
            if cap.is_nan() || cap > 1.0 {
                return Err(ErlangError::InvalidOccupancyCap(cap));
            }
            if cap <= 0.0 {
                return Err(ErlangError::UnreachableOccupancyCap(cap));
            }
        }
        Ok(())
    }

    /// Whether `m` meets every part of this target.
    pub fn is_met_by(&self, m: &Metrics) -> bool {
        m.service_level >= self.service_level
            && self.max_asa_seconds.is_none_or(|cap| m.asa <= cap)
            && self.max_abandon.is_none_or(|cap| m.abandon_rate <= cap)
            && self.max_occupancy.is_none_or(|cap| m.occupancy <= cap)
    }
}

/// Scheduled staff after shrinkage: `⌈agents / (1 − shrinkage)⌉`.
///
/// Shrinkage is the fraction of paid time agents are not available for
/// calls (breaks, training, meetings, absence), in [0, 1). A quotient that
/// is an integer up to floating-point rounding (e.g. 14 / (1 − 0.3) = 20) is
/// not rounded up.
///
/// ```
/// assert_eq!(porten_erlang::scheduled_agents(14, 0.3).unwrap(), 20);
/// assert_eq!(porten_erlang::scheduled_agents(15, 0.3).unwrap(), 22);
/// ```
pub fn scheduled_agents(agents: u32, shrinkage: f64) -> Result<u32, ErlangError> {
    if !(0.0..1.0).contains(&shrinkage) {
        return Err(ErlangError::InvalidShrinkage(shrinkage));
    }
    let exact = f64::from(agents) / (1.0 - shrinkage);
    // Up to 1e-9 (relative) above an integer counts as that integer.
    let scheduled = (exact - 1e-9 * exact.max(1.0)).ceil().max(0.0);
    if scheduled > f64::from(u32::MAX) {
        return Err(ErlangError::TooManyAgents { agents: scheduled, limit: u32::MAX });
    }
    Ok(scheduled as u32)
}
