//! `ward`: parses the command line and hands over to the library.

use api::cli::{AuditCommand, Cli, Command, ImportCommand, PolicyCommand, ServiceAccountCommand};
use api::commands::{
    ImportKind, audit_export, audit_verify, import, migrate, policy_check, seed, serve, service_account_create,
    service_account_revoke, token,
};
use api::telemetry;
use clap::Parser;
use std::process::ExitCode;

/// mimalloc, not glibc's malloc: under the harness's load, allocation was about a third of
/// ward's CPU, much of it waiting on malloc's arena locks (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let otlp_endpoint = match &cli.command {
        Command::Serve(args) => args.otlp_endpoint.clone(),
        _ => None,
    };
    let telemetry = match telemetry::init(otlp_endpoint.as_deref()) {
        Ok(telemetry) => telemetry,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate(args) => migrate(&args.database_url).await,
        Command::Seed(args) => seed(args).await,
        Command::Token(args) => token(args).await,
        Command::Schema => {
            print!("{}", api::schema::sdl());
            Ok(())
        }
        Command::Policy(PolicyCommand::Check(args)) => policy_check(args).await,
        Command::Audit(AuditCommand::Verify(args)) => audit_verify(args).await,
        Command::Audit(AuditCommand::Export(args)) => audit_export(args).await,
        Command::Import(ImportCommand::Remittance(args)) => import(args, ImportKind::Remittance).await,
        Command::Import(ImportCommand::Claims(args)) => import(args, ImportKind::Claims).await,
        Command::Import(ImportCommand::Directory(args)) => import(args, ImportKind::Directory).await,
        Command::ServiceAccount(ServiceAccountCommand::Create(args)) => service_account_create(args).await,
        Command::ServiceAccount(ServiceAccountCommand::Revoke(args)) => service_account_revoke(args).await,
    };
    telemetry.shutdown().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
