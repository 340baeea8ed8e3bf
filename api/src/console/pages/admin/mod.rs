//! Admin: staff and their roles (grant, revoke, deactivate, reactivate). Role grants that
//! open patient data wait in the approvals queue for a second admin; what takes access away
//! is confirmed on a page of its own ([`confirm`]).

mod confirm;
pub mod opens;

use super::{Feedback, FormBody, fields, notice, outcome, read};
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::Connection;
use crate::console::layout::{csrf_field, page, plain};
use crate::http::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use confirm::Change;
use maud::html;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/staff", get(staff))
        .route("/admin/staff/{sub}/roles", post(roles))
        .route("/admin/staff/{sub}/deactivate", get(ask_deactivate).post(deactivate))
        .route("/admin/staff/{sub}/reactivate", get(ask_reactivate).post(reactivate))
}

async fn ask_deactivate(ctx: SignedIn, Path(sub): Path<String>) -> Response {
    confirm::ask(&ctx, &sub, Change::Deactivate, None, Feedback::default()).await
}

async fn ask_reactivate(ctx: SignedIn, Path(sub): Path<String>) -> Response {
    confirm::ask(&ctx, &sub, Change::Reactivate, None, Feedback::default()).await
}

async fn deactivate(ctx: SignedIn, sub: Path<String>, form: FormBody) -> Response {
    confirm::apply(ctx, sub, Change::Deactivate, form).await
}

async fn reactivate(ctx: SignedIn, sub: Path<String>, form: FormBody) -> Response {
    confirm::apply(ctx, sub, Change::Reactivate, form).await
}

const ROLES: [&str; 5] = ["cx", "ops", "medical", "compliance", "admin"];

/// `admin/staff.graphql`: the staff and their roles.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StaffPage {
    staff_members: Connection<StaffMember>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StaffMember {
    sub: String,
    display_name: String,
    email: String,
    active: bool,
    roles: Vec<String>,
}

async fn staff(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    render(&ctx, &query, Feedback::default()).await
}

async fn render(ctx: &SignedIn, query: &HashMap<String, String>, feedback: Feedback) -> Response {
    let answer = match ctx.run(documents::ADMIN_STAFF.text, json!({}), None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let staff: StaffPage = match read(ctx, "Staff", &answer) {
        Ok(staff) => staff,
        Err(response) => return response,
    };
    let csrf = ctx.frame().csrf;
    let body = html! {
        (notice(query))
        (feedback.errors_of("roles"))
        (feedback.errors_of("deactivate"))
        table.queue {
            thead { tr { th { "Staff id" } th { "Name" } th { "Roles" } th { "Change a role" } th { "Access" } } }
            tbody { @for m in staff.staff_members.nodes() {
                @let sub = &m.sub;
                tr {
                    td { (sub) } td { (m.display_name) " " span.muted { (m.email) } }
                    td { (plain(&m.roles)) }
                    td { @if m.active {
                        form method="post" action={ "/admin/staff/" (sub) "/roles" } {
                            (csrf_field(csrf))
                            label for={ "role-" (sub) } { "Role" }
                            select id={ "role-" (sub) } name="role" { @for r in ROLES { option value=(r) { (r) } } }
                            label for={ "why-" (sub) } { "Why (a grant: the approving admin reads it)" }
                            input id={ "why-" (sub) } name="why" maxlength="2000" value=(feedback.typed_in("roles", ("sub", sub), "why"));
                            input type="hidden" name="sub" value=(sub);
                            button type="submit" name="change" value="grant" { "Grant" } " "
                            button.secondary type="submit" name="change" value="revoke" { "Revoke" }
                        }
                    } }
                    td { @if m.active {
                        a href={ "/admin/staff/" (sub) "/deactivate" } { "Deactivate " span.visually-hidden { (m.display_name) } "…" }
                    } @else {
                        span.badge.bad { "deactivated" } " "
                        a href={ "/admin/staff/" (sub) "/reactivate" } { "Reactivate " span.visually-hidden { (m.display_name) } "…" }
                    } }
                }
            } }
        }
    };
    let status = feedback.status();
    (status, page(&ctx.frame(), "Staff", body)).into_response()
}

async fn roles(ctx: SignedIn, Path(sub): Path<String>, form: FormBody) -> Response {
    let input = fields(&form.0);
    if let Err(response) = ctx.check_csrf(&input) {
        return response;
    }
    let revoke = input.get("change").is_some_and(|c| c == "revoke");
    let role = input.get("role").cloned().unwrap_or_default();
    if revoke {
        // Taking a role away is confirmed on its own page, with why.
        if input.get("confirmed").is_some_and(|c| c == "yes") {
            return confirm::revoke(&ctx, &sub, &role, input).await;
        }
        let typed = Feedback { form: "revoke", errors: Vec::new(), input };
        return confirm::ask(&ctx, &sub, Change::Revoke, Some(&role), typed).await;
    }
    let why = input.get("why").map(|w| w.trim().to_owned()).filter(|w| !w.is_empty());
    if why.is_none() {
        let error = crate::console::gql::GqlError::bad_input(
            "say why this role is needed: the admin who approves the grant reads it",
        );
        return render(&ctx, &HashMap::new(), Feedback { form: "roles", errors: vec![error], input }).await;
    }
    let vars = json!({ "s": sub, "r": role, "why": why });
    let answer = match ctx.run(documents::ADMIN_GRANT_ROLE.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    // A grant answers the member as they are: holding the role already, nothing was asked.
    let held = answer.read::<Granted>().is_ok_and(|g| g.grant_role.roles.iter().any(|r| r.eq_ignore_ascii_case(&role)));
    match outcome(&answer, "/admin/staff", if held { "held" } else { "asked" }) {
        Ok(response) => response,
        Err(errors) => render(&ctx, &HashMap::new(), Feedback { form: "roles", errors, input }).await,
    }
}

/// `admin/grant_role.graphql`: the member as they now stand.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Granted {
    grant_role: GrantedMember,
}

#[derive(Deserialize)]
struct GrantedMember {
    roles: Vec<String>,
}
