//! Break-glass: emergency access to one patient's identity and clinical data, for a limited
//! time, with a reason, reviewed by compliance.

use crate::fixtures::chart;
use crate::helpers::*;
use crate::{both, each_backend};
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

each_backend!(ward_break_glass_minutes_sets_the_duration, |backend| {
    let Some(app) = spawn_app_with(backend, |c| c.break_glass.minutes = 5).await else {
        panic!("{backend:?} is unreachable")
    };
    let target = chart(&app, 0).await;
    let grant = open(&app, "owen", target.patient).await;
    let granted = chrono::DateTime::parse_from_rfc3339(grant["grantedAt"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(grant["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!((expires - granted).num_minutes(), 5, "{backend:?}");
});

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

const CARE_RECORD: &str = "query($r: ID!) { careRecord(id: $r) { body } }";

async fn reads_the_record(app: &TestApp, sub: &str, record: uuid::Uuid) -> bool {
    app.gql(sub, CARE_RECORD, json!({ "r": record })).await["data"]["careRecord"]["body"].is_string()
}

async fn admin(app: &TestApp, mutation: &str) {
    let body = app.gql("adam", mutation, json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
}

async fn grant_active(app: &TestApp, id: &Value) -> bool {
    let body = app.gql("cora", "{ breakGlassGrants { edges { node { id active } } } }", json!({})).await;
    let edges = body["data"]["breakGlassGrants"]["edges"].as_array().unwrap();
    edges.iter().find(|e| e["node"]["id"] == *id).unwrap()["node"]["active"].as_bool().unwrap()
}

async fn report_lists_break_glass(app: &TestApp, patient: uuid::Uuid, sub: &str) -> bool {
    let body = app
        .gql("cora", "query($p: ID!) { accessReport(patientId: $p) { entries { sub via } } }", json!({ "p": patient }))
        .await;
    body["data"]["accessReport"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["sub"] == sub && e["via"] == "BREAK_GLASS")
}

both!(a_grant_ends_when_its_requester_loses_the_right_to_ask, |app| {
    let target = chart(&app, 0).await;
    let grant = open(&app, "alice", target.patient).await;
    assert!(reads_the_record(&app, "alice", target.care_record).await);
    admin(
        &app,
        "mutation { removePolicyRule(role: \"cx\", resource: \"break_glass\", action: \"request\") { version } }",
    )
    .await;
    assert!(!reads_the_record(&app, "alice", target.care_record).await, "no role may ask: the grant is not in force");
    assert!(!grant_active(&app, &grant["id"]).await);
    assert!(!report_lists_break_glass(&app, target.patient, "alice").await);
});

both!(a_grant_ends_when_its_requester_is_deactivated, |app| {
    let target = chart(&app, 0).await;
    let grant = open(&app, "alice", target.patient).await;
    let staff = app.gql("adam", "{ staffMembers(first: 20) { edges { node { sub version } } } }", json!({})).await;
    let version = staff["data"]["staffMembers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["sub"] == "alice")
        .unwrap()["node"]["version"]
        .clone();
    let body = app
        .gql(
            "adam",
            "mutation($v: Int!) { deactivateStaff(sub: \"alice\", expectedVersion: $v) { active } }",
            json!({ "v": version }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(!grant_active(&app, &grant["id"]).await);
    assert!(!report_lists_break_glass(&app, target.patient, "alice").await);
});

both!(an_unjustified_verdict_ends_the_grant_at_once, |app| {
    let target = chart(&app, 0).await;
    let grant = open(&app, "alice", target.patient).await;
    // A verdict that a colleague misused emergency access says why, or is not given.
    let bare = "mutation($id: ID!, $note: String) { reviewBreakGlass(id: $id, expectedVersion: 1, verdict: UNJUSTIFIED, note: $note) { reviewStatus } }";
    for note in [json!(null), json!(""), json!("  \n ")] {
        let refused = app.gql("cora", bare, json!({ "id": grant["id"], "note": note })).await;
        assert_eq!(only_code(&refused), "BAD_USER_INPUT", "{refused}");
    }
    assert!(grant_active(&app, &grant["id"]).await, "nothing was concluded");
    let review = app
        .gql("cora", "mutation($id: ID!) { reviewBreakGlass(id: $id, expectedVersion: 1, verdict: UNJUSTIFIED, note: \"No emergency on the call record\") { reviewStatus active } }", json!({ "id": grant["id"] }))
        .await;
    assert_eq!(review["data"]["reviewBreakGlass"]["active"], false, "{review}");
    assert!(!reads_the_record(&app, "alice", target.care_record).await);
});

both!(the_requester_or_compliance_ends_a_grant_and_nobody_else, |app| {
    let target = chart(&app, 0).await;
    let end = "mutation($id: ID!) { endBreakGlass(id: $id) { active endedAt } }";
    let first = open(&app, "alice", target.patient).await;
    let by_other = app.gql("owen", end, json!({ "id": first["id"] })).await;
    assert_eq!(only_code(&by_other), "FORBIDDEN");
    assert!(reads_the_record(&app, "alice", target.care_record).await);
    let by_self = app.gql("alice", end, json!({ "id": first["id"] })).await;
    assert_eq!(by_self["data"]["endBreakGlass"]["active"], false, "{by_self}");
    assert!(!reads_the_record(&app, "alice", target.care_record).await);

    let second = open(&app, "owen", target.patient).await;
    let by_compliance = app.gql("cora", end, json!({ "id": second["id"] })).await;
    assert!(by_compliance["data"]["endBreakGlass"]["endedAt"].is_string(), "{by_compliance}");
    assert!(!reads_the_record(&app, "owen", target.care_record).await);
});

both!(nobody_reviews_a_grant_they_requested, |app| {
    let target = chart(&app, 0).await;
    crate::fixtures::grant_approved(&app, "alice", "compliance").await;
    let grant = open(&app, "alice", target.patient).await;
    let review = app
        .gql(
            "alice",
            "mutation($id: ID!) { reviewBreakGlass(id: $id, expectedVersion: 1, verdict: JUSTIFIED) { reviewStatus } }",
            json!({ "id": grant["id"] }),
        )
        .await;
    assert_eq!(only_code(&review), "FORBIDDEN", "{review}");
    let status: String =
        app.sql("SELECT review_status FROM break_glass_grant").await[0].try_get("", "review_status").unwrap();
    assert_eq!(status, "pending");
});

both!(open_grants_and_grants_a_day_are_capped_and_a_refusal_is_flagged, |app| {
    let mutation = "mutation($p: ID!, $why: String!) { requestBreakGlass(patientId: $p, reason: $why) { id } }";
    let patients: Vec<uuid::Uuid> = app
        .sql("SELECT id FROM patient ORDER BY id LIMIT 8")
        .await
        .iter()
        .map(|r| r.try_get("", "id").unwrap())
        .collect();
    let ask = |p: uuid::Uuid| app.gql("alice", mutation, json!({ "p": p, "why": REASON }));
    let a = ask(patients[0]).await;
    let b = ask(patients[1]).await;
    assert!(a["errors"].is_null() && b["errors"].is_null(), "{a} {b}");
    let third = ask(patients[2]).await;
    assert_eq!(only_code(&third), "LIMIT_EXCEEDED", "at most 2 open: {third}");

    // Ending grants frees the open slots, but not the day's count.
    let end = "mutation($id: ID!) { endBreakGlass(id: $id) { active } }";
    for grant in [&a, &b] {
        app.gql("alice", end, json!({ "id": grant["data"]["requestBreakGlass"]["id"] })).await;
    }
    for p in &patients[2..5] {
        let body = ask(*p).await;
        assert!(body["errors"].is_null(), "{body}");
        let id = body["data"]["requestBreakGlass"]["id"].clone();
        app.gql("alice", end, json!({ "id": id })).await;
    }
    let sixth = ask(patients[5]).await;
    assert_eq!(only_code(&sixth), "LIMIT_EXCEEDED", "at most 5 a day: {sixth}");
    assert_eq!(app.sql("SELECT id FROM break_glass_grant").await.len(), 5);

    let flagged = app
        .gql("cora", "{ auditEvents(filter: { actor: \"alice\", action: \"request\", outcome: DENIED }) { edges { node { resourceType patientId reason } } } }", json!({}))
        .await;
    let refusals = flagged["data"]["auditEvents"]["edges"].as_array().unwrap();
    assert_eq!(refusals.len(), 2, "{flagged}");
    assert!(refusals.iter().all(|e| e["node"]["resourceType"] == "break_glass" && e["node"]["patientId"].is_string()));
    assert!(refusals[0]["node"]["reason"].as_str().unwrap().contains("limit"));
});

both!(reading_who_can_see_a_patient_is_on_the_record, |app| {
    let chart = chart(&app, 0).await;
    let report = app
        .gql(
            "cora",
            "query($id: ID!) { accessReport(patientId: $id) { entries { sub } } }",
            json!({ "id": chart.patient }),
        )
        .await;
    assert!(report["errors"].is_null(), "{report}");
    let log = app
        .gql(
            "cora",
            "{ auditEvents(filter: { action: \"audit.access_report\" }) { edges { node { actor patientId resourceType } } } }",
            json!({}),
        )
        .await;
    let edges = log["data"]["auditEvents"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{log}");
    let node = &edges[0]["node"];
    assert_eq!(
        (node["actor"].as_str(), node["patientId"].as_str(), node["resourceType"].as_str()),
        (Some("cora"), Some(chart.patient.to_string().as_str()), Some("audit"))
    );
});

both!(a_member_sees_only_their_own_emergency_access_in_force, |app| {
    let target = chart(&app, 0).await;
    let other = chart(&app, 1).await;
    let alices = open(&app, "alice", target.patient).await;
    open(&app, "owen", other.patient).await;
    let mine = "query($p: ID) { myBreakGlassGrants(patientId: $p) { id patientId active expiresAt } }";
    let listed = |body: &Value| -> Vec<String> {
        body["data"]["myBreakGlassGrants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let body = app.gql("alice", mine, json!({})).await;
    assert_eq!(listed(&body), [alices["id"].as_str().unwrap()], "alice's, not owen's: {body}");
    let body = app.gql("alice", mine, json!({ "p": other.patient })).await;
    assert!(listed(&body).is_empty(), "owen's patient: none of alice's: {body}");
    let body = app.gql("cora", mine, json!({})).await;
    assert!(listed(&body).is_empty(), "compliance's own list is its own too: {body}");
    app.sql("UPDATE break_glass_grant SET expires_at = created_at").await;
    let body = app.gql("alice", mine, json!({})).await;
    assert!(listed(&body).is_empty(), "an expired grant is not in force: {body}");
});
