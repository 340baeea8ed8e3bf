//! `ward`: parses the command line and hands over to the library.

use api::cli::{Cli, Command, SeedArgs, ServeArgs, TokenArgs};
use api::config::DatabaseConfig;
use api::seed::{SeedOptions, SeedOutcome};
use api::{App, auth::TokenKeys, db, demo, telemetry};
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => migrate(&args.database_url).await,
        Command::Seed(args) => seed(args).await,
        Command::Token(args) => token(args).await,
        Command::Schema => {
            print!("{}", api::schema::sdl());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

type CmdResult = Result<(), String>;

fn database(url: &str) -> DatabaseConfig {
    DatabaseConfig {
        url: url.to_owned(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(5),
    }
}

async fn serve(args: ServeArgs) -> CmdResult {
    let started = Instant::now();
    let url = args.database.database_url.clone();
    db::backend(&url).map_err(|e| e.to_string())?;
    let secret = match (&args.jwt_secret, args.demo) {
        (Some(secret), _) => secret.clone(),
        (None, true) => demo::load_or_create_secret(&url).map_err(|e| e.to_string())?,
        (None, false) => {
            return Err("WARD_JWT_SECRET is not set: set it to a secret of at least 32 bytes (or use --demo)".into());
        }
    };
    let demo = args.demo;
    let config = args.into_config(secret);
    if demo {
        let conn = db::connect(&config.database, config.limits.request_timeout)
            .await
            .map_err(|e| e.to_string())?;
        db::migrate(&conn).await.map_err(|e| e.to_string())?;
        match api::seed::seed(&conn, &SeedOptions::default())
            .await
            .map_err(|e| format!("seeding demo data: {e}"))?
        {
            SeedOutcome::Seeded { rows, millis } => tracing::info!(rows, millis, "seeded demo data"),
            SeedOutcome::AlreadySeeded { .. } => tracing::info!("database has data already; demo seed skipped"),
        }
        conn.close().await.ok();
    }
    let keys = TokenKeys::hs256(&config.jwt_secret).map_err(|e| e.to_string())?;
    let app = App::build(config).await.map_err(|e| e.to_string())?;
    tracing::info!(address = %app.address(), ready_ms = started.elapsed().as_millis() as u64, "ward is serving");
    if demo {
        // A closed stdout (a pipe whose reader went away) must not take the server down.
        let _ = writeln!(std::io::stdout(), "{}", demo::banner(app.address(), &keys));
    }
    app.run_until_stopped().await.map_err(|e| format!("server error: {e}"))
}

async fn migrate(url: &str) -> CmdResult {
    let conn = db::connect(&database(url), Duration::from_secs(600))
        .await
        .map_err(|e| e.to_string())?;
    db::migrate(&conn).await.map_err(|e| e.to_string())?;
    println!("migrations applied");
    Ok(())
}

async fn seed(args: SeedArgs) -> CmdResult {
    let url = &args.database.database_url;
    let conn = db::connect(&database(url), Duration::from_secs(3600))
        .await
        .map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let options = SeedOptions {
        patients: args.patients,
        seed: args.seed,
    };
    match api::seed::seed(&conn, &options)
        .await
        .map_err(|e| format!("seeding: {e}"))?
    {
        SeedOutcome::Seeded { rows, millis } => {
            println!(
                "seeded {rows} rows ({} patients) in {:.1}s",
                args.patients,
                millis as f64 / 1000.0
            );
        }
        SeedOutcome::AlreadySeeded { staff, patients } => {
            println!(
                "the database already has data ({staff} staff, {patients} patients): nothing seeded, nothing changed"
            );
        }
    }
    Ok(())
}

async fn token(args: TokenArgs) -> CmdResult {
    let url = &args.database.database_url;
    let secret = match args.jwt_secret {
        Some(secret) => secret,
        None => demo::read_secret(url).map_err(|e| e.to_string())?.ok_or_else(|| {
            "WARD_JWT_SECRET is not set and no demo secret exists: set WARD_JWT_SECRET (or run `ward serve --demo` once)"
                .to_string()
        })?,
    };
    let keys = TokenKeys::hs256(&secret).map_err(|e| e.to_string())?;
    let conn = db::connect(&database(url), Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    db::ensure_current(&conn).await.map_err(|e| e.to_string())?;
    let exists = tools::admin::service::staff_exists(&conn, &args.sub)
        .await
        .map_err(|e| format!("looking up the staff member: {}", e.message()))?;
    if !exists {
        return Err(format!(
            "{:?} is not a staff member; a token is only issued for one",
            args.sub
        ));
    }
    println!("{}", keys.issue(&args.sub, args.ttl).map_err(|e| e.to_string())?);
    Ok(())
}
