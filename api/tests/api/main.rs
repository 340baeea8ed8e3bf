//! ward's integration tests: the real server over HTTP, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_matrix;
mod accounting;
mod admin;
mod approvals;
mod audit;
mod audit_plans;
mod authentication;
mod break_glass;
// Without Chromium and chromedriver when the tests were built (api/build.rs), one ignored test
// says so instead of nine that would pass without a browser.
#[cfg(not(browser_missing))]
mod browser;
#[cfg(browser_missing)]
#[test]
#[ignore = "chromium or chromedriver was not on PATH when the tests were built (apt-get install chromium chromium-driver)"]
fn browser_tests() {}
mod checkpoints;
mod cli;
mod configuration;
mod console;
mod counts;
mod directory;
mod directory_import;
mod errors;
mod fixtures;
mod health;
mod helpers;
mod hostile;
mod house;
mod inference;
mod ingest;
mod keys;
mod labels;
mod limits;
mod medical;
mod migrations;
mod oidc;
mod oidc_provider;
mod ops;
#[cfg(feature = "otlp")]
mod otlp;
mod part2;
mod phi;
mod psychotherapy_notes;
mod purpose;
mod restrictions;
mod reviewed_versions;
mod schema;
mod serving;
mod staff_lifecycle;
mod statements;
mod tickets;
mod workflows;
