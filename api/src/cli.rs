//! The `ward` command line: the contract clients and scripts rely on, parsed by clap.

use crate::auth::JwtConfig;
use crate::config::{Config, DatabaseConfig, Environment, Limits, defaults};
use crate::console::ConsoleConfig;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::time::Duration;
use tools::compliance::BreakGlassConfig;
use tools::kit::audit::checkpoint::CheckpointConfig;

/// A default duration as the CLI shows and parses it (`1m`, `15s`).
fn span(duration: Duration) -> humantime::Duration {
    duration.into()
}

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
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations.
    Migrate(DatabaseArgs),
    /// Fill an empty database with synthetic demo data.
    Seed(SeedArgs),
    /// Print a bearer token for a staff member.
    Token(TokenArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Inspect the policy store.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Check and export the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import files from the outside world (X12 remittances and claims, the directory).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Machine identities that send files to ingest.
    #[command(subcommand, name = "service-account")]
    ServiceAccount(ServiceAccountCommand),
}

#[derive(Debug, Subcommand)]
pub enum ServiceAccountCommand {
    /// Create one and print its bearer token (shown this once; ward keeps only its SHA-256).
    Create(ServiceAccountCreateArgs),
    /// Revoke one: its token stops working at once.
    Revoke(ServiceAccountRevokeArgs),
}

