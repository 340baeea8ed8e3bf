//! The body of each `ward` command; `main.rs` parses the command line and calls one.

use crate::cli::{
    AuditExportArgs, AuditVerifyArgs, ImportArgs, PolicyCheckArgs, SeedArgs, ServeArgs, ServiceAccountCreateArgs,
    ServiceAccountRevokeArgs, TokenArgs,
};
use crate::config::DatabaseConfig;
use crate::seed::{SeedOptions, SeedOutcome};
use crate::{App, auth::TokenKeys, db, demo};
use std::io::Write;
use std::time::{Duration, Instant};

/// What a command answers: nothing, or the one line `ward` prints before exiting 1.
pub type CmdResult = Result<(), String>;

/// An error as a command says it: its message, with the detail of an internal one logged.
fn said(err: tools::kit::ApiError) -> String {
    err.log();
    err.message()
}

fn database(url: &str) -> DatabaseConfig {
    DatabaseConfig { url: url.to_owned(), max_connections: Some(4), acquire_timeout: Duration::from_secs(5).into() }
}

pub async fn serve(args: ServeArgs) -> CmdResult {
    let started = Instant::now();
    let url = args.database.url.clone();
    db::backend(&url).map_err(|e| e.to_string())?;
    let uses_provider_keys = args.jwt_public_key.is_some() || args.jwt_jwks_file.is_some();
    let secret = match (&args.jwt_secret, args.demo && !uses_provider_keys) {
        (Some(secret), _) => Some(secret.clone()),
        (None, true) => Some(demo::load_or_create_secret(&url).map_err(|e| e.to_string())?),
        (None, false) => None,
    };
    let demo = args.demo;
    let jwt = args.jwt_config(secret)?;
    let mut config = args.into_config(jwt)?;
    if demo {
        config.checkpoints = demo::audit_checkpoints(&url, config.checkpoints)?;
        config.console.demo_sign_in = true;
    }
    let keys = TokenKeys::from_config(&config.jwt, config.is_production()).map_err(|e| e.to_string())?;
    if demo {
        let conn = db::connect(&config.database, *config.limits.request_timeout).await.map_err(|e| e.to_string())?;
        db::migrate(&conn).await.map_err(|e| e.to_string())?;
        match crate::seed::seed(&conn, &SeedOptions::default()).await.map_err(|e| format!("seeding demo data: {e}"))? {
            SeedOutcome::Seeded { rows, millis } => tracing::info!(rows, millis, "seeded demo data"),
            SeedOutcome::AlreadySeeded { .. } => tracing::info!("database has data already; demo seed skipped"),
        }
        conn.close().await.ok();
    }
    let app = App::build(config).await.map_err(|e| e.to_string())?;
    tracing::info!(address = %app.address(), ready_ms = started.elapsed().as_millis() as u64, "ward is serving");
    if demo {
        // A closed stdout (a pipe whose reader went away) must not take the server down.
        let _ = writeln!(std::io::stdout(), "{}", demo::banner(app.address(), &keys));
    }
    app.run_until_stopped().await.map_err(|e| format!("server error: {e}"))
}

pub async fn migrate(url: &str) -> CmdResult {
    let conn = db::connect(&database(url), Duration::from_secs(600)).await.map_err(|e| e.to_string())?;
    db::migrate(&conn).await.map_err(|e| e.to_string())?;
    println!("migrations applied");
    Ok(())
}

pub async fn seed(args: SeedArgs) -> CmdResult {
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(3600)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let options = SeedOptions { patients: args.patients, seed: args.seed };
    match crate::seed::seed(&conn, &options).await.map_err(|e| format!("seeding: {e}"))? {
        SeedOutcome::Seeded { rows, millis } => {
            println!("seeded {rows} rows ({} patients) in {:.1}s", args.patients, millis as f64 / 1000.0);
        }
        SeedOutcome::AlreadySeeded { staff, patients } => {
            println!(
                "the database already has data ({staff} staff, {patients} patients): nothing seeded, nothing changed"
            );
        }
    }
    Ok(())
}

