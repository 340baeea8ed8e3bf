//! Break-glass: emergency access to one patient's identity and clinical data, for a limited
//! time, with a reason, reviewed by compliance.

use crate::both;
use crate::fixtures::chart;
use crate::helpers::*;
use serde_json::{Value, json};

const REASON: &str = "Patient called in crisis; confirming identity to dispatch help";

const READ_ALL: &str = "query($p: ID!, $r: ID!, $c: ID!) {
    patient(id: $p) { dateOfBirth memberId careRecords { edges { node { body } } } }
    careRecord(id: $r) { body diagnosisCodes }
    claim(id: $c) { diagnosisCodes }
}";

async fn open(app: &TestApp, sub: &str, patient: uuid::Uuid) -> Value {
    let body = app
        .gql(sub, "mutation($p: ID!, $why: String!) { requestBreakGlass(patientId: $p, reason: $why) { id version grantedAt expiresAt active reviewStatus } }", json!({ "p": patient, "why": REASON }))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["requestBreakGlass"].clone()
}

both!(break_glass_opens_identity_and_clinical_of_one_patient_until_it_expires, |app| {
    let target = chart(&app, 0).await;
    let other = chart(&app, 1).await;
    let vars = |c: &crate::fixtures::Chart| json!({ "p": c.patient, "r": c.care_record, "c": c.claim });

    let before = app.gql("alice", READ_ALL, vars(&target)).await;
    assert!(before["data"]["careRecord"].is_null() && before["data"]["patient"]["dateOfBirth"].is_null(), "{before}");

    let grant = open(&app, "alice", target.patient).await;
    assert_eq!(grant["active"], true);
    assert_eq!(grant["reviewStatus"], "PENDING");

    let during = app.gql("alice", READ_ALL, vars(&target)).await;
    assert!(during["errors"].is_null(), "{during}");
    assert!(during["data"]["patient"]["dateOfBirth"].is_string());
    assert!(during["data"]["patient"]["memberId"].is_string());
    assert!(during["data"]["patient"]["careRecords"]["edges"][0]["node"]["body"].is_string());
    assert!(during["data"]["careRecord"]["body"].is_string());
    assert!(during["data"]["claim"]["diagnosisCodes"].is_array());

    let elsewhere = app.gql("alice", READ_ALL, vars(&other)).await;
    assert!(elsewhere["data"]["careRecord"].is_null(), "another patient stays closed: {elsewhere}");
    assert!(elsewhere["data"]["patient"]["dateOfBirth"].is_null());
    assert!(elsewhere["data"]["claim"]["diagnosisCodes"].is_null());
    assert!(codes(&elsewhere).iter().all(|c| c == "FORBIDDEN"));

    let others_grant = app.gql("owen", READ_ALL, vars(&target)).await;
    assert!(others_grant["data"]["careRecord"].is_null(), "the grant is alice's alone");

    app.sql("UPDATE break_glass_grant SET expires_at = created_at").await;
    let after = app.gql("alice", READ_ALL, vars(&target)).await;
    assert!(after["data"]["careRecord"].is_null() && after["data"]["patient"]["dateOfBirth"].is_null(), "{after}");
});

