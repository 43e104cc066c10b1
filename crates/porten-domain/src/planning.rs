//! The measured volumes contact-center planning reads: contacts per time
//! bucket, the service mix with logged handle times, and imported ACD
//! statistics. The store returns them and `porten-planning` computes with
//! them, so they live here, in the vocabulary both share.

use chrono::{DateTime, Utc};

use crate::Channel;

/// Contacts in one time bucket through one channel: errands registered plus
/// logged contacts that did not become an errand (a contact logged with the
/// outcome `errand` is counted through its errand, not twice). The measured
/// contact volume that planning forecasts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactCount {
    /// Start of the bucket (UTC).
    pub bucket_start: DateTime<Utc>,
    pub channel: Channel,
    pub count: u64,
}

/// Contacts through one channel about one service (`None`: general help,
/// technical help, or an errand-less contact without a service) over a
/// period, with the handle time logged for them: the service mix that
/// channel-shift scenarios are built on.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceMix {
    pub service_code: Option<String>,
    /// Errands plus logged contacts that did not become an errand.
    pub contacts: u64,
    /// Logged contacts with a handle time, and the sum of those times.
    pub timed: u64,
    pub handle_seconds: f64,
}

/// One interval of imported ACD statistics (*samtalsstatistik*) for a channel.
#[derive(Clone, Debug, PartialEq)]
pub struct AcdInterval {
    pub channel: Channel,
    pub start: DateTime<Utc>,
    pub minutes: u32,
    pub offered: f64,
    pub answered: f64,
    pub abandoned: f64,
    /// Average handle time of the answered contacts, seconds.
    pub aht_seconds: f64,
}
