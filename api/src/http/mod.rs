//! The HTTP surface: routes, the shared state, and the layers every request passes.

mod errors;
mod graphql;
mod health;
pub(crate) mod ingest;
mod metrics;
mod query_page;
mod request_id;
mod serve;

use crate::auth::TokenKeys;
use crate::config::Limits;
use crate::schema::WardSchema;
use axum::Router;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tools::kit::audit::AuditWriter;
use tools::kit::policy_store::PolicyStore;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use errors::error_response;
pub(crate) use graphql::execute;
pub use metrics::Metrics;
pub(crate) use request_id::of as request_id_of;
pub use serve::{ConnectionLimits, serve};

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub schema: WardSchema,
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    pub policy: PolicyStore,
    pub audit: AuditWriter,
    /// The audit writer's own pool (for its metrics).
    pub audit_db: DatabaseConnection,
    pub limits: Limits,
    pub graphiql: bool,
    pub metrics: Arc<Metrics>,
    pub console: crate::console::ConsoleConfig,
    /// The identity provider the console signs staff in with, when one is configured.
    pub oidc: Option<Arc<crate::console::oidc::Provider>>,
    /// Active staff kept between requests while staff changes are being announced.
    pub staff: tools::admin::staff_cache::StaffCache,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(query_page::page).post(graphql::graphql))
        .route("/graphql/assets/{file}", get(query_page::asset))
        .route("/ingest/x12", axum::routing::post(ingest::x12))
        .route("/ingest/ndjson", axum::routing::post(ingest::ndjson))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(crate::console::routes())
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::map_request(request_id::set_aside_client_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_id::span))
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
}

/// A request's media type (`Content-Type` without its parameters), lowercased.
pub(crate) fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
}
