//! What compliance's questions cost on a long audit trail: an actor with 25 old events, a
//! busy actor (first page and a later one), a patient's accounting, a one-second window early
//! in the trail, a day mid-trail, one request, and the whole log's first page.
//!
//! `cargo bench -p api --bench audit_questions` (TEST_POSTGRES_URL; WARD_AUDIT_DB=postgres or
//! sqlite, WARD_AUDIT_EVENTS, default 10,000,000; WARD_AUDIT_ROUNDS, default 7). It creates
//! its own database, appends the synthetic trail in bulk (the chain is not kept: nothing here
//! reads hashes), then measures twice:
//!
//! 1. with migration 23 rolled back (migration 7's indexes), the statements ward ran before
//!    it, straight to the database: ORDER BY seq, the cursor by seq;
//! 2. after migration 23 (timed: it builds the indexes over the whole trail), each question
//!    as a GraphQL request to the real server, as compliance.
//!
//! Each round asks every question once, in turn; the report gives the median and the range
//! over the rounds. The first round is reported apart: it runs on a cold buffer cache.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use api::App;
use api::config::Config;
use async_graphql::connection::CursorType;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tools::kit::pagination::Cursor;
use uuid::Uuid;

const SECRET: &str = "ward-bench-secret-ward-bench-secret-0123456789";
/// 2025-01-01T00:00:00Z; the synthetic events are three seconds apart from there.
const START: i64 = 1_735_689_600;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn iso(second: i64) -> String {
    chrono::DateTime::from_timestamp(START + second, 0).unwrap().to_rfc3339()
}

/// The patient the accounting is asked of: one of 20,000, each in every 20,000th event.
fn patient() -> Uuid {
    Uuid::from_u128(42)
}

async fn sql(db: &DatabaseConnection, text: &str) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), text)).await.expect(text)
}

/// `events` synthetic events after the server's own, in batches of a million: 400 busy
/// actors, 20,000 patients, four events a request, one in three disclosing; and one actor,
/// `auditor-old`, with 25 events in the trail's first hundredth.
async fn fill(db: &DatabaseConnection, events: i64) {
    let base: i64 =
        sql(db, "SELECT COALESCE(MAX(seq), 0) AS head FROM audit_event").await[0].try_get("", "head").unwrap();
    let postgres = db.get_database_backend() == DatabaseBackend::Postgres;
    let old_every = events / 100 / 25;
    let mut from = 1;
    while from <= events {
        let to = (from + 999_999).min(events);
        let (series, time, patient) = if postgres {
            (
                format!("FROM generate_series({from}, {to}) AS s(i)"),
                format!("to_timestamp({START} + i * 3)"),
                "lpad(to_hex(i % 20000 + 1), 32, '0')::uuid",
            )
        } else {
            (
                format!(
                    "FROM (WITH RECURSIVE s(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM s WHERE i < {to}) SELECT i FROM s)"
                ),
                format!("strftime('%Y-%m-%dT%H:%M:%SZ', {START} + i * 3, 'unixepoch')"),
                "unhex(printf('%032x', i % 20000 + 1))",
            )
        };
        sql(
            db,
            &format!(
                "INSERT INTO audit_event (seq, occurred_at, actor, actor_roles, action, resource_type, resource_id, \
                 patient_id, phi_classes, outcome, reason, purpose, policy_version, request_id, client_request_id, \
                 format, prev_hash, hash) \
                 SELECT {base} + i, {time}, \
                 CASE WHEN i % {old_every} = 0 AND i <= {old_every} * 25 THEN 'auditor-old' ELSE 'actor-' || (i % 400) END, \
                 'ops', 'patient.read', 'patient', NULL, {patient}, \
                 CASE WHEN i % 3 = 0 THEN 'identity' ELSE '' END, \
                 CASE WHEN i % 500 = 0 THEN 'denied' ELSE 'allowed' END, NULL, NULL, 'v', 'req-' || (i / 4), NULL, 2, \
                 '', '' {series}"
            ),
        )
        .await;
        from = to + 1;
    }
    sql(db, "ANALYZE").await;
}

