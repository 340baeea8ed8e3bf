//! Property tests of the workflows' transition tables: any sequence of edits, assignments,
//! comments and transitions, from any role, some of them racing, with current or stale
//! versions, leaves the entity in a state its table allows, with a history entry and an audit
//! event for every change that was acknowledged, and versions that only ever go up by one.

use crate::each_backend;
use crate::fixtures::chart;
use crate::helpers::*;
use entities::ticket::TicketStatus;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tools::cx::workflow::allowed_moves;

#[derive(Clone, Debug)]
enum Op {
    Transition(&'static str),
    Priority(&'static str),
    Assign(Option<&'static str>),
    Comment,
}

/// One step: who, what, whether it names a stale version, and whether it races the next step.
#[derive(Clone, Debug)]
struct Step {
    sub: &'static str,
    op: Op,
    stale: bool,
    races_next: bool,
}

fn step() -> impl Strategy<Value = Step> {
    let op = prop_oneof![
        4 => prop::sample::select(vec!["OPEN", "PENDING", "RESOLVED", "CLOSED"]).prop_map(Op::Transition),
        2 => prop::sample::select(vec!["LOW", "NORMAL", "HIGH", "URGENT"]).prop_map(Op::Priority),
        1 => prop::sample::select(vec![None, Some("alice"), Some("dan"), Some("owen")]).prop_map(Op::Assign),
        1 => Just(Op::Comment),
    ];
    (
        prop::sample::select(vec!["alice", "alice", "alice", "owen", "maya", "cora"]),
        op,
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.25),
    )
        .prop_map(|(sub, op, stale, races_next)| Step { sub, op, stale, races_next })
}

fn status(name: &str) -> TicketStatus {
    match name {
        "OPEN" => TicketStatus::Open,
        "PENDING" => TicketStatus::Pending,
        "RESOLVED" => TicketStatus::Resolved,
        _ => TicketStatus::Closed,
    }
}

/// The request for `step` against a ticket at `version`.
fn request(step: &Step, ticket: &str, version: i64) -> (String, Value) {
    let v = if step.stale { version - 1 } else { version };
    match &step.op {
        Op::Transition(to) => (
            "mutation($id: ID!, $v: Int!, $to: TicketStatus!) { transitionTicket(id: $id, expectedVersion: $v, to: $to) { status version } }".into(),
            json!({ "id": ticket, "v": v, "to": to }),
        ),
        Op::Priority(p) => (
            "mutation($id: ID!, $v: Int!, $p: TicketPriority!) { updateTicket(id: $id, expectedVersion: $v, input: { priority: $p }) { status version } }".into(),
            json!({ "id": ticket, "v": v, "p": p }),
        ),
        Op::Assign(to) => (
            "mutation($id: ID!, $v: Int!, $to: String) { assignTicket(id: $id, expectedVersion: $v, assignee: $to) { status version } }".into(),
            json!({ "id": ticket, "v": v, "to": to }),
        ),
        Op::Comment => (
            "mutation($id: ID!) { addTicketComment(ticketId: $id, body: \"Checked the account\") { id } }".into(),
            json!({ "id": ticket }),
        ),
    }
}

/// Runs the steps (racing pairs concurrently) and checks the ticket's state, history, audit
/// trail and versions against what was acknowledged.
async fn run_steps(app: &TestApp, patient: uuid::Uuid, steps: &[Step]) -> Result<(), TestCaseError> {
    let ticket = crate::tickets::create_ticket(app, patient, "NORMAL").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    let mut version = 1i64;
    let mut current = TicketStatus::Open;
    let (mut changes, mut comments) = (0usize, 0usize);
    let mut versions_seen = vec![1i64];
    let mut i = 0;
    while i < steps.len() {
        let group: Vec<&Step> =
            if steps[i].races_next && i + 1 < steps.len() { vec![&steps[i], &steps[i + 1]] } else { vec![&steps[i]] };
        i += group.len();
        let requests: Vec<(String, Value)> = group.iter().map(|s| request(s, &id, version)).collect();
        let answers = futures_join(group.iter().zip(&requests).map(|(s, (q, v))| app.gql(s.sub, q, v.clone()))).await;
        for (step, body) in group.iter().zip(&answers) {
            let codes = codes(body);
            if !codes.is_empty() {
                prop_assert!(
                    codes.len() == 1 && ["FORBIDDEN", "CONFLICT", "BAD_USER_INPUT"].contains(&codes[0].as_str()),
                    "{body}"
                );
                continue;
            }
            if matches!(step.op, Op::Comment) {
                comments += 1;
                continue;
            }
            let result = body["data"].as_object().unwrap().values().next().unwrap();
            let new_version = result["version"].as_i64().unwrap();
            let new_status = status(result["status"].as_str().unwrap());
            if let Op::Transition(to) = step.op {
                prop_assert!(allowed_moves(current).contains(&status(to)), "{current:?} → {to} was allowed: {body}");
            } else {
                prop_assert_eq!(new_status, current);
            }
            current = new_status;
            versions_seen.push(new_version);
            version = version.max(new_version);
            changes += 1;
        }
    }
    // Versions: every acknowledged change took the next one, none twice.
    versions_seen.sort();
    prop_assert_eq!(versions_seen.clone(), (1..=versions_seen.len() as i64).collect::<Vec<_>>());
    let stored = app
        .gql(
            "alice",
            "query($id: ID!) { ticket(id: $id) { status version history(first: 100) { edges { node { kind } } } } }",
            json!({ "id": id }),
        )
        .await;
    let t = &stored["data"]["ticket"];
    prop_assert_eq!(status(t["status"].as_str().unwrap()), current);
    prop_assert_eq!(t["version"].as_i64().unwrap(), version);
    let history = t["history"]["edges"].as_array().unwrap().len();
    prop_assert_eq!(history, 1 + changes + comments, "one history entry per acknowledged change: {}", stored);
    let audited = app
        .sql(&format!("SELECT seq FROM audit_event WHERE resource_type = 'ticket' AND resource_id = '{id}' AND action <> 'read' AND outcome = 'allowed'"))
        .await
        .len();
    prop_assert_eq!(audited, 1 + changes + comments, "one audit event per acknowledged change");
    Ok(())
}

async fn futures_join<F: std::future::Future<Output = Value>>(futures: impl Iterator<Item = F>) -> Vec<Value> {
    let mut handles = Vec::new();
    for future in futures {
        handles.push(future);
    }
    match handles.len() {
        2 => {
            let mut it = handles.into_iter();
            let (a, b) = (it.next().unwrap(), it.next().unwrap());
            let (a, b) = tokio::join!(a, b);
            vec![a, b]
        }
        _ => {
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await);
            }
            out
        }
    }
}

each_backend!(blocking any_sequence_of_ticket_edits_from_any_role_keeps_the_table_history_audit_and_versions, |backend| {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = runtime.block_on(spawn_app(backend)).unwrap_or_else(|| panic!("{backend:?} is unreachable"));
    let patient = runtime.block_on(chart(&app, 0)).patient;
    let mut runner = TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    let result =
        runner.run(&prop::collection::vec(step(), 1..14), |steps| runtime.block_on(run_steps(&app, patient, &steps)));
    if let Err(failure) = result {
        panic!("{backend:?}: {failure}");
    }
});
