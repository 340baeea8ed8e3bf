//! Four eyes on access: nobody grants themselves a role; a role or a policy rule that opens
//! PHI, the audit trail, break-glass, staff management or policy editing waits for a second
//! admin, who applies it, at the version it was asked for; and a request whose requester lost
//! the authority to ask is withdrawn instead of applied.

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

    // A rejection says why: the requester reads it. An empty or blank note is refused.
    let reject = "mutation($id: ID!, $v: Int!, $note: String!) { reject(id: $id, expectedVersion: $v, note: $note) { status decisionNote } }";
    for note in ["", "   \n\t "] {
        let refused =
            app.gql("ada", reject, json!({ "id": for_milo["id"], "v": for_milo["version"], "note": note })).await;
        assert_eq!(only_code(&refused), "BAD_USER_INPUT", "{refused}");
    }
    assert!(pending(&app, "ada").await.iter().any(|r| r["id"] == for_milo["id"]), "still waiting");
    let rejected = app
        .gql("ada", reject, json!({ "id": for_milo["id"], "v": for_milo["version"], "note": "Ops is fully staffed" }))
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

both!(granting_admin_waits_for_a_second_admin, |app| {
    let body = app.gql("adam", GRANT, json!({ "s": "alice", "r": "admin" })).await;
    assert_eq!(body["data"]["grantRole"]["roles"], json!(["cx"]), "not yet: {body}");
    assert_eq!(roles(&app, "alice").await, json!(["cx"]));
    let queue = pending(&app, "ada").await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["change"]["role"], "admin");
    let done = app.gql("ada", APPROVE, json!({ "id": queue[0]["id"], "v": queue[0]["version"] })).await;
    assert_eq!(done["data"]["approve"]["status"], "APPROVED", "{done}");
    assert_eq!(roles(&app, "alice").await, json!(["cx", "admin"]));
});

const ADD_RULE: &str = "mutation($r: String!, $s: String!, $a: String!) { addPolicyRule(role: $r, resource: $s, action: $a, reason: \"Audit of the claims backlog\") { version permissions { role resource action } } }";
const DATE_OF_BIRTH: &str = "query($id: ID!) { patient(id: $id) { id dateOfBirth } }";

fn holds(policy: &Value, role: &str, resource: &str, action: &str) -> bool {
    let wanted = json!({ "role": role, "resource": resource, "action": action });
    policy["permissions"].as_array().unwrap().contains(&wanted)
}

both!(a_policy_rule_that_opens_phi_to_an_admin_waits_for_a_second_admin, |app| {
    let chart = crate::fixtures::chart(&app, 0).await;
    let rule = |r: &str, s: &str, a: &str| json!({ "r": r, "s": s, "a": a });
    // Reading a patient's id is not PHI: in force at once.
    let read = app.gql("adam", ADD_RULE, rule("admin", "patient", "read")).await;
    assert!(holds(&read["data"]["addPolicyRule"], "admin", "patient", "read"), "{read}");
    // Their date of birth is: the same admin cannot open it alone.
    let version = read["data"]["addPolicyRule"]["version"].clone();
    for (resource, action) in [("patient", "identity"), ("care_record", "clinical")] {
        let asked = app.gql("adam", ADD_RULE, rule("admin", resource, action)).await;
        assert!(asked["errors"].is_null(), "{asked}");
        assert_eq!(asked["data"]["addPolicyRule"]["version"], version, "{resource} {action}: not in force yet");
    }
    let dob = app.gql("adam", DATE_OF_BIRTH, json!({ "id": chart.patient })).await;
    assert!(dob["data"]["patient"]["dateOfBirth"].is_null(), "{dob}");
    assert_eq!(only_code(&dob), "FORBIDDEN");

    let queue = pending(&app, "ada").await;
    let identity = queue.iter().find(|r| r["change"]["action"] == "identity").expect("the identity rule waits");
    assert_eq!((identity["kind"].as_str(), identity["requestedBy"].as_str()), (Some("policy_rule_add"), Some("adam")));
    assert_eq!(identity["reason"], "Audit of the claims backlog");
    let own = app.gql("adam", APPROVE, json!({ "id": identity["id"], "v": identity["version"] })).await;
    assert_eq!(only_code(&own), "FORBIDDEN", "the requester never approves: {own}");
    // Every admin holds `admin`: none may approve a rule that widens it (admins see no PHI).
    let ada = app.gql("ada", APPROVE, json!({ "id": identity["id"], "v": identity["version"] })).await;
    assert_eq!(only_code(&ada), "FORBIDDEN", "{ada}");
    assert!(ada["errors"][0]["message"].as_str().unwrap().contains("widens a role they hold"), "{ada}");
    let dob = app.gql("adam", DATE_OF_BIRTH, json!({ "id": chart.patient })).await;
    assert!(dob["data"]["patient"]["dateOfBirth"].is_null(), "still refused: {dob}");
    let actions = app.sql("SELECT action, outcome FROM audit_event WHERE resource_type = 'policy' ORDER BY seq").await;
    let actions: Vec<String> = actions
        .iter()
        .map(|r| {
            format!("{} {}", r.try_get::<String>("", "action").unwrap(), r.try_get::<String>("", "outcome").unwrap())
        })
        .collect();
    let expected = [
        "add_policy_rule allowed",
        "request_add_policy_rule allowed",
        "request_add_policy_rule allowed",
        "edit denied",
        "edit denied",
    ];
    assert_eq!(actions, expected, "every step on the record, the refused approvals too");
});

