//! Data in: the files ward imports and what their remittances said.
//!
//! - `import_file`: every file landed once, by its SHA-256, with who sent it, when, and its
//!   fate (its counts and its report: positions and codes, never a value from the file).
//! - `remittance`: one 835 transaction set's payment. Its payer, trace number (TRN02) and
//!   amount (BPR02) are unique: the same remittance twice, in one file or two, is one.
//! - `claim_payment`: one CLP, matched to ward's claim by its number or kept unmatched on the
//!   ops queue until someone matches or dismisses it.
//! - `service_payment` and `claim_adjustment`: its SVC lines and its CAS adjustments.
//! - `service_account`: a machine identity that sends files (its staff row holds its role);
//!   its token is kept as a SHA-256 only, and revoking it ends it at once.
//! - `denial.claim_adjustment_id`: the adjustment a denial was derived from, so a reversal
//!   can find what it undoes.

use crate::columns::{create_indexes, drop_tables, fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [service_account(), import_file(), remittance(), claim_payment(), service_payment(), claim_adjustment()]
        {
            manager.create_table(table).await?;
        }
        manager
            .alter_table(Table::alter().table("denial").add_column(uuid_null("claim_adjustment_id")).to_owned())
            .await?;
        let mut one_remittance = index("remittance", "payer_trace_total", &["payer_name", "trace", "total_cents"]);
        one_remittance.unique();
        create_indexes(
            manager,
            vec![
                one_remittance,
                index("import_file", "received_at", &["received_at", "id"]),
                index("claim_payment", "remittance_id", &["remittance_id"]),
                index("claim_payment", "claim_id", &["claim_id"]),
                index("claim_payment", "match_state_created_at", &["match_state", "created_at", "id"]),
                index("service_payment", "claim_payment_id", &["claim_payment_id"]),
                index("claim_adjustment", "claim_payment_id", &["claim_payment_id"]),
                index("denial", "claim_adjustment_id", &["claim_adjustment_id"]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_denial_claim_adjustment_id").table("denial").to_owned()).await?;
        manager.alter_table(Table::alter().table("denial").drop_column("claim_adjustment_id").to_owned()).await?;
        drop_tables(
            manager,
            &["claim_adjustment", "service_payment", "claim_payment", "remittance", "import_file", "service_account"],
        )
        .await
    }
}

fn service_account() -> TableCreateStatement {
    Table::create()
        .table("service_account")
        .col(pk_uuid("id"))
        .col(string_len_uniq("name", 64))
        .col(uuid("staff_id"))
        .col(string_len_uniq("token_sha256", 64))
        .col(string_len("created_by", 100))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone_null("revoked_at"))
        .foreign_key(&mut fk("service_account", "staff_id", "staff"))
        .to_owned()
}

fn import_file() -> TableCreateStatement {
    Table::create()
        .table("import_file")
        .col(pk_uuid("id"))
        .col(string_len("kind", 16))
        .col(string_len_uniq("sha256", 64))
        .col(big_integer("bytes"))
        .col(string_len("sent_by", 100))
        .col(timestamp_with_time_zone("received_at"))
        .col(timestamp_with_time_zone_null("finished_at"))
        .col(string_len("status", 16))
        .col(integer("created").default(0))
        .col(integer("updated").default(0))
        .col(integer("unchanged").default(0))
        .col(integer("unmatched").default(0))
        .col(integer("refused").default(0))
        .col(text("report"))
        .to_owned()
}

fn remittance() -> TableCreateStatement {
    Table::create()
        .table("remittance")
        .col(pk_uuid("id"))
        .col(uuid("import_id"))
        .col(string_len("set_control", 9))
        .col(string_len("payer_name", 60))
        .col(string_len_null("payer_id", 10))
        .col(string_len("trace", 50))
        .col(big_integer("total_cents"))
        .col(date("paid_on"))
        .col(string_len("method", 3))
        .col(string_len("handling", 2))
        // PLB: JSON [{reason, reference, cents}], positive taking from the payment.
        .col(text("provider_adjustments"))
        .col(timestamp_with_time_zone("created_at"))
        .foreign_key(&mut fk("remittance", "import_id", "import_file"))
        .to_owned()
}

fn claim_payment() -> TableCreateStatement {
    Table::create()
        .table("claim_payment")
        .col(pk_uuid("id"))
        .col(uuid("remittance_id"))
        .col(uuid_null("claim_id"))
        .col(string_len("claim_number", 38))
        .col(string_len("status", 2))
        .col(big_integer("charge_cents"))
        .col(big_integer("paid_cents"))
        .col(big_integer("patient_cents"))
        .col(string_len_null("payer_claim_number", 50))
        .col(string_len("remarks", 200))
        .col(big_integer("segment"))
        .col(string_len("match_state", 16))
        .col(uuid_null("resolved_by"))
        .col(timestamp_with_time_zone_null("resolved_at"))
        .col(text_null("resolution_note"))
        .col(timestamp_with_time_zone("created_at"))
        .foreign_key(&mut fk("claim_payment", "remittance_id", "remittance"))
        .foreign_key(&mut fk("claim_payment", "claim_id", "claim"))
        .foreign_key(&mut fk("claim_payment", "resolved_by", "staff"))
        .to_owned()
}

fn service_payment() -> TableCreateStatement {
    Table::create()
        .table("service_payment")
        .col(pk_uuid("id"))
        .col(uuid("claim_payment_id"))
        .col(integer("line"))
        .col(string_len("qualifier", 2))
        .col(string_len("procedure_code", 48))
        .col(string_len("modifiers", 11))
        .col(big_integer("charge_cents"))
        .col(big_integer("paid_cents"))
        .col(string_len_null("units", 15))
        .col(date_null("service_date"))
        .col(string_len("remarks", 200))
        .foreign_key(&mut fk("service_payment", "claim_payment_id", "claim_payment"))
        .to_owned()
}

fn claim_adjustment() -> TableCreateStatement {
    Table::create()
        .table("claim_adjustment")
        .col(pk_uuid("id"))
        .col(uuid("claim_payment_id"))
        .col(uuid_null("service_payment_id"))
        .col(string_len("group_code", 2))
        .col(string_len("reason", 5))
        .col(big_integer("cents"))
        .col(string_len_null("quantity", 15))
        .foreign_key(&mut fk("claim_adjustment", "claim_payment_id", "claim_payment"))
        .foreign_key(&mut fk("claim_adjustment", "service_payment_id", "service_payment"))
        .to_owned()
}
