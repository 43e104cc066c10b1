//! The binary's tests, one test binary: the real `porten` process as a user
//! or an operator runs it. `serve`: durability across `kill -9` and two
//! processes on one database; `jobs`: the job runner across processes and
//! `porten jobs` (both on SQLite by default and on PostgreSQL when
//! `TEST_DATABASE_URL` is set); `staffing`: `porten staffing` against
//! reference values; `attack`: the server's memory under the body flood
//! of issue 17.

mod attack;
mod jobs;
mod mail;
mod serve;
#[allow(clippy::excessive_precision)]
mod staffing;
mod support;
