//! The web crate's tests, one binary: pages, the JSON API and the staff
//! tools through the real router (no socket), on whichever backend
//! `TEST_DATABASE_URL` names (SQLite by default).

mod access;
mod assignment;
mod calendar;
mod catalogue_admin;
mod clocks;
mod contacts;
mod errand_search;
mod eservices;
mod hardening;
mod http;
mod lifecycle;
mod open311;
mod planning;
mod portal;
mod serve;
mod session;
mod supervision;
mod support;
