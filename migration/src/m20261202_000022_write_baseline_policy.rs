//! The baseline policy moves into migrations. Until now ward wrote `policy.csv` into an empty
//! store when it started, so a rule added to the baseline later never reached a store that
//! existed already. From here on the store is written only by migrations (this one, and one
//! per later change of the baseline, through [`crate::policy_rules`]) and by admins' audited
//! edits. This migration writes the baseline of this day into a store that holds no
//! permission yet; a store that ward has served already holds it (the earlier start-up load,
//! plus migration 11's carve-outs of the billing and correspondence classes), so it is left
//! as its admins made it.
//!
//! The list is frozen here, not read from `policy.csv`: the file keeps changing with later
//! migrations, and this one must write the same rules whenever it runs. A test holds
//! `policy.csv` to what the migrations write into an empty store.

use crate::policy_rules::{self, Rule, rule};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The baseline policy on 2026-12-02, as `policy.csv` read then.
pub const BASELINE: [Rule; 55] = [
    rule("cx", "patient", "read"),
    rule("ops", "patient", "read"),
    rule("medical", "patient", "read"),
    rule("cx", "patient", "contact"),
    rule("ops", "patient", "contact"),
    rule("medical", "patient", "contact"),
    rule("ops", "patient", "identity"),
    rule("medical", "patient", "identity"),
    rule("cx", "provider", "read"),
    rule("ops", "provider", "read"),
    rule("medical", "provider", "read"),
    rule("cx", "appointment", "read"),
    rule("ops", "appointment", "read"),
    rule("medical", "appointment", "read"),
    rule("cx", "ticket", "read"),
    rule("ops", "ticket", "read"),
    rule("medical", "ticket", "read"),
    rule("cx", "ticket", "correspondence"),
    rule("ops", "ticket", "correspondence"),
    rule("medical", "ticket", "correspondence"),
    rule("cx", "ticket", "comment"),
    rule("ops", "ticket", "comment"),
    rule("medical", "ticket", "comment"),
    rule("cx", "ticket", "create"),
    rule("cx", "ticket", "update"),
    rule("cx", "ticket", "assign"),
    rule("cx", "ticket", "transition"),
    rule("cx", "claim", "read"),
    rule("ops", "claim", "read"),
    rule("cx", "denial", "read"),
    rule("ops", "denial", "read"),
    rule("cx", "claim", "billing"),
    rule("ops", "claim", "billing"),
    rule("ops", "claim", "clinical"),
    rule("cx", "escalation", "read"),
    rule("ops", "escalation", "read"),
    rule("ops", "escalation", "create"),
    rule("ops", "escalation", "assign"),
    rule("ops", "escalation", "transition"),
    rule("medical", "care_record", "read"),
    rule("medical", "care_record", "clinical"),
    rule("medical", "care_record", "edit"),
    rule("medical", "care_review", "read"),
    rule("compliance", "care_review", "read"),
    rule("medical", "care_review", "create"),
    rule("medical", "care_review", "complete"),
    rule("compliance", "audit", "read"),
    rule("cx", "break_glass", "request"),
    rule("ops", "break_glass", "request"),
    rule("medical", "break_glass", "request"),
    rule("compliance", "break_glass", "review"),
    rule("admin", "staff", "read"),
    rule("admin", "staff", "manage"),
    rule("admin", "policy", "read"),
    rule("admin", "policy", "edit"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if policy_rules::holds_no_permission(manager).await? {
            policy_rules::grant(manager, &BASELINE).await?;
        }
        Ok(())
    }

    /// Leaves the rules: before this migration ward wrote the baseline itself, and a store
    /// emptied here would answer every request `FORBIDDEN`.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
