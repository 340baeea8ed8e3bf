//! Changes to the baseline policy, shipped as migrations: the only way a rule reaches a
//! deployment that already has a policy store. Each helper is idempotent (granting a rule
//! held already, or revoking one absent, changes nothing), so a migration states the rules
//! it adds or takes away and runs the same on a new store and on one an admin has edited.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

const TABLE: &str = "policy_rule";

/// One permission: `role` may do `action` on `resource` (the names of `policies`' vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    pub role: &'static str,
    pub resource: &'static str,
    pub action: &'static str,
}

pub const fn rule(role: &'static str, resource: &'static str, action: &'static str) -> Rule {
    Rule { role, resource, action }
}

fn matching(rule: &Rule) -> Condition {
    Condition::all()
        .add(Expr::col("ptype").eq("p"))
        .add(Expr::col("v0").eq(rule.role))
        .add(Expr::col("v1").eq(rule.resource))
        .add(Expr::col("v2").eq(rule.action))
}

/// Adds each rule the store does not hold yet.
pub async fn grant(manager: &SchemaManager<'_>, rules: &[Rule]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for rule in rules {
        let held = Query::select().expr(Expr::val(1)).from(TABLE).cond_where(matching(rule)).to_owned();
        if db.query_one(&held).await?.is_some() {
            continue;
        }
        let insert = Query::insert()
            .into_table(TABLE)
            .columns(["ptype", "v0", "v1", "v2", "v3", "v4", "v5"])
            .values_panic(["p", rule.role, rule.resource, rule.action, "", "", ""].map(Into::into))
            .to_owned();
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Removes each rule the store holds.
pub async fn revoke(manager: &SchemaManager<'_>, rules: &[Rule]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for rule in rules {
        db.execute(&Query::delete().from_table(TABLE).cond_where(matching(rule)).to_owned()).await?;
    }
    Ok(())
}

/// Whether the store holds no permission at all (a database no ward has served yet).
pub async fn holds_no_permission(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    let any = Query::select().expr(Expr::val(1)).from(TABLE).and_where(Expr::col("ptype").eq("p")).limit(1).to_owned();
    Ok(manager.get_connection().query_one(&any).await?.is_none())
}
