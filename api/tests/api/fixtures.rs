//! Records of the demo data that access tests need, found by what they are.

use crate::helpers::TestApp;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// A patient with a denied claim and care records, and the ids around them.
pub struct Chart {
    pub patient: Uuid,
    pub claim: Uuid,
    pub care_record: Uuid,
}

pub async fn chart(app: &TestApp, nth: usize) -> Chart {
    let denials =
        entities::denial::Entity::find().order_by_asc(entities::denial::Column::Id).all(&app.db).await.unwrap();
    let mut charts = Vec::new();
    for denial in denials {
        let claim = entities::claim::Entity::find_by_id(denial.claim_id).one(&app.db).await.unwrap().unwrap();
        if charts.iter().any(|c: &Chart| c.patient == claim.patient_id) {
            continue;
        }
        let record = entities::care_record::Entity::find()
            .filter(entities::care_record::Column::PatientId.eq(claim.patient_id))
            .filter(entities::care_record::Column::Kind.ne("psychotherapy_note"))
            .filter(entities::care_record::Column::SecurityLabels.eq(""))
            .one(&app.db)
            .await
            .unwrap();
        if let Some(record) = record {
            charts.push(Chart { patient: claim.patient_id, claim: claim.id, care_record: record.id });
            if charts.len() > nth {
                break;
            }
        }
    }
    charts.into_iter().nth(nth).expect("the demo data has charts")
}

/// Grants a role that needs four eyes: adam asks, ada approves. Returns the member's roles.
pub async fn grant_approved(app: &TestApp, sub: &str, role: &str) -> serde_json::Value {
    let asked = app
        .gql(
            "adam",
            "mutation($s: String!, $r: String!) { grantRole(sub: $s, role: $r) { roles } }",
            serde_json::json!({ "s": sub, "r": role }),
        )
        .await;
    assert!(asked["errors"].is_null(), "{asked}");
    let queue = app
        .gql(
            "ada",
            "{ pendingApprovals(filter: { status: PENDING }) { edges { node { id version change } } } }",
            serde_json::json!({}),
        )
        .await;
    let request = queue["data"]["pendingApprovals"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["change"]["sub"] == sub && n["change"]["role"] == role)
        .unwrap_or_else(|| panic!("no pending grant of {role} to {sub}: {queue}"))
        .clone();
    let approved = app
        .gql(
            "ada",
            "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v) { status } }",
            serde_json::json!({ "id": request["id"], "v": request["version"] }),
        )
        .await;
    assert_eq!(approved["data"]["approve"]["status"], "APPROVED", "{approved}");
    app.gql(sub, "{ me { roles } }", serde_json::json!({})).await["data"]["me"]["roles"].clone()
}
