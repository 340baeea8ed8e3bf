//! The `CareReview` type, the review queue, and starting, completing and sampling reviews.

use super::care_record::{CareRecord, care_record_of};
use super::review_service::{self as service, ReviewFilter, Verdict};
use super::versions::RecordVersion;
use super::workflow::FLAGS;
use super::{patient_of_record, refused};
use crate::kit::agent::{Agent, agent};
use crate::kit::graphql_enum::mirror_enum;
use crate::kit::loaders::{CareRecordId, load_error, loaders};
use crate::kit::pagination::{CountedPage, PageRequest, wants_total};
use crate::kit::parse_id;
use crate::kit::records::split_codes;
use crate::kit::{
    Access, Allow, ApiError, ApiResult, AuditAction, Audited, Event, Gql, access, db, null_on_error, phi_field,
};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entities::care_record;
use entities::care_review::{self, CareReviewStatus as Status};
use policies::{Action, Labels, Resource};

mirror_enum!(
    /// Where a review stands: `pending → in_review → completed`.
    CareReviewStatus = Status { Pending, InReview, Completed }
);

/// A care-quality review. Reaching one requires `care_review · read` (medical and
/// compliance); its findings quote the record, so they are the record's clinical PHI.
pub struct CareReview {
    review: care_review::Model,
    record: care_record::Model,
}

impl CareReview {
    pub fn visible(access: &Access, review: care_review::Model, record: care_record::Model) -> ApiResult<Self> {
        access.require(Resource::CareReview, Action::Read)?;
        Ok(CareReview { review, record })
    }
}

#[Object]
impl CareReview {
    async fn id(&self) -> ID {
        ID(self.review.id.to_string())
    }

    async fn status(&self) -> CareReviewStatus {
        self.review.status.into()
    }

    /// 1 (poor) to 5 (exemplary), once completed.
    async fn score(&self) -> Option<i16> {
        self.review.score
    }

    /// Names from `reviewFlags`.
    async fn flags(&self) -> Vec<String> {
        split_codes(&self.review.flags)
    }

    /// What the reviewer found; it quotes the record. PHI: the record's class (clinical, or
    /// psychotherapy notes for a record re-filed as one since).
    async fn findings(&self, ctx: &Context<'_>) -> Option<String> {
        let (patient, record) = (self.record.patient_id, self.record.id);
        let findings = self.review.findings.clone();
        let class = super::workflow::class_of(&self.record.kind);
        let record = (Resource::CareRecord, record, Labels::parse(&self.record.security_labels));
        phi_field(ctx, patient, record, class).await.and(findings)
    }

    async fn reviewer(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, self.review.reviewer_id).await
    }

    async fn requested_by(&self, ctx: &Context<'_>) -> Gql<Option<Agent>> {
        agent(ctx, Some(self.review.requested_by)).await
    }

    /// The kind of record reviewed.
    async fn record_kind(&self) -> &str {
        &self.record.kind
    }

    /// The reviewed record's provider; for a record labelled `sud_part2` or `restricted`
    /// (the provider would name the program), the record's clinical class as well.
    async fn provider_id(&self, ctx: &Context<'_>) -> Option<ID> {
        let record = (Resource::CareRecord, self.record.id, Labels::parse(&self.record.security_labels));
        crate::kit::labelled_field(ctx, self.record.patient_id, record, policies::PhiClass::Clinical).await?;
        Some(ID(self.record.provider_id.to_string()))
    }

    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.review.started_at
    }

    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.review.completed_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.review.created_at
    }

    /// Name it as `expectedVersion` when completing.
    async fn version(&self) -> i32 {
        self.review.version
    }

    /// The version of the record a completed review scored (`null` until completed).
    async fn record_version(&self) -> Option<i32> {
        self.review.record_version
    }

    /// The record as the reviewer scored it: that version's text and codes, whether the
    /// record still stands there, and the revision to compare from if it moved on. Checked
    /// like `careRecord(id)`; `null` until completed.
    async fn scored_version(&self, ctx: &Context<'_>) -> Option<RecordVersion> {
        let version = self.review.record_version?;
        let scored = async {
            care_record_of(ctx, self.record.id).await?;
            let at = super::care_record_service::at_version(db(ctx)?, &self.record, version).await?;
            Ok(at.map(|at| RecordVersion { version, at, record: self.record.clone() }))
        };
        null_on_error(ctx, scored.await).flatten()
    }

    /// The record reviewed, checked like `careRecord(id)` (compliance reads reviews, never
    /// a record).
    async fn care_record(&self, ctx: &Context<'_>) -> Option<CareRecord> {
        null_on_error(ctx, care_record_of(ctx, self.record.id).await)
    }
}

