//! One loader per relation: within a request, every row that asks for its patient, provider,
//! staff member or denials at the same depth is answered by one batched statement, so a list
//! of N costs one statement per level, not N. Access is still checked per value, by the
//! relation's resolver, before anything is loaded. The kit holds the loaders every tool
//! reaches and the means to declare more; each tool's own relations are in its `loaders.rs`.

use super::{ApiError, ApiResult};
use async_graphql::Context;
pub use async_graphql::dataloader::Loader;
use async_graphql::dataloader::{DataLoader, HashMapCache};
use entities::{care_record, patient, provider, staff};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The loaders of one request, over the request pool. The kit loads what every tool reaches
/// (patients, providers, staff, care records by id); each tool declares the loaders of its own
/// relations (`first_page!`, or `impl Loader<Key> for Loaders` beside its types).
pub struct Loaders {
    db: DatabaseConnection,
}

impl Loaders {
    /// The request pool, for a tool's own loaders.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}

/// The request's loaders, cached for its duration (a record asked for twice is read once).
pub type RequestLoaders = DataLoader<Loaders, HashMapCache>;

/// Creates the loaders for one request (shared by the operations of a batch). A load waits
/// 3 ms for its siblings: the rows of a list ask as one poll walks them while the batch's
/// timer runs on another worker, and tokio's timer ticks in whole milliseconds, so a 1 ms
/// wait could fire almost at once and split a page of 20 (seen in a debug build on 2 cores).
pub fn for_request(db: DatabaseConnection) -> Arc<RequestLoaders> {
    let loaders = DataLoader::with_cache(Loaders { db }, tokio::spawn, HashMapCache::default());
    Arc::new(loaders.delay(std::time::Duration::from_millis(3)))
}

/// The request's loaders, from the GraphQL context.
pub fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a RequestLoaders> {
    ctx.data::<Arc<RequestLoaders>>()
        .map(Arc::as_ref)
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("no loaders in the request context: {}", err.message)))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PatientId(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProviderId(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StaffId(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CareRecordId(pub Uuid);
/// A staff member by `sub` (the audit trail names its actors so).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StaffSub(pub String);

/// Loader errors must be cloneable; the database's error is shared.
pub type LoadError = Arc<DbErr>;

/// Turns a loader's error back into the API's (so a database outage stays `UNAVAILABLE`).
pub fn load_error(err: LoadError) -> ApiError {
    ApiError::from((*err).clone())
}

macro_rules! by_id {
    ($key:ident, $module:ident) => {
        impl Loader<$key> for Loaders {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
                let rows = $module::Entity::find().filter($module::Column::Id.is_in(ids)).all(&self.db).await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

by_id!(PatientId, patient);
by_id!(ProviderId, provider);
by_id!(StaffId, staff);
by_id!(CareRecordId, care_record);

impl Loader<StaffSub> for Loaders {
    type Value = staff::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[StaffSub]) -> Result<HashMap<StaffSub, Self::Value>, Self::Error> {
        let subs: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let rows = staff::Entity::find().filter(staff::Column::Sub.is_in(subs)).all(&self.db).await?;
        Ok(rows.into_iter().map(|row| (StaffSub(row.sub.clone()), row)).collect())
    }
}

/// The first rows of each parent's list, `limit` each, in one statement for all parents
/// (a window over the parent column). A later page (`after` a cursor) is read on its own.
pub async fn first_rows<E>(
    db: &DatabaseConnection,
    table: &str,
    parent: &str,
    order: &str,
    parents: Vec<Uuid>,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
{
    use sea_orm::{DatabaseBackend, Statement};
    let backend = db.get_database_backend();
    let placeholders: Vec<String> = (1..=parents.len())
        .map(|i| if backend == DatabaseBackend::Postgres { format!("${i}") } else { "?".to_owned() })
        .collect();
    let sql = format!(
        "SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.{parent} ORDER BY {order}) AS ward_rank \
         FROM {table} t WHERE t.{parent} IN ({})) ranked WHERE ward_rank <= {limit} ORDER BY {parent}, ward_rank",
        placeholders.join(", ")
    );
    let values: Vec<sea_orm::Value> = parents.into_iter().map(Into::into).collect();
    E::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, values)).all(db).await
}

/// `first_page!(Key, entity, parent_field, "parent_column", "order")` declares a loader key for
/// the first page of a one-to-many relation and its batched loader (one statement for every
/// parent asking at the same depth, [`first_rows`]). Each tool declares its own, beside its
/// types (`loaders.rs` in its folder).
#[macro_export]
macro_rules! first_page {
    ($(#[$doc:meta])* $key:ident, $module:ident, $parent_field:ident, $parent:literal, $order:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key {
            pub parent: ::uuid::Uuid,
            /// Rows to fetch (a page and one more, to know whether another follows).
            pub limit: u64,
        }

        impl $crate::loaders::Loader<$key> for $crate::loaders::Loaders {
            type Value = Vec<$module::Model>;
            type Error = $crate::loaders::LoadError;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<::std::collections::HashMap<$key, Self::Value>, Self::Error> {
                let mut out: ::std::collections::HashMap<$key, Vec<$module::Model>> =
                    keys.iter().map(|k| (*k, Vec::new())).collect();
                let mut limits: Vec<u64> = keys.iter().map(|k| k.limit).collect();
                limits.sort_unstable();
                limits.dedup();
                for limit in limits {
                    let parents: Vec<::uuid::Uuid> =
                        keys.iter().filter(|k| k.limit == limit).map(|k| k.parent).collect();
                    let table = ::sea_orm::EntityName::table_name(&$module::Entity);
                    let rows =
                        $crate::loaders::first_rows::<$module::Entity>(self.db(), table, $parent, $order, parents, limit)
                            .await?;
                    for row in rows {
                        let parent: Option<::uuid::Uuid> = row.$parent_field.into();
                        if let Some(parent) = parent {
                            out.entry($key { parent, limit }).or_default().push(row);
                        }
                    }
                }
                Ok(out)
            }
        }
    };
}

/// The rows of one page of a relation: the first page comes from the batch loader (one
/// statement for every parent asking at this depth), a later page from `later` (one parent's
/// keyset page, by its service). `first` makes the loader key from the rows to fetch.
pub async fn relation_page<K, Row, Later>(
    ctx: &Context<'_>,
    page: &crate::pagination::PageRequest,
    first: impl FnOnce(u64) -> K,
    later: impl FnOnce() -> Later,
) -> ApiResult<Vec<Row>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    Loaders: Loader<K, Value = Vec<Row>, Error = LoadError>,
    Row: Send + Sync + Clone + 'static,
    Later: std::future::Future<Output = ApiResult<Vec<Row>>>,
{
    if page.is_first_page() {
        Ok(loaders(ctx)?.load_one(first(page.fetch_limit())).await.map_err(load_error)?.unwrap_or_default())
    } else {
        later().await
    }
}
