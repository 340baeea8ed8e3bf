//! Purpose of use: `x-ward-purpose` must name a record the caller may read.

use crate::both;
use crate::fixtures::chart;
use crate::helpers::*;
use serde_json::{Value, json};

async fn with_purpose(app: &TestApp, sub: &str, purpose: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token(sub))
        .header("x-ward-purpose", purpose)
        .json(&json!({ "query": "{ me { sub } }" }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

both!(a_purpose_naming_a_readable_record_is_accepted, |app| {
    let chart = chart(&app, 0).await;
    let (status, body) = with_purpose(&app, "owen", &format!("claim:{}", chart.claim)).await;
    assert_eq!((status, &body["data"]["me"]["sub"]), (200, &json!("owen")), "{body}");
    let ticket: uuid::Uuid = app.sql("SELECT id FROM ticket ORDER BY id LIMIT 1").await[0].try_get("", "id").unwrap();
    assert_eq!(with_purpose(&app, "maya", &format!("ticket:{ticket}")).await.0, 200);
});

both!(a_purpose_the_caller_may_not_read_or_that_does_not_exist_is_bad_user_input, |app| {
    let chart = chart(&app, 0).await;
    let missing = "claim:01900000-0000-7000-8000-0000000000aa".to_owned();
    let cases = [
        ("maya", format!("claim:{}", chart.claim)),
        ("owen", missing),
        ("owen", "claim".to_owned()),
        ("owen", "invoice:1".to_owned()),
        ("owen", format!("care_review:{}", chart.claim)),
        ("owen", "break_glass:01900000-0000-7000-8000-0000000000aa".to_owned()),
    ];
    let mut messages = Vec::new();
    for (sub, purpose) in cases {
        let (status, body) = with_purpose(&app, sub, &purpose).await;
        assert_eq!(status, 400, "{sub} {purpose}: {body}");
        assert_eq!(only_code(&body), "BAD_USER_INPUT");
        messages.push(body["errors"][0]["message"].clone());
    }
    messages.dedup();
    assert_eq!(messages.len(), 1, "one answer for unreadable and missing: no probing");
});

both!(a_break_glass_purpose_must_be_the_callers_own_grant, |app| {
    let chart = chart(&app, 0).await;
    let grant = app
        .gql("alice", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Crisis call, must confirm identity now\") { id } }", json!({ "p": chart.patient }))
        .await;
    let purpose = format!("break_glass:{}", grant["data"]["requestBreakGlass"]["id"].as_str().unwrap());
    assert_eq!(with_purpose(&app, "alice", &purpose).await.0, 200);
    assert_eq!(with_purpose(&app, "owen", &purpose).await.0, 400);
});

async fn read_with_purpose(app: &TestApp, sub: &str, purpose: &str, query: &str, vars: Value) -> Value {
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token(sub))
        .header("x-ward-purpose", purpose)
        .json(&json!({ "query": query, "variables": vars }))
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

both!(a_purpose_opens_only_the_phi_of_the_patient_its_record_is_about, |app| {
    let mine = chart(&app, 0).await;
    let other = chart(&app, 1).await;
    let ticket = crate::tickets::create_ticket(&app, mine.patient, "NORMAL").await;
    let purpose = format!("ticket:{}", ticket["id"].as_str().unwrap());
    let query = "query($a: ID!, $b: ID!) { a: patient(id: $a) { name } b: patient(id: $b) { id name } }";
    let body =
        read_with_purpose(&app, "alice", &purpose, query, json!({ "a": mine.patient, "b": other.patient })).await;
    assert!(body["data"]["a"]["name"].is_string(), "{body}");
    assert!(body["data"]["b"]["id"].is_string() && body["data"]["b"]["name"].is_null(), "{body}");
    assert_eq!(only_code(&body), "FORBIDDEN");
    assert_eq!(body["errors"][0]["path"], json!(["b", "name"]));

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let about_other = entities::audit_event::Entity::find()
        .filter(entities::audit_event::Column::Actor.eq("alice"))
        .filter(entities::audit_event::Column::PatientId.eq(other.patient))
        .all(&app.db)
        .await
        .unwrap();
    let outcomes: Vec<&str> = about_other.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["denied"], "the refusal is on record, and no false purpose for the other patient");
});

both!(a_claim_purpose_opens_its_own_patient_only, |app| {
    let mine = chart(&app, 0).await;
    let other = chart(&app, 1).await;
    let query = "query($a: ID!, $b: ID!) { a: patient(id: $a) { dateOfBirth } b: patient(id: $b) { dateOfBirth } }";
    let body = read_with_purpose(
        &app,
        "owen",
        &format!("claim:{}", mine.claim),
        query,
        json!({ "a": mine.patient, "b": other.patient }),
    )
    .await;
    assert!(body["data"]["a"]["dateOfBirth"].is_string(), "{body}");
    assert!(body["data"]["b"]["dateOfBirth"].is_null(), "{body}");
});

both!(a_break_glass_purpose_names_a_grant_in_force, |app| {
    let chart = chart(&app, 0).await;
    let grant = app
        .gql("alice", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Crisis call, must confirm identity now\") { id } }", json!({ "p": chart.patient }))
        .await;
    let id = grant["data"]["requestBreakGlass"]["id"].as_str().unwrap().to_owned();
    app.gql("alice", "mutation($id: ID!) { endBreakGlass(id: $id) { active } }", json!({ "id": id })).await;
    let (status, body) = with_purpose(&app, "alice", &format!("break_glass:{id}")).await;
    assert_eq!(status, 400, "an ended grant is no reason to read: {body}");
});