/// The reviews of `rows` with their records (one query for the records).
async fn with_records(ctx: &Context<'_>, rows: Vec<care_review::Model>) -> ApiResult<Vec<CareReview>> {
    // Through the request's loader: each review's `careRecord` then finds its record cached.
    let ids = rows.iter().map(|r| CareRecordId(r.care_record_id));
    let records = loaders(ctx)?.load_many(ids).await.map_err(load_error)?;
    let access = access(ctx)?;
    rows.into_iter()
        .map(|review| {
            let record = records.get(&CareRecordId(review.care_record_id)).cloned().ok_or_else(|| {
                ApiError::internal("listing reviews", anyhow::anyhow!("review {} has no record", review.id))
            })?;
            CareReview::visible(access, review, record)
        })
        .collect()
}

#[derive(InputObject, Default)]
pub struct CareReviewFilterInput {
    pub status: Option<Vec<CareReviewStatus>>,
    /// `me`, `unassigned`, or a reviewer's `sub`.
    pub reviewer: Option<String>,
    pub provider_id: Option<ID>,
    /// One name from `reviewFlags`.
    pub flag: Option<String>,
    /// Completed with a score below this (2 to 6).
    pub score_below: Option<i32>,
    /// Completed on or after this day (the reviews a provider's figures rest on).
    pub completed_from: Option<NaiveDate>,
    /// Completed on or before this day.
    pub completed_to: Option<NaiveDate>,
}

#[derive(InputObject)]
pub struct CompleteCareReviewInput {
    /// 1 to 5.
    pub score: i32,
    pub findings: String,
    /// Names from `reviewFlags`.
    #[graphql(default)]
    pub flags: Vec<String>,
    /// The record's `version` the reviewer read: if the record changed since, `CONFLICT` and
    /// nothing is saved (the review scores the version read).
    pub record_version: Option<i32>,
}

#[derive(Default)]
pub struct CareReviewQuery;

#[Object]
impl CareReviewQuery {
    /// One review by id.
    #[graphql(guard = "Allow(Resource::CareReview, Action::Read)")]
    async fn care_review(&self, ctx: &Context<'_>, id: ID) -> Gql<CareReview> {
        let id = parse_id(&id, "care review")?;
        let review = service::find(db(ctx)?, id).await?;
        Ok(with_records(ctx, vec![review]).await?.remove(0))
    }

    /// The review queue, newest first.
    #[graphql(
        guard = "Allow(Resource::CareReview, Action::Read)",
        complexity = "crate::kit::pagination::complexity(first, child_complexity)"
    )]
    async fn care_reviews(
        &self,
        ctx: &Context<'_>,
        filter: Option<CareReviewFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<CountedPage<CareReview>> {
        let input = filter.unwrap_or_default();
        let db = db(ctx)?;
        let reviewer = crate::kit::agent::whose(ctx, "reviewer", input.reviewer.as_deref()).await?;
        let flag = match input.flag.as_deref() {
            None => None,
            Some(flag) => {
                Some(FLAGS.iter().map(|(name, _)| *name).find(|name| *name == flag).ok_or_else(|| {
                    ApiError::BadUserInput(format!("{flag:?} is not a review flag; see `reviewFlags`"))
                })?)
            }
        };
        let filter = ReviewFilter {
            statuses: input.status.unwrap_or_default().into_iter().map(Into::into).collect(),
            reviewer,
            provider_id: input.provider_id.map(|id| parse_id(&id, "provider")).transpose()?,
            flag,
            score_below: input.score_below,
            completed: service::completed_between(input.completed_from, input.completed_to)?,
        };
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list(db, &filter, &page).await?;
        let total = if wants_total(ctx) { Some(service::count(db, &filter).await?) } else { None };
        let reviews = with_records(ctx, rows).await?;
        Ok(page.into_counted_page(reviews, |r| r.review.id.to_string(), |r| r, total))
    }
}

