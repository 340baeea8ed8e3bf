//! The console's pages, one module per team, and what their handlers share: reading an
//! answer into the page's own structs (each mirrors the page's document), a form's outcome
//! (a redirect with a notice, or the page again with the error next to the form and what was
//! typed kept), and the home page that sends each member to their team's queue.

pub mod admin;
mod approvals;
mod compliance;
mod cx;
mod history;
mod imports;
mod medical;
mod ops;

use super::gql::{Answer, GqlError};
use super::layout::{self, csrf_field, page, plain, thousands};
use super::{SignedIn, redirect};
use crate::http::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use policies::Role;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use tools::kit::{ApiError, Code};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(cx::routes())
        .merge(ops::routes())
        .merge(imports::routes())
        .merge(medical::routes())
        .merge(compliance::routes())
        .merge(admin::routes())
        .merge(approvals::routes())
}

/// `/`: the member's first team queue.
pub async fn home(ctx: SignedIn) -> Response {
    let first = ctx.caller.principal.roles.first().copied();
    match first {
        Some(Role::Cx) => redirect("/cx/tickets"),
        Some(Role::Ops) => redirect("/ops/escalations"),
        Some(Role::Medical) => redirect("/medical/reviews"),
        Some(Role::Compliance) => redirect("/compliance/audit"),
        Some(Role::Admin) => redirect("/admin/staff"),
        Some(Role::Integration) | None => {
            page(&ctx.frame(), "Welcome", html! { p { "You hold no role yet: ask an admin for one." } }).into_response()
        }
    }
}

/// A refused or failed form: which form, what went wrong, what was typed.
#[derive(Default)]
pub struct Feedback {
    pub form: &'static str,
    pub errors: Vec<GqlError>,
    pub input: HashMap<String, String>,
}

impl Feedback {
    /// What was typed into `key` of `form`, if this feedback is that form's.
    pub fn typed(&self, form: &str, key: &str) -> String {
        if self.form == form { self.input.get(key).cloned().unwrap_or_default() } else { String::new() }
    }

    /// What was typed into `key` of `form` on the row whose `row_key` is `row` (a page with
    /// one such form a row: only the row the person typed in gets it back).
    pub fn typed_in(&self, form: &str, (row_key, row): (&str, &str), key: &str) -> String {
        if self.typed(form, row_key) == row { self.typed(form, key) } else { String::new() }
    }

    /// The errors next to `form`.
    pub fn errors_of(&self, form: &str) -> Markup {
        if self.form == form {
            layout::errors(&self.errors)
        } else {
            html! {}
        }
    }

    /// The page's status: 200, or the refused form's.
    pub fn status(&self) -> StatusCode {
        if self.errors.is_empty() { StatusCode::OK } else { status_of(&self.errors) }
    }

    pub fn is_conflict(&self, form: &str) -> bool {
        self.form == form && self.errors.iter().any(|e| e.code == Code::Conflict)
    }
}

/// The HTTP status of a refused form: its first error's.
pub fn status_of(errors: &[GqlError]) -> StatusCode {
    errors.first().map_or(StatusCode::INTERNAL_SERVER_ERROR, |e| e.code.http_status())
}

/// After a mutation: on success, back to `to` with a notice key; otherwise the errors.
pub fn outcome(answer: &Answer, to: &str, notice: &str) -> Result<Response, Vec<GqlError>> {
    if answer.errors.is_empty() {
        let sep = if to.contains('?') { '&' } else { '?' };
        Ok(redirect(&format!("{to}{sep}done={notice}")))
    } else {
        Err(answer.errors.clone())
    }
}

