//! Console sessions. The browser holds a random token in an HttpOnly, SameSite=Strict cookie
//! (Secure outside localhost); the database holds its SHA-256, whose staff member it is, the
//! CSRF token every form must carry, and when it was last used. A session unused for
//! `WARD_SESSION_IDLE` ends (HIPAA's automatic logoff); signing out ends it at once; a
//! deactivated member's session answers nothing.

use chrono::{DateTime, Utc};
use entities::console_session;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::time::Duration;
use tools::kit::ApiResult;
use uuid::Uuid;

pub const COOKIE: &str = "ward_session";

/// A signed-in browser.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: Uuid,
    pub staff_id: Uuid,
    pub csrf_token: String,
}

/// A new random token (256 bits), as the cookie carries it.
fn random_token() -> ApiResult<String> {
    tools::kit::secrets::random_token("drawing a session token")
}

fn hash(token: &str) -> String {
    tools::kit::secrets::sha256_hex(token.as_bytes())
}

/// Opens a session for `staff_id`; returns it with the token for the cookie.
pub async fn open(db: &impl ConnectionTrait, staff_id: Uuid) -> ApiResult<(Session, String)> {
    let token = random_token()?;
    let csrf_token = random_token()?;
    let now = Utc::now();
    let row = console_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(hash(&token)),
        staff_id: Set(staff_id),
        csrf_token: Set(csrf_token),
        created_at: Set(now),
        last_seen_at: Set(now),
        ended_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((Session { id: row.id, staff_id, csrf_token: row.csrf_token }, token))
}

/// What a cookie's token is worth now.
pub enum Found {
    Active(Session),
    /// Unused for longer than the idle limit: ended now.
    Expired,
    Unknown,
}

/// The session behind `token`, touched (its idle clock restarted) if still active.
pub async fn find(db: &impl ConnectionTrait, token: &str, idle: Duration, now: DateTime<Utc>) -> ApiResult<Found> {
    let row = console_session::Entity::find()
        .filter(console_session::Column::TokenHash.eq(hash(token)))
        .filter(console_session::Column::EndedAt.is_null())
        .one(db)
        .await?;
    let Some(row) = row else { return Ok(Found::Unknown) };
    let idle = chrono::Duration::from_std(idle).unwrap_or(chrono::Duration::minutes(15));
    if now - row.last_seen_at > idle {
        end(db, row.id, now).await?;
        return Ok(Found::Expired);
    }
    let session = Session { id: row.id, staff_id: row.staff_id, csrf_token: row.csrf_token.clone() };
    let mut touch: console_session::ActiveModel = row.into();
    touch.last_seen_at = Set(now);
    touch.update(db).await?;
    Ok(Found::Active(session))
}

pub async fn end(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> ApiResult<()> {
    console_session::Entity::update_many()
        .col_expr(console_session::Column::EndedAt, sea_orm::sea_query::Expr::value(now))
        .filter(console_session::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether a form's CSRF token is the session's (compared in constant time).
pub fn csrf_matches(session: &Session, submitted: &str) -> bool {
    same_secret(&session.csrf_token, submitted)
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Set-Cookie` value that carries `token` (`None`: clears the cookie). `Secure` unless
/// the console is reached on localhost (a browser refuses Secure cookies over plain HTTP).
pub fn cookie(token: Option<&str>, local: bool) -> String {
    let mut cookie = cookie::Cookie::build((COOKIE, token.unwrap_or("").to_owned()))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .secure(!local);
    if token.is_none() {
        cookie = cookie.max_age(cookie::time::Duration::ZERO);
    }
    cookie.build().to_string()
}

/// The session token a request's `Cookie` header carries.
pub fn token_of(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
}

/// The non-empty value of the cookie `name` a request carries.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}
