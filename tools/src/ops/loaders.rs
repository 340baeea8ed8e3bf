//! The ops tool's loaders: a claim's denials, a denial's escalation, an escalation's appeals
//! and history, a patient's claims, each batched across every parent asking at the same depth.

use crate::kit::loaders::{LoadError, Loader, Loaders};
use entities::{appeal, claim, denial, escalation, escalation_event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

kit::first_page!(
    /// An escalation's first history entries, oldest first.
    EscalationHistory, escalation_event, escalation_id, "escalation_id", "t.id ASC"
);

kit::first_page!(
    /// A patient's first claims, newest first.
    PatientClaims, claim, patient_id, "patient_id", "t.id DESC"
);

/// A claim's denials, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DenialsOf(pub Uuid);

/// The escalation working a denial (its latest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EscalationOf(pub Uuid);
/// An escalation's appeals, lowest level first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AppealsOf(pub Uuid);

impl Loader<DenialsOf> for Loaders {
    type Value = Vec<denial::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[DenialsOf]) -> Result<HashMap<DenialsOf, Self::Value>, Self::Error> {
        let claims: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = denial::Entity::find()
            .filter(denial::Column::ClaimId.is_in(claims))
            .order_by_asc(denial::Column::DeniedAt)
            .all(self.db())
            .await?;
        let mut by_claim: HashMap<DenialsOf, Vec<denial::Model>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            by_claim.entry(DenialsOf(row.claim_id)).or_default().push(row);
        }
        Ok(by_claim)
    }
}

impl Loader<EscalationOf> for Loaders {
    type Value = escalation::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[EscalationOf]) -> Result<HashMap<EscalationOf, Self::Value>, Self::Error> {
        let denials: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = escalation::Entity::find()
            .filter(escalation::Column::DenialId.is_in(denials))
            .order_by_asc(escalation::Column::Id)
            .all(self.db())
            .await?;
        // Oldest first, so the latest of each denial is the one kept.
        Ok(rows.into_iter().map(|row| (EscalationOf(row.denial_id), row)).collect())
    }
}

impl Loader<AppealsOf> for Loaders {
    type Value = Vec<appeal::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[AppealsOf]) -> Result<HashMap<AppealsOf, Self::Value>, Self::Error> {
        let escalations: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = appeal::Entity::find()
            .filter(appeal::Column::EscalationId.is_in(escalations))
            .order_by_asc(appeal::Column::Level)
            .all(self.db())
            .await?;
        let mut by_escalation: HashMap<AppealsOf, Vec<appeal::Model>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            by_escalation.entry(AppealsOf(row.escalation_id)).or_default().push(row);
        }
        Ok(by_escalation)
    }
}