/// The notice of a `done=` key (fixed texts: nothing a request carries is echoed).
pub fn notice(query: &HashMap<String, String>) -> Markup {
    let text = match query.get("done").map(String::as_str) {
        Some("comment") => "Comment added.",
        Some("transition") => "Status changed.",
        Some("reply-pending") => "Reply added and the ticket set pending.",
        Some("reply-resolved") => "Reply added and the ticket resolved.",
        Some("reply-unmoved") => "Your reply was added, but the status was not changed: see why below.",
        Some("reply-unconfirmed") => {
            "Your reply was added, but ward could not change the status just now: check the ticket below and set it again."
        }
        Some("assign") => "Assignment changed.",
        Some("escalate") => "Denial escalated.",
        Some("writeoff") => "Written off: the amount and its reason are in the history.",
        Some("writeoff-waiting") => {
            "Not written off yet: a write-off this large waits for a second ops member in Approvals."
        }
        Some("edit") => "Saved. What the record said before is kept as a revision.",
        Some("amend") => {
            "Not changed yet: the record was signed off by a review, so your amendment waits for a second medical member's approval. It is shown below."
        }
        Some("amend-approved") => {
            "Amendment approved: the record now says what was asked for; what it said before is kept."
        }
        Some("amend-rejected") => "Amendment rejected: the record is unchanged, and your note is in its history.",
        Some("review") => "Review saved.",
        Some("sample") => "Reviews opened.",
        Some("decided") => "Decision recorded.",
        Some("asked") => "Grant asked for: a second admin approves or rejects it in Approvals.",
        Some("held") => "They hold that role already: nothing was asked for.",
        Some("revoked") => "Role revoked: it stops working on their next request.",
        Some("breakglass") => "Emergency access opened: it is recorded and will be reviewed by compliance.",
        Some("breakglass-ended") => "Emergency access ended: the patient's restricted data is closed to you again.",
        Some("reviewed") => "Verdict recorded.",
        Some("authorization-recorded") => "Authorization recorded: it opens what it names from its first day.",
        Some("authorization-revoked") => "Authorization revoked: from now on it opens nothing.",
        Some("consent-recorded") => "Consent recorded: it opens what it covers from its first day.",
        Some("consent-revoked") => "Consent revoked: from now on it opens nothing.",
        Some("restriction-recorded") => "Restriction recorded: it holds from now on.",
        Some("restriction-lift-asked") => {
            "Lifting the restriction waits for a second compliance member: it holds until one approves."
        }
        Some("deactivated") => "Staff member deactivated: their reason is in the audit trail.",
        Some("reactivated") => "Staff member reactivated: they can sign in again.",
        Some("return-asked") => {
            "Return asked for: their roles open patient data, so a second admin approves it in Approvals."
        }
        Some("imported") => "File imported: its run is below.",
        Some("matched") => "Matched: the payment now acts on that claim.",
        Some("dismissed") => "Dismissed, with your note on the record.",
        _ => return html! {},
    };
    layout::notice(text)
}

/// A form's fields from its body.
pub type FormBody = axum::Form<Vec<(String, String)>>;

/// A form's fields, with a browser's CRLF line ends (HTML forms send them) made `\n`.
pub fn fields(form: &[(String, String)]) -> HashMap<String, String> {
    form.iter().map(|(k, v)| (k.clone(), v.replace("\r\n", "\n"))).collect()
}

/// The `version` a form was rendered at, which the change names as `expectedVersion` (`-1`,
/// which never matches, when missing: the API answers CONFLICT).
pub fn expected_version(input: &HashMap<String, String>) -> i64 {
    input.get("version").and_then(|v| v.parse().ok()).unwrap_or(-1)
}

pub fn all_of(form: &[(String, String)], key: &str) -> Vec<String> {
    form.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
}

/// A queue's keys, and the switch that turns them off (shown only where the script runs).
pub fn shortcuts(keys: &str) -> Markup {
    html! {
        p.muted.shortcuts { (keys) " " button.link type="button" data-shortcuts-toggle hidden { "Turn keyboard shortcuts off" } }
    }
}

/// The end of a list: what it says when it has no rows (`none` on its first page, that no
/// more match on a later one: a queue that emptied while the member paged), how many match
/// in all (when the document asked for `totalCount`), then its paging: "Previous page" and
/// "First page" once the member has paged on, "Next page" while more follow (`path`,
/// `fixed` and `kept` as [`next_page`] takes them).
pub fn list_end<T>(
    list: &super::gql::Connection<T>,
    none: &str,
    path: &str,
    query: &HashMap<String, String>,
    fixed: &[(&str, &str)],
    kept: &[&str],
) -> Markup {
    let paged_on = query.contains_key("after");
    let mut trail = pages_before(query);
    // Back one page: the last of the trail, the first page when it is `FIRST`.
    let previous = trail.pop().map(|cursor| {
        let cursor = (cursor != FIRST).then_some(cursor);
        with_trail(next_page(path, query, fixed, kept, cursor), &trail)
    });
    let mut onward = pages_before(query);
    onward.push(query.get("after").map_or(FIRST, String::as_str));
    let start = onward.len().saturating_sub(MAX_TRAIL);
    html! {
        @if list.nodes().next().is_none() {
            p.empty role="status" { @if paged_on { "Nothing more matches these filters." } @else { (none) } }
        } @else if let Some(total) = list.total_count {
            p.muted.total role="status" {
                @if total >= COUNT_LIMIT { (thousands(COUNT_LIMIT.unsigned_abs())) " or more in all: narrow the filters to see fewer." }
                @else if total == 1 { "1 in all." }
                @else { (thousands(total.unsigned_abs())) " in all." }
            }
        }
        nav.pager aria-label="Pages" {
            @if let Some(previous) = previous { a href=(previous) rel="prev" { "Previous page" } " " }
            @if paged_on { a href=(next_page(path, query, fixed, kept, None)) { "First page" } " " }
            @if list.page_info.has_next_page {
                a href=(with_trail(next_page(path, query, fixed, kept, list.page_info.end_cursor.as_deref()), &onward[start..])) rel="next" { "Next page" }
            }
        }
    }
}

