//! Recording and revoking what a patient signed: authorizations (45 CFR 164.508) and Part 2
//! consents (42 CFR 2.31). What one names is checked here, once, so every permission on file
//! is one the access check can read.

use crate::directory::lookup_service::find_patient;
use crate::kit::approvals::{self, ApprovalKind, NewApproval};
use crate::kit::on_file::{Kind, MAX_PER_PATIENT, standing_count};
use crate::kit::records::find_staff;
use crate::kit::{ApiError, ApiResult, dates, notes};
use chrono::{NaiveDate, Utc};
use entities::patient_permission;
use policies::{PhiClass, Resource, Role, UsePurpose};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// The teams a permission may name: the care and support teams that read patients'
/// records. Admins see no PHI, and a machine reads nothing back.
pub const TEAMS: [Role; 4] = [Role::Cx, Role::Ops, Role::Medical, Role::Compliance];

/// What a consent may cover: every value of the patient's Part 2 records (`sud_part2`), or
/// one class of them (a payer's consent covers `billing`).
pub const CONSENT_COVERS: [&str; 4] = ["sud_part2", "clinical", "billing", "correspondence"];

/// What a restriction may cover: every value of the patient's records labelled `restricted`,
/// or one class of them.
pub const RESTRICTION_COVERS: [&str; 4] = ["restricted", "clinical", "billing", "correspondence"];

/// What the signed document says, as compliance records it.
pub struct NewPermission {
    pub kind: Kind,
    pub patient: Uuid,
    /// What it opens (a consent's; an authorization opens psychotherapy notes).
    pub covers: Vec<String>,
    pub teams: Vec<String>,
    /// The staff it names, by `sub` (a consent's; an authorization names teams only).
    pub staff: Vec<String>,
    pub purposes: Vec<UsePurpose>,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub document: String,
}

fn teams(names: &[String], noun: &str) -> ApiResult<Vec<Role>> {
    let allowed = || TEAMS.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    let mut teams: Vec<Role> = Vec::new();
    for name in names {
        let team = name.trim().parse::<Role>().ok().filter(|r| TEAMS.contains(r)).ok_or_else(|| {
            ApiError::BadUserInput(format!(
                "`teams`: {name:?} is not one of the teams a {noun} may name: {}",
                allowed()
            ))
        })?;
        if !teams.contains(&team) {
            teams.push(team);
        }
    }
    teams.sort();
    Ok(teams)
}

fn covers(new: &NewPermission) -> ApiResult<Vec<String>> {
    let vocabulary = match new.kind {
        Kind::Authorization => return Ok(vec![PhiClass::PsychotherapyNotes.as_str().to_owned()]),
        Kind::Part2Consent => CONSENT_COVERS,
        Kind::Restriction => RESTRICTION_COVERS,
    };
    let allowed = vocabulary.join(", ");
    let noun = new.kind.noun();
    let mut covers: Vec<String> = Vec::new();
    for name in &new.covers {
        let name = name.trim();
        if !vocabulary.contains(&name) {
            return Err(ApiError::BadUserInput(format!(
                "`covers`: {name:?} is not what a {noun} covers; use {allowed}"
            )));
        }
        if !covers.iter().any(|c| c == name) {
            covers.push(name.to_owned());
        }
    }
    if covers.is_empty() {
        return Err(ApiError::BadUserInput(format!("`covers` names at least one: {allowed}")));
    }
    Ok(covers)
}

/// The ids of the staff named by `sub`, each a member (active or not).
async fn staff(db: &impl ConnectionTrait, subs: &[String]) -> ApiResult<Vec<Uuid>> {
    let mut ids = Vec::new();
    for sub in subs {
        let member = find_staff(db, sub.trim())
            .await?
            .ok_or_else(|| ApiError::BadUserInput(format!("`staff`: {sub:?} is not a staff member")))?;
        if !ids.contains(&member.id) {
            ids.push(member.id);
        }
    }
    Ok(ids)
}