struct Question {
    label: &'static str,
    /// The GraphQL request (query, variables).
    graphql: (&'static str, Value),
    /// The statement ward ran for it before migration 23.
    former: String,
}

const EVENTS_QUERY: &str = "query($f: AuditFilter, $a: String) { auditEvents(filter: $f, first: 50, after: $a) {
    edges { node { seq occurredAt actor action patientId phiClasses outcome } } pageInfo { endCursor } } }";
const DISCLOSURES_QUERY: &str = "query($p: ID!) { disclosures(patientId: $p, first: 50) {
    edges { node { seq occurredAt actor phiClasses } } } }";

fn questions(backend: DatabaseBackend, events: i64, base: i64) -> Vec<Question> {
    let postgres = backend == DatabaseBackend::Postgres;
    let time = |second: i64| {
        if postgres {
            format!("occurred_at >= '{}'", iso(second))
        } else {
            format!("unixepoch(occurred_at, 'subsec') >= unixepoch('{}', 'subsec')", iso(second))
        }
    };
    let before = |second: i64| {
        if postgres {
            format!("occurred_at < '{}'", iso(second))
        } else {
            format!("unixepoch(occurred_at, 'subsec') < unixepoch('{}', 'subsec')", iso(second))
        }
    };
    let uuid = if postgres { format!("'{}'", patient()) } else { format!("x'{}'", patient().simple()) };
    let page = |filter: String| format!("SELECT * FROM audit_event WHERE {filter} ORDER BY seq DESC LIMIT 51");
    let early = events / 100 * 3; // a second a hundredth into the trail
    let middle = events / 2 * 3;
    // The busy actor's second page starts below the newest of its events.
    let cursor = base + events - 400 * 50;
    vec![
        Question {
            label: "actor with 25 old events",
            graphql: (EVENTS_QUERY, json!({ "f": { "actor": "auditor-old" } })),
            former: page("actor = 'auditor-old'".into()),
        },
        Question {
            label: "busy actor, first page",
            graphql: (EVENTS_QUERY, json!({ "f": { "actor": "actor-7" } })),
            former: page("actor = 'actor-7'".into()),
        },
        Question {
            label: "busy actor, a later page",
            graphql: (
                EVENTS_QUERY,
                json!({ "f": { "actor": "actor-7" }, "a": Cursor(cursor.to_string()).encode_cursor() }),
            ),
            former: page(format!("actor = 'actor-7' AND seq < {cursor}")),
        },
        Question {
            label: "a patient's accounting",
            graphql: (DISCLOSURES_QUERY, json!({ "p": patient() })),
            former: page(format!(
                "patient_id = {uuid} AND outcome IN ('allowed', 'break_glass') AND phi_classes <> ''"
            )),
        },
        Question {
            label: "one second, early",
            graphql: (EVENTS_QUERY, json!({ "f": { "from": iso(early), "to": iso(early + 1) } })),
            former: page(format!("{} AND {}", time(early), before(early + 1))),
        },
        Question {
            label: "one day, mid-trail",
            graphql: (EVENTS_QUERY, json!({ "f": { "from": iso(middle), "to": iso(middle + 86_400) } })),
            former: page(format!("{} AND {}", time(middle), before(middle + 86_400))),
        },
        Question {
            label: "one request",
            graphql: (EVENTS_QUERY, json!({ "f": { "requestId": format!("req-{}", events / 3) } })),
            former: page(format!("request_id = 'req-{}'", events / 3)),
        },
        Question {
            label: "the whole log",
            graphql: (EVENTS_QUERY, json!({})),
            former: "SELECT * FROM audit_event ORDER BY seq DESC LIMIT 51".into(),
        },
    ]
}

