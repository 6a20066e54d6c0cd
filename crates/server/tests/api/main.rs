//! The sync API, booted for real on port 0 with a fresh data directory per test.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod admin;
mod assignments;
mod content;
mod feedback;
mod questions;
mod reports;
mod roles;
mod sessions;
mod sync;
mod units;
