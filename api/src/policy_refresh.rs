//! Keeps this instance's policy current with edits made elsewhere: PostgreSQL `NOTIFY` for
//! at once, and a periodic re-read as the safety net (and the only path on SQLite). The same
//! listening connection hears staff changes, and keeps the staff cache on only while it hears.

use sea_orm::DatabaseConnection;
use sea_orm::sqlx::PgPool;
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use std::time::Duration;
use tools::admin::staff_cache::{STAFF_CHANNEL, StaffCache};
use tools::kit::policy_store::{NOTIFY_CHANNEL, PolicyStore};

/// The listener's own one-connection pool on PostgreSQL: closing it at shutdown ends the
/// listening session cleanly (the server sees a goodbye, not a dropped socket).
pub fn listener_pool(url: &str) -> Option<PgPool> {
    if crate::db::backend(url).ok() != Some(crate::db::Backend::Postgres) {
        return None;
    }
    PgPoolOptions::new().max_connections(1).min_connections(0).connect_lazy(url).ok()
}

pub async fn run(
    store: PolicyStore,
    staff: StaffCache,
    db: DatabaseConnection,
    listener: Option<PgPool>,
    every: Duration,
) {
    let poll = poll(store.clone(), db.clone(), every);
    match listener {
        Some(pool) => {
            tokio::join!(poll, listen(store, staff, db, pool));
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

async fn listen(store: PolicyStore, staff: StaffCache, db: DatabaseConnection, pool: PgPool) {
    while !pool.is_closed() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "policy listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen_all([NOTIFY_CHANNEL, STAFF_CHANNEL]).await {
            tracing::warn!(error = %err, "policy listener cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        // Listening: from here on no change goes unheard, so the staff cache may answer, and
        // what was missed while not listening is read afresh.
        staff.set_live(true);
        if let Err(err) = store.reload(&db).await {
            tracing::warn!(error = err.message(), "policy reload after (re)connecting failed");
        }
        // `try_recv`, not `recv`: `recv` reconnects by itself and says nothing of what it
        // missed meanwhile; `try_recv` reports the lost connection (`None`), and the cache is
        // off until this loop has listened again.
        while let Ok(Some(notification)) = listener.try_recv().await {
            if notification.channel() == STAFF_CHANNEL {
                staff.changed();
            } else if let Err(err) = store.reload(&db).await {
                tracing::warn!(error = err.message(), "policy reload after NOTIFY failed");
            }
        }
        staff.set_live(false);
        tracing::warn!("policy and staff listener lost its connection; reconnecting");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
