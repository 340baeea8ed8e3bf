//! Soak: every query and mutation at a steady mixed rate for a long time, against the `ward`
//! binary on PostgreSQL. Passes when no error but the expected ones occurred, ward's RSS in
//! the last minute is within 10% of the second minute's, and ward holds no more database
//! connections at the end than its pools allow.
//!
//! `cargo bench -p api --bench soak` (TEST_POSTGRES_URL; WARD_SOAK_SECONDS, default 600;
//! WARD_SOAK_RATE, requests per second, default 200). Not part of CI: it takes ten minutes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "ward-soak-secret-ward-soak-secret-0123456789";
const WORKERS: u64 = 8;
const PRIORITIES: [&str; 3] = ["LOW", "NORMAL", "HIGH"];

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn token(sub: &str) -> String {
    api::auth::TokenKeys::hs256(SECRET).unwrap().issue(sub, Duration::from_secs(12 * 3600)).unwrap()
}

async fn scalar(db: &DatabaseConnection, query: &str) -> i64 {
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), query)).await.unwrap();
    rows[0].try_get("", "n").unwrap()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Ids the operations need.
struct Ids {
    patient: String,
    claim: String,
    record: String,
}

/// One operation of the mix: who, the document, its variables, and the error codes it may
/// legitimately answer (a stale version when two workers race on a ticket, a refused field).
fn operation(n: u64, ids: &Ids, ticket: &Value) -> (&'static str, String, Value, &'static [&'static str]) {
    let t = ticket["id"].clone();
    let v = ticket["version"].clone();
    match n % 14 {
        0 => ("alice", "{ me { sub roles } }".into(), json!({}), &[]),
        1 => ("alice", "{ tickets(first: 20) { edges { node { id subject slaDueAt slaBreached patient { name } assignee { sub } } } } }".into(), json!({}), &[]),
        2 => ("owen", "query($p: ID!) { patient(id: $p) { name dateOfBirth memberId claims(first: 5) { edges { node { status billedCents denials { carcCode deniedCents } } } } } }".into(), json!({ "p": ids.patient }), &[]),
        3 => ("alice", "{ patients(first: 10, search: \"ma\") { edges { node { id memberIdLast4 } } } }".into(), json!({}), &[]),
        4 => ("alice", "query($t: ID!) { ticket(id: $t) { subject description comments(first: 10) { edges { node { body } } } history(first: 10) { edges { node { kind } } } } }".into(), json!({ "t": t }), &[]),
        5 => ("alice", "mutation($t: ID!, $v: Int!, $p: TicketPriority!) { updateTicket(id: $t, expectedVersion: $v, input: { priority: $p }) { id version status } }".into(), json!({ "t": t, "v": v, "p": PRIORITIES[(n % 3) as usize] }), &["CONFLICT"]),
        6 => ("maya", "mutation($t: ID!) { addTicketComment(ticketId: $t, body: \"Soak comment\", internal: true) { id } }".into(), json!({ "t": t }), &[]),
        7 => ("owen", "query($c: ID!) { claim(id: $c) { claimNumber status diagnosisCodes procedureCodes } }".into(), json!({ "c": ids.claim }), &[]),
        8 => ("maya", "query($r: ID!) { careRecord(id: $r) { body diagnosisCodes patient { name } } }".into(), json!({ "r": ids.record }), &[]),
        9 => ("cora", "query($p: ID!) { disclosures(patientId: $p, first: 5) { edges { node { actor phiClasses } } } }".into(), json!({ "p": ids.patient }), &[]),
        10 => ("cora", "query($p: ID!) { accessReport(patientId: $p) { entries { sub phiClass } } }".into(), json!({ "p": ids.patient }), &[]),
        11 => ("alice", "mutation($p: ID!) { createTicket(input: { subject: \"Soak ticket\", description: \"steady\", channel: CHAT, patientId: $p }) { id version status } }".into(), json!({ "p": ids.patient }), &[]),
        12 => ("adam", "{ staffMembers(first: 10) { edges { node { sub roles } } } policy { version } }".into(), json!({}), &[]),
        _ => {
            let to = if ticket["status"] == "OPEN" { "PENDING" } else { "OPEN" };
            ("alice", "mutation($t: ID!, $v: Int!, $to: TicketStatus!) { transitionTicket(id: $t, expectedVersion: $v, to: $to) { id version status } }".into(), json!({ "t": t, "v": v, "to": to }), &["CONFLICT", "BAD_USER_INPUT"])
        }
    }
}

#[allow(clippy::too_many_lines, reason = "a bench's main is its script, read top to bottom")]
#[tokio::main]
async fn main() {
    let admin_url =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let seconds = env_or("WARD_SOAK_SECONDS", 600u64);
    let rate = env_or("WARD_SOAK_RATE", 200u64);
    let name = format!("ward_soak_{}", uuid::Uuid::now_v7().simple());
    let admin = Database::connect(&admin_url).await.expect("PostgreSQL at TEST_POSTGRES_URL");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
    let url = format!("{base}/{name}");
    let db = Database::connect(&url).await.unwrap();
    api::db::migrate(&db).await.unwrap();
    api::seed::seed(&db, &api::seed::SeedOptions::default()).await.unwrap();
    let row = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT c.id::text AS claim, c.patient_id::text AS patient, r.id::text AS record FROM claim c JOIN care_record r ON r.patient_id = c.patient_id ORDER BY c.id LIMIT 1",
        ))
        .await
        .unwrap();
    let ids = Arc::new(Ids {
        patient: row[0].try_get("", "patient").unwrap(),
        claim: row[0].try_get("", "claim").unwrap(),
        record: row[0].try_get("", "record").unwrap(),
    });

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut ward = tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["serve", "--database-url", &url, "--bind", &format!("127.0.0.1:{port}")])
        .env("WARD_JWT_SECRET", SECRET)
        .env("WARD_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = ward.id().unwrap();
    let endpoint = format!("http://127.0.0.1:{port}/graphql");
    let client = reqwest::Client::new();
    while client.get(format!("http://127.0.0.1:{port}/readyz")).send().await.map(|r| r.status() != 200).unwrap_or(true)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let counts: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (client, endpoint, ids, counts) = (client.clone(), endpoint.clone(), ids.clone(), counts.clone());
        workers.push(tokio::spawn(async move {
            let tokens: BTreeMap<&str, String> =
                ["alice", "owen", "maya", "cora", "adam"].into_iter().map(|s| (s, token(s))).collect();
            // Each worker edits its own ticket, so conflicts come only from its own stale reads.
            let create = json!({ "query": "mutation($p: ID!) { createTicket(input: { subject: \"Soak ticket\", description: \"steady\", channel: CHAT, patientId: $p }) { id version status } }", "variables": { "p": ids.patient } });
            let body: Value = client.post(&endpoint).bearer_auth(&tokens["alice"]).json(&create).send().await.unwrap().json().await.unwrap();
            let mut ticket = body["data"]["createTicket"].clone();
            let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 * WORKERS / rate.max(1)));
            let mut n = worker;
            while started.elapsed() < Duration::from_secs(seconds) {
                ticks.tick().await;
                n += 1;
                let (sub, query, variables, expected) = operation(n, &ids, &ticket);
                let answer = client.post(&endpoint).bearer_auth(&tokens[sub]).json(&json!({ "query": query, "variables": variables })).send().await;
                let outcome = match answer {
                    Err(err) => format!("transport error: {err}"),
                    Ok(response) => {
                        let status = response.status();
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        let code = body["errors"][0]["extensions"]["code"].as_str().unwrap_or("").to_owned();
                        if let Some(updated) = body["data"].as_object().and_then(|d| d.values().find(|v| v["version"].is_number()))
                            && updated["id"] == ticket["id"]
                        {
                            ticket = updated.clone();
                        }
                        match (status.as_u16(), code.as_str()) {
                            (200, "") => "ok".to_owned(),
                            (_, code) if expected.contains(&code) => format!("expected {code}"),
                            (status, code) => format!("UNEXPECTED {status} {code}: {body}"),
                        }
                    }
                };
                *counts.lock().unwrap().entry(outcome).or_default() += 1;
            }
        }));
    }
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(10)).await;
        samples.push((started.elapsed().as_secs(), rss_kib(pid)));
        let connections = scalar(
            &db,
            &format!(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{name}' AND application_name = 'ward'"
            ),
        )
        .await;
        eprintln!(
            "soak: {:>4} s  RSS {:>7} KiB  ward connections {connections}",
            started.elapsed().as_secs(),
            rss_kib(pid)
        );
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let connections = scalar(
        &db,
        &format!("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{name}' AND application_name = 'ward'"),
    )
    .await;
    let minute = |from: u64, to: u64| {
        let window: Vec<u64> = samples.iter().filter(|(t, _)| *t > from && *t <= to).map(|(_, r)| *r).collect();
        window.iter().sum::<u64>() / window.len().max(1) as u64
    };
    let (early, late) = (minute(60, 120), minute(seconds.saturating_sub(60), seconds + 10));
    let counts = counts.lock().unwrap().clone();
    let total: u64 = counts.values().sum();
    let unexpected: u64 =
        counts.iter().filter(|(k, _)| k.starts_with("UNEXPECTED") || k.starts_with("transport")).map(|(_, v)| v).sum();
    println!("soak: {seconds} s at {rate} req/s target, {total} requests ({:.0} req/s)", total as f64 / seconds as f64);
    for (outcome, count) in &counts {
        println!("  {count:>8}  {}", outcome.chars().take(200).collect::<String>());
    }
    let drift = (late as f64 - early as f64) / early.max(1) as f64 * 100.0;
    println!(
        "  RSS second minute {early} KiB, last minute {late} KiB: {drift:+.1}% (flat within 10%: {})",
        drift.abs() <= 10.0
    );
    println!(
        "  peak RSS {} KiB; ward's connections at the end: {connections} (pool 16 + audit 2 + listener 1)",
        samples.iter().map(|(_, r)| *r).max().unwrap_or(0)
    );
    println!("  unexpected errors: {unexpected}");
    ward.start_kill().ok();
    db.close().await.ok();
    admin.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.ok();
    assert_eq!(unexpected, 0, "no error but the expected ones");
    assert!(drift.abs() <= 10.0 || seconds < 180, "RSS flat within 10%");
    assert!(connections <= 19, "no connection leaked");
}
