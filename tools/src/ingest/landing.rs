//! Landing a file: its SHA-256 and size, read as a stream, and its row in `import_file`,
//! written before anything of it is read for meaning. A file whose SHA-256 is on record is
//! not read again: the answer names the run that imported it. A run ward could not finish
//! (the database went away) is marked `failed`, and the same file may be sent again.

use crate::kit::{ApiError, ApiResult};
use chrono::Utc;
use entities::import_file;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use uuid::Uuid;

/// What a file holds, as `import_file.kind` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Remittance835,
    Claims837P,
    Directory,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Remittance835 => "x12_835",
            FileKind::Claims837P => "x12_837p",
            FileKind::Directory => "ndjson",
        }
    }
}

/// Who sent a file: a staff member, a service account, or the command line's operator.
#[derive(Clone, Debug)]
pub struct Sender {
    pub sub: String,
    pub roles: String,
    /// The request (or command run) it came with, for the audit trail.
    pub request_id: String,
    pub policy_version: String,
}

/// A file's digest and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest256 {
    pub sha256: String,
    pub bytes: u64,
}

/// Reads `path` once, in 64 KiB steps, for its SHA-256.
pub fn digest(path: &Path) -> std::io::Result<Digest256> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>();
    Ok(Digest256 { sha256, bytes })
}

/// A landed file: its row, or the run that already imported the same bytes.
pub enum Landed {
    New(import_file::Model),
    Before(import_file::Model),
}

/// Lands a file: a new `running` row, or the earlier run of the same bytes (a `failed` one
/// is taken over and run again).
pub async fn land(db: &impl ConnectionTrait, kind: FileKind, digest: &Digest256, sender: &Sender) -> ApiResult<Landed> {
    let earlier =
        import_file::Entity::find().filter(import_file::Column::Sha256.eq(digest.sha256.as_str())).one(db).await?;
    let now = Utc::now();
    if let Some(earlier) = earlier {
        if earlier.status != "failed" {
            return Ok(Landed::Before(earlier));
        }
        let mut again: import_file::ActiveModel = earlier.into();
        again.status = Set("running".into());
        again.sent_by = Set(sender.sub.clone());
        again.received_at = Set(now);
        again.finished_at = Set(None);
        return Ok(Landed::New(again.update(db).await?));
    }
    let row = import_file::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(kind.as_str().into()),
        sha256: Set(digest.sha256.clone()),
        bytes: Set(i64::try_from(digest.bytes).map_err(|_| ApiError::BadUserInput("the file is too large".into()))?),
        sent_by: Set(sender.sub.clone()),
        received_at: Set(now),
        finished_at: Set(None),
        status: Set("running".into()),
        created: Set(0),
        updated: Set(0),
        unchanged: Set(0),
        unmatched: Set(0),
        refused: Set(0),
        report: Set("{}".into()),
    };
    Ok(Landed::New(row.insert(db).await?))
}
