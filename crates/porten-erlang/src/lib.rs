//! # porten-erlang
//!
//! Queueing mathematics for contact-center dimensioning (*bemanning,
//! dimensionering*): Erlang B, Erlang C and Erlang A, plus staffing searches
//! and shrinkage. The crate is pure and has no dependencies.
//!
//! ## Notation
//!
//! | symbol | meaning | unit |
//! |---|---|---|
//! | λ | arrival rate of calls | calls per second |
//! | AHT = 1/μ | average handling time | seconds |
//! | a = λ·AHT | offered load | Erlang |
//! | n | number of agents (servers) | — |
//! | 1/θ | mean patience (Erlang A only) | seconds |
//! | t | answer-time target ("80 % within **20 s**") | seconds |
//!
//! ## Models
//!
//! * **Erlang B** (M/M/n/n, blocked calls are lost): [`erlang_b`].
//! * **Erlang C** (M/M/n, callers wait forever): module [`erlang_c`].
//! * **Erlang A** (M/M/n+M, callers abandon after an exponentially
//!   distributed patience): module [`erlang_a`].
//!
//! [`Queue`] bundles the traffic parameters and offers
//! [`Queue::evaluate`] (all figures for a given number of agents) and
//! [`Queue::staff`] (the smallest number of agents that meets a
//! [`StaffingTarget`]). [`scheduled_agents`] then adds shrinkage.
//!
//! ## Numerical method
//!
//! Nothing here evaluates `a^n / n!` or a factorial. Erlang B is computed by
//! the classical forward recursion `B(k) = a·B(k−1) / (k + a·B(k−1))`, which is
//! forward stable, with a scaled mantissa/exponent representation once `B`
//! becomes tiny, so `ln B` stays exact far below the `f64` range (no
//! underflow for 50 000 agents and more). Erlang A needs the series
//! `Σ_k y^k / ((x+1)(x+2)…(x+k))` (a scaled lower incomplete gamma function);
//! it is summed in positive terms only (no cancellation) with rescaling, so
//! it neither overflows for heavily overloaded systems (hundreds of
//! thousands of Erlangs times patience) nor loses precision. Results are
//! combined in log space.
//!
//! ## References
//!
//! * A. K. Erlang (1917), *Solution of some problems in the theory of
//!   probabilities of significance in automatic telephone exchanges*.
//! * R. B. Cooper (1981), *Introduction to Queueing Theory*, 2nd ed., ch. 3.
//! * O. Garnett, A. Mandelbaum, M. Reiman (2002), *Designing a call center
//!   with impatient customers*, Manufacturing & Service Operations
//!   Management 4(3):208–227.
//! * A. Mandelbaum, S. Zeltyn, *The M/M/n+G queue: summary of
//!   performance measures* (technical note, Technion), section on exponential
//!   patience.
//! * G. Koole (2013), *Call Center Optimization* (Erlang C/A and staffing).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The largest number of agents that [`Queue::evaluate`] accepts and
/// [`Queue::staff`] searches up to.
///
/// All algorithms are linear in the number of agents; this bound keeps a
/// single evaluation well under a second.
pub const MAX_AGENTS: u32 = 10_000_000;

mod erlang_b;
mod error;
mod queue;
mod target;

pub mod erlang_a;
pub mod erlang_c;

pub use erlang_b::erlang_b;
pub use error::ErlangError;
pub use queue::{Metrics, Queue};
pub use target::{StaffingTarget, scheduled_agents};

pub(crate) fn positive_finite(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

#[cfg(test)]
mod unit_tests;
