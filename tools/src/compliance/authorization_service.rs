//! Recording and revoking a patient's authorizations (45 CFR 164.508): what one names is
//! checked here, once, so every authorization on file is one the access check can read.

use crate::directory::lookup_service::find_patient;
use crate::kit::authorizations::{MAX_PER_PATIENT, of_patient};
use crate::kit::{ApiError, ApiResult, dates, notes};
use chrono::{NaiveDate, Utc};
use entities::patient_authorization;
use policies::{PhiClass, Role, UsePurpose};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The teams an authorization may name: the care and support teams that read patients'
/// records. Admins see no PHI, and a machine reads nothing back.
pub const TEAMS: [Role; 4] = [Role::Cx, Role::Ops, Role::Medical, Role::Compliance];

/// What the signed document says, as compliance records it.
pub struct NewAuthorization {
    pub patient: Uuid,
    pub teams: Vec<String>,
    pub purposes: Vec<UsePurpose>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub document: String,
}

fn teams(names: &[String]) -> ApiResult<Vec<Role>> {
    let allowed = || TEAMS.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    let mut teams: Vec<Role> = Vec::new();
    for name in names {
        let team = name.trim().parse::<Role>().ok().filter(|r| TEAMS.contains(r)).ok_or_else(|| {
            ApiError::BadUserInput(format!("`teams`: {name:?} is not a team an authorization names; use {}", allowed()))
        })?;
        if !teams.contains(&team) {
            teams.push(team);
        }
    }
    if teams.is_empty() {
        return Err(ApiError::BadUserInput(format!("`teams` names at least one team: {}", allowed())));
    }
    teams.sort();
    Ok(teams)
}

fn joined<T: ToString>(names: &[T]) -> String {
    names.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// Stores the authorization `actor` recorded, after checking what it names.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Uuid,
    new: NewAuthorization,
) -> ApiResult<patient_authorization::Model> {
    let teams = teams(&new.teams)?;
    let mut purposes = new.purposes;
    purposes.sort();
    purposes.dedup();
    if purposes.is_empty() {
        return Err(ApiError::BadUserInput("`purposes` names at least one: treatment, payment or operations".into()));
    }
    if new.valid_until < new.valid_from {
        return Err(ApiError::BadUserInput(format!(
            "`validUntil` {} is before `validFrom` {}",
            new.valid_until, new.valid_from
        )));
    }
    dates::end_of(new.valid_until, "validUntil")?;
    let document = notes::required(
        "document",
        &new.document,
        notes::MAX_CHARS,
        "what the signed authorization is and where it is kept",
    )?;
    if find_patient(db, new.patient).await?.is_none() {
        return Err(ApiError::NotFound(format!("patient {}", new.patient)));
    }
    if of_patient(db, new.patient).await?.len() as u64 >= MAX_PER_PATIENT {
        return Err(ApiError::LimitExceeded(format!("a patient has at most {MAX_PER_PATIENT} authorizations on file")));
    }
    let row = patient_authorization::ActiveModel {
        id: Set(Uuid::now_v7()),
        patient_id: Set(new.patient),
        covers: Set(PhiClass::PsychotherapyNotes.as_str().to_owned()),
        teams: Set(joined(&teams)),
        purposes: Set(joined(&purposes)),
        valid_from: Set(new.valid_from),
        valid_until: Set(new.valid_until),
        document: Set(document),
        recorded_by: Set(actor),
        recorded_at: Set(Utc::now()),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoke_reason: Set(None),
    };
    Ok(row.insert(db).await?)
}

/// Revokes authorization `id`: from the next request on, it opens nothing. One revoked
/// already is `CONFLICT` (when and by whom stay as they were).
pub async fn revoke(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    reason: &str,
) -> ApiResult<patient_authorization::Model> {
    let reason = notes::required("reason", reason, notes::MAX_CHARS, "why the authorization ends")?;
    let found = patient_authorization::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("authorization {id}")))?;
    let revoked = patient_authorization::Entity::update_many()
        .col_expr(patient_authorization::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(patient_authorization::Column::RevokedBy, Expr::value(actor))
        .col_expr(patient_authorization::Column::RevokeReason, Expr::value(reason))
        .filter(patient_authorization::Column::Id.eq(id))
        .filter(patient_authorization::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if revoked.rows_affected == 0 {
        let at = found.revoked_at.map(|at| at.to_rfc3339()).unwrap_or_default();
        return Err(ApiError::Conflict(format!("authorization {id} was revoked already, at {at}")));
    }
    patient_authorization::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("authorization {id}")))
}
