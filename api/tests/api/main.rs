//! ward's integration tests: the real server over HTTP, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_matrix;
mod authentication;
mod cli;
mod directory;
mod errors;
mod health;
mod helpers;
mod keys;
mod limits;
mod migrations;
mod schema;
mod serving;
