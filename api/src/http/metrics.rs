//! Prometheus metrics, kept by the `metrics` crate's Prometheus exporter (one recorder per
//! server, never the process-global one, so two servers in one process keep their figures
//! apart): requests and their duration by operation name and outcome, GraphQL errors by
//! code, SQL statements and their duration, the database pools in use, the audit writer's
//! batch sizes and commit latency, the break-glass grants in force, the policy version, and
//! the audit chain's checkpointed head (an anchor outside the database: a monitoring system
//! that scrapes it notices a head that moves backwards).

use super::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use metrics::{Counter, Histogram, Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Operation names become a label only up to this many distinct ones (a client names its
/// operations freely; the rest count as `other`, so labels cannot grow without bound).
const MAX_OPERATIONS: usize = 200;

const SECONDS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
const EVENTS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 512.0];

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    requests: Counter,
    statements: Counter,
    statement_seconds: Histogram,
    audit_batch_events: Histogram,
    audit_commit_seconds: Histogram,
    audit_head_seq: Arc<AtomicI64>,
    operations: Mutex<HashSet<String>>,
}

fn metadata() -> Metadata<'static> {
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()))
}

impl Metrics {
    pub fn new(audit_head_seq: Arc<AtomicI64>) -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets(SECONDS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full("ward_audit_batch_events".into()), EVENTS));
        let recorder = match builder {
            Ok(builder) => builder.build_recorder(),
            Err(_) => PrometheusBuilder::new().build_recorder(),
        };
        let handle = recorder.handle();
        for (name, help) in [
            ("ward_graphql_requests_total", "GraphQL HTTP requests received."),
            ("ward_graphql_errors_total", "GraphQL errors answered, by extensions.code."),
            ("ward_db_statements_total", "SQL statements ward ran (requests, audit writer, background work)."),
        ] {
            recorder.describe_counter(name.into(), None, help.into());
        }
        for (name, help) in [
            (
                "ward_request_duration_seconds",
                "GraphQL request time, by operation name and outcome (ok or the first error's code).",
            ),
            ("ward_db_statement_duration_seconds", "Time of each SQL statement, as the driver saw it."),
            ("ward_audit_batch_events", "Events per audit append (group commit)."),
            ("ward_audit_commit_duration_seconds", "Time to append and commit one audit batch."),
        ] {
            recorder.describe_histogram(name.into(), None, help.into());
        }
        let key = |name: &'static str| Key::from_name(name);
        Metrics {
            requests: recorder.register_counter(&key("ward_graphql_requests_total"), &metadata()),
            statements: recorder.register_counter(&key("ward_db_statements_total"), &metadata()),
            statement_seconds: recorder.register_histogram(&key("ward_db_statement_duration_seconds"), &metadata()),
            audit_batch_events: recorder.register_histogram(&key("ward_audit_batch_events"), &metadata()),
            audit_commit_seconds: recorder.register_histogram(&key("ward_audit_commit_duration_seconds"), &metadata()),
            recorder,
            handle,
            audit_head_seq,
            operations: Mutex::new(HashSet::new()),
        }
    }

    pub fn request(&self) {
        self.requests.increment(1);
    }

    pub fn error(&self, code: &str) {
        let key = Key::from_parts("ward_graphql_errors_total", vec![Label::new("code", code.to_owned())]);
        self.recorder.register_counter(&key, &metadata()).increment(1);
    }

    /// The label of an operation name: a plain name, while fewer than [`MAX_OPERATIONS`]
    /// were seen; otherwise `other` (`anonymous` without a name).
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| !n.is_empty()) else { return "anonymous".into() };
        if name == "-" {
            // Refused before the document was read.
            return name.into();
        }
        let plain = name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !plain {
            return "other".into();
        }
        let Ok(mut seen) = self.operations.lock() else { return "other".into() };
        if seen.contains(name) || seen.len() < MAX_OPERATIONS {
            seen.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    /// One request's time, by its operation name and outcome.
    pub fn request_time(&self, operation: Option<&str>, outcome: &str, elapsed: Duration) {
        let labels =
            vec![Label::new("operation", self.operation_label(operation)), Label::new("outcome", outcome.to_owned())];
        let key = Key::from_parts("ward_request_duration_seconds", labels);
        self.recorder.register_histogram(&key, &metadata()).record(elapsed.as_secs_f64());
    }

    /// What the database driver reports of each statement.
    pub fn statement(&self, elapsed: Duration) {
        self.statements.increment(1);
        self.statement_seconds.record(elapsed.as_secs_f64());
    }

    /// One audit batch: how many events, how long its append and commit took.
    pub fn audit_batch(&self, events: usize, elapsed: Duration) {
        self.audit_batch_events.record(events as f64);
        self.audit_commit_seconds.record(elapsed.as_secs_f64());
    }

    fn gauge(&self, name: &'static str, help: &'static str, labels: Vec<Label>, value: f64) {
        self.recorder.describe_gauge(name.into(), None, help.into());
        self.recorder.register_gauge(&Key::from_parts(name, labels), &metadata()).set(value);
    }

    /// Samples what is read at scrape time, then renders every metric.
    async fn render(&self, state: &AppState) -> String {
        self.gauge(
            "ward_audit_head_seq",
            "Sequence number of the audit chain's head at the last signed checkpoint.",
            vec![],
            self.audit_head_seq.load(Ordering::Relaxed) as f64,
        );
        let version = state.policy.authorizer().snapshot().version().to_owned();
        self.gauge(
            "ward_policy_info",
            "The policy version in force (its rules' SHA-256), as a label.",
            vec![Label::new("version", version)],
            1.0,
        );
        for (pool, db) in [("requests", &state.db), ("audit", &state.audit_db)] {
            let (size, idle) = pool_sizes(db);
            let in_use = (size as usize).saturating_sub(idle);
            let help = "Database connections by pool and state.";
            self.gauge(
                "ward_db_pool_connections",
                help,
                vec![Label::new("pool", pool), Label::new("state", "in_use")],
                in_use as f64,
            );
            self.gauge(
                "ward_db_pool_connections",
                help,
                vec![Label::new("pool", pool), Label::new("state", "idle")],
                idle as f64,
            );
        }
        let in_force = tools::kit::records::in_force(entities::break_glass_grant::Entity::find(), chrono::Utc::now())
            .count(&state.db)
            .await;
        if let Ok(count) = in_force {
            self.gauge("ward_break_glass_active_grants", "Break-glass grants in force now.", vec![], count as f64);
        }
        self.handle.render()
    }
}

/// Connections open and idle in a pool.
fn pool_sizes(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(&state).await)
}
