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
