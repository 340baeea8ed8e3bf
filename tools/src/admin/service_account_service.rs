//! Service accounts: the machine identities that send files to ingest (the claims system,
//! the practice-management system). Each acts as a staff row of its own (`service.NAME`),
//! holds the `integration` role and nothing else (a machine never holds a team's access to
//! PHI), and signs in with a long-lived bearer token `ward_sa_…` that is shown once and kept
//! only as its SHA-256. Revoking one ends it at once: every request looks its token up.

use crate::kit::audit::{self, recorder::EventBase};
use crate::kit::secrets::{random_token, sha256_hex};
use crate::kit::{ApiError, ApiResult};
use chrono::Utc;
use entities::{policy_rule, service_account, staff};
use policies::Role;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// How every service-account token starts: ward tells it from a JWT without parsing either.
pub const TOKEN_PREFIX: &str = "ward_sa_";

/// How a service account's staff subject starts. A bearer JWT naming such a subject is
/// refused: a service account signs in with its own token only.
pub const SUB_PREFIX: &str = "service.";

/// The staff subject a service account acts as.
pub fn sub_of(name: &str) -> String {
    format!("{SUB_PREFIX}{name}")
}

/// Lowercase letters, digits and dashes, 2 to 64 of them.
fn check_name(name: &str) -> ApiResult<()> {
    let ok = (2..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadUserInput(format!(
            "{name:?} is not a service account name: use 2 to 64 lowercase letters, digits and dashes"
        )))
    }
}

/// Creates the account `name` with `role` (only `integration`), recorded as done by `by`;
/// returns its token, which nothing stores.
pub async fn create(db: &DatabaseConnection, name: &str, role: Role, by: &EventBase) -> ApiResult<String> {
    check_name(name)?;
    if role != Role::Integration {
        return Err(ApiError::BadUserInput(format!(
            "a service account holds the integration role only, not {role}: a machine never holds a team's access"
        )));
    }
    let sub = sub_of(name);
    let txn = audit::begin(db).await?;
    let taken = service_account::Entity::find().filter(service_account::Column::Name.eq(name)).one(&*txn).await?;
    let staff_taken = staff::Entity::find().filter(staff::Column::Sub.eq(sub.as_str())).one(&*txn).await?;
    if taken.is_some() || staff_taken.is_some() {
        return Err(ApiError::Conflict(format!(
            "a service account named {name} exists already (names are never reused)"
        )));
    }
    let token = format!("{TOKEN_PREFIX}{}", random_token("drawing a service account token")?);
    let now = Utc::now();
    let staff_id = Uuid::now_v7();
    staff::ActiveModel {
        id: Set(staff_id),
        sub: Set(sub.clone()),
        display_name: Set(format!("{name} (service account)")),
        title: Set(None),
        email: Set(String::new()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&*txn)
    .await?;
    policy_rule::ActiveModel {
        ptype: Set("g".into()),
        v0: Set(sub.clone()),
        v1: Set(role.as_str().into()),
        v2: Set(String::new()),
        v3: Set(String::new()),
        v4: Set(String::new()),
        v5: Set(String::new()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    service_account::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        staff_id: Set(staff_id),
        token_sha256: Set(sha256_hex(token.as_bytes())),
        created_by: Set(by.actor.clone()),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(&*txn)
    .await?;
    let event = by.event("create_service_account", "staff", Some(sub), None).because(format!("role {role}"));
    txn.append(vec![event]).await?;
    txn.commit().await?;
    Ok(token)
}

/// Revokes the account `name`: its token stops working and its staff row is deactivated.
pub async fn revoke(db: &DatabaseConnection, name: &str, by: &EventBase) -> ApiResult<()> {
    let txn = audit::begin(db).await?;
    let Some(account) =
        service_account::Entity::find().filter(service_account::Column::Name.eq(name)).one(&*txn).await?
    else {
        return Err(ApiError::NotFound(format!("no service account named {name}")));
    };
    if account.revoked_at.is_some() {
        return Err(ApiError::Conflict(format!("the service account {name} was revoked already")));
    }
    let staff_id = account.staff_id;
    let mut revoked: service_account::ActiveModel = account.into();
    revoked.revoked_at = Set(Some(Utc::now()));
    revoked.update(&*txn).await?;
    if let Some(member) = staff::Entity::find_by_id(staff_id).one(&*txn).await? {
        let version = member.version + 1;
        let mut member: staff::ActiveModel = member.into();
        member.active = Set(false);
        member.version = Set(version);
        member.updated_at = Set(Utc::now());
        member.update(&*txn).await?;
    }
    txn.append(vec![by.event("revoke_service_account", "staff", Some(sub_of(name)), None)]).await?;
    txn.commit().await
}

/// The staff subject a service-account token signs in as: `None` for a token that is not
/// one, or whose account was revoked.
pub async fn sub_for_token(db: &impl ConnectionTrait, token: &str) -> ApiResult<Option<String>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let found = service_account::Entity::find()
        .filter(service_account::Column::TokenSha256.eq(sha256_hex(token.as_bytes())))
        .filter(service_account::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(found.map(|account| sub_of(&account.name)))
}
