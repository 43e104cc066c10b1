//! Operations: health, backups and one-time work across nodes.

use std::path::Path;

use porten_domain::Actor;
use porten_store::Backend;

use crate::{App, Result, require_admin};

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

    /// Whether one-time work has been claimed (or marked done).
    pub async fn claimed(&self, key: &str) -> Result<bool> {
        Ok(self.store.meta(key).await?.is_some())
    }
}