both!(a_guarded_rule_for_another_team_is_applied_by_a_second_admin, |app| {
    let asked = app.gql("adam", ADD_RULE, json!({ "r": "ops", "s": "care_review", "a": "read" })).await;
    assert!(!holds(&asked["data"]["addPolicyRule"], "ops", "care_review", "read"), "{asked}");
    let queue = pending(&app, "ada").await;
    let done = app.gql("ada", APPROVE, json!({ "id": queue[0]["id"], "v": queue[0]["version"] })).await;
    assert_eq!(done["data"]["approve"]["status"], "APPROVED", "{done}");
    let policy = app.gql("adam", "{ policy { permissions { role resource action } } }", json!({})).await;
    assert!(holds(&policy["data"]["policy"], "ops", "care_review", "read"), "in force once approved");
    let reviews = app.gql("owen", "{ careReviews(first: 1) { edges { node { id } } } }", json!({})).await;
    assert!(reviews["errors"].is_null(), "owen reads the review queue on the next request: {reviews}");
});

both!(nobody_approves_a_role_granted_to_themselves, |app| {
    let asked = app.gql("adam", GRANT, json!({ "s": "ada", "r": "compliance" })).await;
    assert!(asked["errors"].is_null(), "{asked}");
    let queue = pending(&app, "ada").await;
    let own = app.gql("ada", APPROVE, json!({ "id": queue[0]["id"], "v": queue[0]["version"] })).await;
    assert_eq!(only_code(&own), "FORBIDDEN", "{own}");
    assert_eq!(roles(&app, "ada").await, json!(["admin"]));
});

both!(emptying_a_role_does_not_make_granting_it_immediate, |app| {
    for action in ["read"] {
        let removed = app
            .gql("adam", &format!("mutation {{ removePolicyRule(role: \"compliance\", resource: \"audit\", action: \"{action}\") {{ version }} }}"), json!({}))
            .await;
        assert!(removed["errors"].is_null(), "{removed}");
    }
    app.gql("adam", "mutation { removePolicyRule(role: \"compliance\", resource: \"break_glass\", action: \"review\") { version } }", json!({})).await;
    app.gql(
        "adam",
        "mutation { removePolicyRule(role: \"compliance\", resource: \"care_review\", action: \"read\") { version } }",
        json!({}),
    )
    .await;
    let body = app.gql("adam", GRANT, json!({ "s": "alice", "r": "compliance" })).await;
    assert_eq!(body["data"]["grantRole"]["roles"], json!(["cx"]), "waits all the same: {body}");
    assert_eq!(pending(&app, "ada").await.len(), 1);
});

