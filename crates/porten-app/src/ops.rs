//! Operations: health, backups and one-time work across nodes.

use std::path::Path;

use porten_domain::Actor;
use porten_store::Backend;

use crate::{App, AppError, Result, require_admin};

impl App {
    /// Whether the database answers (for `/readyz`); reads nothing.
    pub async fn healthy(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    /// Which backend the store runs on.
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Writes a consistent copy of the SQLite database to a new file while
    /// Porten runs. Audited: the copy holds everything.
    pub async fn backup(&self, actor: &Actor, target: &Path) -> Result<()> {
        require_admin(actor)?;
        self.store.backup(target).await?;
        self.audit(actor, "ops.backup", None, Some(&target.display().to_string())).await
    }

    /// Claims one-time work (demo seeding) for this node: true to exactly
    /// one caller across every node and restart.
    pub async fn claim_once(&self, actor: &Actor, key: &str) -> Result<bool> {
        require_admin(actor)?;
        Ok(self.store.claim_once(key, &self.now().to_rfc3339()).await?)
    }

    /// The installation's secret for binding form tokens to sessions: made
    /// once per database (the first node to ask makes it), shared by every node.
    pub async fn form_secret(&self) -> Result<Vec<u8>> {
        const KEY: &str = "form_secret";
        if self.store.meta(KEY).await?.is_none() {
            let fresh: String = crate::random_bytes::<32>().iter().map(|b| format!("{b:02x}")).collect();
            self.store.claim_once(KEY, &fresh).await?;
        }
        let hex = self.store.meta(KEY).await?.ok_or(AppError::NotFound)?;
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map_err(|_| AppError::Unavailable("the stored form secret is not hex".into()))
    }

    /// Whether one-time work has been claimed (or marked done).
    pub async fn claimed(&self, key: &str) -> Result<bool> {
        Ok(self.store.meta(key).await?.is_some())
    }

    /// Adds generated errands for scale benchmarks (`porten load-errands`),
    /// as Porten itself only; returns their ids in order.
    pub async fn load_errands(&self, actor: &Actor, batch: Vec<porten_store::LoadedErrand>) -> Result<Vec<i64>> {
        if !matches!(actor, Actor::System { .. }) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.load_errands(batch).await?)
    }

    /// Refreshes the query planner's statistics after a bulk load (Porten
    /// itself only).
    pub async fn refresh_statistics(&self, actor: &Actor) -> Result<()> {
        if !matches!(actor, Actor::System { .. }) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.refresh_statistics().await?)
    }
}
