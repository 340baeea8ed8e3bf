//! The performance harness: ward against PostGraphile 4.14.1 on one seeded PostgreSQL, the
//! same questions asked of both, in alternating rounds.
//!
//! `cargo bench -p api --bench harness` (not part of CI; about 25 minutes on 2 cores). It starts
//! a PostgreSQL cluster of its own (with `pg_stat_statements`, so statement counts come from
//! PostgreSQL itself), seeds `WARD_HARNESS_PATIENTS` (100,000) patients with `ward seed`, starts
//! the release `ward` and PostGraphile (installed with npm into `target/harness/`), warms both
//! up, then for each query runs `WARD_HARNESS_ROUNDS` (3) alternating rounds of
//! `WARD_HARNESS_SECONDS` (15) with `WARD_HARNESS_CLIENTS` (32) concurrent clients. Any answer
//! that is not 200 or carries `errors` counts as a failure. It prints one table (req/s median
//! and spread, p50, p99, CPU ms per request, SQL statements per request, the ratio) and the
//! peak RSS, the pgbench limit of Q1's SQL, and the machine; the table also goes to
//! `target/harness/report.md`. `WARD_HARNESS_POSTGRAPHILE=0` measures ward alone.
//! `WARD_HARNESS_CLEAN_BUILD=1` first times the README's first command's build from nothing
//! (`cargo build --release -p api` into an empty target directory; crates already downloaded).
//! `WARD_HARNESS_DATABASE=sqlite` runs the same table on ward's embedded default (a SQLite
//! file; no PostGraphile or pgbench there, statements counted by ward's own metrics).
//! `WARD_HARNESS_BASELINE=<path to another ward binary>` adds that build as `ward-baseline`,
//! in the same alternating rounds on the same database: how a change is measured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/faults/cluster.rs"]
mod cluster;

use cluster::Cluster;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const SECRET: &str = "ward-harness-secret-ward-harness-secret-0123";
const POSTGRAPHILE: &str = "4.14.1";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A server under test: where it answers, how to ask it, its process.
struct Target {
    name: &'static str,
    url: String,
    token: Option<String>,
    pid: u32,
    _child: Child,
}

/// One question, as each system spells it.
struct Query {
    name: &'static str,
    ward: String,
    postgraphile: Option<String>,
    /// Variables, made per request (a comment gets a fresh id).
    vars: Arc<dyn Fn() -> Value + Send + Sync>,
    /// ward's staff member for this question.
    sub: &'static str,
    /// A console page (GET with a session cookie) instead of GraphQL.
    page: Option<String>,
}

struct Round {
    requests: u64,
    failures: u64,
    seconds: f64,
    latencies: Vec<f64>,
    cpu_ms: f64,
    statements: f64,
}

/// CPU time the process has used (user and system), in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
    fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// The process's peak resident memory (`VmHWM`), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn sql(url: &str, query: &str) -> Vec<sea_orm::QueryResult> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(url).await.unwrap();
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), query)).await.unwrap();
    db.close().await.ok();
    rows
}

