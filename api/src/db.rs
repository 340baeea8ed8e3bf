//! Connecting to the database (SQLite or PostgreSQL) and keeping its schema current.

use crate::config::DatabaseConfig;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, TransactionTrait};
use std::time::Duration;

/// The start-up failures a person can fix; each message says what is wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error(
        "database URL {0:?} is not one ward understands: use sqlite://PATH?mode=rwc or postgres://USER@HOST:PORT/DATABASE"
    )]
    BadUrl(String),
    #[error("cannot reach the database at {url}: {cause}. Check that it is running and that the URL is right")]
    Unreachable { url: String, cause: String },
    #[error("the database schema is {pending} migration(s) behind this ward: run `ward migrate` first")]
    SchemaBehind { pending: usize },
    #[error("database error while {doing}: {cause}")]
    Other { doing: &'static str, cause: DbErr },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Recognises the backend of a URL without connecting.
pub fn backend(url: &str) -> Result<Backend, DbSetupError> {
    let bad = || DbSetupError::BadUrl(redact(url));
    let (scheme, rest) = url.split_once(':').ok_or_else(bad)?;
    match scheme {
        "sqlite" if rest.len() > 2 => Ok(Backend::Sqlite),
        "postgres" | "postgresql" if rest.starts_with("//") && rest.len() > 2 => Ok(Backend::Postgres),
        _ => Err(bad()),
    }
}

/// The file behind a SQLite URL (`sqlite://ward.db?mode=rwc` is `ward.db`), if there is one.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// A URL fit for a log line or an error message: no password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens a connection pool. Fails fast with a clear message when the database is unreachable.
pub async fn connect(config: &DatabaseConfig, statement_timeout: Duration) -> Result<DatabaseConnection, DbSetupError> {
    let backend = backend(&config.url)?;
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.pool_size())
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(*config.acquire_timeout)
        // sqlx pings every connection it hands out, a round trip before each statement. A
        // connection in steady use is known good; one idle for a second is pinged first (so
        // after an outage the dead ones are replaced, not handed out), as HikariCP does.
        // Under load a failover still costs each pooled connection one failed statement
        // (UNAVAILABLE), after which sqlx discards it.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false);
    match backend {
        // The server cancels a statement that outlives the request that issued it (a little
        // later than the request's own timeout, which answers the client first).
        Backend::Postgres => {
            options.statement_timeout(statement_timeout + Duration::from_millis(500)).set_application_name("ward");
        }
        // WAL lets readers run while a write commits; writers queue on the busy timeout.
        Backend::Sqlite => {
            options.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
            });
        }
    }
    Database::connect(options)
        .await
        .map_err(|err| DbSetupError::Unreachable { url: redact(&config.url), cause: first_line(&err.to_string()) })
}

/// Applies every pending migration, all or nothing. The run is one transaction (PostgreSQL
/// and SQLite both change their schema transactionally): a migration that fails leaves the
/// database as it was before the run, never half-way through a migration. (Left to itself,
/// sea-orm runs SQLite's migrations statement by statement across the pool.)
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbSetupError> {
    let run = async {
        let txn = db.begin().await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await
    };
    run.await.map_err(|cause| DbSetupError::Other { doing: "migrating", cause })
}

/// Refuses to serve a database whose schema is behind this binary.
pub async fn ensure_current(db: &DatabaseConnection) -> Result<(), DbSetupError> {
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(|cause| DbSetupError::Other { doing: "reading the migration state", cause })?
        .len();
    if pending > 0 {
        return Err(DbSetupError::SchemaBehind { pending });
    }
    Ok(())
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_two_backends_and_nothing_else() {
        assert_eq!(backend("sqlite://ward.db?mode=rwc").unwrap(), Backend::Sqlite);
        assert_eq!(backend("postgres://postgres@127.0.0.1:5432/ward").unwrap(), Backend::Postgres);
        assert_eq!(backend("postgresql://u@h/d").unwrap(), Backend::Postgres);
        for bad in ["", "ward.db", "mysql://root@localhost/ward", "postgres:ward", "http://x"] {
            assert!(backend(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn sqlite_path_is_the_file_part() {
        assert_eq!(sqlite_path("sqlite://ward.db?mode=rwc"), Some("ward.db"));
        assert_eq!(sqlite_path("sqlite:///tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://h/d"), None);
    }

    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(redact("postgres://ward:s3cret@db:5432/ward"), "postgres://ward:***@db:5432/ward");
        assert_eq!(redact("postgres://ward@db/ward"), "postgres://ward@db/ward");
    }
}
