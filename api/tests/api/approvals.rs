//! Four eyes on access: nobody grants themselves a role, and a role that opens PHI or the
//! audit trail waits for a second admin, who applies it, at the version it was asked for.

use crate::both;
use crate::helpers::*;
use serde_json::{Value, json};

const GRANT: &str = "mutation($s: String!, $r: String!) { grantRole(sub: $s, role: $r, reason: \"Joining the weekend rota\") { roles } }";
const QUEUE: &str = "{ pendingApprovals(filter: { status: PENDING }) { edges { node { id kind status version requestedBy reason change } } } }";
const APPROVE: &str = "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v, note: \"Confirmed with the team lead\") { status decidedBy } }";

async fn roles(app: &TestApp, sub: &str) -> Value {
    app.gql(sub, "{ me { roles } }", json!({})).await["data"]["me"]["roles"].clone()
}

async fn pending(app: &TestApp, who: &str) -> Vec<Value> {
    let queue = app.gql(who, QUEUE, json!({})).await;
    queue["data"]["pendingApprovals"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect()
}

both!(nobody_grants_a_role_to_themselves, |app| {
    let body = app.gql("adam", GRANT, json!({ "s": "adam", "r": "compliance" })).await;
    assert_eq!(only_code(&body), "FORBIDDEN", "{body}");
    assert!(pending(&app, "ada").await.is_empty());
    assert_eq!(roles(&app, "adam").await, json!(["admin"]));
});

both!(a_role_that_opens_phi_waits_for_a_second_admin_who_applies_it, |app| {
    let body = app.gql("adam", GRANT, json!({ "s": "cora", "r": "cx" })).await;
    assert_eq!(body["data"]["grantRole"]["roles"], json!(["compliance"]), "not yet: {body}");
    assert_eq!(roles(&app, "cora").await, json!(["compliance"]));
    let queue = pending(&app, "ada").await;
    assert_eq!(queue.len(), 1);
    let request = &queue[0];
    assert_eq!((request["kind"].as_str(), request["requestedBy"].as_str()), (Some("grant_role"), Some("adam")));
    assert_eq!(request["reason"], "Joining the weekend rota");

    let own = app.gql("adam", APPROVE, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(only_code(&own), "FORBIDDEN", "the requester never approves: {own}");
    let outsider = app.gql("cora", APPROVE, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(only_code(&outsider), "FORBIDDEN", "only an admin decides a role grant");
    let done = app.gql("ada", APPROVE, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(done["data"]["approve"], json!({ "status": "APPROVED", "decidedBy": "ada" }), "{done}");
    assert_eq!(roles(&app, "cora").await, json!(["cx", "compliance"]), "in force on the next request");
    let again = app.gql("ada", APPROVE, json!({ "id": request["id"], "v": 2 })).await;
    assert_eq!(only_code(&again), "CONFLICT");
    let actions: Vec<String> = app
        .sql("SELECT action, outcome FROM audit_event WHERE resource_type = 'staff' ORDER BY seq")
        .await
        .iter()
        .map(|r| {
            format!("{} {}", r.try_get::<String>("", "action").unwrap(), r.try_get::<String>("", "outcome").unwrap())
        })
        .collect();
    let expected = ["request_grant_role allowed", "manage denied", "manage denied", "approve_grant_role allowed"];
    assert_eq!(actions, expected, "the two refusals are on the record too");
});

both!(a_rejected_request_changes_nothing_and_a_stale_one_conflicts, |app| {
    app.gql("adam", GRANT, json!({ "s": "milo", "r": "ops" })).await;
    app.gql("adam", GRANT, json!({ "s": "olga", "r": "medical" })).await;
    let queue = pending(&app, "ada").await;
    let for_milo = queue.iter().find(|r| r["change"]["sub"] == "milo").unwrap();
    let for_olga = queue.iter().find(|r| r["change"]["sub"] == "olga").unwrap();

    let rejected = app
        .gql("ada", "mutation($id: ID!, $v: Int!) { reject(id: $id, expectedVersion: $v, note: \"Ops is fully staffed\") { status decisionNote } }", json!({ "id": for_milo["id"], "v": for_milo["version"] }))
        .await;
    assert_eq!(rejected["data"]["reject"]["status"], "REJECTED", "{rejected}");
    assert_eq!(roles(&app, "milo").await, json!(["medical"]));

    // Olga changes after the request: the approval no longer matches what was asked.
    app.gql("adam", "mutation { deactivateStaff(sub: \"olga\", expectedVersion: 1) { version } }", json!({})).await;
    let stale = app.gql("ada", APPROVE, json!({ "id": for_olga["id"], "v": for_olga["version"] })).await;
    assert_eq!(only_code(&stale), "CONFLICT", "{stale}");
    let still = pending(&app, "ada").await;
    assert!(still.iter().any(|r| r["id"] == for_olga["id"]), "a conflicting approval changes nothing");
    let duplicate = app.gql("adam", GRANT, json!({ "s": "olga", "r": "medical" })).await;
    assert!(codes(&duplicate).iter().all(|c| c == "CONFLICT" || c == "BAD_USER_INPUT"), "{duplicate}");
});

both!(the_admin_role_opens_no_phi_and_is_granted_at_once, |app| {
    let body = app.gql("adam", GRANT, json!({ "s": "cora", "r": "admin" })).await;
    assert_eq!(body["data"]["grantRole"]["roles"], json!(["compliance", "admin"]), "{body}");
    assert!(pending(&app, "ada").await.is_empty());
});