/// Statements run so far: PostgreSQL's own count, or on SQLite ward's `/metrics` (each
/// scrape adds its own one statement, the break-glass gauge's count).
async fn statements_so_far(db: &str, target: &Target) -> f64 {
    if db.starts_with("sqlite") {
        let metrics = reqwest::get(format!("{}/metrics", target.url)).await.unwrap().text().await.unwrap();
        return metrics
            .lines()
            .find_map(|l| l.strip_prefix("ward_db_statements_total "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
    }
    let rows = sql(db, "SELECT COALESCE(SUM(calls), 0)::float8 AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'ward_bench'").await;
    rows[0].try_get::<f64>("", "n").unwrap_or(0.0)
}

async fn drive(target: &Target, query: &Query, cookie: Option<&str>, clients: usize, seconds: u64, db: &str) -> Round {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (count, failures) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let statements_before = statements_so_far(db, target).await;
    let cpu_before = cpu_ticks(target.pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (stop, count, failures, client) = (stop.clone(), count.clone(), failures.clone(), client.clone());
        let document =
            if target.name.starts_with("ward") { Some(query.ward.clone()) } else { query.postgraphile.clone() };
        let (url, token, vars, page) =
            (target.url.clone(), target.token.clone(), query.vars.clone(), query.page.clone());
        let cookie = cookie.map(str::to_owned);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let request = match &page {
                    Some(path) => {
                        client.get(format!("{url}{path}")).header("cookie", cookie.clone().unwrap_or_default())
                    }
                    None => {
                        let mut request = client
                            .post(format!("{url}/graphql"))
                            .json(&json!({ "query": document, "variables": vars() }));
                        if let Some(token) = &token {
                            request = request.bearer_auth(token);
                        }
                        request
                    }
                };
                let ok = match request.send().await {
                    Ok(response) if response.status() == 200 => {
                        let body = response.text().await.unwrap_or_default();
                        page.is_some() || !body.contains("\"errors\"")
                    }
                    _ => false,
                };
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                if ok {
                    count.fetch_add(1, Ordering::Relaxed)
                } else {
                    failures.fetch_add(1, Ordering::Relaxed)
                };
            }
            latencies
        }));
    }
    if std::env::var("WARD_HARNESS_PROFILE").is_ok() && seconds > 3 && !db.starts_with("sqlite") {
        tokio::time::sleep(Duration::from_secs(seconds / 2)).await;
        let waits = sql(db, "SELECT COALESCE(wait_event_type, 'cpu') || ':' || COALESCE(wait_event, '-') || ' ' || left(query, 40) AS w FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()").await;
        for w in waits {
            eprintln!("      active: {}", w.try_get::<String>("", "w").unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_secs(seconds - seconds / 2)).await;
    } else {
        tokio::time::sleep(Duration::from_secs(seconds)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_ms = (cpu_ticks(target.pid) - cpu_before) as f64 * 10.0;
    let statements = statements_so_far(db, target).await - statements_before - 1.0;
    latencies.sort_by(|a, b| a.total_cmp(b));
    Round {
        requests: count.load(Ordering::Relaxed),
        failures: failures.load(Ordering::Relaxed),
        seconds,
        latencies,
        cpu_ms,
        statements,
    }
}

/// Where PostgreSQL spent the round: the statements by total time.
async fn top_statements(db: &str) -> Vec<String> {
    let rows = sql(db, "SELECT calls::float8 AS calls, mean_exec_time AS mean, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS q FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'ward_bench' ORDER BY total_exec_time DESC LIMIT 4").await;
    rows.iter()
        .map(|r| {
            format!(
                "{:>8.0} calls, {:>7.3} ms mean: {}",
                r.try_get::<f64>("", "calls").unwrap_or(0.0),
                r.try_get::<f64>("", "mean").unwrap_or(0.0),
                r.try_get::<String>("", "q").unwrap_or_default()
            )
        })
        .collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

async fn wait_for(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(url).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{url} never answered");
}

/// Starts `bin serve --demo` on `url` (`--demo` for the console's sign-in page; the database
/// is seeded already, so nothing else changes; its demo files go to `dir`), once it answers.
async fn serve_ward(bin: &Path, dir: &Path, url: &str) -> (String, Child) {
    let port = free_port();
    let child = Command::new(bin)
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env("WARD_DATABASE_URL", url)
        .env("WARD_JWT_SECRET", SECRET)
        .env("WARD_MAX_CONNECTIONS", "1024")
        .env("WARD_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let url = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{url}/healthz")).await;
    (url, child)
}

fn ward_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ward"))
}

async fn run_ward(args: &[&str], url: &str) {
    let status = Command::new(ward_bin())
        .args(args)
        .env("WARD_DATABASE_URL", url)
        .env("WARD_JWT_SECRET", SECRET)
        .env("WARD_LOG", "warn")
        .status()
        .await
        .unwrap();
    assert!(status.success(), "ward {args:?}");
}

/// Installs PostGraphile into `target/harness/postgraphile` once.
async fn postgraphile_bin() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/harness/postgraphile");
    let bin = dir.join("node_modules/.bin/postgraphile");
    if !bin.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(format!("postgraphile@{POSTGRAPHILE}"))
            .status()
            .await
            .expect("npm (Node.js 20) to install PostGraphile");
        assert!(status.success(), "npm install postgraphile@{POSTGRAPHILE}");
    }
    bin
}

