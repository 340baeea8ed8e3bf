//! The first GraphQL surface: `me`, `patient`, `patients`, `provider`.

use crate::both;
use serde_json::json;

both!(me_names_the_caller_and_the_roles_the_policy_store_grants, |app| {
    let body = app.gql("owen", "{ me { sub displayName roles } }", json!({})).await;
    assert_eq!(body["data"]["me"]["sub"], "owen");
    assert_eq!(body["data"]["me"]["roles"], json!(["ops"]));
});

both!(patient_by_id_returns_its_non_phi_fields, |app| {
    let first = app.gql("alice", "{ patients(first: 1) { edges { node { id state createdAt } } } }", json!({})).await;
    let node = &first["data"]["patients"]["edges"][0]["node"];
    let id = node["id"].as_str().unwrap();
    let body =
        app.gql("alice", "query($id: ID!) { patient(id: $id) { id state createdAt } }", json!({ "id": id })).await;
    assert_eq!(&body["data"]["patient"], node);
    assert_eq!(node["state"].as_str().unwrap().len(), 2);
});

both!(an_unknown_patient_is_not_found, |app| {
    let body = app.gql("alice", "{ patient(id: \"01900000-0000-7000-8000-00000000ffff\") { id } }", json!({})).await;
    assert_eq!(only_code(&body), "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["patient"]));
});

both!(a_malformed_id_is_bad_user_input, |app| {
    let body = app.gql("alice", "{ patient(id: \"1 OR 1=1\") { id } }", json!({})).await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
});

both!(patients_pages_walk_every_patient_once_in_order, |app| {
    let query = "query($after: String) { patients(first: 50, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }";
    let mut after = serde_json::Value::Null;
    let mut ids = Vec::new();
    loop {
        let body = app.gql("alice", query, json!({ "after": after })).await;
        let page = &body["data"]["patients"];
        for edge in page["edges"].as_array().unwrap() {
            ids.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let count = app.sql("SELECT id FROM patient").await.len();
    assert_eq!(ids.len(), count);
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids, "ids come once each, in id order");
});

both!(the_default_page_is_twenty, |app| {
    let body = app.gql("alice", "{ patients { edges { cursor } pageInfo { hasNextPage } } }", json!({})).await;
    assert_eq!(body["data"]["patients"]["edges"].as_array().unwrap().len(), 20);
    assert_eq!(body["data"]["patients"]["pageInfo"]["hasNextPage"], true);
});

both!(a_forged_cursor_is_bad_user_input, |app| {
    let body = app.gql("alice", "{ patients(after: \"bm90LWEtY3Vyc29y\") { edges { cursor } } }", json!({})).await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
});

both!(search_finds_patients_by_last_name_prefix_case_insensitively, |app| {
    let rows = app.sql("SELECT last_name FROM patient ORDER BY id LIMIT 1").await;
    let last_name: String = rows[0].try_get("", "last_name").unwrap();
    let expected = app
        .sql(&format!("SELECT id FROM patient WHERE last_name = '{last_name}' OR first_name = '{last_name}'"))
        .await
        .len();
    let prefix = last_name[..3].to_uppercase();
    let body = app
        .gql(
            "alice",
            "query($s: String) { patients(search: $s, first: 100) { edges { node { id } } } }",
            json!({ "s": prefix }),
        )
        .await;
    let found = body["data"]["patients"]["edges"].as_array().unwrap().len();
    assert!(found >= expected && found > 0, "{prefix}: found {found}, at least {expected} expected");
});

both!(search_wildcards_match_literally, |app| {
    let body = app.gql("alice", "{ patients(search: \"%%\") { edges { node { id } } } }", json!({})).await;
    assert_eq!(body["data"]["patients"]["edges"], json!([]));
});

both!(a_one_letter_search_is_bad_user_input, |app| {
    let body = app.gql("alice", "{ patients(search: \"a\") { edges { node { id } } } }", json!({})).await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
});

both!(provider_by_id_returns_its_profile, |app| {
    let rows = app.sql("SELECT id, npi FROM provider ORDER BY id LIMIT 1").await;
    let npi: String = rows[0].try_get("", "npi").unwrap();
    let id: uuid::Uuid = rows[0].try_get("", "id").unwrap();
    let body =
        app.gql("maya", "query($id: ID!) { provider(id: $id) { id npi name credential } }", json!({ "id": id })).await;
    assert_eq!(body["data"]["provider"]["npi"], npi);
    let name = body["data"]["provider"]["name"].as_str().unwrap();
    let credential = body["data"]["provider"]["credential"].as_str().unwrap();
    assert!(name.ends_with(credential));
});
