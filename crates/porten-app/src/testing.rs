//! Test support for the crates above App (feature `testing`): a throwaway,
//! migrated database on the backend the environment names
//! (`TEST_DATABASE_URL`, else SQLite), so their tests build an [`crate::App`]
//! without depending on the store crate.

pub use porten_store::testing::TestDb;