/// A release build of ward from an empty target directory, timed (before any load starts).
async fn time_clean_build() -> String {
    let target = std::env::temp_dir().join(format!("ward_clean_build_{}", uuid::Uuid::now_v7().simple()));
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "api", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .await
        .expect("cargo");
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&target);
    assert!(status.success(), "the clean build failed");
    let line = format!(
        "clean release build (`cargo build --release -p api`, empty target directory): {:.0} min {:.0} s wall",
        (wall.as_secs() / 60) as f64,
        (wall.as_secs() % 60) as f64
    );
    eprintln!("{line}");
    line
}

async fn database_version(url: &str) -> String {
    if url.starts_with("sqlite") {
        let version = sql(url, "SELECT sqlite_version() AS v").await[0].try_get::<String>("", "v").unwrap_or_default();
        return format!("SQLite {version} (WAL, a file)");
    }
    let version = sql(url, "SHOW server_version").await[0].try_get::<String>("", "server_version").unwrap_or_default();
    format!("PostgreSQL {version} (fsync off)")
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let cores = cpu.lines().filter(|l| l.starts_with("processor")).count();
    let mem = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total =
        mem.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()).unwrap_or(0.0);
    format!("{cores} × {model}, {:.0} GiB RAM, shared", total / 1024.0 / 1024.0)
}

