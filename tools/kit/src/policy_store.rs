//! The policy store: casbin rules in the `policy_rule` table, and the Authorizer they feed.

use super::error::{ApiError, ApiResult};
use entities::policy_rule;
use policies::{Authorizer, Grant, Permission, PolicySet};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use std::sync::Arc;

/// The PostgreSQL channel that announces a policy edit to every instance.
pub const NOTIFY_CHANNEL: &str = "ward_policy";

/// The Authorizer with the database it loads from. Cheap to clone.
#[derive(Clone)]
pub struct PolicyStore {
    authorizer: Arc<Authorizer>,
}

impl PolicyStore {
    /// Loads the store. The baseline is the migrations' to write (`migration::policy_rules`),
    /// never this: a rule written at start-up would reach new databases only.
    pub async fn open(db: &impl ConnectionTrait) -> ApiResult<Self> {
        let set = load(db).await?;
        if set.permissions().next().is_none() {
            tracing::warn!("the policy store holds no permission: every request will be refused (run `ward migrate`)");
        }
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
