//! A file ward imported (an X12 interchange, an NDJSON batch), landed once by its SHA-256,
//! with who sent it, when, and what came of it. Its report names positions and codes only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_file")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `x12_835`, `x12_837p`, `ndjson`.
    pub kind: String,
    #[sea_orm(unique)]
    pub sha256: String,
    pub bytes: i64,
    /// The staff member's or service account's subject.
    pub sent_by: String,
    pub received_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// `running`, `imported` (every set stood), `partial` (some were refused), `refused`
    /// (none stood, or the file itself was), `failed` (ward could not finish: it may be sent again).
    pub status: String,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub unmatched: i32,
    pub refused: i32,
    /// JSON: the outcome of each transaction set, with the position and problem of each refusal.
    pub report: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
