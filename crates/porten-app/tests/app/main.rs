//! The app crate's tests, one binary: use cases through [`porten_app::App`]
//! on a fresh database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod access;
mod assignment;
mod errands;
mod eservices;
mod feed;
mod imap;
mod jobs;
mod knowledge;
mod mail_intake;
mod notices;
mod reports;
mod sla;
mod staff_oidc;
mod support;
