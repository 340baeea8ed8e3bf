//! The console: the web pages CX agents, ops, the medical team, compliance and admins work
//! in, served by ward itself at `/`. Pages are rendered on the server from ward's own GraphQL
//! schema, executed as the signed-in member ([`gql`]), so a page can show nothing the API
//! would refuse that member; their HTML is built by `maud` (every value escaped) and their
//! two static files are compiled into the binary. Forms post back with the session's CSRF
//! token; nothing a person typed is lost when a change is refused.

// A page's early exits are the HTTP responses it answers with, as axum handlers return them.
#![allow(clippy::result_large_err)]

mod assets;
pub mod documents;
mod gql;
mod inbox;
mod layout;
mod local_path;
pub mod oidc;
mod pages;
mod session;
mod signin;
mod words;

use crate::http::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, LOCATION, ORIGIN, REFERRER_POLICY, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gql::{Answer, Caller};
use layout::Frame;
use serde_json::Value;
use session::{Found, Session};
use std::collections::HashMap;
use std::time::Duration;
use tools::kit::ApiError;

/// How the console signs people in and out (the session flag of `ward serve` is its field).
#[derive(Clone, Debug, clap::Args)]
pub struct ConsoleConfig {
    /// A console session unused this long ends (automatic logoff).
    #[arg(long = "session-idle", env = "WARD_SESSION_IDLE", default_value_t = ConsoleConfig::default().session_idle)]
    pub session_idle: humantime::Duration,
    /// Demo mode: a page that signs in as any active staff member (never in production).
    #[arg(skip)]
    pub demo_sign_in: bool,
    /// Sign-in through the organisation's identity provider (OpenID Connect), from `OidcArgs`.
    #[arg(skip)]
    pub oidc: Option<oidc::OidcConfig>,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig { session_idle: Duration::from_secs(15 * 60).into(), demo_sign_in: false, oidc: None }
    }
}

/// Only ward's own origin, no inline script or style, forms to ward only, never framed.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
                   form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/signin", get(signin::page).post(signin::sign_in))
        .route("/signin/oidc", get(oidc::start))
        .route("/signin/callback", get(oidc::callback))
        .route("/signout", post(signin::sign_out))
        .route("/approvals/seen", post(inbox::seen))
        .route("/session/alive", get(still_here))
        .route("/console/assets/{file}", get(assets::asset))
        .merge(pages::routes())
        .method_not_allowed_fallback(form_address_fetched)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(headers))
}

