//! Operations shared by every capability: health, migrations, one-time
//! claims (demo seeding once across processes), metadata and backups.

/// Expands to `impl Store` (the operations part of the sum trait) for a backend.
macro_rules! impl_ops {
    ($store:ty, $backend:expr) => {
        const _: () = {
            use $crate::{Backend, Result};

            #[async_trait::async_trait]
            impl $crate::Store for $store {
                fn backend(&self) -> Backend {
                    $backend
                }

                async fn migrate(&self) -> Result<()> {
                    self.run_migrations().await
                }

                async fn ping(&self) -> Result<()> {
                    if self.writer().is_closed() {
                        return Err($crate::StoreError::WriterGone);
                    }
                    sqlx::query("SELECT 1").execute(self.reader()).await?;
                    Ok(())
                }

                async fn claim_once(&self, key: &str, value: &str) -> Result<bool> {
                    let (key, value) = (key.to_owned(), value.to_owned());
                    self.writer()
                        .write(move |c| {
                            Box::pin(async move {
                                let done = sqlx::query(
                                    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                                )
                                .bind(key)
                                .bind(value)
                                .execute(&mut *c)
                                .await?;
                                Ok(done.rows_affected() == 1)
                            })
                        })
                        .await
                }

                async fn backup(&self, target: &std::path::Path) -> Result<()> {
                    self.backup_to(target).await
                }

                async fn reclaim_space(&self) -> Result<u64> {
                    self.reclaim().await
                }

                async fn refresh_statistics(&self) -> Result<()> {
                    self.analyze().await
                }

                async fn meta(&self, key: &str) -> Result<Option<String>> {
                    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                        .bind(key)
                        .fetch_optional(self.reader())
                        .await?)
                }
            }
        };
    };
}

pub(crate) use impl_ops;
