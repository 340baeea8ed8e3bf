//! One tracing span per resolver that can reach the database, for OpenTelemetry traces
//! (`--otlp-endpoint`; see `crate::telemetry`). Registered only when traces are exported:
//! every field then passes through this hook, which costs a boxed future per field.
//!
//! A resolver reaches the database when it is a root field (a query or mutation) or returns
//! an object: a relation (`Patient.tickets`, `Ticket.assignee`) loads rows, while a scalar
//! reads a row already loaded. Connection plumbing (`edges`, `node`, `pageInfo`) carries rows
//! its list already loaded, so it has no span of its own.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::registry::MetaTypeName;
use async_graphql::{ServerResult, Value};
use std::sync::Arc;
use tracing::Instrument;

/// The span's name: `graphql.resolve`; its OpenTelemetry name: `Parent.field`.
pub const SPAN: &str = "graphql.resolve";

#[derive(Clone, Copy, Debug, Default)]
pub struct ResolverSpans;

impl ExtensionFactory for ResolverSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ResolverSpans)
    }
}

fn is_root(parent: &str) -> bool {
    matches!(parent, "QueryRoot" | "MutationRoot")
}

fn is_plumbing(parent: &str, returned: &str) -> bool {
    parent.ends_with("Connection") || parent.ends_with("Edge") || returned == "PageInfo"
}

/// Whether the field's resolver can reach the database (see the module's comment).
fn reaches_database(ctx: &ExtensionContext<'_>, info: &ResolveInfo<'_>) -> bool {
    if info.is_for_introspection {
        return false;
    }
    if is_root(info.parent_type) {
        return true;
    }
    let returned = MetaTypeName::concrete_typename(info.return_type);
    !is_plumbing(info.parent_type, returned)
        && ctx.schema_env.registry.types.get(returned).is_some_and(|meta| meta.is_composite())
}

#[async_trait::async_trait]
impl Extension for ResolverSpans {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if !reaches_database(ctx, &info) {
            return next.run(ctx, info).await;
        }
        let span = tracing::info_span!(
            SPAN,
            otel.name = %format_args!("{}.{}", info.parent_type, info.name),
            graphql.field = info.name,
            graphql.parent_type = info.parent_type,
            graphql.path = %info.path_node,
            otel.status_code = tracing::field::Empty,
        );
        let resolved = next.run(ctx, info).instrument(span.clone()).await;
        if resolved.is_err() {
            span.record("otel.status_code", "ERROR");
        }
        resolved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_plumbing_and_page_info_have_no_span_of_their_own() {
        assert!(is_plumbing("TicketConnection", "TicketEdge"));
        assert!(is_plumbing("TicketEdge", "Ticket"));
        assert!(is_plumbing("Patient", "PageInfo"));
        assert!(!is_plumbing("Patient", "TicketConnection"));
        assert!(is_root("QueryRoot") && is_root("MutationRoot") && !is_root("Patient"));
    }
}