fn joined<T: ToString>(names: &[T]) -> String {
    names.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// Stores the permission `actor` recorded, after checking what it names.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Uuid,
    new: NewPermission,
) -> ApiResult<patient_permission::Model> {
    let noun = new.kind.noun();
    let covers = covers(&new)?;
    let teams = teams(&new.teams, noun)?;
    let staff = staff(db, &new.staff).await?;
    let mut purposes = new.purposes;
    purposes.sort();
    purposes.dedup();
    let teams_list = joined(&TEAMS.map(Role::as_str));
    match new.kind {
        // Whom a restriction keeps its values from: a team, a person or a purpose, any of them.
        Kind::Restriction if teams.is_empty() && staff.is_empty() && purposes.is_empty() => {
            return Err(ApiError::BadUserInput(format!(
                "a restriction names whom it keeps its values from: `teams` ({teams_list}), `staff` or `purposes`"
            )));
        }
        Kind::Restriction => {}
        _ if teams.is_empty() && staff.is_empty() => {
            let by_name = if new.kind == Kind::Part2Consent { " or staff member" } else { "" };
            return Err(ApiError::BadUserInput(format!("`teams` names at least one team{by_name}: {teams_list}")));
        }
        _ if purposes.is_empty() => {
            return Err(ApiError::BadUserInput(
                "`purposes` names at least one: treatment, payment or operations".into(),
            ));
        }
        _ => {}
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
        &format!("what the signed {noun} is and where it is kept"),
    )?;
    if find_patient(db, new.patient).await?.is_none() {
        return Err(ApiError::NotFound(format!("patient {}", new.patient)));
    }
    if standing_count(db, new.patient, new.kind, Utc::now()).await? >= MAX_PER_PATIENT {
        return Err(ApiError::LimitExceeded(format!(
            "a patient has at most {MAX_PER_PATIENT} {noun}s standing at once: revoke one that no longer applies"
        )));
    }
    let row = patient_permission::ActiveModel {
        id: Set(Uuid::now_v7()),
        patient_id: Set(new.patient),
        kind: Set(new.kind.as_str().to_owned()),
        covers: Set(covers.join(",")),
        teams: Set(joined(&teams)),
        staff: Set(joined(&staff)),
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

/// Revokes the permission `id` of `kind`: from the next request on, it opens nothing. One
/// revoked already is `CONFLICT` (when and by whom stay as they were).
pub async fn revoke(
    db: &impl ConnectionTrait,
    actor: Uuid,
    kind: Kind,
    id: Uuid,
    reason: &str,
) -> ApiResult<patient_permission::Model> {
    let noun = kind.noun();
    let reason = notes::required("reason", reason, notes::MAX_CHARS, &format!("why the {noun} ends"))?;
    let find = || async {
        patient_permission::Entity::find_by_id(id)
            .filter(patient_permission::Column::Kind.eq(kind.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("{noun} {id}")))
    };
    let found = find().await?;
    let revoked = patient_permission::Entity::update_many()
        .col_expr(patient_permission::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(patient_permission::Column::RevokedBy, Expr::value(actor))
        .col_expr(patient_permission::Column::RevokeReason, Expr::value(reason))
        .filter(patient_permission::Column::Id.eq(id))
        .filter(patient_permission::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if revoked.rows_affected == 0 {
        let at = found.revoked_at.map(|at| at.to_rfc3339()).unwrap_or_default();
        return Err(ApiError::Conflict(format!("{noun} {id} was revoked already, at {at}")));
    }
    find().await
}

/// Asks a second compliance member to lift restriction `id`, saying why: until one approves,
/// it stands. One lifted already is `CONFLICT`.
pub async fn request_lift(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    reason: &str,
) -> ApiResult<entities::pending_approval::Model> {
    let reason = notes::required("reason", reason, notes::MAX_CHARS, "why the restriction should end")?;
    let found = patient_permission::Entity::find_by_id(id)
        .filter(patient_permission::Column::Kind.eq(Kind::Restriction.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("restriction {id}")))?;
    if let Some(at) = found.revoked_at {
        return Err(ApiError::Conflict(format!("restriction {id} was lifted already, at {}", at.to_rfc3339())));
    }
    let new = NewApproval {
        kind: ApprovalKind::RestrictionLift,
        resource: Resource::Restriction,
        resource_id: id,
        target_version: 1,
        reason: reason.clone(),
        payload: json!({ "patientId": found.patient_id, "reason": reason }),
    };
    approvals::request(db, actor, new).await
}

/// Lifts the restriction an approved request names, as asked by its requester (the
/// approval records who approved). One lifted meanwhile is `CONFLICT`.
pub async fn apply_lift(
    db: &impl ConnectionTrait,
    approval: &entities::pending_approval::Model,
) -> ApiResult<patient_permission::Model> {
    let reason = approval.payload.get("reason").and_then(|r| r.as_str()).unwrap_or(&approval.reason).to_owned();
    revoke(db, approval.requested_by, Kind::Restriction, approval.resource_id, &reason).await
}
