//! The load the faults strike: concurrent ticket creations (cx) and PHI reads (ops), each
//! outcome written down, and the checks that what was acknowledged is there, whole.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// What one request got.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The ticket subject of a mutation (a unique marker), or `None` for a PHI read.
    pub marker: Option<String>,
    pub patient: String,
    pub acknowledged: bool,
    /// The server's request id, when an answer came.
    pub request_id: Option<String>,
    /// The error code, when the answer was an error.
    pub code: Option<String>,
}

#[derive(Clone, Default)]
pub struct Ledger(Arc<Mutex<Vec<Outcome>>>);

pub struct Summary {
    pub acknowledged: usize,
    pub refused: usize,
    pub no_answer: usize,
    pub unexpected: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} acknowledged, {} refused UNAVAILABLE, {} without an answer, {} unexpected",
            self.acknowledged,
            self.refused,
            self.no_answer,
            self.unexpected.len()
        )
    }
}

impl Ledger {
    pub fn push(&self, outcome: Outcome) {
        self.0.lock().unwrap().push(outcome);
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        self.0.lock().unwrap().clone()
    }

    pub fn summary(&self) -> Summary {
        let outcomes = self.outcomes();
        let expected = |code: &str| code == "UNAVAILABLE" || code == "LIMIT_EXCEEDED";
        Summary {
            acknowledged: outcomes.iter().filter(|o| o.acknowledged).count(),
            refused: outcomes.iter().filter(|o| o.code.as_deref() == Some("UNAVAILABLE")).count(),
            no_answer: outcomes.iter().filter(|o| !o.acknowledged && o.request_id.is_none()).count(),
            unexpected: outcomes.iter().filter_map(|o| o.code.clone()).filter(|code| !expected(code)).collect(),
        }
    }
}

fn token(secret: &str, sub: &str) -> String {
    api::auth::TokenKeys::hs256(secret).unwrap().issue(sub, Duration::from_secs(3600)).unwrap()
}

