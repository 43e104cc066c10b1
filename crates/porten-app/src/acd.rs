//! Imports of ACD interval statistics (*samtalsstatistik*) for planning.

use porten_domain::Actor;
use porten_store::AcdInterval;

use crate::{App, Result, require_admin};

impl App {
    /// Stores imported ACD intervals (an interval already stored for the
    /// same channel and start is replaced); how many. Porten itself (the
    /// `porten import acd` command) and system admins may import; audited.
    pub async fn import_acd(&self, actor: &Actor, intervals: &[AcdInterval]) -> Result<u64> {
        require_admin(actor)?;
        let n = self.store.import_acd(intervals).await?;
        let what = match (intervals.first(), intervals.last()) {
            (Some(first), Some(last)) => {
                format!("{} intervals of {} from {} to {}", n, first.channel.as_str(), first.start, last.start)
            }
            _ => "no intervals".to_owned(),
        };
        self.audit(actor, "planning.import_acd", None, Some(&what)).await?;
        Ok(n)
    }
}
