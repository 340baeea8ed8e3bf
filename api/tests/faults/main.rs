//! The fault suite: ward against a PostgreSQL cluster of the suite's own that it stops,
//! restarts and reads the log of, and a ward process it kills. What must hold through every
//! fault: no hang and no panic, every acknowledged mutation stored whole, every unacknowledged
//! one absent (never half-written), every acknowledged PHI read on the audit record, an audit
//! chain that verifies, and a pool that never hands out a connection inside a transaction.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;
mod workload;

use cluster::Cluster;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::json;
use std::time::{Duration, Instant};
use workload::{Ledger, check_ledger, run_load};

const SECRET: &str = "ward-fault-secret-ward-fault-secret-0123456789";

/// A migrated, seeded database `name` on `cluster`.
async fn prepare(cluster: &Cluster, name: &str) -> String {
    let admin = Database::connect(cluster.url("postgres")).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    admin.close().await.ok();
    let url = cluster.url(name);
    let conn = Database::connect(&url).await.unwrap();
    api::db::migrate(&conn).await.unwrap();
    api::seed::seed(&conn, &api::seed::SeedOptions::default()).await.unwrap();
    conn.close().await.ok();
    url
}

fn config(url: &str) -> api::config::Config {
    let mut config = api::config::Config::new(url, SECRET);
    config.bind = ([127, 0, 0, 1], 0).into();
    config.database.acquire_timeout = Duration::from_secs(1).into();
    config.limits.request_timeout = Duration::from_secs(3).into();
    config
}

async fn sql(db: &DatabaseConnection, query: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(sea_orm::DatabaseBackend::Postgres, query)).await.unwrap()
}