/// What a count at the API's limit means: that many or more.
const COUNT_LIMIT: i64 = tools::kit::pagination::COUNT_LIMIT as i64;

/// How the trail names the first page (not a cursor: `~` is no base64url character).
const FIRST: &str = "~";

/// How many pages back the trail remembers (past it, "First page" still goes back).
const MAX_TRAIL: usize = 30;

/// The cursors of the pages before this one, oldest first, as the `back` parameter carries
/// them (dot-separated: a cursor is base64url, which has no dot).
fn trail_of(query: &HashMap<String, String>) -> Vec<&str> {
    query.get("back").map(|b| b.split('.').filter(|c| !c.is_empty()).collect()).unwrap_or_default()
}

/// The trail of a page that was reached by paging on (none on a first page).
fn pages_before(query: &HashMap<String, String>) -> Vec<&str> {
    if query.contains_key("after") { trail_of(query) } else { Vec::new() }
}

/// `address` carrying `trail` as its `back` parameter.
fn with_trail(address: String, trail: &[&str]) -> String {
    if trail.is_empty() {
        return address;
    }
    let joiner = if address.contains('?') { '&' } else { '?' };
    format!("{address}{joiner}back={}", query_encode(&trail.join(".")))
}

/// A queue's "Next page" address: `path` with `fixed` (the filters the page always sends),
/// every non-empty filter of `query` named in `kept`, and the cursor after this page (none:
/// the first page, with the same filters).
pub fn next_page(
    path: &str,
    query: &HashMap<String, String>,
    fixed: &[(&str, &str)],
    kept: &[&str],
    cursor: Option<&str>,
) -> String {
    let mut pairs: Vec<(&str, &str)> = fixed.to_vec();
    for key in kept {
        if let Some(value) = query.get(*key).filter(|v| !v.is_empty()) {
            pairs.push((key, value));
        }
    }
    pairs.extend(cursor.map(|cursor| ("after", cursor)));
    if pairs.is_empty() {
        return path.to_owned();
    }
    let encoded: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", query_encode(v))).collect();
    format!("{path}?{}", encoded.join("&"))
}

/// Percent-encodes a query value (cursors are base64url; a filter is a few words).
fn query_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A page whose query failed entirely: the error in words.
fn failed(ctx: &SignedIn, title: &str, answer: &Answer) -> Option<Response> {
    answer.failure().map(|err| error_page(ctx, title, err))
}

/// The page `title` with only `err`, in words, at its status.
fn error_page(ctx: &SignedIn, title: &str, err: &GqlError) -> Response {
    let said = if err.code == Code::Forbidden && crate::console::words::is_policy_refusal(&err.message) {
        html! { p.error role="alert" { (crate::console::words::forbidden_page(&ctx.path, &ctx.caller.principal.roles)) } }
    } else {
        layout::error(err)
    };
    let body = page(&ctx.frame(), title, said);
    (status_of(std::slice::from_ref(err)), body).into_response()
}

/// A page's answer as `T`, or the page to answer instead: the error in words when its query
/// failed entirely or lacks a root field `T` needs (its record not found, say), an internal
/// error when the answer is not a `T` ([`unreadable`]).
pub fn read<T: DeserializeOwned>(ctx: &SignedIn, title: &str, answer: &Answer) -> Result<T, Response> {
    if let Some(response) = failed(ctx, title, answer) {
        return Err(response);
    }
    answer.read().map_err(|err| match answer.missing() {
        Some(missing) => error_page(ctx, title, missing),
        None => unreadable(ctx, title, &err),
    })
}

/// The page for an answer its page cannot read (its document and its struct disagree): an
/// internal error, logged, in words.
pub fn unreadable(ctx: &SignedIn, title: &str, err: &ApiError) -> Response {
    err.log();
    error_page(ctx, title, &GqlError { message: err.message(), code: err.code(), path: Vec::new(), label: None })
}

/// A staff member as pages name them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub display_name: String,
}

/// A staff member a page names and may act on, by `sub`: an assignee, a member of the team.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub sub: String,
    pub display_name: String,
}

