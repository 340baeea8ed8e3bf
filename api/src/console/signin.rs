//! Signing in and out. With an identity provider configured the page sends staff to it
//! ([`super::oidc`]); in demo mode it also lists the active staff and signs in as any of them.
//! With neither, it says how staff reach ward until one is configured.

use super::layout::bare;
use super::local_path::local_path;
use super::session::{self, Found};
use super::{is_local, redirect, same_origin, signed_out, with_cookie};
use crate::http::AppState;
use axum::Form;
use axum::extract::{FromRequest, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// Where signing in sends the member: back to `next` (the page they were on when the session
/// ended), when it is a page of ward's own; their home otherwise.
pub fn return_to(next: Option<&str>) -> String {
    const NOT_A_PAGE: [&str; 4] = ["/signin", "/signout", "/session/", "/console/assets/"];
    // Longer than any page's address: it would not fit the sign-in cookie that carries it.
    const LONGEST: usize = 1024;
    next.filter(|next| next.len() <= LONGEST)
        .and_then(local_path)
        .filter(|path| !NOT_A_PAGE.iter().any(|prefix| path.starts_with(prefix)))
        .unwrap_or_else(|| "/".to_owned())
}

pub async fn page(State(state): State<AppState>, Query(query): Query<HashMap<String, String>>) -> Response {
    let expired = query.contains_key("expired");
    let next = return_to(query.get("next").map(String::as_str));
    let expired_notice = html! {
        @if expired { p.notice role="status" { "Your session ended after a period of inactivity. Please sign in again." } }
    };
    // A link, not a form: `form-action 'self'` would stop a form redirected to the provider.
    let provider = html! {
        @if state.oidc.is_some() {
            @let start = if next == "/" { "/signin/oidc".to_owned() } else {
                format!("/signin/oidc?{}", url::form_urlencoded::Serializer::new(String::new()).append_pair("next", &next).finish())
            };
            p { a.button href=(start) { "Sign in with your organisation's account" } }
        }
    };
    if !state.console.demo_sign_in {
        return bare(
            "Sign in",
            html! {
                (expired_notice)
                (provider)
                @if state.oidc.is_none() {
                    p { "Sign-in through your identity provider (OpenID Connect) is not configured on this server." }
                    p { "Until it is, staff use the API with a token from `ward token`." }
                }
            },
        )
        .into_response();
    }
    let staff = entities::staff::Entity::find()
        .filter(entities::staff::Column::Active.eq(true))
        .order_by_asc(entities::staff::Column::Sub)
        .all(&state.db)
        .await
        .unwrap_or_default();
    let policy = state.policy.authorizer().snapshot();
    bare(
        "Sign in",
        html! {
            (expired_notice)
            (provider)
            p { "Demo mode: sign in as any staff member. Every view of patient data is recorded under their name." }
            ul.people {
                @for member in &staff {
                    li {
                        form method="post" action="/signin" {
                            input type="hidden" name="sub" value=(member.sub);
                            input type="hidden" name="next" value=(next);
                            button type="submit" { (member.display_name) }
                            " "
                            span.roles { (policy.roles_of(&member.sub).iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

pub async fn sign_in(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    if !state.console.demo_sign_in {
        return (StatusCode::NOT_FOUND, "demo sign-in is off").into_response();
    }
    if !same_origin(&parts) {
        return (StatusCode::FORBIDDEN, "this form did not come from ward's own pages").into_response();
    }
    let request = axum::extract::Request::from_parts(parts.clone(), body);
    let Ok(Form(form)) = Form::<HashMap<String, String>>::from_request(request, &state).await else {
        return (StatusCode::BAD_REQUEST, "the form could not be read").into_response();
    };
    let sub = form.get("sub").map(String::as_str).unwrap_or_default();
    let policy = state.policy.authorizer().snapshot();
    let principal = tools::admin::access_service::load_principal(&state.db, sub, &policy).await.ok().flatten();
    let Some(principal) = principal else {
        return (
            StatusCode::FORBIDDEN,
            bare("Sign in", html! { p.error role="alert" { "That staff member cannot sign in." } }),
        )
            .into_response();
    };
    let Ok((_, token)) = session::open(&state.db, principal.staff_id).await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "ward cannot reach its database right now").into_response();
    };
    tracing::info!(sub = %principal.sub, "console sign-in");
    let next = return_to(form.get("next").map(String::as_str));
    with_cookie(redirect(&next), &session::cookie(Some(&token), is_local(&parts)))
}

pub async fn sign_out(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let local = is_local(&parts);
    if !same_origin(&parts) {
        return (StatusCode::FORBIDDEN, "this form did not come from ward's own pages").into_response();
    }
    let token = session::token_of(&parts.headers);
    let request = axum::extract::Request::from_parts(parts, body);
    let form =
        Form::<HashMap<String, String>>::from_request(request, &state).await.map(|Form(f)| f).unwrap_or_default();
    if let Some(token) = token
        && let Ok(Found::Active(session)) =
            session::find(&state.db, &token, *state.console.session_idle, chrono::Utc::now()).await
    {
        if !session::csrf_matches(&session, form.get("csrf").map(String::as_str).unwrap_or_default()) {
            return (StatusCode::FORBIDDEN, "this form's security token is missing or stale: reload the page")
                .into_response();
        }
        let _ = session::end(&state.db, session.id, chrono::Utc::now()).await;
    }
    signed_out(redirect("/signin"), local)
}
