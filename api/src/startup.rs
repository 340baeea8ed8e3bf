//! Building the application (database, keys, schema, router, listener) and running it.

use crate::auth::{KeyError, TokenKeys};
use crate::config::Config;
use crate::db::{self, DbSetupError};
use crate::http::{self, AppState, Metrics};
use crate::schema;
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbSetupError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("cannot listen on {addr}: {cause}. Choose another address with --bind or WARD_BIND")]
    Bind { addr: SocketAddr, cause: std::io::Error },
}

pub struct App {
    listener: TcpListener,
    address: SocketAddr,
    router: axum::Router,
    db: DatabaseConnection,
}

impl App {
    /// Connects, checks the schema is current, and binds the listener (port 0 picks a free one).
    pub async fn build(config: Config) -> Result<App, StartupError> {
        let keys = TokenKeys::hs256(&config.jwt_secret)?;
        let db = db::connect(&config.database, config.limits.request_timeout).await?;
        db::ensure_current(&db).await?;
        App::build_with(config, db, keys).await
    }

    /// Like [`App::build`] on a connection that is already open and migrated.
    pub async fn build_with(config: Config, db: DatabaseConnection, keys: TokenKeys) -> Result<App, StartupError> {
        let production = config.is_production();
        let state = AppState {
            schema: schema::build(db.clone(), &config.limits, production),
            db: db.clone(),
            keys,
            limits: config.limits.clone(),
            graphiql: !production,
            metrics: Arc::new(Metrics::default()),
        };
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|cause| StartupError::Bind {
                addr: config.bind,
                cause,
            })?;
        let address = listener.local_addr().map_err(|cause| StartupError::Bind {
            addr: config.bind,
            cause,
        })?;
        Ok(App {
            listener,
            address,
            router: http::router(state),
            db,
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
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.db.close().await.ok();
        Ok(())
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
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
