//! Anchoring the chain outside the database. The hash chain detects an edited event, but not
//! someone with the database password who deletes the newest events, or rewrites history and
//! recomputes every later hash. So each instance periodically (and at shutdown) signs the
//! chain's head with an Ed25519 key that the database never sees, and appends that signed
//! checkpoint to files outside the database (and to the log, and the head sequence number to
//! `/metrics`), much as CloudTrail signs digest files. `ward audit verify --checkpoints`
//! then requires every checkpointed head to still be in the chain.
//!
//! A checkpoint file is `checkpoints-<instance>.jsonl`, one JSON object per line, opened
//! append-only. Each checkpoint names the hash of the one before it (the previous line of the
//! same file, or for a file's first line the newest checkpoint in the directory when the
//! instance started), so a removed or reordered checkpoint breaks a link too.

use super::GENESIS;
use crate::{ApiError, ApiResult};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{SecondsFormat, Utc};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use entities::audit_event;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Where and how often checkpoints are written: the flags of `ward serve` themselves.
#[derive(Clone, Debug, clap::Args)]
pub struct CheckpointConfig {
    /// How often a signed checkpoint of the audit chain's head is written (and at shutdown).
    #[arg(id = "audit_checkpoint", long = "audit-checkpoint", env = "WARD_AUDIT_CHECKPOINT", default_value_t = CheckpointConfig::default().every)]
    pub every: humantime::Duration,
    /// Directory of append-only checkpoint files, outside the database (`--demo`: beside it).
    #[arg(id = "audit_checkpoint_dir", long = "audit-checkpoint-dir", env = "WARD_AUDIT_CHECKPOINT_DIR")]
    pub dir: Option<PathBuf>,
    /// PEM (PKCS#8) Ed25519 private key that signs checkpoints (`--demo`: generated beside the database).
    #[arg(id = "audit_signing_key", long = "audit-signing-key", env = "WARD_AUDIT_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        CheckpointConfig { every: Duration::from_secs(60).into(), dir: None, signing_key: None }
    }
}

/// A start-up problem with the checkpoint configuration.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot read the audit signing key {path}: {cause}")]
    Key { path: String, cause: String },
    #[error("cannot use the checkpoint directory {path}: {cause}")]
    Dir { path: String, cause: std::io::Error },
    #[error("WARD_AUDIT_CHECKPOINT_DIR needs WARD_AUDIT_SIGNING_KEY: an unsigned checkpoint proves nothing")]
    Unsigned,
    #[error("cannot generate an audit signing key: {0}")]
    Generate(String),
}

/// One signed statement: "the chain had `seq` events, the last hashing to `head_hash`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub head_hash: String,
    /// UTC, microseconds, `Z`.
    pub at: String,
    /// [`Checkpoint::hash`] of the checkpoint before this one, or [`GENESIS`].
    pub prev: String,
    pub instance: String,
    /// Ed25519 over [`Checkpoint::signed_bytes`], base64.
    pub signature: String,
}

impl Checkpoint {
    /// What the signature covers: every field but the signature, in one fixed form.
    pub fn signed_bytes(&self) -> Vec<u8> {
        format!("ward-checkpoint-v1\n{}\n{}\n{}\n{}\n{}", self.seq, self.head_hash, self.at, self.prev, self.instance)
            .into_bytes()
    }

    /// SHA-256 (hex) over the signed bytes and the signature: what the next checkpoint names.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.signed_bytes());
        hasher.update(b"\n");
        hasher.update(self.signature.as_bytes());
        hex(&hasher.finalize())
    }

    fn verifies_with(&self, key: &VerifyingKey) -> bool {
        let Ok(bytes) = BASE64.decode(&self.signature) else { return false };
        let Ok(signature) = Signature::from_slice(&bytes) else { return false };
        key.verify(&self.signed_bytes(), &signature).is_ok()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a PKCS#8 PEM Ed25519 private key.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, CheckpointError> {
    let key_error = |cause: String| CheckpointError::Key { path: path.display().to_string(), cause };
    let pem = std::fs::read_to_string(path).map_err(|e| key_error(e.to_string()))?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|e| key_error(format!("not a PKCS#8 PEM Ed25519 private key ({e})")))
}

