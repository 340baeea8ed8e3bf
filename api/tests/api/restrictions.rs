//! Restrictions (45 CFR 164.522): a patient's restriction keeps the values of their records
//! labelled `restricted` (every value, or a class) from whom it names: a team, a member, or
//! whoever reads for a purpose. Recorded at once; lifted only when a second compliance member
//! approves.

use crate::both;
use crate::fixtures::{self, Chart, grant_approved};
use crate::helpers::*;
use entities::claim;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const CLAIM: &str = "query($c: ID!) { claim(id: $c) { claimNumber billedCents } }";

const RECORD: &str = "mutation($input: PermissionInput!) {
    recordRestriction(input: $input) { id kind covers teams staff { sub } purposes inForce }
}";

async fn label_restricted(app: &TestApp, id: uuid::Uuid) {
    claim::Entity::update_many()
        .col_expr(claim::Column::SecurityLabels, Expr::value("restricted"))
        .filter(claim::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn read_claim(app: &TestApp, sub: &str, chart: &Chart, stated: bool) -> Value {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token(sub))
        .json(&json!({ "query": CLAIM, "variables": { "c": chart.claim } }));
    if stated {
        request = request.header("x-ward-purpose", format!("claim:{}", chart.claim));
    }
    request.send().await.unwrap().json().await.unwrap()
}

fn restriction(chart: &Chart, covers: &[&str], teams: &[&str], staff: &[&str], purposes: &[&str]) -> Value {
    let today = chrono::Utc::now().date_naive();
    json!({ "input": {
        "patientId": chart.patient, "covers": covers, "teams": teams, "staff": staff, "purposes": purposes,
        "validFrom": today.to_string(), "validUntil": (today + chrono::Duration::days(365)).to_string(),
        "document": "The patient paid for the session out of pocket and asked that it not reach the plan (form R-12)",
    }})
}

fn refused_as_restricted(body: &Value) {
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
    assert_eq!(error["extensions"]["label"], "restricted", "{body}");
    assert!(error["message"].as_str().unwrap().contains("restricted at the patient's request"), "{body}");
    assert!(body["data"]["claim"]["billedCents"].is_null(), "{body}");
    assert!(body["data"]["claim"]["claimNumber"].is_string(), "{body}");
}

both!(a_restriction_keeps_restricted_values_from_the_purpose_and_the_people_it_names, |app| {
    let chart = fixtures::chart(&app, 0).await;
    label_restricted(&app, chart.claim).await;
    let before = read_claim(&app, "owen", &chart, true).await;
    assert!(before["data"]["claim"]["billedCents"].is_i64(), "no restriction yet: {before}");

    let body = app.gql("cora", RECORD, restriction(&chart, &["restricted"], &[], &[], &["PAYMENT"])).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["recordRestriction"]["kind"], "RESTRICTION", "{body}");
    refused_as_restricted(&read_claim(&app, "owen", &chart, true).await);
    // Stating no purpose does not step around a restriction of one.
    refused_as_restricted(&read_claim(&app, "owen", &chart, false).await);

    // One that names a person keeps the values from them only.
    let other = fixtures::chart(&app, 1).await;
    label_restricted(&app, other.claim).await;
    let body = app.gql("cora", RECORD, restriction(&other, &["billing"], &[], &["owen"], &[])).await;
    assert!(body["errors"].is_null(), "{body}");
    refused_as_restricted(&read_claim(&app, "owen", &other, true).await);
    let olga = read_claim(&app, "olga", &other, true).await;
    assert!(olga["errors"].is_null() && olga["data"]["claim"]["billedCents"].is_i64(), "{olga}");

    let report = app
        .gql(
            "cora",
            "query($p: ID!) { accessReport(patientId: $p) { restrictedFrom { phiClass resource sub purposes } } }",
            json!({ "p": other.patient }),
        )
        .await;
    let kept = report["data"]["accessReport"]["restrictedFrom"].as_array().unwrap();
    assert!(kept.iter().any(|e| e["sub"] == "owen" && e["phiClass"] == "BILLING"), "{report}");
    assert!(!kept.iter().any(|e| e["sub"] == "olga"), "{report}");
});

both!(lifting_a_restriction_waits_for_a_second_compliance_member, |app| {
    let chart = fixtures::chart(&app, 0).await;
    label_restricted(&app, chart.claim).await;
    let body = app.gql("cora", RECORD, restriction(&chart, &["restricted"], &["ops"], &[], &[])).await;
    let id = body["data"]["recordRestriction"]["id"].clone();
    let lift = "mutation($id: ID!) { liftRestriction(id: $id, reason: \"The patient withdrew the request in writing\") { id kind status version } }";
    let asked = app.gql("cora", lift, json!({ "id": id })).await;
    assert!(asked["errors"].is_null(), "{asked}");
    let request = &asked["data"]["liftRestriction"];
    assert_eq!((request["kind"].as_str(), request["status"].as_str()), (Some("restriction_lift"), Some("PENDING")));
    refused_as_restricted(&read_claim(&app, "owen", &chart, true).await);
    let approve = "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v) { status } }";
    let own = app.gql("cora", approve, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(only_code(&own), "FORBIDDEN", "nobody approves their own request: {own}");
    grant_approved(&app, "milo", "compliance").await;
    let approved = app.gql("milo", approve, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(approved["data"]["approve"]["status"], "APPROVED", "{approved}");
    let after = read_claim(&app, "owen", &chart, true).await;
    assert!(after["errors"].is_null() && after["data"]["claim"]["billedCents"].is_i64(), "{after}");
    let listed = app
        .gql(
            "cora",
            "query($p: ID!) { restrictions(patientId: $p) { inForce revokedAt } }",
            json!({ "p": chart.patient }),
        )
        .await;
    assert_eq!(listed["data"]["restrictions"][0]["inForce"], false, "{listed}");
    let again = app.gql("cora", lift, json!({ "id": id })).await;
    assert_eq!(only_code(&again), "CONFLICT", "{again}");
});

both!(what_a_restriction_names_is_checked_when_it_is_recorded, |app| {
    let chart = fixtures::chart(&app, 0).await;
    for variables in [
        restriction(&chart, &["restricted"], &[], &[], &[]),
        restriction(&chart, &["sud_part2"], &["ops"], &[], &[]),
        restriction(&chart, &[], &["ops"], &[], &[]),
        restriction(&chart, &["restricted"], &["admin"], &[], &[]),
    ] {
        let body = app.gql("cora", RECORD, variables.clone()).await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{variables} -> {body}");
    }
    let by_ops = app.gql("owen", RECORD, restriction(&chart, &["restricted"], &["cx"], &[], &[])).await;
    assert_eq!(only_code(&by_ops), "FORBIDDEN", "{by_ops}");
    let listed =
        app.gql("cora", "query($p: ID!) { restrictions(patientId: $p) { id } }", json!({ "p": chart.patient })).await;
    assert_eq!(listed["data"]["restrictions"], json!([]), "{listed}");
});
