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
    /// Providers with fewer completed reviews in the period are not ranked by quality.
    pub quality_ranking_minimum: tools::medical::RankingMinimum,
    /// The console's sessions and sign-in.
    pub console: crate::console::ConsoleConfig,
    /// After SIGTERM, how long in-flight requests may run before the process exits anyway.
    pub shutdown_grace: Duration,
    /// A tracing span per resolver that can reach the database (when traces are exported).
    pub resolver_spans: bool,
}

/// The request pool: the database flags of `ward serve` themselves.
#[derive(Clone, Debug, clap::Args)]
pub struct DatabaseConfig {
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST:PORT/DB.
    #[arg(id = "database_url", long = "database-url", env = "WARD_DATABASE_URL", default_value = defaults::DATABASE_URL)]
    pub url: String,
    /// Request pool size (default: 16 on PostgreSQL; on SQLite twice the CPUs, 4 to 16).
    #[arg(id = "db_max_connections", long = "db-max-connections", env = "WARD_DB_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,
    /// How long a request waits for a database connection before answering UNAVAILABLE.
    #[arg(id = "db_acquire_timeout", long = "db-acquire-timeout", env = "WARD_DB_ACQUIRE_TIMEOUT", default_value_t = defaults::DB_ACQUIRE_TIMEOUT.into())]
    pub acquire_timeout: humantime::Duration,
}

impl DatabaseConfig {
    /// The request pool's size when none is set. PostgreSQL: 16, where a connection mostly
    /// waits on the network. SQLite runs each connection's queries on a thread of its own, in
    /// this process, with its own page cache: more connections than twice the CPUs buy no
    /// throughput and cost memory (docs/PERFORMANCE.md, "SQLite's pool size"), so twice the
    /// CPUs, 4 to 16.
    pub fn pool_size(&self) -> u32 {
        self.max_connections.unwrap_or_else(|| Self::default_pool_size(&self.url))
    }

    fn default_pool_size(url: &str) -> u32 {
        if url.starts_with("sqlite:") {
            let cpus = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
            (cpus * 2).clamp(4, 16)
        } else {
            16
        }
    }
}

/// Every request limit (docs/OPERATIONS.md, "Configuration"); each one answers `LIMIT_EXCEEDED`.
/// The flags of `ward serve` are these fields themselves, each defaulting to `Limits::default()`.
#[derive(Clone, Debug, clap::Args)]
pub struct Limits {
    /// Query depth.
    #[arg(long, env = "WARD_MAX_DEPTH", default_value_t = Limits::default().max_depth)]
    pub max_depth: usize,
    /// Query complexity (every field and alias 1, a connection once per row asked for).
    #[arg(long, env = "WARD_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity)]
    pub max_complexity: usize,
    /// Rows of a page when `first` is not given.
    #[arg(long, env = "WARD_PAGE_SIZE", default_value_t = Limits::default().page_size)]
    pub page_size: u64,
    /// The most `first` may ask for.
    #[arg(long, env = "WARD_MAX_PAGE_SIZE", default_value_t = Limits::default().max_page_size)]
    pub max_page_size: u64,
    #[arg(long, env = "WARD_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes)]
    pub max_body_bytes: usize,
    #[arg(long, env = "WARD_MAX_BATCH", default_value_t = Limits::default().max_batch)]
    pub max_batch: usize,
    /// A file sent to `/ingest/*`: a larger one is refused before any of it is read for meaning.
    #[arg(long, env = "WARD_MAX_INGEST_BYTES", default_value_t = Limits::default().max_ingest_bytes)]
    pub max_ingest_bytes: u64,
    /// The whole request: body, parsing, validation, execution (and its SQL statement).
    #[arg(long, env = "WARD_REQUEST_TIMEOUT", default_value_t = Limits::default().request_timeout)]
    pub request_timeout: humantime::Duration,
    /// Fields of a document after fragment expansion (counted without expanding it).
    #[arg(long, env = "WARD_MAX_FIELDS", default_value_t = Limits::default().max_fields)]
    pub max_fields: usize,
    /// A larger response is refused with LIMIT_EXCEEDED (and nothing of it recorded as disclosed).
    #[arg(long, env = "WARD_MAX_RESPONSE_BYTES", default_value_t = Limits::default().max_response_bytes)]
    pub max_response_bytes: usize,
    /// How long a connection may take to send its request headers, or stay idle between requests.
    #[arg(long, env = "WARD_HEADER_READ_TIMEOUT", default_value_t = Limits::default().header_read_timeout)]
    pub header_read_timeout: humantime::Duration,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, env = "WARD_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_complexity: 2_000,
            page_size: PageLimits::DEFAULT.default_size,
            max_page_size: PageLimits::DEFAULT.max_size,
            max_body_bytes: 256 * 1024,
            max_batch: 10,
            max_ingest_bytes: 100 * 1024 * 1024,
            request_timeout: Duration::from_secs(10).into(),
            max_fields: 2_000,
            max_response_bytes: 8 * 1024 * 1024,
            header_read_timeout: Duration::from_secs(5).into(),
            max_connections: 1_024,
        }
    }
}

impl Limits {
    /// The Relay page sizes, as the schema's pagination takes them.
    pub fn page(&self) -> PageLimits {
        PageLimits { default_size: self.page_size, max_size: self.max_page_size }
    }
}

/// The defaults that belong to no one tool's settings. Each default of ward's configuration is
/// one named constant (these, the `DEFAULT` of each settings type, `Limits::default()`), used by the CLI's
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
                url: database_url,
                max_connections: None,
                acquire_timeout: defaults::DB_ACQUIRE_TIMEOUT.into(),
            },
            jwt: JwtConfig::hs256(jwt_secret),
            limits: Limits::default(),
            break_glass: tools::compliance::BreakGlassConfig::default(),
            checkpoints: tools::kit::audit::checkpoint::CheckpointConfig::default(),
            policy_refresh: defaults::POLICY_REFRESH,
            sla_hours: tools::cx::SlaHours::default(),
            write_off_approval: tools::ops::WriteOffThreshold::default(),
            quality_ranking_minimum: tools::medical::RankingMinimum::default(),
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