/// Reads an SPKI PEM Ed25519 public key.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, CheckpointError> {
    let key_error = |cause: String| CheckpointError::Key { path: path.display().to_string(), cause };
    let pem = std::fs::read_to_string(path).map_err(|e| key_error(e.to_string()))?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|e| key_error(format!("not an SPKI PEM Ed25519 public key ({e})")))
}

/// Creates a key pair at `private` (owner-only) and `public`, unless `private` exists.
pub fn generate_key_pair(private: &Path, public: &Path) -> Result<(), CheckpointError> {
    if private.exists() {
        return Ok(());
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| CheckpointError::Generate(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let generate = |e: String| CheckpointError::Generate(e);
    let private_pem = key.to_pkcs8_pem(Default::default()).map_err(|e| generate(e.to_string()))?;
    let public_pem = key.verifying_key().to_public_key_pem(Default::default()).map_err(|e| generate(e.to_string()))?;
    let write_err = |path: &Path, e: std::io::Error| CheckpointError::Key {
        path: path.display().to_string(),
        cause: e.to_string(),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(private).map_err(|e| write_err(private, e))?;
    file.write_all(private_pem.as_bytes()).map_err(|e| write_err(private, e))?;
    std::fs::write(public, public_pem).map_err(|e| write_err(public, e))?;
    Ok(())
}

/// Writes this instance's checkpoints. Cheap to share.
pub struct Checkpointer {
    key: Option<SigningKey>,
    file: Option<PathBuf>,
    instance: String,
    prev: Mutex<String>,
    /// The head sequence number of the newest checkpoint (`ward_audit_head_seq`).
    head_seq: Arc<AtomicI64>,
}

impl Checkpointer {
    pub fn new(config: &CheckpointConfig) -> Result<Self, CheckpointError> {
        let key = config.signing_key.as_deref().map(read_signing_key).transpose()?;
        let instance = uuid::Uuid::now_v7().simple().to_string();
        let (file, prev) = match &config.dir {
            Some(_) if key.is_none() => return Err(CheckpointError::Unsigned),
            Some(dir) => {
                let dir_error = |cause| CheckpointError::Dir { path: dir.display().to_string(), cause };
                std::fs::create_dir_all(dir).map_err(dir_error)?;
                let newest = read_dir(dir).map_err(dir_error)?.into_iter().max_by(|a, b| a.1.at.cmp(&b.1.at));
                let prev = newest.map_or_else(|| GENESIS.to_owned(), |(_, c)| c.hash());
                (Some(dir.join(format!("checkpoints-{instance}.jsonl"))), prev)
            }
            None => (None, GENESIS.to_owned()),
        };
        Ok(Checkpointer { key, file, instance, prev: Mutex::new(prev), head_seq: Arc::new(AtomicI64::new(0)) })
    }

    /// Whether checkpoints are signed (and so worth anything to a verifier).
    pub fn signs(&self) -> bool {
        self.key.is_some()
    }

    /// The gauge `/metrics` shows as `ward_audit_head_seq`.
    pub fn head_seq(&self) -> Arc<AtomicI64> {
        self.head_seq.clone()
    }

    /// Reads the chain's head and writes one checkpoint of it.
    pub async fn checkpoint(&self, db: &impl ConnectionTrait) -> ApiResult<Checkpoint> {
        let head: Option<(i64, String)> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::Seq)
            .column(audit_event::Column::Hash)
            .order_by_desc(audit_event::Column::Seq)
            .into_tuple()
            .one(db)
            .await?;
        let (seq, head_hash) = head.unwrap_or_else(|| (0, GENESIS.to_owned()));
        let mut prev = self.prev.lock().map_err(|_| ApiError::internal("checkpoint", anyhow::anyhow!("poisoned")))?;
        let mut checkpoint = Checkpoint {
            seq,
            head_hash,
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
            prev: prev.clone(),
            instance: self.instance.clone(),
            signature: String::new(),
        };
        if let Some(key) = &self.key {
            checkpoint.signature = BASE64.encode(key.sign(&checkpoint.signed_bytes()).to_bytes());
        }
        if let Some(file) = &self.file {
            append_line(file, &checkpoint)
                .map_err(|e| ApiError::internal("writing an audit checkpoint", anyhow::anyhow!(e)))?;
        }
        *prev = checkpoint.hash();
        self.head_seq.store(seq, Ordering::Relaxed);
        tracing::info!(
            seq = checkpoint.seq,
            head_hash = %checkpoint.head_hash,
            prev = %checkpoint.prev,
            signature = %checkpoint.signature,
            "audit checkpoint"
        );
        Ok(checkpoint)
    }

    /// Writes a checkpoint every `every` until the task is dropped.
    pub async fn run(self: Arc<Self>, db: sea_orm::DatabaseConnection, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(err) = self.checkpoint(&db).await {
                tracing::error!(error = ?err, "audit checkpoint failed; the next tick tries again");
            }
        }
    }
}

fn append_line(file: &Path, checkpoint: &Checkpoint) -> std::io::Result<()> {
    let mut line = serde_json::to_string(checkpoint).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    let mut out = options.open(file)?;
    out.write_all(line.as_bytes())?;
    out.sync_data()
}

/// A checkpoint and where it was read: `file:line`.
type Located = (String, Checkpoint);

/// Every checkpoint in `dir`'s `*.jsonl` files, in file then line order. A line that is not
/// a checkpoint is an error naming it.
fn read_dir(dir: &Path) -> std::io::Result<Vec<Located>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for (i, line) in std::fs::read_to_string(&file)?.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("{name}:{}", i + 1);
            let checkpoint = serde_json::from_str(line).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{at} is not a checkpoint: {e}"))
            })?;
            out.push((at, checkpoint));
        }
    }
    Ok(out)
}