both!(every_power_over_access_is_a_guarded_rule_and_narrowing_applies_at_once, |app| {
    let policy = |body: &Value| body["data"]["addPolicyRule"].clone();
    for (role, resource, action) in [
        ("cx", "audit", "read"),
        ("cx", "staff", "manage"),
        ("cx", "policy", "edit"),
        ("cx", "break_glass", "review"),
        ("admin", "break_glass", "request"),
        ("compliance", "claim", "billing"),
        ("cx", "ticket", "correspondence"),
    ] {
        let body = app.gql("adam", ADD_RULE, json!({ "r": role, "s": resource, "a": action })).await;
        if role == "cx" && resource == "ticket" {
            assert!(holds(&policy(&body), role, resource, action), "held already: nothing to approve");
            continue;
        }
        assert!(!holds(&policy(&body), role, resource, action), "{role} {resource} {action} waits: {body}");
    }
    assert_eq!(pending(&app, "ada").await.len(), 6);
    let body = app.gql("adam", ADD_RULE, json!({ "r": "ops", "s": "ticket", "a": "create" })).await;
    assert!(holds(&policy(&body), "ops", "ticket", "create"), "opens no PHI: at once: {body}");
    let removed = app
        .gql("adam", "mutation { removePolicyRule(role: \"cx\", resource: \"patient\", action: \"contact\") { permissions { role resource action } } }", json!({}))
        .await;
    assert!(!holds(&removed["data"]["removePolicyRule"], "cx", "patient", "contact"), "{removed}");
});

