//! Beginning a transaction that will write.
//!
//! SQLite in WAL mode: a transaction begun DEFERRED (sea-orm's default) takes its snapshot at
//! its first read and the write lock at its first write. If another connection committed in
//! between (a console session's last-use update, another import), the upgrade fails at once
//! with SQLITE_BUSY_SNAPSHOT: the busy timeout does not apply, because waiting could not make
//! the stale snapshot current. A writing transaction therefore begins IMMEDIATE, taking the
//! write lock first and waiting its turn under the busy timeout. PostgreSQL needs nothing:
//! its rows lock as they are written.

use sea_orm::{
    DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// Begins a transaction that reads and then writes, on either backend.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let options = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            };
            db.begin_with_options(options).await
        }
        _ => db.begin().await,
    }
}
