//! PHI fields answer exactly what the caller may see: refused values are null with FORBIDDEN
//! at their path, the rest is returned, and no path (relation, alias, fragment) reaches a
//! value that the direct query refuses.

use crate::both;
use crate::fixtures::chart;
use crate::helpers::*;
use serde_json::{Value, json};

fn forbidden_paths(body: &Value) -> Vec<Value> {
    let mut paths: Vec<Value> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["extensions"]["code"] == "FORBIDDEN")
        .map(|e| e["path"].clone())
        .collect();
    paths.sort_by_key(|p| p.to_string());
    paths
}

both!(a_refused_phi_field_is_null_with_forbidden_at_its_path_and_the_rest_is_returned, |app| {
    let chart = chart(&app, 0).await;
    let body = app
        .gql(
            "alice",
            "query($id: ID!) { patient(id: $id) { id name dateOfBirth memberId memberIdLast4 birthYear } }",
            json!({ "id": chart.patient }),
        )
        .await;
    let patient = &body["data"]["patient"];
    assert_eq!(patient["id"], json!(chart.patient.to_string()));
    assert!(patient["name"].is_string());
    assert!(patient.as_object().unwrap().contains_key("dateOfBirth") && patient["dateOfBirth"].is_null(), "{body}");
    assert!(patient["memberId"].is_null());
    assert!(patient["memberIdLast4"].as_str().unwrap().starts_with("•••• "));
    assert!(patient["birthYear"].is_number());
    assert_eq!(forbidden_paths(&body), vec![json!(["patient", "dateOfBirth"]), json!(["patient", "memberId"])]);
});

both!(the_masked_variants_match_the_values_they_mask, |app| {
    let chart = chart(&app, 0).await;
    let body = app
        .gql(
            "owen",
            "query($id: ID!) { patient(id: $id) { dateOfBirth memberId memberIdLast4 birthYear } }",
            json!({ "id": chart.patient }),
        )
        .await;
    let p = &body["data"]["patient"];
    let member_id = p["memberId"].as_str().unwrap();
    assert_eq!(p["memberIdLast4"], json!(format!("•••• {}", &member_id[member_id.len() - 4..])));
    assert!(p["dateOfBirth"].as_str().unwrap().starts_with(&p["birthYear"].to_string()));
});

both!(relations_are_checked_like_the_direct_queries, |app| {
    let chart = chart(&app, 0).await;
    // ops reads claims and patients, but not care records.
    let body = app
        .gql(
            "owen",
            "query($c: ID!) { claim(id: $c) { claimNumber diagnosisCodes patient { name careRecords { edges { node { body } } } } } }",
            json!({ "c": chart.claim }),
        )
        .await;
    let claim = &body["data"]["claim"];
    assert!(
        claim["claimNumber"].is_string() && claim["diagnosisCodes"].is_array() && claim["patient"]["name"].is_string(),
        "{body}"
    );
    assert!(claim["patient"]["careRecords"].is_null());
    assert_eq!(forbidden_paths(&body), vec![json!(["claim", "patient", "careRecords"])]);

    // medical reads care records, but not claims.
    let body = app
        .gql(
            "maya",
            "query($r: ID!) { careRecord(id: $r) { body patient { dateOfBirth claims { edges { node { id } } } } } }",
            json!({ "r": chart.care_record }),
        )
        .await;
    let record = &body["data"]["careRecord"];
    assert!(record["body"].is_string() && record["patient"]["dateOfBirth"].is_string(), "{body}");
    assert_eq!(forbidden_paths(&body), vec![json!(["careRecord", "patient", "claims"])]);

    // cx reads the claim and its billing, not its clinical codes nor the patient's identity.
    let body = app
        .gql(
            "alice",
            "query($c: ID!) { claim(id: $c) { status diagnosisCodes patient { memberId } } }",
            json!({ "c": chart.claim }),
        )
        .await;
    assert!(body["data"]["claim"]["status"].is_string());
    assert_eq!(
        forbidden_paths(&body),
        vec![json!(["claim", "diagnosisCodes"]), json!(["claim", "patient", "memberId"])]
    );
    assert!(!body.to_string().contains("F3") && !body.to_string().contains("F4"), "no ICD-10 code leaked: {body}");
});

both!(aliases_and_fragments_reach_nothing_more, |app| {
    let chart = chart(&app, 0).await;
    let query = "query($id: ID!) {
        a: patient(id: $id) { x: memberId }
        b: patient(id: $id) { y: dateOfBirth last4: memberIdLast4 ...Identity ... on Patient { z: dateOfBirth } }
    }
    fragment Identity on Patient { memberId }";
    let body = app.gql("alice", query, json!({ "id": chart.patient })).await;
    assert!(body["data"]["a"]["x"].is_null() && body["data"]["b"]["y"].is_null() && body["data"]["b"]["z"].is_null());
    assert!(body["data"]["b"]["memberId"].is_null());
    assert!(body["data"]["b"]["last4"].is_string());
    assert_eq!(
        forbidden_paths(&body),
        vec![json!(["a", "x"]), json!(["b", "memberId"]), json!(["b", "y"]), json!(["b", "z"])]
    );
});

both!(a_role_without_patient_access_gets_nothing_of_a_patient, |app| {
    let chart = chart(&app, 0).await;
    for sub in ["cora", "adam"] {
        let body =
            app.gql(sub, "query($id: ID!) { patient(id: $id) { id name } }", json!({ "id": chart.patient })).await;
        assert!(body["data"].is_null() || body["data"]["patient"].is_null(), "{sub}: {body}");
        assert_eq!(only_code(&body), "FORBIDDEN");
    }
});

both!(searching_by_name_needs_contact_access, |app| {
    let removed = app
        .gql(
            "adam",
            "mutation { removePolicyRule(role: \"cx\", resource: \"patient\", action: \"contact\") { version } }",
            json!({}),
        )
        .await;
    assert!(removed["errors"].is_null(), "{removed}");
    let body = app.gql("alice", "{ patients(search: \"ma\") { edges { node { id } } } }", json!({})).await;
    assert_eq!(only_code(&body), "FORBIDDEN");
    let body = app.gql("alice", "{ patients(first: 1) { edges { node { id } } } }", json!({})).await;
    assert!(body["errors"].is_null(), "listing without search still works: {body}");
});