/// Milliseconds of each round, per question.
async fn rounds<F, Fut>(questions: &[Question], rounds: usize, mut ask: F) -> Vec<Vec<f64>>
where
    F: FnMut(&Question) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = vec![Vec::new(); questions.len()];
    for _ in 0..rounds {
        for (n, question) in questions.iter().enumerate() {
            let started = Instant::now();
            ask(question).await;
            times[n].push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times
}

fn report(title: &str, questions: &[Question], times: &[Vec<f64>]) {
    println!("\n{title}");
    println!("{:<28} {:>10} {:>10} {:>22}", "question", "cold ms", "median ms", "range ms (warm rounds)");
    for (question, runs) in questions.iter().zip(times) {
        let cold = runs[0];
        let mut warm = runs[1..].to_vec();
        warm.sort_by(f64::total_cmp);
        let median = warm[warm.len() / 2];
        println!(
            "{:<28} {cold:>10.1} {median:>10.1} {:>10.1} - {:<10.1}",
            question.label,
            warm[0],
            warm[warm.len() - 1]
        );
    }
}

#[tokio::main]
async fn main() {
    let events = env_or("WARD_AUDIT_EVENTS", 10_000_000i64);
    let count = env_or("WARD_AUDIT_ROUNDS", 7usize).max(2);
    let postgres = std::env::var("WARD_AUDIT_DB").map_or(true, |db| db != "sqlite");
    let name = format!("ward_audit_{}", Uuid::now_v7().simple());
    let admin_url =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (url, admin, dir) = if postgres {
        let admin = Database::connect(&admin_url).await.expect("PostgreSQL at TEST_POSTGRES_URL");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
        let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(server, _)| server);
        (format!("{base}/{name}"), Some(admin), None)
    } else {
        let file = std::env::temp_dir().join(format!("{name}.db"));
        (format!("sqlite://{}?mode=rwc", file.display()), None, Some(file))
    };

    let db = Database::connect(&url).await.unwrap();
    api::db::migrate(&db).await.unwrap();
    api::seed::seed(&db, &api::seed::SeedOptions::default()).await.unwrap();
    Migrator::down(&db, Some(1)).await.unwrap();
    let base: i64 =
        sql(&db, "SELECT COALESCE(MAX(seq), 0) AS head FROM audit_event").await[0].try_get("", "head").unwrap();
    let started = Instant::now();
    fill(&db, events).await;
    println!(
        "{} events appended in {:.0} s ({})",
        events,
        started.elapsed().as_secs_f64(),
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    let questions = questions(db.get_database_backend(), events, base);

    let former = rounds(&questions, count, |q| {
        let (db, text) = (db.clone(), q.former.clone());
        async move {
            sql(&db, &text).await;
        }
    })
    .await;
    report("Before migration 23 (migration 7's indexes, ORDER BY seq), the statement alone", &questions, &former);

    let started = Instant::now();
    Migrator::up(&db, None).await.unwrap();
    println!("\nmigration 23 (its indexes over the whole trail): {:.0} s", started.elapsed().as_secs_f64());
    sql(&db, "ANALYZE").await;

    let mut config = Config::new(&url, SECRET);
    config.bind = ([127, 0, 0, 1], 0).into();
    let app = App::build(config).await.unwrap();
    let endpoint = format!("http://{}/graphql", app.address());
    tokio::spawn(app.run_until(std::future::pending()));
    let token = api::auth::TokenKeys::hs256(SECRET).unwrap().issue("cora", Duration::from_secs(3600)).unwrap();
    let client = reqwest::Client::new();
    let now = rounds(&questions, count, |q| {
        let request = client
            .post(&endpoint)
            .bearer_auth(&token)
            .json(&json!({ "query": q.graphql.0, "variables": q.graphql.1 }))
            .send();
        async move {
            let body: Value = request.await.unwrap().json().await.unwrap();
            assert!(body["errors"].is_null(), "{body}");
        }
    })
    .await;
    report("After: the GraphQL request to the server, as compliance", &questions, &now);

    db.close().await.ok();
    if let Some(admin) = admin {
        admin.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.ok();
    }
    if let Some(file) = dir {
        for suffix in ["", "-wal", "-shm"] {
            std::fs::remove_file(format!("{}{suffix}", file.display())).ok();
        }
    }
}
