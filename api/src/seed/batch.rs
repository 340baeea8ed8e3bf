//! Batched inserts: many rows per statement, under every backend's bind-parameter limit.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};

/// Rows per INSERT: keeps columns × rows well under SQLite's 32,766 bound parameters.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows` and empties the vector; returns how many were written.
pub async fn flush<A>(db: &impl ConnectionTrait, rows: &mut Vec<A>) -> Result<u64, DbErr>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let written = rows.len() as u64;
    while !rows.is_empty() {
        let chunk: Vec<A> = rows.drain(..rows.len().min(ROWS_PER_STATEMENT)).collect();
        A::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(written)
}
