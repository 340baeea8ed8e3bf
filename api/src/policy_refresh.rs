//! Keeps this instance's policy current with edits made elsewhere: PostgreSQL `NOTIFY` for
//! at once, and a periodic re-read as the safety net (and the only path on SQLite).

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use std::time::Duration;
use tools::kit::policy_store::{NOTIFY_CHANNEL, PolicyStore};

/// The listener's own one-connection pool on PostgreSQL: closing it at shutdown ends the
/// listening session cleanly (the server sees a goodbye, not a dropped socket).
pub fn listener_pool(url: &str) -> Option<PgPool> {
    if crate::db::backend(url).ok() != Some(crate::db::Backend::Postgres) {
        return None;
    }
    PgPoolOptions::new().max_connections(1).min_connections(0).connect_lazy(url).ok()
}

pub async fn run(store: PolicyStore, db: DatabaseConnection, listener: Option<PgPool>, every: Duration) {
    let poll = poll(store.clone(), db.clone(), every);
    match listener {
        Some(pool) => {
            tokio::join!(poll, listen(store, db, pool));
        }
        None => poll.await,
    }
}

async fn poll(store: PolicyStore, db: DatabaseConnection, every: Duration) {
    let mut ticks = tokio::time::interval(every.max(Duration::from_millis(100)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(err) = store.reload(&db).await {
            tracing::warn!(error = err.message(), "policy refresh failed; keeping the policy in force");
        }
    }
}

async fn listen(store: PolicyStore, db: DatabaseConnection, pool: PgPool) {
    while !pool.is_closed() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "policy listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen(NOTIFY_CHANNEL).await {
            tracing::warn!(error = %err, "policy listener cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        while listener.recv().await.is_ok() {
            if let Err(err) = store.reload(&db).await {
                tracing::warn!(error = err.message(), "policy reload after NOTIFY failed");
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
