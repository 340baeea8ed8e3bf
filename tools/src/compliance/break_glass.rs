//! Break-glass: a care team member opens emergency access to one patient with a written
//! reason; compliance reviews every grant.

use super::service::{self, GrantFilter};
use crate::directory::service::parse_id;
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::{Allow, Gql, access, audit, db};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entities::break_glass_grant::{self, BreakGlassReviewStatus};
use entities::staff;
use policies::{Action, Resource};
use sea_orm::EntityTrait;

/// How long a grant lasts (`WARD_BREAK_GLASS_MINUTES`, default 60).
#[derive(Clone, Copy, Debug)]
pub struct BreakGlassConfig {
    pub minutes: i64,
}

impl Default for BreakGlassConfig {
    fn default() -> Self {
        BreakGlassConfig { minutes: 60 }
    }
}

mirror_enum!(
    /// Compliance's verdict on a grant.
    BreakGlassReview = BreakGlassReviewStatus { Pending, Justified, Unjustified }
);

/// Emergency access of one staff member to one patient's identity and clinical data.
pub struct BreakGlassGrant(break_glass_grant::Model);

#[Object]
impl BreakGlassGrant {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Who opened it (`sub`).
    async fn staff_sub(&self, ctx: &Context<'_>) -> Gql<Option<String>> {
        Ok(staff::Entity::find_by_id(self.0.staff_id).one(db(ctx)?).await?.map(|m| m.sub))
    }

    /// The patient it opens (the id only: the patient's data needs its own permissions).
    async fn patient_id(&self) -> ID {
        ID(self.0.patient_id.to_string())
    }

    async fn reason(&self) -> &str {
        &self.0.reason
    }

    async fn granted_at(&self) -> DateTime<Utc> {
        self.0.granted_at
    }

    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// Whether it still opens access now.
    async fn active(&self) -> bool {
        self.0.expires_at > Utc::now()
    }

    async fn review_status(&self) -> BreakGlassReview {
        self.0.review_status.into()
    }

    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }

    /// Name it as `expectedVersion` when reviewing.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(InputObject, Default)]
pub struct BreakGlassFilter {
    pub review_status: Option<BreakGlassReview>,
    /// The `sub` of the staff member who opened the grants.
    pub staff_sub: Option<String>,
    pub patient_id: Option<ID>,
    /// Only grants that still open access.
    #[graphql(default)]
    pub active_only: bool,
}

#[derive(Default)]
pub struct BreakGlassQuery;

#[Object]
impl BreakGlassQuery {
    /// Compliance's queue of break-glass grants, newest first.
    #[graphql(
        guard = "Allow(Resource::BreakGlass, Action::Review)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn break_glass_grants(
        &self,
        ctx: &Context<'_>,
        filter: Option<BreakGlassFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<Page<BreakGlassGrant>> {
        let filter = filter.unwrap_or_default();
        let filter = GrantFilter {
            review_status: filter.review_status.map(Into::into),
            staff_sub: filter.staff_sub,
            patient_id: filter.patient_id.map(|id| parse_id(&id, "patient")).transpose()?,
            active_only: filter.active_only,
        };
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list(db(ctx)?, &filter, &page).await?;
        Ok(page.into_page(rows, |g| g.id.to_string(), BreakGlassGrant))
    }
}

#[derive(Default)]
pub struct BreakGlassMutation;

#[Object]
impl BreakGlassMutation {
    /// Opens emergency access to one patient's identity and clinical data, for a limited time,
    /// with a written reason (at least 20 characters). Compliance reviews every grant.
    #[graphql(guard = "Allow(Resource::BreakGlass, Action::Request)")]
    async fn request_break_glass(&self, ctx: &Context<'_>, patient_id: ID, reason: String) -> Gql<BreakGlassGrant> {
        let patient_id = parse_id(&patient_id, "patient")?;
        let minutes = ctx.data_opt::<BreakGlassConfig>().copied().unwrap_or_default().minutes;
        let access = access(ctx)?;
        let txn = audit::begin(db(ctx)?).await?;
        let grant = service::request(&*txn, access.principal().staff_id, patient_id, &reason, minutes).await?;
        let event = access.event("request", Resource::BreakGlass, Some(grant.id.to_string()), Some(patient_id));
        txn.append(vec![event.because(grant.reason.clone())]).await?;
        txn.commit().await?;
        tracing::warn!(grant = %grant.id, "break-glass access opened");
        Ok(BreakGlassGrant(grant))
    }

    /// Compliance's verdict on a grant: JUSTIFIED or UNJUSTIFIED, with an optional note.
    #[graphql(guard = "Allow(Resource::BreakGlass, Action::Review)")]
    async fn review_break_glass(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        verdict: BreakGlassReview,
        note: Option<String>,
    ) -> Gql<BreakGlassGrant> {
        let id = parse_id(&id, "break-glass grant")?;
        let access = access(ctx)?;
        let txn = audit::begin(db(ctx)?).await?;
        let grant =
            service::review(&*txn, id, expected_version, access.principal().staff_id, verdict.into(), note).await?;
        let event = access.event("review", Resource::BreakGlass, Some(id.to_string()), Some(grant.patient_id));
        txn.append(vec![event.because(format!("{verdict:?}"))]).await?;
        txn.commit().await?;
        Ok(BreakGlassGrant(grant))
    }
}