#[derive(Debug, Args)]
pub struct ServiceAccountCreateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Its name: lowercase letters, digits and dashes (it acts as `service.NAME`).
    pub name: String,
    /// Its role: `integration` (sends files in, reads nothing back) is the only one a machine holds.
    #[arg(long)]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct ServiceAccountRevokeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// X12 835 remittances (005010X221A1): payments, adjustments and the denials they carry.
    /// Exit 0 when every transaction set of every file stood, 1 when any was refused.
    #[command(name = "835")]
    Remittance(ImportArgs),
    /// X12 837P professional claims (005010X222A1): created or updated by claim number.
    /// Exit 0 when every transaction set of every file stood, 1 when any was refused.
    #[command(name = "837")]
    Claims(ImportArgs),
    /// NDJSON from the practice-management system: patients, providers, appointments and
    /// care records, upserted by external id in batches of 1,000 lines, one transaction each.
    /// Exit 0 when every batch of every file stood, 1 when any was refused.
    Directory(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The files, each imported on its own (a file already imported changes nothing).
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain: exit 0 when intact, 1 with the first broken sequence number; with
    /// --checkpoints, also require every signed checkpoint's head to be in the chain.
    Verify(AuditVerifyArgs),
    /// Write a patient's accounting of disclosures as CSV.
    Export(AuditExportArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The directory of signed checkpoints (WARD_AUDIT_CHECKPOINT_DIR of the servers).
    #[arg(long)]
    pub checkpoints: Option<std::path::PathBuf>,
    /// The SPKI PEM public key of WARD_AUDIT_SIGNING_KEY.
    #[arg(long)]
    pub public_key: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditExportArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The patient's id.
    #[arg(long)]
    pub patient: String,
    /// The first day covered (YYYY-MM-DD, UTC; by default six years before `--to`).
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// The last day covered (YYYY-MM-DD, UTC, included; by default today).
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// The staff member who prepares it (`sub`), named in its heading with their title.
    #[arg(long, default_value = "operator")]
    pub prepared_by: String,
    /// Where to write the CSV (standard output when absent).
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Would staff member SUB be allowed ACTION on RESOURCE? Prints allow or deny and the rule.
    Check(PolicyCheckArgs),
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long)]
    pub sub: String,
    /// e.g. patient, care_record, claim
    pub resource: String,
    /// e.g. read, contact, identity, clinical
    pub action: String,
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "WARD_DATABASE_URL", default_value = defaults::DATABASE_URL)]
    pub database_url: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WARD_BIND", default_value_t = defaults::BIND)]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseConfig,
    /// Migrate, seed demo data into an empty database, and print a token per demo staff member.
    #[arg(long)]
    pub demo: bool,
    /// `production` turns off introspection, the query console and "did you mean" suggestions.
    #[arg(long, env = "WARD_ENV", value_enum, default_value_t = Environment::Development)]
    pub env: Environment,
    /// HS256 signing secret for bearer tokens (at least 32 bytes; development).
    #[arg(long, env = "WARD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM file of the identity provider's public key (RS256 or ES256; production).
    #[arg(long, env = "WARD_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<std::path::PathBuf>,
    /// JWKS file of the identity provider's keys (production).
    #[arg(long, env = "WARD_JWT_JWKS_FILE")]
    pub jwt_jwks_file: Option<std::path::PathBuf>,
    /// RS256 or ES256, with a public key or JWKS.
    #[arg(long, env = "WARD_JWT_ALGORITHM")]
    pub jwt_algorithm: Option<String>,
    /// Required `iss` of tokens (required with a public key or JWKS).
    #[arg(long, env = "WARD_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud` of tokens (required with a public key or JWKS).
    #[arg(long, env = "WARD_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    #[command(flatten)]
    pub break_glass: BreakGlassConfig,
    #[command(flatten)]
    pub checkpoints: CheckpointConfig,
    /// How often the policy store is re-read (edits on this instance apply at once).
    #[arg(long, env = "WARD_POLICY_REFRESH", default_value_t = span(defaults::POLICY_REFRESH))]
    pub policy_refresh: humantime::Duration,
    /// Ticket SLA hours by priority, e.g. `urgent=4,high=8,normal=24,low=72`.
    #[arg(long, env = "WARD_SLA_HOURS", default_value_t = tools::cx::SlaHours::DEFAULT, value_parser = tools::cx::SlaHours::parse)]
    pub sla_hours: tools::cx::SlaHours,
    /// Write-offs of this many cents or more need a second ops member's approval.
    #[arg(long, env = "WARD_WRITE_OFF_APPROVAL_CENTS", default_value_t = tools::ops::WriteOffThreshold::DEFAULT.0, value_parser = clap::value_parser!(i64).range(0..))]
    pub write_off_approval_cents: i64,
    /// Completed reviews a provider needs in the period to be ranked by care quality.
    #[arg(long, env = "WARD_QUALITY_MIN_REVIEWS", default_value_t = tools::medical::RankingMinimum::DEFAULT.0, value_parser = clap::value_parser!(i64).range(1..))]
    pub quality_min_reviews: i64,
    /// OpenTelemetry collector (OTLP over HTTP, e.g. `http://127.0.0.1:4318`): exports a trace
    /// per request with a span per resolver that can reach the database. Needs a ward built
    /// with the `otlp` feature; the exporter's `OTEL_*` variables (headers, timeout, sampler,
    /// batch delay) apply.
    #[arg(long, env = "WARD_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    #[command(flatten)]
    pub console: ConsoleConfig,
    #[command(flatten)]
    pub oidc: OidcArgs,
    #[command(flatten)]
    pub limits: Limits,
    /// After SIGTERM, how long in-flight requests may finish before ward exits anyway.
    #[arg(long, env = "WARD_SHUTDOWN_GRACE", default_value_t = span(defaults::SHUTDOWN_GRACE))]
    pub shutdown_grace: humantime::Duration,
    /// Tokens whose lifetime (exp - iat) is longer are refused.
    #[arg(long, env = "WARD_JWT_MAX_TTL", default_value_t = span(crate::auth::DEFAULT_MAX_TTL))]
    pub jwt_max_ttl: humantime::Duration,
}

/// The console's sign-in through the organisation's identity provider (OpenID Connect,
/// authorization code with PKCE). On when a client id is set.
#[derive(Debug, Args)]
pub struct OidcArgs {
    /// The provider's issuer URL (default: WARD_JWT_ISSUER, the provider whose tokens the API takes).
    #[arg(long, env = "WARD_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// ward's client id at the provider.
    #[arg(long, env = "WARD_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// ward's client secret at the provider (confidential clients; PKCE is used either way).
    #[arg(long, env = "WARD_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// The callback registered at the provider: `https://<ward's address>/signin/callback`.
    #[arg(long, env = "WARD_OIDC_REDIRECT_URL")]
    pub oidc_redirect_url: Option<String>,
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
    #[arg(long, default_value_t = span(Duration::from_secs(3600)))]
    pub ttl: humantime::Duration,
    #[arg(long, env = "WARD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// The longest lifetime the servers accept; a longer --ttl is refused.
    #[arg(long, env = "WARD_JWT_MAX_TTL", default_value_t = span(crate::auth::DEFAULT_MAX_TTL))]
    pub jwt_max_ttl: humantime::Duration,
}

