//! Load harness: what auditing costs. 32 concurrent clients read the same patient by id as
//! ops, with PHI (`name dateOfBirth memberId`, each request leaving a disclosure event) and
//! without (`id state createdAt`, no event), against the real server on PostgreSQL.
//!
//! `cargo bench -p api --bench audit_load` (TEST_POSTGRES_URL, WARD_LOAD_SECONDS, WARD_LOAD_CLIENTS,
//! WARD_LOAD_ROUNDS: the two queries alternate, so drift on a shared machine hits both).
//! It creates and drops its own database. Target: auditing costs at most 15% of throughput.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::App;
use api::config::Config;
use sea_orm::{ConnectionTrait, Database, EntityTrait, QueryOrder};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const SECRET: &str = "ward-load-secret-ward-load-secret-0123456789";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Run {
    requests: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn drive(url: &str, token: &str, query: &str, patient: &str, clients: usize, seconds: u64) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (stop, count) = (stop.clone(), count.clone());
        let client = reqwest::Client::new();
        let url = url.to_owned();
        let token = token.to_owned();
        let body = json!({ "query": query, "variables": { "id": patient } });
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let response = client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 200);
                let text = response.text().await.unwrap();
                assert!(!text.contains("\"errors\""), "{text}");
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                count.fetch_add(1, Ordering::Relaxed);
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Run { requests: count.load(Ordering::Relaxed), seconds: elapsed, p50_ms: at(0.50), p99_ms: at(0.99) }
}

#[tokio::main]
async fn main() {
    let admin_url =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let seconds = env_or("WARD_LOAD_SECONDS", 10u64);
    let clients = env_or("WARD_LOAD_CLIENTS", 32usize);
    let name = format!("ward_load_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url).await.expect("PostgreSQL at TEST_POSTGRES_URL");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
    let url = format!("{base}/{name}");

    let conn = Database::connect(&url).await.unwrap();
    api::db::migrate(&conn).await.unwrap();
    api::seed::seed(&conn, &api::seed::SeedOptions::default()).await.unwrap();
    let patient = entities::patient::Entity::find()
        .order_by_asc(entities::patient::Column::Id)
        .one(&conn)
        .await
        .unwrap()
        .unwrap();

    let mut config = Config::new(&url, SECRET);
    config.bind = ([127, 0, 0, 1], 0).into();
    config.database.max_connections = Some(16);
    let app = App::build(config).await.unwrap();
    let endpoint = format!("http://{}/graphql", app.address());
    tokio::spawn(app.run_until(std::future::pending()));
    let token = api::auth::TokenKeys::hs256(SECRET).unwrap().issue("owen", Duration::from_secs(3600)).unwrap();
    let patient = patient.id.to_string();

    let plain = "query($id: ID!) { patient(id: $id) { id state createdAt } }";
    let phi = "query($id: ID!) { patient(id: $id) { name dateOfBirth memberId } }";
    drive(&endpoint, &token, plain, &patient, clients, 2).await; // warm-up
    let rounds = env_or("WARD_LOAD_ROUNDS", 3usize);
    let mut report = Vec::new();
    let alternating = [("non-PHI", plain), ("PHI, audited", phi)].repeat(rounds);
    for (label, query) in alternating {
        let run = drive(&endpoint, &token, query, &patient, clients, seconds).await;
        let rps = run.requests as f64 / run.seconds;
        println!(
            "{label:<14} {rps:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests)",
            run.p50_ms, run.p99_ms, run.requests
        );
        report.push((label, rps));
    }
    let mean = |label: &str| {
        let runs: Vec<f64> = report.iter().filter(|(l, _)| *l == label).map(|(_, r)| *r).collect();
        runs.iter().sum::<f64>() / runs.len() as f64
    };
    let (plain_rps, phi_rps) = (mean("non-PHI"), mean("PHI, audited"));
    let events: Vec<sea_orm::QueryResult> = conn
        .query_all_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT count(*) AS n FROM audit_event",
        ))
        .await
        .unwrap();
    let events: i64 = events[0].try_get("", "n").unwrap();
    println!(
        "mean: non-PHI {plain_rps:.0} req/s, PHI {phi_rps:.0} req/s: auditing costs {:.1}% of throughput ({clients} clients, {rounds} rounds of {seconds} s each, {events} audit events written)",
        (1.0 - phi_rps / plain_rps) * 100.0
    );
    conn.close().await.ok();
    admin.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.ok();
}
