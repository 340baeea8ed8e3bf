//! Break-glass: a care team member opens emergency access to one patient with a written
//! reason; compliance reviews every grant.

use super::break_glass_service::{self as service, GrantFilter};
use crate::kit::agent::{Agent, agent};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::loaders::{StaffId, load_error, loaders};
use crate::kit::pagination::{Page, PageRequest};
use crate::kit::parse_id;
use crate::kit::{Allow, ApiError, AuditAction, Audited, Event, Gql, access, db};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use entities::break_glass_grant::{self, BreakGlassReviewStatus};
use policies::{Action, Resource};

/// How long a grant lasts and how many one member may hold and open: the flags of `ward serve`
/// themselves (docs/OPERATIONS.md).
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct BreakGlassConfig {
    /// How long a break-glass grant opens access, in minutes.
    #[arg(id = "break_glass_minutes", long = "break-glass-minutes", env = "WARD_BREAK_GLASS_MINUTES", default_value_t = Self::DEFAULT.minutes)]
    pub minutes: i64,
    /// How many open break-glass grants one staff member may hold at once.
    #[arg(id = "break_glass_max_active", long = "break-glass-max-active", env = "WARD_BREAK_GLASS_MAX_ACTIVE", default_value_t = Self::DEFAULT.max_active)]
    pub max_active: u64,
    /// How many break-glass grants one staff member may open in 24 hours.
    #[arg(id = "break_glass_per_day", long = "break-glass-per-day", env = "WARD_BREAK_GLASS_PER_DAY", default_value_t = Self::DEFAULT.per_day)]
    pub per_day: u64,
}

impl BreakGlassConfig {
    pub const DEFAULT: Self = BreakGlassConfig { minutes: 60, max_active: 2, per_day: 5 };
}

impl Default for BreakGlassConfig {
    fn default() -> Self {
        Self::DEFAULT
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
        Ok(loaders(ctx)?.load_one(StaffId(self.0.staff_id)).await.map_err(load_error)?.map(|m| m.sub))
    }

    /// Who opened it, by name.
    async fn staff(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, Some(self.0.staff_id)).await
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

    /// Whether it opens access now: unexpired, not ended, not found unjustified, and its
    /// requester still active and holding a role that may ask for break-glass.
    async fn active(&self, ctx: &Context<'_>) -> Gql<bool> {
        if !crate::kit::records::is_in_force(&self.0, Utc::now()) {
            return Ok(false);
        }
        let Some(member) = loaders(ctx)?.load_one(StaffId(self.0.staff_id)).await.map_err(load_error)? else {
            return Ok(false);
        };
        Ok(service::requester_may_ask(access(ctx)?.policy(), &member))
    }

    /// When it was ended early (by its requester, compliance, or an UNJUSTIFIED verdict).
    async fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.0.ended_at
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
            staff_id: None,
            patient_id: filter.patient_id.map(|id| parse_id(&id, "patient")).transpose()?,
            active_only: filter.active_only,
        };
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list(db(ctx)?, &filter, &page).await?;
        Ok(page.into_page(rows, |g| g.id.to_string(), BreakGlassGrant))
    }

    /// The caller's own emergency access in force, to `patientId` or to anyone, the newest
    /// at the top. A page shows from it what the access opened, until when, and a way to end
    /// it. Any member may ask (it names only their own grants).
    async fn my_break_glass_grants(&self, ctx: &Context<'_>, patient_id: Option<ID>) -> Gql<Vec<BreakGlassGrant>> {
        let filter = GrantFilter {
            review_status: None,
            staff_sub: None,
            staff_id: Some(access(ctx)?.principal().staff_id),
            patient_id: patient_id.map(|id| parse_id(&id, "patient")).transpose()?,
            active_only: true,
        };
        let page = PageRequest::new(ctx, Some(MY_GRANTS), None)?;
        let rows = service::list(db(ctx)?, &filter, &page).await?;
        Ok(rows.into_iter().take(MY_GRANTS as usize).map(BreakGlassGrant).collect())
    }
}

/// The most of a member's own grants in force one answer lists (the limits on asking keep
/// the real number far below).
const MY_GRANTS: i32 = 20;

#[derive(Default)]
pub struct BreakGlassMutation;

#[Object]
impl BreakGlassMutation {
    /// Opens emergency access to one patient's identity and clinical data, for a limited time,
    /// with a written reason (at least 20 characters). Compliance reviews every grant.
    #[graphql(guard = "Allow(Resource::BreakGlass, Action::Request)")]
    async fn request_break_glass(&self, ctx: &Context<'_>, patient_id: ID, reason: String) -> Gql<BreakGlassGrant> {
        let patient_id = parse_id(&patient_id, "patient")?;
        let config = ctx.data_opt::<BreakGlassConfig>().copied().unwrap_or_default();
        let change = Audited::begin(ctx, Some((Resource::BreakGlass, Action::Request))).await?;
        let grant = match service::request(change.txn(), change.actor(), patient_id, &reason, &config).await {
            Ok(grant) => grant,
            // Over a limit: refused and on the record, where compliance's queue finds it.
            Err(err @ ApiError::LimitExceeded(_)) => {
                tracing::warn!(patient = %patient_id, "break-glass request over the limit refused");
                let refused = change.access().refuse(Resource::BreakGlass, Action::Request, Some(patient_id), err);
                return Err(refused.into());
            }
            Err(err) => return Err(err.into()),
        };
        let event = Event::new(AuditAction::BreakGlassRequest, grant.id).about(Some(patient_id));
        change.commit(event.because(grant.reason.clone())).await?;
        tracing::warn!(grant = %grant.id, "break-glass access opened");
        Ok(BreakGlassGrant(grant))
    }

    /// Compliance's verdict on a grant: JUSTIFIED (a note optional) or UNJUSTIFIED (a note
    /// saying what was wrong, never blank).
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
        let change = Audited::begin(ctx, Some((Resource::BreakGlass, Action::Review))).await?;
        let grant =
            match service::review(change.txn(), id, expected_version, change.actor(), verdict.into(), note).await {
                Ok(grant) => grant,
                // Reviewing one's own grant: refused and on the record.
                Err(err @ ApiError::Forbidden(_)) => {
                    return Err(change.access().refuse(Resource::BreakGlass, Action::Review, None, err).into());
                }
                Err(err) => return Err(err.into()),
            };
        let event = Event::new(AuditAction::BreakGlassReview, id).about(Some(grant.patient_id));
        change.commit(event.because(format!("{verdict:?}"))).await?;
        Ok(BreakGlassGrant(grant))
    }

    /// Ends a grant at once: its requester's own, or any grant for compliance.
    async fn end_break_glass(&self, ctx: &Context<'_>, id: ID) -> Gql<BreakGlassGrant> {
        let id = parse_id(&id, "break-glass grant")?;
        // The requester ends their own; compliance ends any (checked against the grant).
        let change = Audited::begin(ctx, None).await?;
        let may_end_others = change.access().allows(Resource::BreakGlass, Action::Review);
        let grant = match service::end(change.txn(), id, change.actor(), may_end_others).await {
            Ok(grant) => grant,
            Err(err @ ApiError::Forbidden(_)) => {
                return Err(change.access().refuse(Resource::BreakGlass, Action::Review, None, err).into());
            }
            Err(err) => return Err(err.into()),
        };
        change.commit(Event::new(AuditAction::BreakGlassEnd, id).about(Some(grant.patient_id))).await?;
        tracing::warn!(grant = %grant.id, "break-glass access ended");
        Ok(BreakGlassGrant(grant))
    }
}