pub async fn some_patients(base: &str, secret: &str) -> Vec<String> {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token(secret, "alice"))
        .json(&json!({ "query": "{ patients(first: 20) { edges { node { id } } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["data"]["patients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

const CREATE: &str = "mutation($i: CreateTicketInput!) { createTicket(input: $i) { id } }";
const READ: &str = "query($p: ID!) { patient(id: $p) { name } }";

fn create_body(marker: &str, patient: &str) -> Value {
    json!({ "query": CREATE, "variables": { "i": { "subject": marker, "description": "fault suite", "channel": "CHAT", "patientId": patient } } })
}

/// Eight clients, half creating tickets and half reading PHI, for `duration`.
pub async fn run_load(base: String, secret: &'static str, ledger: Ledger, duration: Duration) {
    let patients = Arc::new(some_patients(&base, secret).await);
    let started = Instant::now();
    let mut clients = Vec::new();
    for client_no in 0..8 {
        let (base, ledger, patients) = (base.clone(), ledger.clone(), patients.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
            let writer = client_no % 2 == 0;
            let token = token(secret, if writer { "alice" } else { "owen" });
            let mut i = 0;
            while started.elapsed() < duration {
                i += 1;
                let patient = patients[(client_no + i) % patients.len()].clone();
                let marker = writer.then(|| format!("fault-{}", uuid::Uuid::now_v7().simple()));
                let body = match &marker {
                    Some(marker) => create_body(marker, &patient),
                    None => json!({ "query": READ, "variables": { "p": patient } }),
                };
                let sent = Instant::now();
                let answer = http.post(format!("{base}/graphql")).bearer_auth(&token).json(&body).send().await;
                let mut outcome = Outcome { marker, patient, acknowledged: false, request_id: None, code: None };
                if let Ok(response) = answer {
                    outcome.request_id =
                        response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let status = response.status();
                    if let Ok(json) = response.json::<Value>().await {
                        outcome.code = json["errors"][0]["extensions"]["code"].as_str().map(str::to_owned);
                        outcome.acknowledged = status == 200 && json["errors"].is_null() && !json["data"].is_null();
                    }
                }
                // No request may hang: the request timeout is 3 s and a refusal is quick.
                assert!(sent.elapsed() < Duration::from_secs(14), "a request hung for {:?}", sent.elapsed());
                ledger.push(outcome);
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
}

/// Sends `count` ticket creations over raw connections and hangs up on each after a few
/// milliseconds, before the answer; returns how many were sent.
pub async fn hang_up_mid_mutation(address: SocketAddr, secret: &'static str, count: usize, ledger: Ledger) -> usize {
    let patients = Arc::new(some_patients(&format!("http://{address}"), secret).await);
    let token = Arc::new(token(secret, "alice"));
    let mut sent = 0;
    for round in 0..count.div_ceil(8) {
        let mut batch = Vec::new();
        for j in 0..8 {
            let (patients, token, ledger) = (patients.clone(), token.clone(), ledger.clone());
            batch.push(tokio::spawn(async move {
                let patient = patients[(round + j) % patients.len()].clone();
                let marker = format!("fault-{}", uuid::Uuid::now_v7().simple());
                let body = create_body(&marker, &patient).to_string();
                let request = format!(
                    "POST /graphql HTTP/1.1\r\nHost: ward\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else { return false };
                if stream.write_all(request.as_bytes()).await.is_err() {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(fastrand::u64(0..15))).await;
                drop(stream);
                ledger.push(Outcome { marker: Some(marker), patient, acknowledged: false, request_id: None, code: None });
                true
            }));
        }
        for task in batch {
            if task.await.unwrap() {
                sent += 1;
            }
        }
    }
    sent
}

async fn rows(db: &DatabaseConnection, query: String) -> Vec<sea_orm::QueryResult> {
    db.query_all_raw(Statement::from_string(sea_orm::DatabaseBackend::Postgres, query)).await.unwrap()
}

/// Every acknowledged ticket is stored; every stored ticket of the load is whole (its history
/// entry and its audit event committed with it); every acknowledged PHI read is disclosed on
/// the record under its request id.
pub async fn check_ledger(db: &DatabaseConnection, ledger: &Ledger) {
    let stored: Vec<(String, String)> =
        rows(db, "SELECT id::text AS id, subject FROM ticket WHERE subject LIKE 'fault-%'".into())
            .await
            .iter()
            .map(|r| (r.try_get("", "id").unwrap(), r.try_get("", "subject").unwrap()))
            .collect();
    let outcomes = ledger.outcomes();
    for outcome in outcomes.iter().filter(|o| o.acknowledged) {
        if let Some(marker) = &outcome.marker {
            assert!(stored.iter().any(|(_, s)| s == marker), "acknowledged ticket {marker} is missing");
        }
    }
    for (id, subject) in &stored {
        assert!(
            outcomes.iter().any(|o| o.marker.as_deref() == Some(subject.as_str())),
            "a ticket nobody asked for: {subject}"
        );
        let history =
            rows(db, format!("SELECT id FROM ticket_event WHERE ticket_id = '{id}' AND kind = 'created'")).await;
        assert_eq!(history.len(), 1, "ticket {id} has no history: half-written");
        let audit = rows(
            db,
            format!("SELECT seq FROM audit_event WHERE resource_type = 'ticket' AND action = 'create' AND resource_id = '{id}'"),
        )
        .await;
        assert_eq!(audit.len(), 1, "ticket {id} has no audit event: half-written");
    }
    for read in outcomes.iter().filter(|o| o.acknowledged && o.marker.is_none()) {
        let request_id = read.request_id.as_deref().expect("an answered read has a request id");
        let disclosed = rows(
            db,
            format!(
                "SELECT seq FROM audit_event WHERE request_id = '{request_id}' AND patient_id = '{}' AND phi_classes LIKE '%contact%'",
                read.patient
            ),
        )
        .await;
        assert_eq!(disclosed.len(), 1, "the PHI read {request_id} is not on the record");
    }
}
