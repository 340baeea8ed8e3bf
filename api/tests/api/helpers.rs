//! The test harness: a fresh database per test (SQLite file, or a PostgreSQL database cloned
//! from a migrated, seeded template), the real server on port 0, and a GraphQL client.

use api::auth::TokenKeys;
use api::config::Config;
use api::seed::{SeedOptions, seed};
use api::{App, db};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::OnceCell;

pub const SECRET: &str = "ward-test-secret-ward-test-secret-0123456789";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body on SQLite and on PostgreSQL, as `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            async fn run($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(spawn_app(Backend::Sqlite).await.expect("sqlite always runs")).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                postgres_unreachable,
                ignore = "PostgreSQL at TEST_POSTGRES_URL was unreachable when the tests were built (api/build.rs)"
            )]
            async fn postgres() {
                run(spawn_app(Backend::Postgres).await.expect("PostgreSQL at TEST_POSTGRES_URL")).await
            }
        }
    };
}

/// A test of something `both!` cannot build (a server with its own configuration, a bare
/// database, a second process), written once with the `backend` it runs on and generated as
/// one test per backend: with PostgreSQL unreachable when the tests were built, its half is
/// reported ignored rather than counted as passed. `blocking` is for a test that drives its
/// own runtime (a property test).
#[macro_export]
macro_rules! each_backend {
    ($name:ident, |$backend:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            async fn on_backend($backend: Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                on_backend(Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                postgres_unreachable,
                ignore = "PostgreSQL at TEST_POSTGRES_URL was unreachable when the tests were built (api/build.rs)"
            )]
            async fn postgres() {
                on_backend(Backend::Postgres).await
            }
        }
    };
    (blocking $name:ident, |$backend:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            fn on_backend($backend: Backend) $body

            #[test]
            fn sqlite() {
                on_backend(Backend::Sqlite)
            }

            #[test]
            #[cfg_attr(
                postgres_unreachable,
                ignore = "PostgreSQL at TEST_POSTGRES_URL was unreachable when the tests were built (api/build.rs)"
            )]
            fn postgres() {
                on_backend(Backend::Postgres)
            }
        }
    };
}

/// A port nothing listens on right now, for a server the test starts itself.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `ward` binary, untouched by the settings of the shell that runs the tests, logging
/// warnings only, killed with the test.
pub fn ward() -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"));
    for var in [
        "WARD_JWT_SECRET",
        "WARD_DATABASE_URL",
        "WARD_BIND",
        "WARD_ENV",
        "WARD_LOG_FORMAT",
        "WARD_OIDC_CLIENT_ID",
        "WARD_OTLP_ENDPOINT",
    ] {
        command.env_remove(var);
    }
    command.env("WARD_LOG", "warn").stdin(std::process::Stdio::null()).kill_on_drop(true);
    command
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

/// A database of one test; dropped (PostgreSQL) or deleted (SQLite) with it.
pub struct TestDb {
    pub url: String,
    pub name: String,
    file: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            return;
        }
        let name = self.name.clone();
        // Drop runs inside the test's runtime: do the async clean-up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(postgres_admin_url()).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// A fresh, migrated and demo-seeded database; `None` for PostgreSQL when the tests were built
/// without one (api/build.rs).
pub async fn test_db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let name = unique_name("ward_test");
            let file = std::env::temp_dir().join(format!("{name}.db"));
            let url = format!("sqlite://{}?mode=rwc", file.display());
            let test_db = TestDb { url: url.clone(), name, file: Some(file) };
            let conn = Database::connect(&url).await.expect("open sqlite");
            api::db::migrate(&conn).await.expect("migrate sqlite");
            seed(&conn, &SeedOptions::default()).await.expect("seed sqlite");
            conn.close().await.ok();
            Some(test_db)
        }
        Backend::Postgres => {
            let template = postgres_template().await.as_ref()?;
            let name = unique_name("ward_test");
            let admin = Database::connect(postgres_admin_url()).await.expect("connect to TEST_POSTGRES_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
                .await
                .expect("clone the template database");
            admin.close().await.ok();
            Some(TestDb { url: with_database(&postgres_admin_url(), &name), name, file: None })
        }
    }
}

/// An empty database (no migrations) on `backend`, for tests of migrations and the CLI.
pub async fn empty_db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let name = unique_name("ward_empty");
            let file = std::env::temp_dir().join(format!("{name}.db"));
            Some(TestDb { url: format!("sqlite://{}?mode=rwc", file.display()), name, file: Some(file) })
        }
        Backend::Postgres => {
            postgres_template().await.as_ref()?;
            let name = unique_name("ward_empty");
            let admin = Database::connect(postgres_admin_url()).await.expect("connect to TEST_POSTGRES_URL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create database");
            admin.close().await.ok();
            Some(TestDb { url: with_database(&postgres_admin_url(), &name), name, file: None })
        }
    }
}

static TEMPLATE: OnceCell<Option<String>> = OnceCell::const_new();

/// The migrated, seeded template every PostgreSQL test clones. Its name is keyed by this test
/// binary's build, so a rebuild gets a new template (older ones are dropped) and concurrent
/// test processes share one. `None` only when the tests were built without a reachable
/// PostgreSQL (api/build.rs); unreachable now but not then fails.
async fn postgres_template() -> &'static Option<String> {
    TEMPLATE
        .get_or_init(|| async {
            let mut options = sea_orm::ConnectOptions::new(postgres_admin_url());
            // One session, so the advisory lock and its unlock happen on the same connection.
            options.max_connections(1).sqlx_logging(false);
            let admin = match Database::connect(options).await {
                Ok(admin) => admin,
                // Built as unreachable (api/build.rs): the `both!` tests are ignored, and the
                // few tests that loop over the backends leave PostgreSQL out.
                Err(_) if cfg!(postgres_unreachable) => return None,
                Err(err) => panic!(
                    "PostgreSQL at {} is unreachable ({err}); it was reachable when the tests were built: \
                     start it, or rebuild (`touch api/build.rs`) to build its tests ignored",
                    postgres_admin_url()
                ),
            };
            let name = format!("ward_tmpl_{}", build_key());
            admin.execute_unprepared("SELECT pg_advisory_lock(72712)").await.expect("template lock");
            let exists = !admin
                .query_all_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .expect("look up the template")
                .is_empty();
            if !exists {
                build_template(&admin, &name).await;
            }
            admin.execute_unprepared("SELECT pg_advisory_unlock(72712)").await.expect("template unlock");
            admin.close().await.ok();
            Some(name)
        })
        .await
}

/// Builds the template under a temporary name and renames it once complete, so a crash
/// half-way never leaves a broken template behind. Drops the templates of older builds.
async fn build_template(admin: &DatabaseConnection, name: &str) {
    let stale = admin
        .query_all_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'ward\\_tmpl\\_%'".to_owned(),
        ))
        .await
        .expect("list templates");
    for row in stale {
        let old: String = row.try_get("", "datname").expect("datname");
        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{old}\" WITH (FORCE)")).await;
    }
    let building = format!("{name}_building");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{building}\"")).await.expect("create template");
    let conn = Database::connect(with_database(&postgres_admin_url(), &building)).await.expect("connect template");
    api::db::migrate(&conn).await.expect("migrate template");
    seed(&conn, &SeedOptions::default()).await.expect("seed template");
    conn.close().await.ok();
    admin
        .execute_unprepared(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""))
        .await
        .expect("publish template");
}

/// Identifies this build of the test binary (its modification time).
fn build_key() -> String {
    let modified = std::env::current_exe()
        .and_then(|exe| exe.metadata())
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis());
    format!("{modified:x}")
}

pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub test_db: TestDb,
    pub keys: TokenKeys,
}

/// The test configuration: port 0, the test secret, short database waits.
pub fn test_config(url: &str) -> Config {
    let mut config = Config::new(url, SECRET);
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.database.acquire_timeout = Duration::from_secs(1).into();
    // The tests run on demo data: the console's demo sign-in is on, as with `--demo`.
    config.console.demo_sign_in = true;
    config
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the real server on a fresh database, with `adjust` applied to the configuration.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let test_db = test_db(backend).await?;
    let mut config = test_config(&test_db.url);
    adjust(&mut config);
    let app = App::build(config).await.expect("build the app");
    let address = app.address();
    let db = db::connect(&test_config(&test_db.url).database, Duration::from_secs(10)).await.expect("test connection");
    tokio::spawn(app.run_until(std::future::pending()));
    Some(TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        test_db,
        keys: TokenKeys::hs256(SECRET).expect("test keys"),
    })
}

/// A server in production mode, taking ES256 tokens signed by `public_pem`'s key from issuer
/// `idp` for audience `ward`.
pub async fn spawn_production_app(backend: Backend, public_pem: &str) -> Option<TestApp> {
    let jwt = api::auth::JwtConfig {
        public_key_pem: Some(public_pem.to_owned()),
        algorithm: Some("ES256".into()),
        issuer: Some("idp".into()),
        audience: Some("ward".into()),
        ..Default::default()
    };
    spawn_app_with(backend, |c| {
        c.environment = api::config::Environment::Production;
        c.jwt = jwt;
    })
    .await
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn token(&self, sub: &str) -> String {
        self.keys.issue(sub, Duration::from_secs(600)).expect("issue token")
    }

    /// POSTs a GraphQL query as `sub` and returns the JSON body (any status).
    pub async fn gql(&self, sub: &str, query: &str, variables: Value) -> Value {
        self.post(Some(&self.token(sub)), &json!({ "query": query, "variables": variables })).await.1
    }

    /// POSTs any JSON body with an optional bearer token; returns status and JSON body.
    pub async fn post(&self, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = self.client.post(self.url("/graphql")).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /graphql");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// Runs SQL on the test database directly, as an operator would.
    pub async fn sql(&self, sql: &str) -> Vec<sea_orm::QueryResult> {
        let backend = self.db.get_database_backend();
        self.db.query_all_raw(Statement::from_string(backend, sql)).await.expect("raw SQL")
    }
}

/// The `extensions.code` of every error in a GraphQL response.
pub fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The one error code of a response that must have exactly one error.
pub fn only_code(body: &Value) -> String {
    let codes = codes(body);
    assert_eq!(codes.len(), 1, "expected exactly one error, got {body}");
    codes[0].clone()
}