both!(a_request_whose_requester_lost_admin_is_withdrawn_at_approval, |app| {
    let asked = app.gql("ada", GRANT, json!({ "s": "milo", "r": "ops" })).await;
    assert!(asked["errors"].is_null(), "{asked}");
    let revoked = app.gql("adam", "mutation { revokeRole(sub: \"ada\", role: \"admin\") { roles } }", json!({})).await;
    assert_eq!(revoked["data"]["revokeRole"]["roles"], json!([]), "{revoked}");
    let queue = pending(&app, "adam").await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    let approved = app.gql("adam", APPROVE, json!({ "id": queue[0]["id"], "v": queue[0]["version"] })).await;
    assert_eq!(only_code(&approved), "CONFLICT", "{approved}");
    let message = approved["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("ada no longer holds staff · manage"), "names why: {message}");
    assert_eq!(roles(&app, "milo").await, json!(["medical"]), "nothing applied");
    assert!(pending(&app, "adam").await.is_empty());
    let withdrawn = app
        .gql(
            "adam",
            "{ pendingApprovals(filter: { status: WITHDRAWN }) { edges { node { id decidedBy decisionNote } } } }",
            json!({}),
        )
        .await;
    let node = &withdrawn["data"]["pendingApprovals"]["edges"][0]["node"];
    assert_eq!(node["id"], queue[0]["id"], "{withdrawn}");
    assert!(node["decisionNote"].as_str().unwrap().contains("ada no longer holds"), "{withdrawn}");
    let recorded = app.sql("SELECT reason FROM audit_event WHERE action = 'withdraw_approval'").await;
    assert_eq!(recorded.len(), 1, "the withdrawal is on the record");
});

both!(a_request_whose_requester_was_deactivated_is_withdrawn_at_approval, |app| {
    let asked = app.gql("ada", GRANT, json!({ "s": "olga", "r": "medical" })).await;
    assert!(asked["errors"].is_null(), "{asked}");
    app.gql("adam", "mutation { deactivateStaff(sub: \"ada\", expectedVersion: 1) { active } }", json!({})).await;
    let queue = pending(&app, "adam").await;
    let approved = app.gql("adam", APPROVE, json!({ "id": queue[0]["id"], "v": queue[0]["version"] })).await;
    assert_eq!(only_code(&approved), "CONFLICT", "{approved}");
    assert!(approved["errors"][0]["message"].as_str().unwrap().contains("ada was deactivated"), "{approved}");
    assert_eq!(roles(&app, "olga").await, json!(["ops"]), "nothing applied");
});

const INBOX: &str = "{ approvalInbox { waiting decided { id kind status decider { displayName } decisionNote } } }";

both!(the_requester_hears_of_each_decision_until_they_acknowledge_it, |app| {
    app.gql("adam", GRANT, json!({ "s": "milo", "r": "ops" })).await;
    app.gql("adam", GRANT, json!({ "s": "olga", "r": "medical" })).await;
    let inbox = app.gql("ada", INBOX, json!({})).await;
    assert_eq!(inbox["data"]["approvalInbox"], json!({ "waiting": 2, "decided": [] }), "{inbox}");
    let own = app.gql("adam", INBOX, json!({})).await;
    assert_eq!(own["data"]["approvalInbox"]["waiting"], 0, "nobody decides their own: {own}");
    let nothing = app.gql("alice", INBOX, json!({})).await;
    assert_eq!(nothing["data"]["approvalInbox"], json!({ "waiting": 0, "decided": [] }));

    let queue = pending(&app, "ada").await;
    let for_milo = queue.iter().find(|r| r["change"]["sub"] == "milo").unwrap();
    let reject = "mutation($id: ID!, $v: Int!) { reject(id: $id, expectedVersion: $v, note: \"Ops is fully staffed\") { status } }";
    app.gql("ada", reject, json!({ "id": for_milo["id"], "v": for_milo["version"] })).await;
    let told = app.gql("adam", INBOX, json!({})).await;
    let decided = &told["data"]["approvalInbox"]["decided"];
    assert_eq!(
        decided,
        &json!([{ "id": for_milo["id"], "kind": "grant_role", "status": "REJECTED", "decider": { "displayName": "Ada Lindgren" }, "decisionNote": "Ops is fully staffed" }]),
        "{told}"
    );
    assert_eq!(app.gql("ada", INBOX, json!({})).await["data"]["approvalInbox"]["waiting"], 1);

    // Another's acknowledgement changes nothing; the requester's own ends the notice.
    let ack = "mutation($ids: [ID!]!) { acknowledgeDecisions(ids: $ids) }";
    let by_ada = app.gql("ada", ack, json!({ "ids": [for_milo["id"]] })).await;
    assert_eq!(by_ada["data"]["acknowledgeDecisions"], 0, "{by_ada}");
    assert_eq!(app.gql("adam", ack, json!({ "ids": [for_milo["id"]] })).await["data"]["acknowledgeDecisions"], 1);
    assert_eq!(app.gql("adam", INBOX, json!({})).await["data"]["approvalInbox"]["decided"], json!([]));
    let junk = app.gql("adam", ack, json!({ "ids": ["not-an-id"] })).await;
    assert_eq!(only_code(&junk), "BAD_USER_INPUT");
});

both!(a_rejected_write_off_stays_on_the_escalation_and_the_approver_sees_what_it_would_close, |app| {
    let denial = app
        .sql("SELECT d.id AS id FROM denial d WHERE d.denied_cents >= 50000 AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) ORDER BY d.id")
        .await;
    let denial: uuid::Uuid = denial[0].try_get("", "id").unwrap();
    let escalate =
        "mutation($d: ID!) { escalateDenial(denialId: $d, reason: \"Authorization was on file\") { id version } }";
    let opened = app.gql("owen", escalate, json!({ "d": denial.to_string() })).await;
    let escalation = opened["data"]["escalateDenial"].clone();
    let write_off = "mutation($id: ID!, $v: Int!) { transitionEscalation(id: $id, expectedVersion: $v, to: WRITTEN_OFF, note: \"Below the cost of appealing\") { id } }";
    let asked = app.gql("owen", write_off, json!({ "id": escalation["id"], "v": escalation["version"] })).await;
    assert!(asked["errors"].is_null(), "{asked}");
    let queue = "{ pendingApprovals(filter: { status: PENDING }) { edges { node { id version kind escalation { id amountAtStake payer carcCode claim { claimNumber } } } } } }";
    let seen = app.gql("olga", queue, json!({})).await;
    let request = seen["data"]["pendingApprovals"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["kind"] == "write_off")
        .unwrap_or_else(|| panic!("{seen}"));
    assert_eq!(request["escalation"]["id"], escalation["id"]);
    assert!(request["escalation"]["amountAtStake"].as_i64().unwrap_or_default() >= 50_000, "{request}");
    assert!(request["escalation"]["claim"]["claimNumber"].is_string(), "{request}");
    let reject = "mutation($id: ID!, $v: Int!) { reject(id: $id, expectedVersion: $v, note: \"Appeal it first: the auth was valid\") { status } }";
    assert_eq!(
        app.gql("olga", reject, json!({ "id": request["id"], "v": request["version"] })).await["data"]["reject"]["status"],
        "REJECTED"
    );
    let history = "query($id: ID!) { escalation(id: $id) { history(first: 20) { edges { node { kind actor { displayName } changes } } } } }";
    let told = app.gql("owen", history, json!({ "id": escalation["id"] })).await;
    let entries = told["data"]["escalation"]["history"]["edges"].as_array().cloned().unwrap_or_default();
    let rejected = entries
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["kind"] == "write_off_rejected")
        .unwrap_or_else(|| panic!("{told}"));
    assert_eq!(rejected["actor"]["displayName"], "Olga Novak");
    assert_eq!(rejected["changes"]["note"], "Appeal it first: the auth was valid");
});
