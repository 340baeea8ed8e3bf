//! The GraphQL schema: every tool's roots merged once, with the request limits.

mod cost;
mod limits;
pub mod spans;
mod text;

use crate::config::Config;
use async_graphql::{EmptySubscription, MergedObject, Schema};
use sea_orm::DatabaseConnection;
use tools::admin::{AdminMutation, AdminQuery};
use tools::approvals::{ApprovalsMutation, ApprovalsQuery};
use tools::compliance::{ComplianceMutation, ComplianceQuery};
use tools::cx::{CxMutation, CxQuery};
use tools::directory::DirectoryQuery;
use tools::ingest::{IngestMutation, IngestQuery};
use tools::kit::policy_store::PolicyStore;
use tools::medical::{MedicalMutation, MedicalQuery};
use tools::ops::{OpsMutation, OpsQuery};

pub use limits::{QueryLimits, default_code};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    AdminQuery,
    DirectoryQuery,
    CxQuery,
    MedicalQuery,
    OpsQuery,
    ComplianceQuery,
    ApprovalsQuery,
    IngestQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    AdminMutation,
    CxMutation,
    OpsMutation,
    MedicalMutation,
    ComplianceMutation,
    ApprovalsMutation,
    IngestMutation,
);

pub type WardSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema served over HTTP. `production` turns off introspection and suggestions.
pub fn build(
    db: DatabaseConnection,
    policy: PolicyStore,
    staff: tools::admin::staff_cache::StaffCache,
    config: &Config,
    production: bool,
) -> WardSchema {
    let limits = &config.limits;
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .data(db)
        .data(policy)
        .data(staff)
        .data(config.break_glass)
        .data(config.sla_hours)
        .data(config.write_off_approval)
        .data(config.quality_ranking_minimum)
        .data(tools::ops::SummaryCache::default())
        .data(limits.page())
        // Checked in validation, before any resolver; `QueryLimits` gives the refusals their code.
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        // Deep enough that the depth limit, not the parser, answers a deep query.
        .limit_recursive_depth(limits.max_depth.saturating_mul(4).max(32));
    if config.resolver_spans {
        builder = builder.extension(spans::ResolverSpans);
    }
    if production {
        builder = builder.disable_introspection().disable_suggestions();
    }
    builder.finish()
}

/// The schema's SDL, as exported to `api/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription).finish().sdl()
}
