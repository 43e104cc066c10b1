//! The one error type of this crate.

use std::fmt;

/// Everything that can be wrong with the input to this crate.
///
/// No function of this crate panics on bad input; it returns one of these.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErlangError {
    /// The arrival rate (or the number of calls) is zero, negative, NaN or
    /// infinite.
    InvalidArrivalRate(f64),
    /// The interval length is zero, negative, NaN or infinite.
    InvalidInterval(f64),
    /// The average handling time is zero, negative, NaN or infinite.
    InvalidHandlingTime(f64),
    /// The offered load `a = λ·AHT` is zero, negative, NaN or infinite.
    InvalidOfferedLoad(f64),
    /// The mean patience is zero, negative, NaN or infinite (use no patience
    /// at all, i.e. Erlang C, for callers who never abandon).
    InvalidPatience(f64),
    /// The answer-time target `t` is negative, NaN or infinite.
    InvalidTargetTime(f64),
    /// The service-level target is not strictly between 0 and 1.
    InvalidServiceLevel(f64),
    /// The ASA target is zero, negative, NaN or infinite.
    InvalidAsaTarget(f64),
    /// The abandonment cap is not in (0, 1].
    InvalidAbandonCap(f64),
    /// An abandonment cap was given for a model without abandonment
    /// (Erlang C); give a patience to use Erlang A.
    AbandonCapWithoutPatience,
    /// The occupancy cap is NaN or above 1.
    InvalidOccupancyCap(f64),
    /// The occupancy cap is zero or negative: no number of agents can get
    /// occupancy that low while calls are being answered.
    UnreachableOccupancyCap(f64),
    /// The shrinkage is not in [0, 1).
    InvalidShrinkage(f64),
    /// Zero agents were given where at least one is needed.
    NoAgents,
    /// More agents than this crate handles ([`MAX_AGENTS`](crate::MAX_AGENTS) for queueing
    /// figures, `u32::MAX` for scheduled staff).
    TooManyAgents {
        /// The number asked for (or computed).
        agents: f64,
        /// The limit.
        limit: u32,
    },
    /// No number of agents up to `limit` meets all the targets.
    NoFeasibleStaffing {
        /// The largest number of agents that was tried.
        limit: u32,
    },
}

impl fmt::Display for ErlangError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArrivalRate(v) => {
                write!(f, "the arrival rate (number of calls) must be a finite number greater than zero, got {v}")
            }
            Self::InvalidInterval(v) => {
                write!(f, "the interval length must be a finite number greater than zero, got {v}")
            }
            Self::InvalidHandlingTime(v) => {
                write!(f, "the average handling time must be a finite number of seconds greater than zero, got {v}")
            }
            Self::InvalidOfferedLoad(v) => {
                write!(f, "the offered load must be a finite number of Erlangs greater than zero, got {v}")
            }
            Self::InvalidPatience(v) => {
                write!(f, "the mean patience must be a finite number of seconds greater than zero, got {v}")
            }
            Self::InvalidTargetTime(v) => {
                write!(f, "the answer-time target must be a finite number of seconds, zero or more, got {v}")
            }
            Self::InvalidServiceLevel(v) => {
                write!(f, "the service-level target must be strictly between 0 and 1 (e.g. 0.8 for 80 %), got {v}")
            }
            Self::InvalidAsaTarget(v) => {
                write!(f, "the ASA target must be a finite number of seconds greater than zero, got {v}")
            }
            Self::InvalidAbandonCap(v) => {
                write!(f, "the abandonment cap must be greater than 0 and at most 1 (e.g. 0.05 for 5 %), got {v}")
            }
            Self::AbandonCapWithoutPatience => write!(
                f,
                "an abandonment cap needs a mean patience (Erlang A); without patience (Erlang C) nobody abandons"
            ),
            Self::InvalidOccupancyCap(v) => {
                write!(f, "the occupancy cap must be a number greater than 0 and at most 1 (e.g. 0.85), got {v}")
            }
            Self::UnreachableOccupancyCap(v) => write!(
                f,
                "no staffing can meet an occupancy cap of {v}: occupancy is always above zero while calls are answered"
            ),
            Self::InvalidShrinkage(v) => {
                write!(f, "the shrinkage must be at least 0 and below 1 (e.g. 0.3 for 30 %), got {v}")
            }
            Self::NoAgents => write!(f, "the number of agents must be at least 1"),
            Self::TooManyAgents { agents, limit } => {
                write!(f, "{agents} agents is more than the limit of {limit}")
            }
            Self::NoFeasibleStaffing { limit } => write!(f, "no staffing up to {limit} agents meets all the targets"),
        }
    }
}

impl std::error::Error for ErlangError {}