/// An address ward has no page for. A browser (a GET that accepts HTML) gets ward's own page,
/// in the console's frame, with the way back (signed out: the sign-in page first); anything
/// else gets a bare 404, as an API client expects.
async fn not_found(axum::extract::State(state): axum::extract::State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    if !asks_for_a_page(&parts.method, &parts.headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match SignedIn::from_request_parts(&mut parts, &state).await {
        Ok(ctx) => {
            let body = maud::html! {
                p { "There is no page at this address. It may have moved, or the link may be mistyped." }
                p { a href="/" { "Back to your work" } }
            };
            (StatusCode::NOT_FOUND, layout::page(&ctx.frame(), "Page not found", body)).into_response()
        }
        Err(to_sign_in) => to_sign_in,
    }
}

/// `GET /session/alive`: "Stay signed in". Reaching it restarts the session's idle clock, as
/// any page does; `204` while the session lives (without one, the sign-in page's redirect).
async fn still_here(_ctx: SignedIn) -> StatusCode {
    StatusCode::NO_CONTENT
}

/// A browser asking for a page: a GET that accepts HTML (an API client gets bare statuses).
fn asks_for_a_page(method: &Method, headers: &axum::http::HeaderMap) -> bool {
    method == Method::GET
        && headers
            .get(axum::http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// The page a form belongs to, from the address it posts to: the record's page
/// (`/cx/tickets/{id}/comment` → `/cx/tickets/{id}`), or the list the record is shown in
/// (`/ops/denials/{id}/escalate` → `/ops/denials`), or home.
pub fn form_page(path: &str) -> String {
    const RECORD_PAGES: [&str; 5] =
        ["/cx/tickets/", "/ops/escalations/", "/medical/records/", "/medical/reviews/", "/compliance/patients/"];
    const LISTS: [(&str, &str); 11] = [
        ("/compliance/authorizations/", "/compliance/patient"),
        ("/compliance/consents/", "/compliance/patient"),
        ("/compliance/restrictions/", "/compliance/patient"),
        ("/ops/denials/", "/ops/denials"),
        ("/ops/imports/", "/ops/imports"),
        ("/compliance/break-glass/", "/compliance/break-glass"),
        ("/approvals/", "/approvals"),
        ("/admin/staff/", "/admin/staff"),
        ("/medical/sample", "/medical/reviews"),
        ("/break-glass", "/"),
        ("/signout", "/"),
    ];
    for prefix in RECORD_PAGES {
        if let Some(rest) = path.strip_prefix(prefix)
            && let Some((id, _action)) = rest.split_once('/')
        {
            return format!("{prefix}{id}");
        }
    }
    LISTS
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or_else(|| "/".to_owned(), |(_, list)| (*list).to_owned())
}

/// A form's address fetched as a page (a reload, a bookmark, the back button after a
/// refused change): a browser goes to the page the form belongs to, never to a bare 405.
async fn form_address_fetched(request: Request) -> Response {
    if asks_for_a_page(request.method(), request.headers()) {
        redirect(&form_page(request.uri().path()))
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

/// Headers on every console response: the CSP, no caching of pages that hold PHI, no
/// referrer leaving for another site with a record's id in the URL, no framing, no sniffing.
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.entry(CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    // `same-origin`: a record's URL never leaves for another site, and the browser keeps
    // sending `Origin` on ward's own forms (`no-referrer` would make it `null`).
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// A signed-in member's request: their session, identity and the request's id.
pub struct SignedIn {
    pub state: AppState,
    pub caller: Caller,
    pub session: Session,
    /// The page's path, so the navigation marks where the member is.
    pub path: String,
    /// For a page answering a form: the address the browser shows instead of the form's.
    pub address: Option<String>,
    /// What four eyes has for the member, shown on every page (`None` on a form's answer).
    pub inbox: Option<inbox::Inbox>,
    /// What the page's answers said of labelled records, shown above the page.
    pub labelled: std::sync::Mutex<layout::Labelled>,
}

/// Where a request without a live session goes: the sign-in page, which returns to `next`
/// (the page the member was on) once they are signed in again.
pub fn to_sign_in(expired: bool, next: &str) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if expired {
        query.append_pair("expired", "1");
    }
    if next != "/" {
        query.append_pair("next", next);
    }
    let query = query.finish();
    redirect(&if query.is_empty() { "/signin".to_owned() } else { format!("/signin?{query}") })
}

/// The page a request was for, to return to after signing in: the page itself for a GET, the
/// page a form belongs to for a POST (its body is gone; the browser keeps the draft).
fn page_of(parts: &Parts) -> String {
    if parts.method == Method::GET {
        parts.uri.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
    } else {
        form_page(parts.uri.path())
    }
}

/// `303 See Other` to `to` (after a form: the browser follows with a GET).
pub fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// Whether the request reached ward as `localhost` (cookies are then not `Secure`).
pub(crate) fn is_local(parts: &Parts) -> bool {
    let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

/// A state-changing request must come from ward's own pages: its `Origin`, when the browser
/// sends one, is ward's own host.
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts.headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else { return true };
    let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    origin.split_once("://").is_some_and(|(_, rest)| rest == host)
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if parts.method == Method::POST && !same_origin(parts) {
            return Err((StatusCode::FORBIDDEN, "this form did not come from ward's own pages").into_response());
        }
        let next = page_of(parts);
        let Some(token) = session::token_of(&parts.headers) else { return Err(to_sign_in(false, &next)) };
        let db = &state.db;
        let failed = |err: ApiError| page_error(&err);
        let found = session::find(db, &token, *state.console.session_idle, chrono::Utc::now()).await.map_err(failed)?;
        let session = match found {
            Found::Active(session) => session,
            Found::Expired => return Err(signed_out(to_sign_in(true, &next), is_local(parts))),
            Found::Unknown => return Err(signed_out(to_sign_in(false, &next), is_local(parts))),
        };
        let member = tools::admin::access_service::staff_by_id(db, session.staff_id).await.map_err(failed)?;
        let policy = state.policy.authorizer().snapshot();
        let principal = member.and_then(|member| tools::admin::access_service::principal_of(member, &policy));
        let Some(principal) = principal else {
            session::end(db, session.id, chrono::Utc::now()).await.map_err(failed)?;
            return Err(signed_out(to_sign_in(false, &next), is_local(parts)));
        };
        let request_id = crate::http::request_id_of(&parts.headers);
        let path = parts.uri.path().to_owned();
        // A page answering a form (refused, shown again) puts its own address in the bar,
        // so that reload, back and bookmarks reach a page, not the form's address.
        let address = (parts.method == Method::POST).then(|| form_page(&path));
        let caller = Caller { principal, request_id };
        let labelled = std::sync::Mutex::default();
        let mut ctx = SignedIn { state: state.clone(), caller, session, path, address, inbox: None, labelled };
        if parts.method == Method::GET {
            ctx.inbox = inbox::load(&ctx).await;
        }
        Ok(ctx)
    }
}

/// `response` with the session cookie cleared.
fn signed_out(response: Response, local: bool) -> Response {
    with_cookie(response, &session::cookie(None, local))
}

/// `response` with one more `Set-Cookie` header (`cookie` as `Set-Cookie` spells it).
pub(crate) fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// A page that could not be built at all, in words.
fn page_error(err: &ApiError) -> Response {
    let status = err.code().http_status();
    let body =
        layout::bare("ward", maud::html! { p.error role="alert" { (words::in_words(err.code(), &err.message())) } });
    (status, body).into_response()
}

impl SignedIn {
    pub fn frame(&self) -> Frame<'_> {
        Frame {
            display_name: &self.caller.principal.display_name,
            sub: &self.caller.principal.sub,
            roles: &self.caller.principal.roles,
            csrf: &self.session.csrf_token,
            path: &self.path,
            address: self.address.as_deref(),
            inbox: self.inbox.as_ref(),
            idle: self.state.console.session_idle.as_secs(),
            labelled: self.labelled.lock().map(|l| l.clone()).unwrap_or_default(),
        }
    }

    /// Runs a query or mutation as the member; an error before execution is the page's.
    pub async fn run(&self, document: &str, variables: Value, purpose: Option<&str>) -> Result<Answer, Response> {
        let answer =
            gql::run(&self.state, &self.caller, document, variables, purpose).await.map_err(|err| page_error(&err))?;
        if let Ok(mut labelled) = self.labelled.lock() {
            labelled.note(&answer);
        }
        Ok(answer)
    }

    /// The form's CSRF token must be the session's.
    pub fn check_csrf(&self, form: &HashMap<String, String>) -> Result<(), Response> {
        match form.get("csrf") {
            Some(token) if session::csrf_matches(&self.session, token) => Ok(()),
            _ => Err((StatusCode::FORBIDDEN, "this form's security token is missing or stale: reload the page")
                .into_response()),
        }
    }

    pub fn has(&self, role: policies::Role) -> bool {
        self.caller.principal.roles.contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::form_page;

    #[test]
    fn a_forms_address_leads_to_the_page_it_belongs_to() {
        let cases = [
            ("/cx/tickets/0193/comment", "/cx/tickets/0193"),
            ("/ops/escalations/0193/assign", "/ops/escalations/0193"),
            ("/medical/records/0193/edit", "/medical/records/0193"),
            ("/medical/reviews/0193/complete", "/medical/reviews/0193"),
            ("/ops/denials/0193/escalate", "/ops/denials"),
            ("/ops/imports/unmatched/0193/match", "/ops/imports"),
            ("/ops/imports/upload", "/ops/imports"),
            ("/compliance/break-glass/0193/review", "/compliance/break-glass"),
            ("/break-glass/0193/end", "/"),
            ("/approvals/0193/decide", "/approvals"),
            ("/admin/staff/olga/roles", "/admin/staff"),
            ("/medical/sample", "/medical/reviews"),
            ("/signout", "/"),
        ];
        for (form, page) in cases {
            assert_eq!(form_page(form), page, "{form}");
        }
    }
}
