//! ward's gateway: configuration, the CLI's commands, the HTTP server and GraphQL schema.

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod db;
pub mod demo;
pub mod http;
pub mod policy_refresh;
pub mod schema;
pub mod seed;
pub mod startup;
pub mod telemetry;

pub use config::Config;
pub use startup::App;