/// The first checkpoint that fails, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenCheckpoint {
    /// `file:line`.
    pub at: String,
    pub reason: String,
}

/// Checks every checkpoint in `dir` against `key` and the chain in `db`: each signature
/// verifies, each names the checkpoint before it, and the chain still holds each head.
/// `Ok(Ok(n))`: all `n` hold.
pub async fn verify_dir(
    db: &impl ConnectionTrait,
    dir: &Path,
    key: &VerifyingKey,
) -> ApiResult<Result<usize, BrokenCheckpoint>> {
    let checkpoints = match read_dir(dir) {
        Ok(checkpoints) => checkpoints,
        Err(err) => return Ok(Err(BrokenCheckpoint { at: dir.display().to_string(), reason: err.to_string() })),
    };
    let known: std::collections::HashSet<String> = checkpoints.iter().map(|(_, c)| c.hash()).collect();
    let broken = |at: &str, reason: &str| Ok(Err(BrokenCheckpoint { at: at.to_owned(), reason: reason.to_owned() }));
    let mut previous_in_file: Option<(&str, String)> = None;
    for (at, checkpoint) in &checkpoints {
        if !checkpoint.verifies_with(key) {
            return broken(at, "its signature does not verify with this public key (forged or altered)");
        }
        let file = at.rsplit_once(':').map_or(at.as_str(), |(file, _)| file);
        let linked = match &previous_in_file {
            Some((same, hash)) if *same == file => checkpoint.prev == *hash,
            _ => checkpoint.prev == GENESIS || known.contains(&checkpoint.prev),
        };
        if !linked {
            return broken(
                at,
                "the checkpoint it names as previous is missing (a checkpoint was removed or reordered)",
            );
        }
        previous_in_file = Some((file, checkpoint.hash()));
        if checkpoint.seq == 0 {
            continue;
        }
        let held = audit_event::Entity::find_by_id(checkpoint.seq).one(db).await?;
        if held.is_none_or(|event| event.hash != checkpoint.head_hash) {
            return broken(
                at,
                &format!(
                    "the chain no longer holds its head (seq {}): events were deleted or history rewritten",
                    checkpoint.seq
                ),
            );
        }
    }
    Ok(Ok(checkpoints.len()))
}