#[allow(clippy::too_many_lines, reason = "a bench's main is its script, read top to bottom")]
#[tokio::main]
async fn main() {
    let patients = env_or("WARD_HARNESS_PATIENTS", 100_000u32);
    let seconds = env_or("WARD_HARNESS_SECONDS", 15u64);
    let rounds = env_or("WARD_HARNESS_ROUNDS", 3usize);
    let clients = env_or("WARD_HARNESS_CLIENTS", 32usize);
    let clean_build = if env_or("WARD_HARNESS_CLEAN_BUILD", 0u8) == 1 { Some(time_clean_build().await) } else { None };
    let sqlite = std::env::var("WARD_HARNESS_DATABASE").is_ok_and(|d| d == "sqlite");
    let with_postgraphile = env_or("WARD_HARNESS_POSTGRAPHILE", 1u8) == 1 && !sqlite;

    let cluster = (!sqlite).then(|| {
        Cluster::start_with(
            "-c shared_preload_libraries=pg_stat_statements -c max_connections=300 -c shared_buffers=256MB",
        )
    });
    let work_dir = match &cluster {
        Some(cluster) => cluster.dir.clone(),
        None => std::env::temp_dir().join(format!("ward_harness_{}", uuid::Uuid::now_v7().simple())),
    };
    std::fs::create_dir_all(&work_dir).unwrap();
    let url = match &cluster {
        Some(cluster) => {
            sql(&cluster.url("postgres"), "CREATE DATABASE ward_bench").await;
            let url = cluster.url("ward_bench");
            sql(&url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements").await;
            url
        }
        None => format!("sqlite://{}?mode=rwc", work_dir.join("ward_bench.db").display()),
    };
    let seeding = Instant::now();
    run_ward(&["migrate"], &url).await;
    run_ward(&["seed", "--patients", &patients.to_string()], &url).await;
    sql(&url, if sqlite { "ANALYZE" } else { "VACUUM ANALYZE" }).await;
    eprintln!("seeded {patients} patients in {:.0} s", seeding.elapsed().as_secs_f64());

    // The records the questions ask about.
    let row = &sql(&url, "SELECT c.patient_id AS patient, t.id AS ticket FROM claim c JOIN denial d ON d.claim_id = c.id JOIN ticket t ON t.patient_id = c.patient_id ORDER BY c.id LIMIT 1").await[0];
    let patient: uuid::Uuid = row.try_get("", "patient").unwrap();
    let ticket: uuid::Uuid = row.try_get("", "ticket").unwrap();
    let alice: uuid::Uuid = sql(&url, "SELECT id FROM staff WHERE sub = 'alice'").await[0].try_get("", "id").unwrap();

    let (ward_url, ward_child) = serve_ward(&ward_bin(), &work_dir, &url).await;
    let token = |sub: &str| {
        let keys = api::auth::TokenKeys::hs256(SECRET).unwrap();
        keys.issue(sub, Duration::from_secs(6 * 3600)).unwrap()
    };
    let mut targets = vec![Target {
        name: "ward",
        url: ward_url.clone(),
        token: None,
        pid: ward_child.id().unwrap(),
        _child: ward_child,
    }];
    if let Ok(baseline) = std::env::var("WARD_HARNESS_BASELINE") {
        let dir = work_dir.join("baseline");
        std::fs::create_dir_all(&dir).unwrap();
        let (baseline_url, child) = serve_ward(Path::new(&baseline), &dir, &url).await;
        targets.push(Target {
            name: "ward-baseline",
            url: baseline_url,
            token: None,
            pid: child.id().unwrap(),
            _child: child,
        });
    }
    if with_postgraphile {
        let bin = postgraphile_bin().await;
        let port = free_port();
        let child = Command::new(bin)
            .args([
                "-c",
                &url,
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--disable-query-log",
                "--max-pool-size",
                "32",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let pg_url = format!("http://127.0.0.1:{port}");
        wait_for(&format!("{pg_url}/graphql")).await;
        targets.push(Target {
            name: "postgraphile",
            url: pg_url,
            token: None,
            pid: child.id().unwrap(),
            _child: child,
        });
    }

    eprintln!("ward and PostGraphile are up");
    // Console sessions for the queue pages.
    let signin = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut cookies = std::collections::HashMap::new();
    for sub in ["alice", "owen", "maya"] {
        let response = signin.post(format!("{ward_url}/signin")).form(&[("sub", sub)]).send().await.unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        cookies.insert(sub, cookie);
    }

    let fixed = |vars: Value| -> Arc<dyn Fn() -> Value + Send + Sync> { Arc::new(move || vars.clone()) };
    let queries = vec![
        Query { name: "Q1 patient by id (ops)", sub: "owen", page: None,
            ward: "query($id: ID!) { patient(id: $id) { id state createdAt } }".into(),
            postgraphile: Some("query($id: UUID!) { patientById(id: $id) { id state createdAt } }".into()),
            vars: fixed(json!({ "id": patient })) },
        Query { name: "Q2 CX queue, 20 tickets (cx)", sub: "alice", page: None,
            ward: "{ tickets(first: 20) { edges { node { id subject slaDueAt status patient { name } assignee { displayName } } } } }".into(),
            postgraphile: Some("{ allTickets(first: 20, orderBy: SLA_DUE_AT_ASC) { nodes { id subject slaDueAt status patientByPatientId { firstName lastName } staffByAssigneeId { displayName } } } }".into()),
            vars: fixed(json!({})) },
        Query { name: "Q3 patient, tickets, claims, denials (ops)", sub: "owen", page: None,
            ward: "query($id: ID!) { patient(id: $id) { id tickets(first: 5) { edges { node { id status } } } claims(first: 5) { edges { node { claimNumber denials { carcCode } } } } } }".into(),
            postgraphile: Some("query($id: UUID!) { patientById(id: $id) { id ticketsByPatientId(first: 5) { nodes { id status } } claimsByPatientId(first: 5) { nodes { claimNumber denialsByClaimId { nodes { carcCode } } } } } }".into()),
            vars: fixed(json!({ "id": patient })) },
        Query { name: "Q4 Q1 with name, birth date, member id (ops, audited)", sub: "owen", page: None,
            ward: "query($id: ID!) { patient(id: $id) { id state createdAt firstName lastName dateOfBirth memberId } }".into(),
            postgraphile: Some("query($id: UUID!) { patientById(id: $id) { id state createdAt firstName lastName dateOfBirth memberId } }".into()),
            vars: fixed(json!({ "id": patient })) },
        Query { name: "Q5 add a ticket comment (cx)", sub: "alice", page: None,
            ward: "mutation($t: ID!) { addTicketComment(ticketId: $t, body: \"Called back, left a message\") { id } }".into(),
            postgraphile: Some("mutation($c: TicketCommentInput!) { createTicketComment(input: { ticketComment: $c }) { ticketComment { id } } }".into()),
            vars: Arc::new(move || json!({ "t": ticket, "c": { "id": uuid::Uuid::new_v4(), "ticketId": ticket, "authorId": alice, "body": "Called back, left a message", "internal": false, "createdAt": chrono::Utc::now() } })) },
        Query { name: "Ops queue, 20 escalations (ops)", sub: "owen", page: None,
            ward: "{ escalations(first: 20) { edges { node { id status appealDeadline payer carcCode amountAtStake } } } }".into(),
            postgraphile: Some("{ allEscalations(first: 20, orderBy: APPEAL_DEADLINE_ASC) { nodes { id status appealDeadline denialByDenialId { carcCode deniedCents claimByClaimId { payer } } } } }".into()),
            vars: fixed(json!({})) },
        Query { name: "Review queue, 20 reviews (medical)", sub: "maya", page: None,
            ward: "{ careReviews(first: 20) { edges { node { id status score flags } } } }".into(),
            postgraphile: Some("{ allCareReviews(first: 20, orderBy: ID_DESC) { nodes { id status score flags } } }".into()),
            vars: fixed(json!({})) },
        Query { name: "Console: CX ticket queue page", sub: "alice", page: Some("/cx/tickets".into()), ward: String::new(), postgraphile: None, vars: fixed(json!({})) },
        Query { name: "Console: ops escalation queue page", sub: "owen", page: Some("/ops/escalations".into()), ward: String::new(), postgraphile: None, vars: fixed(json!({})) },
        Query { name: "Console: medical review queue page", sub: "maya", page: Some("/medical/reviews".into()), ward: String::new(), postgraphile: None, vars: fixed(json!({})) },
    ];

    let mut report = String::new();
    report.push_str(&format!("Machine: {}. {patients} patients, {}, {clients} clients, {rounds} alternating rounds of {seconds} s after a warm-up.\n\n",
        machine(), database_version(&url).await));
    report.push_str("| query | system | req/s median (min–max) | p50 ms | p99 ms | CPU ms/req | SQL/req | failures | ward ÷ PostGraphile |\n|---|---|---|---|---|---|---|---|---|\n");
    let only = std::env::var("WARD_HARNESS_ONLY").ok();
    for query in queries.iter().filter(|q| only.as_deref().is_none_or(|o| o.split(',').any(|o| q.name.starts_with(o))))
    {
        let mut per_target: Vec<Vec<Round>> = targets.iter().map(|_| Vec::new()).collect();
        for target in targets.iter_mut() {
            target.token = target.name.starts_with("ward").then(|| token(query.sub));
        }
        // Warm-up, then alternating rounds.
        for target in &targets {
            if target.name.starts_with("ward") || query.postgraphile.is_some() {
                drive(target, query, cookies.get(query.sub).map(String::as_str), clients, 3, &url).await;
            }
        }
        for _ in 0..rounds {
            for (i, target) in targets.iter().enumerate() {
                if !target.name.starts_with("ward") && query.postgraphile.is_none() {
                    continue;
                }
                let cookie = cookies.get(query.sub).map(String::as_str);
                if !sqlite {
                    sql(&url, "SELECT pg_stat_statements_reset()").await;
                }
                per_target[i].push(drive(target, query, cookie, clients, seconds, &url).await);
                if target.name == "ward" && !sqlite && std::env::var("WARD_HARNESS_PROFILE").is_ok() {
                    for line in top_statements(&url).await {
                        eprintln!("    {line}");
                    }
                }
            }
        }
        let median_rps: Vec<f64> = per_target
            .iter()
            .map(|rs| {
                let mut v: Vec<f64> = rs.iter().map(|r| r.requests as f64 / r.seconds).collect();
                v.sort_by(|a, b| a.total_cmp(b));
                percentile(&v, 0.5)
            })
            .collect();
        for (i, target) in targets.iter().enumerate() {
            let rs = &per_target[i];
            if rs.is_empty() {
                continue;
            }
            let mut rps: Vec<f64> = rs.iter().map(|r| r.requests as f64 / r.seconds).collect();
            rps.sort_by(|a, b| a.total_cmp(b));
            let mut all: Vec<f64> = rs.iter().flat_map(|r| r.latencies.iter().copied()).collect();
            all.sort_by(|a, b| a.total_cmp(b));
            let requests: u64 = rs.iter().map(|r| r.requests).sum();
            let failures: u64 = rs.iter().map(|r| r.failures).sum();
            let cpu: f64 = rs.iter().map(|r| r.cpu_ms).sum::<f64>() / requests.max(1) as f64;
            let statements: f64 = rs.iter().map(|r| r.statements).sum::<f64>() / (requests + failures).max(1) as f64;
            // ward's row: ÷ PostGraphile; the baseline's row: ward ÷ the baseline.
            let of =
                |name: &str| targets.iter().position(|t| t.name == name).map(|j| median_rps[j]).filter(|r| *r > 0.0);
            let ratio = match (target.name, of("postgraphile"), of("ward-baseline")) {
                ("ward", Some(theirs), _) => format!("{:.2}×", median_rps[0] / theirs),
                ("ward-baseline", _, Some(base)) => format!("(ward ÷ baseline {:.2}×)", median_rps[0] / base),
                _ => String::new(),
            };
            let line = format!(
                "| {} | {} | {:.0} ({:.0}–{:.0}) | {:.1} | {:.1} | {:.2} | {:.1} | {} | {} |\n",
                query.name,
                target.name,
                percentile(&rps, 0.5),
                rps[0],
                rps[rps.len() - 1],
                percentile(&all, 0.5),
                percentile(&all, 0.99),
                cpu,
                statements,
                failures,
                ratio
            );
            eprint!("{line}");
            report.push_str(&line);
        }
    }
    for target in &targets {
        report.push_str(&format!("\nPeak RSS of {}: {:.0} MiB.", target.name, peak_rss_mib(target.pid)));
    }
    if let Some(line) = &clean_build {
        report.push_str(&format!("\n{line}."));
    }
    // The ceiling of Q1: its statement (the patient; the staff member comes from ward's
    // cache), straight through pgbench with prepared statements at the same concurrency.
    if !sqlite && only.as_deref().is_none_or(|o| o.split(',').any(|o| o == "Q1")) {
        let script = work_dir.join("q1.sql");
        std::fs::write(&script, format!("SELECT id, state, created_at FROM patient WHERE id = '{patient}' LIMIT 1;\n"))
            .unwrap();
        let output = Command::new("pgbench")
            .args(["-n", "-M", "prepared", "-c", &clients.to_string(), "-j", "2", "-T", &seconds.to_string(), "-f"])
            .arg(&script)
            .arg(&url)
            .output()
            .await
            .expect("pgbench (the PostgreSQL client package)");
        let text = String::from_utf8_lossy(&output.stdout);
        let tps = text.lines().find(|l| l.starts_with("tps")).unwrap_or("tps = ? (pgbench failed)").to_owned();
        report.push_str(&format!(
            "\npgbench limit of Q1's statement ({clients} clients, -M prepared, {seconds} s): {tps}."
        ));
    }
    report.push('\n');
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/harness/report.md");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, &report).unwrap();
    println!("{report}");
}