impl ServeArgs {
    /// The token key configuration, reading the key files it names.
    pub fn jwt_config(&self, secret: Option<String>) -> Result<JwtConfig, String> {
        let read = |path: &std::path::Path| {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        Ok(JwtConfig {
            secret,
            public_key_pem: self.jwt_public_key.as_deref().map(read).transpose()?,
            jwks: self.jwt_jwks_file.as_deref().map(read).transpose()?,
            algorithm: self.jwt_algorithm.clone(),
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
            max_ttl: Some(self.jwt_max_ttl.into()),
        })
    }

    /// The identity provider the console signs in with, if `WARD_OIDC_CLIENT_ID` is set.
    pub fn oidc_config(&self) -> Result<Option<crate::console::oidc::OidcConfig>, String> {
        let args = &self.oidc;
        let Some(client_id) = args.oidc_client_id.clone() else {
            return match (&args.oidc_client_secret, &args.oidc_redirect_url, &args.oidc_issuer) {
                (None, None, None) => Ok(None),
                _ => Err("WARD_OIDC_* is set but WARD_OIDC_CLIENT_ID is not: set it to sign in through the identity provider".into()),
            };
        };
        let issuer = args
            .oidc_issuer
            .clone()
            .or_else(|| self.jwt_issuer.clone())
            .ok_or("WARD_OIDC_CLIENT_ID needs the provider: set WARD_OIDC_ISSUER (or WARD_JWT_ISSUER)")?;
        let redirect_url = args.oidc_redirect_url.clone().ok_or(
            "WARD_OIDC_CLIENT_ID needs WARD_OIDC_REDIRECT_URL, the callback registered at the provider (https://<ward>/signin/callback)",
        )?;
        Ok(Some(crate::console::oidc::OidcConfig {
            issuer,
            client_id,
            client_secret: args.oidc_client_secret.clone(),
            redirect_url,
        }))
    }

    pub fn into_config(self, jwt: JwtConfig) -> Result<Config, String> {
        let oidc = self.oidc_config()?;
        Ok(Config {
            bind: self.bind,
            environment: self.env,
            database: self.database,
            jwt,
            break_glass: self.break_glass,
            checkpoints: self.checkpoints,
            policy_refresh: self.policy_refresh.into(),
            sla_hours: self.sla_hours,
            write_off_approval: tools::ops::WriteOffThreshold(self.write_off_approval_cents),
            quality_ranking_minimum: tools::medical::RankingMinimum(self.quality_min_reviews),
            console: crate::console::ConsoleConfig { oidc, ..self.console },
            limits: self.limits,
            shutdown_grace: self.shutdown_grace.into(),
            resolver_spans: self.otlp_endpoint.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;
    use clap::Parser as _;

    /// clap's own check of the whole command line: one id per flag (the settings types
    /// flattened into `serve` share a namespace), defaults that parse, no clashing names.
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_reads_each_settings_type_from_its_own_flags() {
        let cli = Cli::try_parse_from([
            "ward",
            "serve",
            "--db-max-connections",
            "3",
            "--max-connections",
            "7",
            "--break-glass-minutes",
            "30",
            "--session-idle",
            "5m",
        ])
        .expect("parses");
        let super::Command::Serve(args) = cli.command else { panic!("not serve") };
        let config = args.into_config(crate::auth::JwtConfig::hs256("x".repeat(32))).expect("a config");
        assert_eq!(config.database.pool_size(), 3);
        assert_eq!(config.limits.max_connections, 7);
        assert_eq!(config.break_glass.minutes, 30);
        assert_eq!(*config.console.session_idle, std::time::Duration::from_secs(300));
        assert_eq!(*config.checkpoints.every, std::time::Duration::from_secs(60));
    }
}
