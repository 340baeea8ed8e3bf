//! The policy store: casbin rules in the `policy_rule` table, and the Authorizer they feed.

use super::error::{ApiError, ApiResult};
use entities::policy_rule;
use policies::{Authorizer, Grant, Permission, PolicySet};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;

/// The PostgreSQL channel that announces a policy edit to every instance.
pub const NOTIFY_CHANNEL: &str = "ward_policy";

/// The Authorizer with the database it loads from. Cheap to clone.
#[derive(Clone)]
pub struct PolicyStore {
    authorizer: Arc<Authorizer>,
}

impl PolicyStore {
    /// Loads the store, first writing the baseline policy into an empty one.
    pub async fn open(db: &impl ConnectionTrait) -> ApiResult<Self> {
        ensure_baseline(db).await?;
        let set = load(db).await?;
        Ok(PolicyStore { authorizer: Arc::new(Authorizer::new(set)) })
    }

    pub fn authorizer(&self) -> &Authorizer {
        &self.authorizer
    }

    /// After a committed edit: puts the new rules in force here, and tells other instances
    /// (PostgreSQL `NOTIFY`; each instance also re-reads on a timer).
    pub async fn changed(&self, db: &impl ConnectionTrait) -> ApiResult<()> {
        self.reload(db).await?;
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared(&format!("NOTIFY {NOTIFY_CHANNEL}")).await?;
        }
        Ok(())
    }

    /// Re-reads the rules; returns whether the policy in force changed.
    pub async fn reload(&self, db: &impl ConnectionTrait) -> ApiResult<bool> {
        let changed = self.authorizer.replace(load(db).await?);
        if changed {
            tracing::info!(version = self.authorizer.snapshot().version(), "policy reloaded");
        }
        Ok(changed)
    }
}

/// Every valid rule in the store. A row that does not parse grants nothing and is logged.
pub async fn load(db: &impl ConnectionTrait) -> ApiResult<PolicySet> {
    let rows = policy_rule::Entity::find().all(db).await.map_err(|e| ApiError::from_db("loading the policy", e))?;
    let mut permissions = Vec::new();
    let mut grants = Vec::new();
    for row in rows {
        let parsed = match row.ptype.as_str() {
            "p" => Permission::parse(&row.v0, &row.v1, &row.v2).map(|p| permissions.push(p)),
            "g" => Grant::parse(&row.v0, &row.v1).map(|g| grants.push(g)),
            other => {
                tracing::warn!(id = row.id, ptype = other, "ignoring a policy row of unknown type");
                Ok(())
            }
        };
        if let Err(err) = parsed {
            tracing::warn!(id = row.id, %err, "ignoring an invalid policy row");
        }
    }
    Ok(PolicySet::new(permissions, grants))
}

/// Writes `policy.csv` into a store that has no permissions yet.
pub async fn ensure_baseline(db: &impl ConnectionTrait) -> ApiResult<()> {
    let existing = policy_rule::Entity::find().filter(policy_rule::Column::Ptype.eq("p")).count(db).await?;
    if existing > 0 {
        return Ok(());
    }
    let baseline = PolicySet::baseline().map_err(|e| ApiError::internal("parsing policy.csv", anyhow::anyhow!(e)))?;
    let rows: Vec<policy_rule::ActiveModel> = baseline.permissions().map(permission_row).collect();
    policy_rule::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

pub fn permission_row(p: &Permission) -> policy_rule::ActiveModel {
    row("p", [p.role.as_str(), p.resource.as_str(), p.action.as_str()])
}

pub fn grant_row(g: &Grant) -> policy_rule::ActiveModel {
    row("g", [g.sub.as_str(), g.role.as_str(), ""])
}

fn row(ptype: &str, [v0, v1, v2]: [&str; 3]) -> policy_rule::ActiveModel {
    policy_rule::ActiveModel {
        ptype: Set(ptype.to_owned()),
        v0: Set(v0.to_owned()),
        v1: Set(v1.to_owned()),
        v2: Set(v2.to_owned()),
        v3: Set(String::new()),
        v4: Set(String::new()),
        v5: Set(String::new()),
        ..Default::default()
    }
}