#[derive(Default)]
pub struct CareReviewMutation;

#[Object]
impl CareReviewMutation {
    /// Opens a review of a care record, reviewed by the caller, or starts the record's
    /// pending review (sampled for the caller, or for nobody): `pending → in_review`. One
    /// open review per record (another's, or one in review: `CONFLICT`); nobody reviews a
    /// record they edited (`FORBIDDEN`).
    #[graphql(guard = "Allow(Resource::CareReview, Action::Create)")]
    async fn start_care_review(&self, ctx: &Context<'_>, care_record_id: ID) -> Gql<CareReview> {
        let record = parse_id(&care_record_id, "care record")?;
        let change = Audited::begin(ctx, Some((Resource::CareReview, Action::Create))).await?;
        let started = service::start(change.txn(), change.actor(), record).await;
        let (review, record) = match started {
            Ok(done) => done,
            Err(err) => {
                let patient = patient_of_record(ctx, record).await;
                return Err(refused(change.access(), Resource::CareReview, Action::Create, patient, err).into());
            }
        };
        let event = Event::new(AuditAction::CareReviewStart, review.id).about(Some(record.patient_id));
        let access = change.access();
        change.commit(event.because(format!("care record {}", record.id))).await?;
        Ok(CareReview::visible(access, review, record)?)
    }

    /// Completes a review in review (`in_review → completed`; a pending one is started
    /// first): a score of 1 to 5, findings, and flags from `reviewFlags`. The reviewer's
    /// (or, unassigned, anyone's of the team) who did not edit the record.
    #[graphql(guard = "Allow(Resource::CareReview, Action::Complete)")]
    async fn complete_care_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: CompleteCareReviewInput,
    ) -> Gql<CareReview> {
        let id = parse_id(&id, "care review")?;
        let verdict = Verdict {
            score: input.score,
            findings: input.findings,
            flags: input.flags,
            record_version: input.record_version,
        };
        let change = Audited::begin(ctx, Some((Resource::CareReview, Action::Complete))).await?;
        let (review, record) =
            match service::complete(change.txn(), change.actor(), id, expected_version, verdict).await {
                Ok(done) => done,
                Err(err) => {
                    let record = service::find(db(ctx)?, id).await.ok().map(|r| r.care_record_id);
                    let patient = match record {
                        Some(record) => patient_of_record(ctx, record).await,
                        None => None,
                    };
                    return Err(refused(change.access(), Resource::CareReview, Action::Complete, patient, err).into());
                }
            };
        let access = change.access();
        let event = Event::new(AuditAction::CareReviewComplete, review.id).about(Some(record.patient_id));
        change.commit(event.because(format!("score {}", review.score.unwrap_or_default()))).await?;
        Ok(CareReview::visible(access, review, record)?)
    }

    /// Opens `size` (1 to 50) reviews for the caller of records never reviewed, drawn at
    /// random and weighted towards providers with low scores or few reviews; optionally of
    /// one provider. One call fills a reviewer's week.
    #[graphql(
        guard = "Allow(Resource::CareReview, Action::Create)",
        complexity = "crate::kit::pagination::list_complexity(service::MAX_SAMPLE as usize, child_complexity)"
    )]
    async fn sample_for_review(&self, ctx: &Context<'_>, size: i32, provider_id: Option<ID>) -> Gql<Vec<CareReview>> {
        let provider = provider_id.map(|id| parse_id(&id, "provider")).transpose()?;
        let change = Audited::begin(ctx, Some((Resource::CareReview, Action::Create))).await?;
        let opened = service::sample(change.txn(), change.actor(), size, provider).await?;
        let events = opened
            .iter()
            .map(|(review, record)| {
                Event::new(AuditAction::CareReviewSample, review.id)
                    .about(Some(record.patient_id))
                    .because(format!("care record {}", record.id))
            })
            .collect();
        let access = change.access();
        change.commit_all(events).await?;
        opened.into_iter().map(|(review, record)| Ok(CareReview::visible(access, review, record)?)).collect()
    }
}
