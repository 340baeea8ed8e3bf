//! OpenTelemetry traces: the `ward` binary, built with the `otlp` feature and pointed at a
//! collector of the test's own, exports one trace per request, with a span per resolver that
//! can reach the database (and none for fields read off rows already loaded). Without the
//! feature, asking for traces stops start-up with one clear line (`cli.rs`).

use crate::each_backend;
use crate::helpers::*;
use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One exported span, as the collector received it.
#[derive(Clone, Debug)]
struct Span {
    name: String,
    trace: Vec<u8>,
    id: Vec<u8>,
    parent: Vec<u8>,
    attributes: Vec<(String, String)>,
    service: String,
}

impl Span {
    fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

fn text(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// An OTLP/HTTP collector on a free port that keeps every span it is sent.
async fn collector() -> (String, Arc<Mutex<Vec<Span>>>) {
    let spans = Arc::new(Mutex::new(Vec::new()));
    let kept = spans.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let kept = kept.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("an OTLP protobuf export");
                for resource in request.resource_spans {
                    let service = resource
                        .resource
                        .iter()
                        .flat_map(|r| r.attributes.iter())
                        .find(|kv| kv.key == "service.name")
                        .map(|kv| text(kv.value.as_ref()))
                        .unwrap_or_default();
                    for span in resource.scope_spans.into_iter().flat_map(|s| s.spans) {
                        kept.lock().unwrap().push(Span {
                            name: span.name,
                            trace: span.trace_id,
                            id: span.span_id,
                            parent: span.parent_span_id,
                            attributes: span
                                .attributes
                                .iter()
                                .map(|kv| (kv.key.clone(), text(kv.value.as_ref())))
                                .collect(),
                            service: service.clone(),
                        });
                    }
                }
                ([("content-type", "application/x-protobuf")], Vec::<u8>::new())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), spans)
}

/// The spans of the trace whose resolvers include `QueryRoot.patient`, once it has come.
async fn trace_of_patient_query(spans: &Mutex<Vec<Span>>) -> Vec<Span> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let all = spans.lock().unwrap().clone();
        if let Some(root) = all.iter().find(|s| s.name == "QueryRoot.patient") {
            let trace: Vec<Span> = all.iter().filter(|s| s.trace == root.trace).cloned().collect();
            // The request's own span ends last: the trace is whole once it is here.
            if trace.iter().any(|s| s.name == "POST /graphql") {
                return trace;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no whole trace of the patient query reached the collector: {:?}", spans.lock().unwrap());
}

#[allow(clippy::too_many_lines, reason = "one trace read span by span, as a story")]
async fn exports_a_trace_per_request(backend: Backend) {
    let db = test_db(backend).await.unwrap_or_else(|| panic!("{backend:?} is unreachable"));
    let (endpoint, spans) = collector().await;
    let port = free_port();
    let _ward = ward()
        .args(["serve", "--database-url", &db.url, "--bind", &format!("127.0.0.1:{port}")])
        .env("WARD_JWT_SECRET", SECRET)
        .env("WARD_OTLP_ENDPOINT", &endpoint)
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .spawn()
        .unwrap();
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    let rows = sea_orm::ConnectionTrait::query_all_raw(
        &conn,
        sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT c.patient_id AS p, COUNT(*) AS claims FROM claim c WHERE EXISTS (SELECT 1 FROM denial d WHERE d.claim_id = c.id)
             GROUP BY c.patient_id HAVING COUNT(*) >= 2 ORDER BY c.patient_id LIMIT 1",
        ),
    )
    .await
    .unwrap();
    let patient: uuid::Uuid = rows[0].try_get("", "p").unwrap();
    conn.close().await.ok();

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while client.get(format!("{base}/readyz")).send().await.map(|r| r.status().as_u16()).ok() != Some(200) {
        assert!(started.elapsed() < Duration::from_secs(30), "ward did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let token = api::auth::TokenKeys::hs256(SECRET).unwrap().issue("owen", Duration::from_secs(600)).unwrap();
    let query = "query($id: ID!) { patient(id: $id) { id firstName state
        tickets(first: 5) { edges { node { id status } } pageInfo { hasNextPage } }
        claims(first: 5) { edges { node { claimNumber denials { carcCode } } } } } }";
    let body: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": query, "variables": { "id": patient } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["errors"].is_null(), "{body}");
    let claims = body["data"]["patient"]["claims"]["edges"].as_array().unwrap().len();

    let trace = trace_of_patient_query(&spans).await;
    let named = |name: &str| trace.iter().filter(|s| s.name == name).cloned().collect::<Vec<_>>();
    let request = named("POST /graphql");
    assert_eq!(request.len(), 1, "{trace:#?}");
    let request = &request[0];
    assert!(request.parent.is_empty(), "the request's span is the trace's root");
    assert_eq!(request.service, "ward");
    let root = &named("QueryRoot.patient")[0];
    assert_eq!(root.parent, request.id, "the root field's span is a child of the request's");
    assert_eq!(root.attribute("graphql.path"), Some("patient"));
    for relation in ["Patient.tickets", "Patient.claims"] {
        let spans = named(relation);
        assert_eq!(spans.len(), 1, "{relation}: {trace:#?}");
        assert_eq!(spans[0].parent, root.id, "{relation} is resolved under the patient");
    }
    let denials = named("Claim.denials");
    assert_eq!(denials.len(), claims, "one span per claim's denials: {trace:#?}");
    assert!(
        denials.iter().all(|s| s.attribute("graphql.path").is_some_and(|p| p.starts_with("patient.claims.edges.")))
    );
    // Disclosing the name is audited before the answer leaves: its commit is in the trace.
    assert_eq!(named("audit.commit").len(), 1, "{trace:#?}");
    // The name went to the client, not into the trace.
    let name = body["data"]["patient"]["firstName"].as_str().unwrap();
    for span in &trace {
        assert!(span.attributes.iter().all(|(_, v)| !v.contains(name)), "PHI in a span: {span:?}");
    }
    // Fields read off loaded rows, and the connection plumbing, have no span.
    for name in &trace {
        assert!(
            !["Patient.firstName", "Patient.state", "Ticket.status", "TicketConnection.edges", "TicketEdge.node"]
                .contains(&name.name.as_str())
                && !name.name.ends_with(".pageInfo"),
            "unexpected span {name:?}"
        );
    }
}

each_backend!(a_request_is_one_trace_with_a_span_per_resolver_that_reaches_the_database, |backend| {
    exports_a_trace_per_request(backend).await;
});