async fn verify_chain(url: &str) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["audit", "verify", "--database-url", url])
        .env("WARD_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "audit verify: {}", String::from_utf8_lossy(&output.stderr));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `ward` binary serving `url` on `port`, with extra `WARD_*` settings.
fn spawn_ward(url: &str, port: u16, settings: &[(&str, &str)]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["serve", "--database-url", url, "--bind", &format!("127.0.0.1:{port}")])
        .env("WARD_JWT_SECRET", SECRET)
        .env("WARD_LOG", "warn")
        .envs(settings.iter().copied())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Waits until ward answers a GraphQL request again; returns how long that took.
async fn until_serving(client: &reqwest::Client, base: &str) -> Duration {
    let token = api::auth::TokenKeys::hs256(SECRET).unwrap().issue("alice", Duration::from_secs(600)).unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let answer = client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": "{ me { sub } }" }))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        if let Ok(response) = answer
            && response.status() == 200
        {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("ward did not serve again within 30 s");
}

/// Transaction warnings PostgreSQL logs when a connection's transaction state leaked.
fn transaction_warnings(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| {
            l.contains("there is no transaction in progress")
                || l.contains("there is already a transaction in progress")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_answers_unavailable_and_ward_recovers_without_a_restart() {
    let cluster = Cluster::start();
    let url = prepare(&cluster, "stopped").await;
    let app = api::App::build(config(&url)).await.unwrap();
    let base = format!("http://{}", app.address());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();

    let ledger = Ledger::default();
    let load = tokio::spawn(run_load(base.clone(), SECRET, ledger.clone(), Duration::from_secs(6)));
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.down();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ready = client.get(format!("{base}/readyz")).timeout(Duration::from_secs(10)).send().await.unwrap();
    assert_eq!(ready.status(), 503, "/readyz while PostgreSQL is down");
    tokio::time::sleep(Duration::from_secs(1)).await;
    cluster.up();
    let recovered = until_serving(&client, &base).await;
    eprintln!("fault: ward served again {recovered:?} after PostgreSQL came back");
    load.await.unwrap();

    let summary = ledger.summary();
    eprintln!("fault: {summary}");
    assert!(summary.acknowledged > 0 && summary.refused > 0, "the load saw both sides of the fault: {summary}");
    assert!(summary.unexpected.is_empty(), "only UNAVAILABLE while down: {:?}", summary.unexpected);
    let db = Database::connect(&url).await.unwrap();
    check_ledger(&db, &ledger).await;
    verify_chain(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ward_killed_mid_burst_loses_nothing_it_acknowledged_and_half_writes_nothing() {
    let cluster = Cluster::start();
    let url = prepare(&cluster, "killed").await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let spawn = || spawn_ward(&url, port, &[]);
    let client = reqwest::Client::new();
    let mut ward = spawn();
    until_serving(&client, &base).await;

    let ledger = Ledger::default();
    let load = tokio::spawn(run_load(base.clone(), SECRET, ledger.clone(), Duration::from_secs(4)));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ward.start_kill().unwrap();
    ward.wait().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ward = spawn();
    until_serving(&client, &base).await;
    load.await.unwrap();

    let summary = ledger.summary();
    eprintln!("fault: {summary}");
    assert!(summary.acknowledged > 0, "{summary}");
    let db = Database::connect(&url).await.unwrap();
    check_ledger(&db, &ledger).await;
    verify_chain(&url).await;
    ward.start_kill().ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_that_hangs_ends_at_the_request_timeout_and_is_cancelled_in_the_database() {
    let cluster = Cluster::start();
    let url = prepare(&cluster, "hangs").await;
    let app = api::App::build(config(&url)).await.unwrap();
    let base = format!("http://{}", app.address());
    tokio::spawn(app.run_until(std::future::pending()));

    // Hold a lock on the ticket table in a transaction of the test's own.
    let locker = sea_orm::Database::connect(&url).await.unwrap();
    let holding = sea_orm::TransactionTrait::begin(&locker).await.unwrap();
    holding.execute_unprepared("LOCK TABLE ticket IN ACCESS EXCLUSIVE MODE").await.unwrap();

    let token = api::auth::TokenKeys::hs256(SECRET).unwrap().issue("alice", Duration::from_secs(600)).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ tickets(first: 1) { edges { node { id } } } }" }))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("an answer, not a hang");
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED", "{body}");

    // The statement itself is cancelled by the server (statement_timeout), not left waiting.
    let db = Database::connect(&url).await.unwrap();
    let mut waiting = usize::MAX;
    for _ in 0..100 {
        waiting =
            sql(&db, "SELECT pid FROM pg_stat_activity WHERE application_name = 'ward' AND wait_event_type = 'Lock'")
                .await
                .len();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(waiting, 0, "ward's statement still waits on the lock");
    holding.rollback().await.unwrap();
    assert!(cluster.log().contains("canceling statement due to statement timeout"), "{}", cluster.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_hang_up_mid_mutation_leave_no_transaction_behind_and_shutdown_closes_the_pool() {
    let cluster = Cluster::start();
    let url = prepare(&cluster, "hangups").await;
    let app = api::App::build(config(&url)).await.unwrap();
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        stopped.await.ok();
    }));
    let ledger = Ledger::default();
    let hangups = workload::hang_up_mid_mutation(address, SECRET, 300, ledger.clone()).await;
    eprintln!("fault: {hangups} requests sent and abandoned");
    // Let the abandoned requests run to their end.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let db = Database::connect(&url).await.unwrap();
    let in_transaction = sql(
        &db,
        "SELECT state FROM pg_stat_activity WHERE application_name = 'ward' AND state LIKE 'idle in transaction%'",
    )
    .await;
    assert!(in_transaction.is_empty(), "{} pooled connections sit inside a transaction", in_transaction.len());
    check_ledger(&db, &ledger).await;

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(20), server).await.unwrap().unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ward_left = sql(&db, "SELECT pid FROM pg_stat_activity WHERE application_name = 'ward'").await;
    assert!(ward_left.is_empty(), "{} of ward's connections outlived its shutdown", ward_left.len());
    let log = cluster.log();
    assert!(transaction_warnings(&log).is_empty(), "{:?}", transaction_warnings(&log));
    let resets: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(" ward ") && (l.contains("unexpected EOF") || l.contains("Connection reset")))
        .collect();
    assert!(resets.is_empty(), "ward's sessions ended without a goodbye: {resets:?}");
    verify_chain(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_ward_within_the_grace_even_with_a_request_stuck_in_the_database() {
    let cluster = Cluster::start();
    let url = prepare(&cluster, "grace").await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut ward = spawn_ward(&url, port, &[("WARD_REQUEST_TIMEOUT", "60s"), ("WARD_SHUTDOWN_GRACE", "1s")]);
    let client = reqwest::Client::new();
    until_serving(&client, &base).await;

    let locker = Database::connect(&url).await.unwrap();
    let holding = sea_orm::TransactionTrait::begin(&locker).await.unwrap();
    holding.execute_unprepared("LOCK TABLE ticket IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let token = api::auth::TokenKeys::hs256(SECRET).unwrap().issue("alice", Duration::from_secs(600)).unwrap();
    let stuck = tokio::spawn(
        client
            .post(format!("{base}/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": "{ tickets(first: 1) { edges { node { id } } } }" }))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = ward.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = Instant::now();
    // Well inside the request's own 60 s: only the grace can have ended it.
    let status = tokio::time::timeout(Duration::from_secs(20), ward.wait()).await.expect("ward exited").unwrap();
    eprintln!("fault: ward exited {:?} after SIGTERM with a request stuck on a lock", started.elapsed());
    assert!(status.success(), "{status}");
    holding.rollback().await.unwrap();
    let _ = stuck.await;
}
