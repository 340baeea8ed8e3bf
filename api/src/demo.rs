//! Demo mode: a signing secret that survives restarts, and a ready token per demo staff member.

use crate::auth::TokenKeys;
use crate::db;
use crate::seed::staff::DEMO_STAFF;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("cannot read the demo signing secret at {path}: {cause}")]
    Read { path: String, cause: std::io::Error },
    #[error("cannot store the demo signing secret at {path}: {cause}")]
    Write { path: String, cause: std::io::Error },
    #[error("cannot generate a signing secret: {0}")]
    Random(String),
}

/// Where demo mode keeps its generated secret: beside the SQLite file, or in the working
/// directory for a server database.
pub fn secret_path(database_url: &str) -> PathBuf {
    match db::sqlite_path(database_url) {
        Some(path) => PathBuf::from(format!("{path}.jwt-secret")),
        None => PathBuf::from("ward-demo.jwt-secret"),
    }
}

/// Reads the demo secret, if one was generated before.
pub fn read_secret(database_url: &str) -> Result<Option<String>, SecretError> {
    let path = secret_path(database_url);
    match std::fs::read_to_string(&path) {
        Ok(secret) => Ok(Some(secret.trim().to_owned())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(cause) => Err(SecretError::Read { path: path.display().to_string(), cause }),
    }
}

/// The demo secret: the stored one, or a new random one stored (owner-only) for next time.
pub fn load_or_create_secret(database_url: &str) -> Result<String, SecretError> {
    if let Some(secret) = read_secret(database_url)? {
        return Ok(secret);
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| SecretError::Random(err.to_string()))?;
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let path = secret_path(database_url);
    let write_err = |cause| SecretError::Write { path: path.display().to_string(), cause };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(write_err)?;
    file.write_all(secret.as_bytes()).map_err(write_err)?;
    Ok(secret)
}

/// Demo mode's audit checkpoints: a signing key generated beside the database (once), its
/// public key beside it for `ward audit verify`, and a checkpoint directory beside it.
/// Settings given explicitly win.
pub fn audit_checkpoints(
    database_url: &str,
    mut config: tools::kit::audit::checkpoint::CheckpointConfig,
) -> Result<tools::kit::audit::checkpoint::CheckpointConfig, String> {
    let base = match db::sqlite_path(database_url) {
        Some(path) => path.to_owned(),
        None => "ward-demo".to_owned(),
    };
    if config.signing_key.is_none() {
        let private = PathBuf::from(format!("{base}.audit-key.pem"));
        let public = PathBuf::from(format!("{base}.audit-key.pub.pem"));
        tools::kit::audit::checkpoint::generate_key_pair(&private, &public).map_err(|e| e.to_string())?;
        config.signing_key = Some(private);
    }
    if config.dir.is_none() {
        config.dir = Some(PathBuf::from(format!("{base}.checkpoints")));
    }
    Ok(config)
}

/// The banner `ward serve --demo` prints once it is ready.
pub fn banner(address: std::net::SocketAddr, keys: &TokenKeys) -> String {
    let mut out = format!(
        "\nward is ready: open the console at http://{address}/ and sign in as any demo staff member\n(engineers: query console at http://{address}/graphql)\n\nDemo tokens (valid 8 hours; paste into the query console, or send as `Authorization: Bearer <token>`):\n"
    );
    for member in DEMO_STAFF.iter().filter(|m| m.active) {
        match keys.issue(member.sub, Duration::from_secs(8 * 3600)) {
            Ok(token) => out.push_str(&format!("  {:<6} ({:<10}) {token}\n", member.sub, member.roles.join(","))),
            Err(err) => out.push_str(&format!("  {:<6} cannot issue a token: {err}\n", member.sub)),
        }
    }
    out.push_str("  (dan is a deactivated cx agent: his tokens are refused)\n");
    out
}