both!(a_grant_lasts_the_configured_minutes, |app| {
    let target = chart(&app, 0).await;
    let grant = open(&app, "maya", target.patient).await;
    let granted = chrono::DateTime::parse_from_rfc3339(grant["grantedAt"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(grant["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!((expires - granted).num_minutes(), 60);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ward_break_glass_minutes_sets_the_duration() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = spawn_app_with(backend, |c| c.break_glass_minutes = 5).await else {
            continue;
        };
        let target = chart(&app, 0).await;
        let grant = open(&app, "owen", target.patient).await;
        let granted = chrono::DateTime::parse_from_rfc3339(grant["grantedAt"].as_str().unwrap()).unwrap();
        let expires = chrono::DateTime::parse_from_rfc3339(grant["expiresAt"].as_str().unwrap()).unwrap();
        assert_eq!((expires - granted).num_minutes(), 5, "{backend:?}");
    }
}

both!(a_short_reason_or_an_unknown_patient_opens_nothing, |app| {
    let target = chart(&app, 0).await;
    let mutation = "mutation($p: ID!, $why: String!) { requestBreakGlass(patientId: $p, reason: $why) { id } }";
    let body = app.gql("alice", mutation, json!({ "p": target.patient, "why": "   emergency      " })).await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
    let body = app.gql("alice", mutation, json!({ "p": "01900000-0000-7000-8000-0000000000aa", "why": REASON })).await;
    assert_eq!(only_code(&body), "NOT_FOUND");
    assert!(app.sql("SELECT id FROM break_glass_grant").await.is_empty(), "nothing stored");
});

both!(compliance_reviews_each_grant_once_at_the_version_it_read, |app| {
    let target = chart(&app, 0).await;
    let grant = open(&app, "alice", target.patient).await;
    let queue = app
        .gql("cora", "{ breakGlassGrants(filter: { reviewStatus: PENDING, staffSub: \"alice\" }) { edges { node { id reason staffSub patientId active } } } }", json!({}))
        .await;
    let node = &queue["data"]["breakGlassGrants"]["edges"][0]["node"];
    assert_eq!(node["id"], grant["id"], "{queue}");
    assert_eq!(node["reason"], REASON);
    assert_eq!(node["patientId"], json!(target.patient.to_string()));

    let review = "mutation($id: ID!, $v: Int!) { reviewBreakGlass(id: $id, expectedVersion: $v, verdict: JUSTIFIED, note: \"Crisis call confirmed\") { reviewStatus version } }";
    let stale = app.gql("cora", review, json!({ "id": grant["id"], "v": 7 })).await;
    assert_eq!(only_code(&stale), "CONFLICT");
    let done = app.gql("cora", review, json!({ "id": grant["id"], "v": 1 })).await;
    assert_eq!(done["data"]["reviewBreakGlass"]["reviewStatus"], "JUSTIFIED", "{done}");
    let again = app.gql("cora", review, json!({ "id": grant["id"], "v": 2 })).await;
    assert_eq!(only_code(&again), "CONFLICT");
    let pending = app
        .gql("cora", "{ breakGlassGrants(filter: { reviewStatus: PENDING }) { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(pending["data"]["breakGlassGrants"]["edges"], json!([]));
});

both!(the_access_report_names_everyone_who_can_see_the_patient_now, |app| {
    let target = chart(&app, 0).await;
    open(&app, "alice", target.patient).await;
    let body = app
        .gql("cora", "query($p: ID!) { accessReport(patientId: $p) { policyVersion entries { phiClass resource sub via role expiresAt } } }", json!({ "p": target.patient }))
        .await;
    let entries = body["data"]["accessReport"]["entries"].as_array().unwrap();
    let has = |class: &str, resource: &str, sub: &str, via: &str| {
        entries
            .iter()
            .any(|e| e["phiClass"] == class && e["resource"] == resource && e["sub"] == sub && e["via"] == via)
    };
    assert!(has("CONTACT", "patient", "alice", "ROLE"));
    assert!(has("IDENTITY", "patient", "alice", "BREAK_GLASS"));
    assert!(has("CLINICAL", "care_record", "alice", "BREAK_GLASS"));
    assert!(has("IDENTITY", "patient", "owen", "ROLE") && has("CLINICAL", "claim", "owen", "ROLE"));
    assert!(has("CLINICAL", "care_record", "maya", "ROLE") && has("CLINICAL", "care_record", "milo", "ROLE"));
    assert!(!has("IDENTITY", "patient", "alice", "ROLE"));
    for absent in ["cora", "adam", "dan"] {
        assert!(entries.iter().all(|e| e["sub"] != absent), "{absent} cannot see PHI");
    }
    let unknown = app
        .gql(
            "cora",
            "{ accessReport(patientId: \"01900000-0000-7000-8000-0000000000aa\") { policyVersion } }",
            json!({}),
        )
        .await;
    assert_eq!(only_code(&unknown), "NOT_FOUND");
});
