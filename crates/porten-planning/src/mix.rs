//! The measured service mix and handle time a plan starts from.

use porten_domain::planning::{AcdInterval, ServiceMix};

use crate::input::{DEFAULT_AHT_SECONDS, NO_SERVICE};

/// One service's part of the channel's contacts.
#[derive(Clone, Debug, PartialEq)]
pub struct MixShare {
    /// Service code, or [`NO_SERVICE`].
    pub key: String,
    pub contacts: u64,
    /// Share of the channel's contacts, in [0, 1].
    pub share: f64,
}

/// Where the handle time the plan uses comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AhtSource {
    Typed,
    /// Measured in imported ACD statistics.
    Acd,
    /// Measured in the contact log.
    Log,
    /// Nothing measured: [`DEFAULT_AHT_SECONDS`].
    Default,
}

/// The channel's service mix as shares.
pub fn mix_shares(mix: &[ServiceMix]) -> Vec<MixShare> {
    let total: u64 = mix.iter().map(|m| m.contacts).sum();
    let mut out: Vec<MixShare> = Vec::new();
    for m in mix.iter().filter(|m| m.contacts > 0) {
        let key = m.service_code.clone().unwrap_or_else(|| NO_SERVICE.to_owned());
        out.push(MixShare { key, contacts: m.contacts, share: m.contacts as f64 / total as f64 });
    }
    out
}

/// The handle time to plan with: typed, else measured (ACD first), else the default.
pub fn choose_aht(typed: Option<f64>, acd: Option<f64>, log: Option<f64>) -> (f64, AhtSource) {
    match (typed, acd, log) {
        (Some(t), _, _) => (t, AhtSource::Typed),
        (None, Some(a), _) => (a, AhtSource::Acd),
        (None, None, Some(l)) => (l, AhtSource::Log),
        (None, None, None) => (DEFAULT_AHT_SECONDS, AhtSource::Default),
    }
}

/// Average handle time over imported intervals, weighted by answered contacts.
pub fn measured_aht(intervals: &[AcdInterval]) -> Option<f64> {
    let answered: f64 = intervals.iter().map(|i| i.answered).sum();
    (answered > 0.0).then(|| intervals.iter().map(|i| i.aht_seconds * i.answered).sum::<f64>() / answered)
}

/// Average handle time of the logged contacts that were timed.
pub fn logged_aht(mix: &[ServiceMix]) -> Option<f64> {
    let timed: u64 = mix.iter().map(|m| m.timed).sum();
    (timed > 0).then(|| mix.iter().map(|m| m.handle_seconds).sum::<f64>() / timed as f64)
}
