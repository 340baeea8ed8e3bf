//! Prometheus metrics: requests, GraphQL errors by code, and the audit chain's checkpointed
//! head (an anchor outside the database: a monitoring system that scrapes it notices a head
//! that moves backwards).

use super::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use tools::kit::code;

const CODES: [&str; 8] = [
    code::UNAUTHENTICATED,
    code::FORBIDDEN,
    code::NOT_FOUND,
    code::BAD_USER_INPUT,
    code::CONFLICT,
    code::LIMIT_EXCEEDED,
    code::UNAVAILABLE,
    code::INTERNAL,
];

#[derive(Default)]
pub struct Metrics {
    graphql_requests: AtomicU64,
    errors: [AtomicU64; CODES.len()],
    audit_head_seq: Arc<AtomicI64>,
    db_statements: Arc<AtomicU64>,
}

impl Metrics {
    pub fn new(audit_head_seq: Arc<AtomicI64>, db_statements: Arc<AtomicU64>) -> Self {
        Metrics { audit_head_seq, db_statements, ..Default::default() }
    }

    pub fn request(&self) {
        self.graphql_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn error(&self, code: &str) {
        if let Some(i) = CODES.iter().position(|c| *c == code) {
            self.errors[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP ward_graphql_requests_total GraphQL HTTP requests received.");
        let _ = writeln!(out, "# TYPE ward_graphql_requests_total counter");
        let _ = writeln!(out, "ward_graphql_requests_total {}", self.graphql_requests.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP ward_graphql_errors_total GraphQL errors answered, by extensions.code.");
        let _ = writeln!(out, "# TYPE ward_graphql_errors_total counter");
        for (code, count) in CODES.iter().zip(&self.errors) {
            let _ = writeln!(out, "ward_graphql_errors_total{{code=\"{code}\"}} {}", count.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP ward_audit_head_seq Sequence number of the audit chain's head at the last signed checkpoint."
        );
        let _ = writeln!(out, "# TYPE ward_audit_head_seq gauge");
        let _ = writeln!(out, "ward_audit_head_seq {}", self.audit_head_seq.load(Ordering::Relaxed));
        let _ = writeln!(
            out,
            "# HELP ward_db_statements_total SQL statements ward ran (requests, audit writer, background work)."
        );
        let _ = writeln!(out, "# TYPE ward_db_statements_total counter");
        let _ = writeln!(out, "ward_db_statements_total {}", self.db_statements.load(Ordering::Relaxed));
        out
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
