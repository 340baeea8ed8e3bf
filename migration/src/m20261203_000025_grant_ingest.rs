//! The ingest path's permissions: service accounts (role `integration`) send files in and
//! read nothing back; ops upload files on the console, read the import runs and their
//! reports with admin, and resolve the remittance lines a run could not match.

use crate::policy_rules::{self, Rule, rule};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RULES: [Rule; 5] = [
    rule("integration", "ingest", "create"),
    rule("ops", "ingest", "create"),
    rule("ops", "ingest", "read"),
    rule("admin", "ingest", "read"),
    rule("ops", "ingest", "update"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        policy_rules::grant(manager, &RULES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        policy_rules::revoke(manager, &RULES).await
    }
}