pub async fn token(args: TokenArgs) -> CmdResult {
    let url = &args.database.database_url;
    let secret = match args.jwt_secret {
        Some(secret) => secret,
        None => demo::read_secret(url).map_err(|e| e.to_string())?.ok_or_else(|| {
            "WARD_JWT_SECRET is not set and no demo secret exists: set WARD_JWT_SECRET (or run `ward serve --demo` once)"
                .to_string()
        })?,
    };
    let keys = TokenKeys::hs256(&secret).map_err(|e| e.to_string())?.with_max_ttl(args.jwt_max_ttl.into());
    let conn = db::connect(&database(url), Duration::from_secs(10)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let exists = tools::admin::access_service::staff_exists(&conn, &args.sub)
        .await
        .map_err(|e| format!("looking up the staff member: {}", e.message()))?;
    if !exists {
        return Err(format!("{:?} is not a staff member; a token is only issued for one", args.sub));
    }
    println!("{}", keys.issue(&args.sub, args.ttl.into()).map_err(|e| e.to_string())?);
    Ok(())
}

pub async fn policy_check(args: PolicyCheckArgs) -> CmdResult {
    let resource: policies::Resource = args.resource.parse().map_err(|e: policies::UnknownName| {
        let known = policies::Resource::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
        format!("{e}; resources are: {known}")
    })?;
    let known = resource.actions().iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ");
    let action: policies::Action =
        args.action.parse().ok().filter(|a| resource.actions().contains(a)).ok_or_else(|| {
            format!("{:?} is not an action on {resource}; actions on {resource} are: {known}", args.action)
        })?;
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(10)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let set = tools::kit::policy_store::load(&conn).await.map_err(said)?;
    let member = tools::kit::find_staff(&conn, &args.sub).await.map_err(said)?;
    let explanation = policies::explain(&set, &args.sub, resource, action).await.map_err(|e| format!("casbin: {e}"))?;
    let roles = set.roles_of(&args.sub).iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    let roles = if roles.is_empty() { "no role".to_owned() } else { roles };
    let mut out = std::io::stdout();
    let written = match (&member, &explanation.rule) {
        (None, _) => writeln!(out, "deny: {:?} is not a staff member", args.sub),
        (Some(m), _) if !m.active => writeln!(out, "deny: {} is deactivated (holds {roles})", args.sub),
        (Some(_), Some(rule)) => writeln!(out, "allow: {rule} ({} holds {roles})", args.sub),
        (Some(_), None) => writeln!(out, "deny: no rule lets {roles} do {resource} · {action}"),
    };
    written.map_err(|e| e.to_string())?;
    let _ = writeln!(out, "policy version {}", set.version());
    Ok(())
}

pub async fn audit_verify(args: AuditVerifyArgs) -> CmdResult {
    use tools::kit::audit::checkpoint;
    // Read the key first: a wrong path should not cost a walk of the whole chain.
    let public_key = match (&args.checkpoints, &args.public_key) {
        (Some(_), Some(path)) => Some(checkpoint::read_public_key(path).map_err(|e| e.to_string())?),
        (Some(_), None) => return Err("--checkpoints needs --public-key (the signing key's public half)".into()),
        (None, Some(_)) => return Err("--public-key goes with --checkpoints DIR".into()),
        (None, None) => None,
    };
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(3600)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let events = match tools::kit::audit::verify::verify(&conn).await.map_err(said)? {
        Ok(events) => events,
        Err(broken) => return Err(format!("audit chain broken at seq {}: {}", broken.seq, broken.reason)),
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "audit chain intact: {events} events");
    if let (Some(dir), Some(key)) = (&args.checkpoints, &public_key) {
        match checkpoint::verify_dir(&conn, dir, key).await.map_err(said)? {
            Ok(count) => {
                let _ = writeln!(out, "checkpoints hold: {count} signed checkpoints in {}", dir.display());
            }
            Err(broken) => return Err(format!("audit checkpoint {} fails: {}", broken.at, broken.reason)),
        }
    }
    Ok(())
}

pub async fn audit_export(args: AuditExportArgs) -> CmdResult {
    use tools::compliance::accounting::{self, Period};
    let patient =
        uuid::Uuid::parse_str(&args.patient).map_err(|_| format!("{:?} is not a patient id", args.patient))?;
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(3600)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let period = Period::new(args.from, args.to, chrono::Utc::now().date_naive()).map_err(said)?;
    let report = accounting::report::report(&conn, patient, period, &args.prepared_by).await.map_err(said)?;
    let sink: Box<dyn std::io::Write> = match &args.output {
        Some(path) => {
            Box::new(std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?)
        }
        None => Box::new(std::io::stdout()),
    };
    accounting::write(sink, &report).map_err(|e| format!("writing the accounting: {e}"))?;
    if args.output.is_some() {
        eprintln!("wrote {} lines of the accounting of patient {patient}", report.lines.len());
    }
    Ok(())
}

/// What `ward import` reads.
#[derive(Clone, Copy, Debug)]
pub enum ImportKind {
    Remittance,
    Claims,
    Directory,
}

/// `ward import 835|837|directory FILE...`: each file imported on its own, as the command
/// line's operator; a line per file, and a line per refused transaction set or batch
/// (positions and codes, lines and fields).
pub async fn import(args: ImportArgs, kind: ImportKind) -> CmdResult {
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(3600)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let sender = operator();
    let mut out = std::io::stdout();
    let mut all_stood = true;
    for file in &args.files {
        let (run, report) = match kind {
            ImportKind::Remittance => tools::ingest::remittance_import::import_835(&conn, file, &sender).await,
            ImportKind::Claims => tools::ingest::claims_import::import_837p(&conn, file, &sender).await,
            ImportKind::Directory => tools::ingest::directory::import_directory(&conn, file, &sender).await,
        }
        .map_err(said)?;
        if let Some(earlier) = &report.already_imported {
            let _ = writeln!(out, "{}: imported before (run {earlier}): nothing changed", file.display());
            continue;
        }
        let _ = writeln!(
            out,
            "{}: {} (run {}): created {}, updated {}, unchanged {}, unmatched {}, refused {}",
            file.display(),
            run.status,
            run.id,
            report.created,
            report.updated,
            report.unchanged,
            report.unmatched,
            report.refused
        );
        if let Some(problem) = &report.file_problem {
            let _ = writeln!(out, "  refused: {problem}");
        }
        for note in &report.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        for set in report.sets.iter().filter(|s| s.outcome == "refused") {
            let _ = writeln!(out, "  set {} refused: {}", set.control, set.problem.as_deref().unwrap_or_default());
        }
        for batch in report.batches.iter().filter(|b| b.outcome == "refused") {
            let _ = writeln!(out, "  lines {} to {} refused:", batch.first_line, batch.last_line);
            for problem in &batch.problems {
                let _ = writeln!(out, "    {problem}");
            }
        }
        all_stood &= report.file_problem.is_none() && report.refused == 0;
    }
    if all_stood {
        Ok(())
    } else {
        Err("some of it was refused (see above): nothing of a refused set or batch was written".into())
    }
}

/// The command line's operator as the audit trail names them: `cli:$USER`, with a run id.
fn operator() -> tools::kit::audit::recorder::EventBase {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".into());
    tools::kit::audit::recorder::EventBase::operator(format!("cli:{user}"))
}

/// `ward service-account create NAME --role integration`: prints the token alone on stdout.
pub async fn service_account_create(args: ServiceAccountCreateArgs) -> CmdResult {
    let role: policies::Role = args.role.parse().map_err(|_| format!("{:?} is not a role", args.role))?;
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(10)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let token =
        tools::admin::service_account_service::create(&conn, &args.name, role, &operator()).await.map_err(said)?;
    let _ = writeln!(std::io::stdout(), "{token}");
    Ok(())
}

/// `ward service-account revoke NAME`.
pub async fn service_account_revoke(args: ServiceAccountRevokeArgs) -> CmdResult {
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(10)).await.map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    tools::admin::service_account_service::revoke(&conn, &args.name, &operator()).await.map_err(said)?;
    let _ = writeln!(std::io::stdout(), "service account {} revoked", args.name);
    Ok(())
}
