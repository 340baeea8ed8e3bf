//! The ops workflow: payers and their appeal windows, escalations that move through appeal
//! levels to an outcome (with the amount recovered), each appeal as it was sent, and each
//! escalation's history. Existing escalations keep their meaning: `escalated` was being
//! worked (`in_review`), `appealed` was a first-level appeal, `resolved` was won.

use crate::columns::{create_indexes, drop_tables, fk, index};
use sea_orm_migration::sea_orm::prelude::{ChronoDateTimeUtc, Uuid};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Payers ward knows, with their appeal windows in days (level 1, level 2, external review)
/// and timely-filing limit. Plausible figures for a demo; production edits the table.
const PAYERS: &[(&str, i32, i32, i32, i32)] = &[
    ("Aetna", 180, 60, 120, 90),
    ("Blue Shield", 365, 60, 180, 365),
    ("Cigna", 180, 60, 120, 90),
    ("UnitedHealthcare", 365, 60, 120, 90),
    ("Kaiser Permanente", 180, 60, 180, 90),
    ("Humana", 60, 60, 60, 365),
];

/// The unfinished-escalation index, before and after the new outcomes.
const ONE_UNFINISHED: &str = "idx_escalation_denial_id_unfinished";

fn one_unfinished(finished: &[&str]) -> IndexCreateStatement {
    let mut one = index("escalation", "denial_id_unfinished", &["denial_id"]);
    one.unique().and_where(Expr::col("status").is_not_in(finished.iter().copied()));
    one
}

#[allow(clippy::too_many_lines, reason = "a released migration is frozen: what it ran is what databases hold")]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("payer")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("name", 100))
                    .col(integer("level_1_appeal_days"))
                    .col(integer("level_2_appeal_days"))
                    .col(integer("external_review_days"))
                    .col(integer("timely_filing_days"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table("payer").columns([
            "id",
            "name",
            "level_1_appeal_days",
            "level_2_appeal_days",
            "external_review_days",
            "timely_filing_days",
            "created_at",
        ]);
        for (n, (name, l1, l2, external, filing)) in PAYERS.iter().enumerate() {
            // Fixed ids, so every deployment names a payer the same way.
            let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001 + n as u128);
            insert.values_panic([
                id.into(),
                (*name).into(),
                (*l1).into(),
                (*l2).into(),
                (*external).into(),
                (*filing).into(),
                ChronoDateTimeUtc::UNIX_EPOCH.into(),
            ]);
        }
        manager.exec_stmt(insert).await?;

        manager
            .alter_table(Table::alter().table("escalation").add_column(string_len_null("appeal_level", 16)).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("escalation").add_column(big_integer_null("recovered_cents")).to_owned())
            .await?;
        manager.drop_index(Index::drop().name(ONE_UNFINISHED).table("escalation").to_owned()).await?;
        for (from, to, level) in
            [("escalated", "in_review", None), ("appealed", "appealed", Some("level_1")), ("resolved", "won", None)]
        {
            let mut update = Query::update();
            update.table("escalation").value("status", to).and_where(Expr::col("status").eq(from));
            if let Some(level) = level {
                update.value("appeal_level", level);
            }
            manager.exec_stmt(update).await?;
        }
        manager.create_index(one_unfinished(&["won", "lost", "written_off"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("appeal")
                    .col(pk_uuid("id"))
                    .col(uuid("escalation_id"))
                    .col(string_len("level", 16))
                    // What was sent to the payer (letter, records, the argument), as ops wrote it.
                    .col(text("sent"))
                    .col(date("sent_on"))
                    .col(uuid("filed_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("appeal", "escalation_id", "escalation"))
                    .foreign_key(&mut fk("appeal", "filed_by", "staff"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("escalation_event")
                    .col(pk_uuid("id"))
                    .col(uuid("escalation_id"))
                    .col(uuid("actor_id"))
                    .col(string_len("kind", 32))
                    // What changed, as JSON: {"field": [old, new]}, with the note.
                    .col(json("changes"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("escalation_event", "escalation_id", "escalation"))
                    .foreign_key(&mut fk("escalation_event", "actor_id", "staff"))
                    .to_owned(),
            )
            .await?;
        let mut one_appeal_per_level = index("appeal", "escalation_id_level", &["escalation_id", "level"]);
        one_appeal_per_level.unique();
        create_indexes(
            manager,
            vec![
                one_appeal_per_level,
                index("appeal", "sent_on", &["sent_on"]),
                index("escalation_event", "escalation_id_created_at", &["escalation_id", "created_at"]),
                index("claim", "payer_status", &["payer", "status"]),
                index("escalation", "appeal_deadline_id", &["appeal_deadline", "id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_escalation_appeal_deadline_id").table("escalation").to_owned())
            .await?;
        manager.drop_index(Index::drop().name("idx_claim_payer_status").table("claim").to_owned()).await?;
        drop_tables(manager, &["escalation_event", "appeal"]).await?;
        manager.drop_index(Index::drop().name(ONE_UNFINISHED).table("escalation").to_owned()).await?;
        for (from, to) in [("in_review", "escalated"), ("won", "resolved"), ("lost", "resolved")] {
            let mut update = Query::update();
            update.table("escalation").value("status", to).and_where(Expr::col("status").eq(from));
            manager.exec_stmt(update).await?;
        }
        manager.create_index(one_unfinished(&["resolved", "written_off"])).await?;
        for column in ["recovered_cents", "appeal_level"] {
            manager.alter_table(Table::alter().table("escalation").drop_column(column).to_owned()).await?;
        }
        drop_tables(manager, &["payer"]).await
    }
}
