//! Security labels set by hand: medical and compliance add one at once (it only hides);
//! removing one opens what it hid, so it waits for a second member who may label records.

use crate::both;
use crate::fixtures::{self, Chart};
use crate::helpers::*;
use serde_json::{Value, json};

const ADD: &str = "mutation($r: LabelledResource!, $id: ID!, $l: SecurityLabelName!) {
    addSecurityLabel(resource: $r, id: $id, label: $l, reason: \"The claim bills the counselling program's service\") { resource id labels }
}";
const REMOVE: &str = "mutation($r: LabelledResource!, $id: ID!, $l: SecurityLabelName!) {
    removeSecurityLabel(resource: $r, id: $id, label: $l, reason: \"Billed by the wrong program: not a Part 2 service\") { id kind status version }
}";

async fn billed(app: &TestApp, chart: &Chart) -> Value {
    let request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token("owen"))
        .header("x-ward-purpose", format!("claim:{}", chart.claim))
        .json(&json!({ "query": "query($c: ID!) { claim(id: $c) { billedCents securityLabels } }", "variables": { "c": chart.claim } }));
    request.send().await.unwrap().json().await.unwrap()
}

both!(a_label_hides_at_once_and_its_removal_waits_for_a_second_member, |app| {
    let chart = fixtures::chart(&app, 0).await;
    let on_claim = json!({ "r": "CLAIM", "id": chart.claim, "l": "SUD_PART2" });
    let ticket = app
        .gql(
            "alice",
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }",
            json!({ "input": { "subject": "About a bill", "description": "The patient asks about a bill",
                    "channel": "PHONE", "patientId": chart.patient, "claimId": chart.claim } }),
        )
        .await["data"]["createTicket"]["id"]
        .clone();
    let added = app.gql("maya", ADD, on_claim.clone()).await;
    assert!(added["errors"].is_null(), "{added}");
    assert_eq!(added["data"]["addSecurityLabel"]["labels"], json!(["SUD_PART2"]), "{added}");
    let labels = app.gql("alice", "query($t: ID!) { ticket(id: $t) { securityLabels } }", json!({ "t": ticket })).await;
    assert_eq!(
        labels["data"]["ticket"]["securityLabels"],
        json!(["SUD_PART2"]),
        "the claim's ticket takes it: {labels}"
    );
    let hidden = billed(&app, &chart).await;
    assert!(hidden["data"]["claim"]["billedCents"].is_null(), "{hidden}");
    assert_eq!(hidden["data"]["claim"]["securityLabels"], json!(["SUD_PART2"]), "{hidden}");
    let again = app.gql("maya", ADD, on_claim.clone()).await;
    assert_eq!(again["data"]["addSecurityLabel"]["labels"], json!(["SUD_PART2"]), "a label carried stays: {again}");

    let asked = app.gql("maya", REMOVE, on_claim.clone()).await;
    assert!(asked["errors"].is_null(), "{asked}");
    let request = &asked["data"]["removeSecurityLabel"];
    assert_eq!((request["kind"].as_str(), request["status"].as_str()), (Some("label_remove"), Some("PENDING")));
    assert!(billed(&app, &chart).await["data"]["claim"]["billedCents"].is_null(), "it stays until approved");
    let approve = "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v) { status } }";
    let own = app.gql("maya", approve, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(only_code(&own), "FORBIDDEN", "{own}");
    let approved = app.gql("milo", approve, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(approved["data"]["approve"]["status"], "APPROVED", "{approved}");
    let open = billed(&app, &chart).await;
    assert!(open["errors"].is_null() && open["data"]["claim"]["billedCents"].is_i64(), "{open}");

    let events = app.sql("SELECT action, outcome FROM audit_event WHERE resource_type = 'label' ORDER BY seq").await;
    let actions: Vec<(String, String)> =
        events.iter().map(|r| (r.try_get("", "action").unwrap(), r.try_get("", "outcome").unwrap())).collect();
    let expected =
        [("add", "allowed"), ("request_remove", "allowed"), ("update", "denied"), ("approve_remove", "allowed")];
    assert_eq!(actions, expected.map(|(a, o)| (a.to_owned(), o.to_owned())), "on the record, the refused approval too");
});

both!(what_a_label_change_names_is_checked, |app| {
    let chart = fixtures::chart(&app, 0).await;
    let absent = app.gql("maya", REMOVE, json!({ "r": "CLAIM", "id": chart.claim, "l": "RESTRICTED" })).await;
    assert_eq!(only_code(&absent), "BAD_USER_INPUT", "{absent}");
    let nothing = app.gql("maya", ADD, json!({ "r": "TICKET", "id": uuid::Uuid::now_v7(), "l": "RESTRICTED" })).await;
    assert_eq!(only_code(&nothing), "NOT_FOUND", "{nothing}");
    let by_cx = app.gql("alice", ADD, json!({ "r": "CLAIM", "id": chart.claim, "l": "RESTRICTED" })).await;
    assert_eq!(only_code(&by_cx), "FORBIDDEN", "{by_cx}");
    // A psychotherapy note is one by its kind: its label is not a switch.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let note = entities::care_record::Entity::find()
        .filter(entities::care_record::Column::Kind.eq("psychotherapy_note"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has a note");
    let body = app.gql("maya", REMOVE, json!({ "r": "CARE_RECORD", "id": note.id, "l": "PSYCHOTHERAPY_NOTE" })).await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT", "{body}");
});
