//! Runtime configuration: what `ward serve` needs, built from flags and `WARD_*` variables.

use crate::auth::JwtConfig;
use std::net::SocketAddr;
use std::time::Duration;
use tools::kit::pagination::PageLimits;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub environment: Environment,
    pub database: DatabaseConfig,
    pub jwt: JwtConfig,
    pub limits: Limits,
    /// How long a break-glass grant lasts, how many one member may hold and open a day.
    pub break_glass: tools::compliance::BreakGlassConfig,
    /// Signed checkpoints of the audit chain's head, written outside the database.
    pub checkpoints: tools::kit::audit::checkpoint::CheckpointConfig,
    /// How often each instance re-reads the policy store (besides PostgreSQL `NOTIFY`).
    pub policy_refresh: Duration,
    /// Ticket SLA hours by priority.
    pub sla_hours: tools::cx::SlaHours,
    /// Write-offs at or above this amount wait for a second ops member.
    pub write_off_approval: tools::ops::WriteOffThreshold,
    /// The console's sessions and sign-in.
    pub console: crate::console::ConsoleConfig,
    /// After SIGTERM, how long in-flight requests may run before the process exits anyway.
    pub shutdown_grace: Duration,
    /// A tracing span per resolver that can reach the database (when traces are exported).
    pub resolver_spans: bool,
}

#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection before answering `UNAVAILABLE`.
    pub acquire_timeout: Duration,
}

impl DatabaseConfig {
    /// The request pool's size when none is set. PostgreSQL: 16, where a connection mostly
    /// waits on the network. SQLite runs each connection's queries on a thread of its own, in
    /// this process, with its own page cache: more connections than twice the CPUs buy no
    /// throughput and cost memory (measured: peak RSS 136 MiB with 16, 123 MiB with 4, on two
    /// cores, at the same req/s), so twice the CPUs, 4 to 16.
    pub fn default_pool_size(url: &str) -> u32 {
        if url.starts_with("sqlite:") {
            let cpus = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
            (cpus * 2).clamp(4, 16)
        } else {
            16
        }
    }
}

/// Every request limit (docs/OPERATIONS.md, "Configuration"); each one answers `LIMIT_EXCEEDED`.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub page: PageLimits,
    pub max_body_bytes: usize,
    pub max_batch: usize,
    /// The whole request: reading the body, parsing, validating and executing.
    pub request_timeout: Duration,
    /// Fields of a document once its fragments are expanded (counted without expanding).
    pub max_fields: usize,
    /// A response larger than this is refused (and nothing of it recorded as disclosed).
    pub max_response_bytes: usize,
    /// How long a connection may take to send a request's headers (and stay idle between
    /// requests) before it is closed.
    pub header_read_timeout: Duration,
    /// Open connections served at once; further connections wait to be accepted.
    pub max_connections: usize,
}

impl Limits {
    pub const DEFAULT: Self = Limits {
        max_depth: 12,
        max_complexity: 2_000,
        page: PageLimits::DEFAULT,
        max_body_bytes: 256 * 1024,
        max_batch: 10,
        request_timeout: Duration::from_secs(10),
        max_fields: 2_000,
        max_response_bytes: 8 * 1024 * 1024,
        header_read_timeout: Duration::from_secs(5),
        max_connections: 1_024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The defaults that belong to no one tool's settings. Each default of ward's configuration is
/// one named constant (these, and the `DEFAULT` of each settings type), used by the CLI's
/// `default_value_t` and by `Default` alike; `the_configuration_table_states_every_default`
/// holds docs/OPERATIONS.md to them.
pub mod defaults {
    use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
    use std::time::Duration;

    pub const BIND: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 8080));
    pub const DATABASE_URL: &str = "sqlite://ward.db?mode=rwc";
    pub const DB_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
    pub const POLICY_REFRESH: Duration = Duration::from_secs(5);
    pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(15);
}

impl Config {
    /// A development configuration for `url`, everything else at its default.
    pub fn new(database_url: impl Into<String>, jwt_secret: impl Into<String>) -> Self {
        let database_url = database_url.into();
        Config {
            bind: defaults::BIND,
            environment: Environment::Development,
            database: DatabaseConfig {
                max_connections: DatabaseConfig::default_pool_size(&database_url),
                url: database_url,
                acquire_timeout: defaults::DB_ACQUIRE_TIMEOUT,
            },
            jwt: JwtConfig::hs256(jwt_secret),
            limits: Limits::default(),
            break_glass: tools::compliance::BreakGlassConfig::default(),
            checkpoints: tools::kit::audit::checkpoint::CheckpointConfig::default(),
            policy_refresh: defaults::POLICY_REFRESH,
            sla_hours: tools::cx::SlaHours::default(),
            write_off_approval: tools::ops::WriteOffThreshold::default(),
            console: crate::console::ConsoleConfig::default(),
            shutdown_grace: defaults::SHUTDOWN_GRACE,
            resolver_spans: false,
        }
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }
}

#[cfg(test)]
mod tests {
    use super::DatabaseConfig;

    #[test]
    fn the_default_pool_is_sixteen_on_postgres_and_twice_the_cpus_on_sqlite() {
        assert_eq!(DatabaseConfig::default_pool_size("postgres://postgres@127.0.0.1:5432/ward"), 16);
        let sqlite = DatabaseConfig::default_pool_size("sqlite://ward.db?mode=rwc");
        assert!((4..=16).contains(&sqlite) && sqlite.is_multiple_of(2), "{sqlite}");
    }
}
