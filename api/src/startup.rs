//! Building the application (database, keys, schema, router, listener) and running it.

use crate::auth::{KeyError, TokenKeys};
use crate::config::Config;
use crate::db::{self, DbSetupError};
use crate::http::{self, AppState, Metrics};
use crate::policy_refresh;
use crate::schema;
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tools::kit::audit::AuditWriter;
use tools::kit::audit::checkpoint::{CheckpointError, Checkpointer};
use tools::kit::policy_store::PolicyStore;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbSetupError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("{0}")]
    Oidc(String),
    #[error("cannot load the policy store: {0}")]
    Policy(String),
    #[error("cannot listen on {addr}: {cause}. Choose another address with --bind or WARD_BIND")]
    Bind { addr: SocketAddr, cause: std::io::Error },
}

pub struct App {
    listener: TcpListener,
    address: SocketAddr,
    router: axum::Router,
    db: DatabaseConnection,
    refresher: tokio::task::JoinHandle<()>,
    checkpointer: Arc<Checkpointer>,
    checkpoints: tokio::task::JoinHandle<()>,
    connections: http::ConnectionLimits,
    audit_db: DatabaseConnection,
    policy_listener: Option<sea_orm::sqlx::PgPool>,
}

impl App {
    /// Connects, checks the schema is current, and binds the listener (port 0 picks a free one).
    pub async fn build(config: Config) -> Result<App, StartupError> {
        let keys = TokenKeys::from_config(&config.jwt, config.is_production())?;
        let mut db = db::connect(&config.database, *config.limits.request_timeout).await?;
        db::ensure_current(&db).await?;
        let policy = PolicyStore::open(&db).await.map_err(|e| StartupError::Policy(e.message()))?;
        // The audit writer has connections of its own: it never queues behind the requests
        // that wait for it.
        let mut audit_config = config.database.clone();
        audit_config.max_connections = Some(2);
        let mut audit_db = db::connect(&audit_config, *config.limits.request_timeout).await?;
        let checkpointer = Arc::new(Checkpointer::new(&config.checkpoints)?);
        let metrics = Arc::new(Metrics::new(checkpointer.head_seq()));
        db.set_metric_callback(statements_into(metrics.clone()));
        audit_db.set_metric_callback(statements_into(metrics.clone()));
        let observe_batches = metrics.clone();
        let checkpoints = tokio::spawn(checkpointer.clone().run(audit_db.clone(), *config.checkpoints.every));
        let production = config.is_production();
        let staff = tools::admin::staff_cache::StaffCache::default();
        let state = AppState {
            schema: schema::build(db.clone(), policy.clone(), staff.clone(), &config, production),
            staff: staff.clone(),
            db: db.clone(),
            keys,
            policy: policy.clone(),
            audit: AuditWriter::spawn_observed(
                audit_db.clone(),
                Arc::new(move |events, elapsed| observe_batches.audit_batch(events, elapsed)),
            ),
            audit_db: audit_db.clone(),
            limits: config.limits.clone(),
            graphiql: !production,
            metrics,
            oidc: config
                .console
                .oidc
                .clone()
                .map(crate::console::oidc::Provider::new)
                .transpose()
                .map_err(StartupError::Oidc)?
                .map(Arc::new),
            console: crate::console::ConsoleConfig {
                // Signing in as anyone is for demo data only, never in production.
                demo_sign_in: config.console.demo_sign_in && !production,
                ..config.console.clone()
            },
        };
        let policy_listener = policy_refresh::listener_pool(&config.database.url);
        let refresher = tokio::spawn(policy_refresh::run(
            policy,
            staff,
            db.clone(),
            policy_listener.clone(),
            config.policy_refresh,
        ));
        let listener =
            TcpListener::bind(config.bind).await.map_err(|cause| StartupError::Bind { addr: config.bind, cause })?;
        let address = listener.local_addr().map_err(|cause| StartupError::Bind { addr: config.bind, cause })?;
        if !checkpointer.signs() {
            let why = "no WARD_AUDIT_SIGNING_KEY: audit checkpoints go to the log and /metrics only, unsigned";
            if production { tracing::warn!("{why}") } else { tracing::info!("{why}") }
        }
        let connections = http::ConnectionLimits {
            max_connections: config.limits.max_connections,
            header_read_timeout: *config.limits.header_read_timeout,
            shutdown_grace: config.shutdown_grace,
        };
        let router = http::router(state);
        Ok(App {
            listener,
            address,
            router,
            db,
            refresher,
            checkpointer,
            checkpoints,
            connections,
            audit_db,
            policy_listener,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let began = http::serve(self.listener, self.router, self.connections, shutdown).await;
        // Everything after the drain fits in what is left of the grace.
        let deadline = began + self.connections.shutdown_grace;
        if let Some(pool) = &self.policy_listener {
            // Ends the policy listener's wait (it sees the pool close) and its session.
            let _ = tokio::time::timeout_at(deadline, pool.close()).await;
        }
        self.refresher.abort();
        self.checkpoints.abort();
        // The last word on the chain's head, after the last request was answered.
        match tokio::time::timeout_at(deadline, self.checkpointer.checkpoint(&self.db)).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::error!(error = ?err, "final audit checkpoint failed"),
            Err(_) => tracing::error!("final audit checkpoint cut off by the shutdown grace"),
        }
        // Close the pools: each connection ends its session cleanly instead of being reset.
        // A connection still held by a request the grace abandoned is not waited for.
        let _ = tokio::time::timeout_at(deadline, self.audit_db.close()).await;
        let _ = tokio::time::timeout_at(deadline, self.db.close()).await;
        Ok(())
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Counts and times every statement a pool runs.
fn statements_into(metrics: Arc<Metrics>) -> impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync {
    move |info| metrics.statement(info.elapsed)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
