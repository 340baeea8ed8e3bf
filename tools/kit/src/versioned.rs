//! Versioned updates, one way for every editable table: a compare-and-set on `version` (the
//! row changes only if it is still at the version the caller read), one `CONFLICT` message
//! naming the current version, and the entity's history entry written by the same call.

use super::{ApiError, ApiResult};
use chrono::Utc;
use entities::{
    appointment, break_glass_grant, care_record, care_review, claim, escalation, escalation_event, patient,
    pending_approval, provider, reply_macro, staff, ticket, ticket_event,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::Value;
use uuid::Uuid;

/// An entity whose rows carry `id` (UUID), `version` and `updated_at`.
pub trait Versioned: EntityTrait {
    /// What a person calls one row: "ticket", "staff member".
    const NOUN: &'static str;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;

    /// Writes a history entry of a change (who, when, old → new), where the entity keeps one.
    fn record_history(
        db: &impl ConnectionTrait,
        id: Uuid,
        change: &HistoryEntry,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        let _ = (db, id, change);
        async { Ok(()) }
    }
}

/// One change for the history: who, what kind, and `{"field": [old, new]}`.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    pub actor: Uuid,
    pub kind: &'static str,
    pub changes: Value,
}

/// `CONFLICT`: the row moved on since the caller read it.
pub fn stale<E: Versioned>(current: i32, expected: i32) -> ApiError {
    ApiError::Conflict(format!(
        "the {} is at version {current}, not {expected}: someone changed it; reload and try again",
        E::NOUN
    ))
}

/// Writes the set fields of `next` to row `id` if it is still at `expected_version` (then at
/// `expected_version + 1`, `updated_at` now), with its history entry; `CONFLICT` naming the
/// current version otherwise, `NOT_FOUND` if there is no such row. Run it in the mutation's
/// transaction so the change, its history and its audit event commit together.
pub async fn update<E>(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    next: E::ActiveModel,
    history: Option<HistoryEntry>,
) -> ApiResult<E::Model>
where
    E: Versioned,
    E::Model: IntoActiveModel<E::ActiveModel>,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    let updated = E::update_many()
        .set(next)
        .col_expr(E::version_column(), Expr::value(expected_version + 1))
        .col_expr(E::updated_at_column(), Expr::value(Utc::now()))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(expected_version))
        .exec(db)
        .await?;
    let row = E::find_by_id(id).one(db).await?.ok_or_else(|| ApiError::NotFound(format!("{} {id}", E::NOUN)))?;
    if updated.rows_affected == 0 {
        let current = row.into_active_model().get(E::version_column()).into_value();
        let current = match current {
            Some(sea_orm::Value::Int(Some(v))) => v,
            _ => expected_version,
        };
        return Err(stale::<E>(current, expected_version));
    }
    if let Some(entry) = history {
        E::record_history(db, id, &entry).await?;
    }
    Ok(row)
}

macro_rules! versioned {
    ($($module:ident => $noun:literal),+ $(,)?) => {$(
        impl Versioned for $module::Entity {
            const NOUN: &'static str = $noun;
            fn id_column() -> Self::Column { $module::Column::Id }
            fn version_column() -> Self::Column { $module::Column::Version }
            fn updated_at_column() -> Self::Column { $module::Column::UpdatedAt }
        }
    )+};
}

versioned!(
    staff => "staff member",
    break_glass_grant => "break-glass grant",
    care_record => "care record",
    care_review => "care review",
    claim => "claim",
    reply_macro => "saved reply",
    pending_approval => "approval request",
    patient => "patient",
    provider => "provider",
    appointment => "appointment",
);

/// An entity that keeps its history in a table of events (`id`, the parent's id, `actor_id`,
/// `kind`, `changes`, `created_at`).
macro_rules! versioned_with_history {
    ($($module:ident => $noun:literal, history in $events:ident.$parent:ident),+ $(,)?) => {$(
        impl Versioned for $module::Entity {
            const NOUN: &'static str = $noun;
            fn id_column() -> Self::Column { $module::Column::Id }
            fn version_column() -> Self::Column { $module::Column::Version }
            fn updated_at_column() -> Self::Column { $module::Column::UpdatedAt }

            async fn record_history(db: &impl ConnectionTrait, id: Uuid, change: &HistoryEntry) -> ApiResult<()> {
                $events::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    $parent: Set(id),
                    actor_id: Set(change.actor),
                    kind: Set(change.kind.to_owned()),
                    changes: Set(change.changes.clone()),
                    created_at: Set(Utc::now()),
                }
                .insert(db)
                .await?;
                Ok(())
            }
        }
    )+};
}

versioned_with_history!(
    ticket => "ticket", history in ticket_event.ticket_id,
    escalation => "escalation", history in escalation_event.escalation_id,
);

// Column names are checked once here rather than at every call.
#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::IntoIden;

    #[test]
    fn every_versioned_entity_names_its_own_columns() {
        fn names<E: Versioned>() -> [String; 3] {
            [E::id_column(), E::version_column(), E::updated_at_column()].map(|c| c.into_iden().to_string())
        }
        for columns in [names::<ticket::Entity>(), names::<staff::Entity>(), names::<escalation::Entity>()] {
            assert_eq!(columns, ["id", "version", "updated_at"]);
        }
    }
}
