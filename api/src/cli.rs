//! The `ward` command line: DESIGN.md's contract, parsed by clap.

use crate::config::{Config, DatabaseConfig, Environment, Limits};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::time::Duration;
use tools::kit::pagination::PageLimits;

#[derive(Debug, Parser)]
#[command(
    name = "ward",
    version,
    about = "ward: the internal tooling gateway (GraphQL over PHI, with access control and audit)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate(DatabaseArgs),
    /// Fill an empty database with synthetic demo data.
    Seed(SeedArgs),
    /// Print a bearer token for a staff member.
    Token(TokenArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "WARD_DATABASE_URL", default_value = "sqlite://ward.db?mode=rwc")]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WARD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Migrate, seed demo data into an empty database, and print a token per demo staff member.
    #[arg(long)]
    pub demo: bool,
    /// `production` turns off introspection, GraphiQL and "did you mean" suggestions.
    #[arg(long, env = "WARD_ENV", value_enum, default_value = "development")]
    pub env: Environment,
    /// HS256 signing secret for bearer tokens (at least 32 bytes).
    #[arg(long, env = "WARD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    #[arg(long, env = "WARD_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// How long a request waits for a database connection before answering UNAVAILABLE.
    #[arg(long, env = "WARD_DB_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = humantime::parse_duration)]
    pub db_acquire_timeout: Duration,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct LimitArgs {
    #[arg(long, env = "WARD_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    #[arg(long, env = "WARD_MAX_COMPLEXITY", default_value_t = 2_000)]
    pub max_complexity: usize,
    #[arg(long, env = "WARD_PAGE_SIZE", default_value_t = 20)]
    pub page_size: u64,
    #[arg(long, env = "WARD_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u64,
    #[arg(long, env = "WARD_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,
    #[arg(long, env = "WARD_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    #[arg(long, env = "WARD_REQUEST_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Seed the demo data set (the default): demo staff, patients and their records.
    #[arg(long)]
    pub demo: bool,
    /// How many synthetic patients (each with providers, appointments, claims, tickets, records).
    #[arg(long, default_value_t = 200)]
    pub patients: u32,
    /// Seed of the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The staff member's subject (e.g. `alice`).
    #[arg(long)]
    pub sub: String,
    /// Lifetime, e.g. 30m, 1h, 8h.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
    #[arg(long, env = "WARD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
}

impl ServeArgs {
    pub fn into_config(self, jwt_secret: String) -> Config {
        Config {
            bind: self.bind,
            environment: self.env,
            database: DatabaseConfig {
                url: self.database.database_url,
                max_connections: self.db_max_connections,
                acquire_timeout: self.db_acquire_timeout,
            },
            jwt_secret,
            limits: Limits {
                max_depth: self.limits.max_depth,
                max_complexity: self.limits.max_complexity,
                page: PageLimits {
                    default_size: self.limits.page_size,
                    max_size: self.limits.max_page_size,
                },
                max_body_bytes: self.limits.max_body_bytes,
                max_batch: self.limits.max_batch,
                request_timeout: self.limits.request_timeout,
            },
        }
    }
}