/// The assignment of a record: a picker of the team's active members (the signed-in member
/// marked "me"), and "Assign to me" beside it when the record is not theirs yet.
pub fn assign_form(
    ctx: &SignedIn,
    action: &str,
    version: i64,
    current: Option<&Member>,
    team: &[Member],
    feedback: &Feedback,
) -> Markup {
    let csrf = ctx.frame().csrf;
    let me = ctx.caller.principal.sub.as_str();
    let typed = feedback.typed("assign", "assignee");
    let chosen = if feedback.form == "assign" { typed.as_str() } else { current.map_or("", |c| c.sub.as_str()) };
    let mine = current.is_some_and(|c| c.sub == me);
    html! {
        @if !feedback.is_conflict("assign") { (feedback.errors_of("assign")) }
        form.inline method="post" action=(action) {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(version);
            label for="assignee" { "Assigned to" }
            select id="assignee" name="assignee" {
                option value="" selected[chosen.is_empty()] { "Nobody (unassigned)" }
                // Someone no longer in the team's list still has it: shown, so that pressing
                // Assign never takes it from them unasked.
                @if let Some(current) = current.filter(|c| !team.iter().any(|m| m.sub == c.sub)) {
                    option value=(current.sub) selected[chosen == current.sub] { (current.display_name) " (no longer in the team)" }
                }
                @for member in team {
                    option value=(member.sub) selected[chosen == member.sub] {
                        (member.display_name) @if member.sub == me { " (me)" }
                    }
                }
            }
            button.secondary type="submit" { "Assign" }
        }
        @if !mine && team.iter().any(|m| m.sub == me) {
            " "
            form.inline method="post" action=(action) {
                (csrf_field(csrf))
                input type="hidden" name="version" value=(version);
                input type="hidden" name="assignee" value=(me);
                button.secondary type="submit" { "Assign to me" }
            }
        }
    }
}

/// Who `agent` is, "—" for nobody.
pub fn name_of(agent: &Option<Agent>) -> String {
    plain(&agent.as_ref().map(|a| &a.display_name))
}

/// What a mutation that opens a record answers: the new record's id.
#[derive(Deserialize)]
pub struct Id {
    pub id: String,
}

/// One of the signed-in member's own emergency access grants (`myBreakGlassGrants`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnGrant {
    pub id: String,
    pub patient_id: String,
    pub expires_at: DateTime<Utc>,
    pub active: bool,
}

/// The member's emergency access to `patient` in force, if any.
pub fn open_grant<'a>(grants: &'a [OwnGrant], patient: &str) -> Option<&'a OwnGrant> {
    grants.iter().find(|g| g.active && g.patient_id == patient)
}

/// What a page shows while emergency access to its patient is open: that it is, what it
/// opened, until when, and a button that ends it now.
pub fn break_glass_banner(ctx: &SignedIn, grant: &OwnGrant, opened: &str, back: &str) -> Markup {
    html! {
        div.emergency role="status" {
            p {
                strong { "Emergency access is open" } " for this patient until " (layout::when(&grant.expires_at)) " (" (layout::due(&grant.expires_at)) "). "
                (opened) " Every view is recorded and compliance reviews it."
            }
            form.inline method="post" action={ "/break-glass/" (grant.id) "/end" } {
                (layout::csrf_field(ctx.frame().csrf))
                input type="hidden" name="back" value=(back);
                button.secondary type="submit" { "End access now" }
            }
        }
    }
}

/// A value shown only because emergency access is open, marked so.
pub fn by_emergency_access(value: Markup) -> Markup {
    html! { (value) " " span.badge.bad { "emergency access" } }
}

/// The break-glass form, where a role may ask for emergency access to a patient. `warning`
/// is what the page's record says against asking now (a resolved ticket, say).
pub fn break_glass_form(ctx: &SignedIn, patient: &str, back: &str, warning: Option<&str>) -> Markup {
    let may = ctx.caller.principal.roles.iter().any(|r| matches!(r, Role::Cx | Role::Ops | Role::Medical));
    if !may {
        return html! {};
    }
    html! {
        details.card {
            summary { "Emergency access (break-glass)" }
            @if let Some(warning) = warning { p.warning { (warning) } }
            form method="post" action="/break-glass" {
                (layout::csrf_field(ctx.frame().csrf))
                input type="hidden" name="patient" value=(patient);
                input type="hidden" name="back" value=(back);
                label for="bg-reason" { "Why you need this patient's restricted data now (at least 20 characters; compliance reviews it)" }
                textarea id="bg-reason" name="reason" required minlength="20" {}
                button type="submit" { "Open emergency access" }
            }
        }
    }
}

/// A claim adjustment reason: group, code and what the code means.
#[derive(Deserialize)]
pub struct Adjustment {
    pub group: String,
    pub code: String,
    pub description: Option<String>,
}

impl Adjustment {
    /// "CO-45: Charge exceeds fee schedule or maximum allowable".
    pub fn words(&self) -> String {
        match &self.description {
            Some(description) => format!("{}-{}: {description}", self.group, self.code),
            None => format!("{}-{}", self.group, self.code),
        }
    }
}
