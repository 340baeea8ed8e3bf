//! The `CareRecord` type (a session note, a treatment plan, an assessment), the records
//! list, edits that never overwrite, revisions and their diffs.

use super::amendment::{AmendmentRequest, PendingAmendment};
use super::care_record_service::{self as service, CareRecordFilter, Edit, Edited};
use super::review::CareReview;
use super::workflow::KINDS;
use super::{review_service, workflow};
use crate::directory::{Patient, Provider};
use crate::kit::access::ReadCheck;
use crate::kit::agent::{Agent, agent_of};
use crate::kit::approvals::{self, ApprovalKind};
use crate::kit::pagination::{CountedPage, Page, PageRequest, wants_total};
use crate::kit::parse_id;
use crate::kit::records::split_codes;
use crate::kit::{ApiResult, AuditAction, Audited, Event, Gql, access, db, null_on_error, phi_field};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entities::{care_record, care_record_revision};
use policies::{Action, Labels, PhiClass, Resource};

/// A care record. Reaching one requires `care_record · read` for its patient (by role or
/// break-glass); its body and codes need `care_record · clinical` as well, or, for a
/// psychotherapy note, the patient's authorization on file (the class `psychotherapy_notes`).
pub struct CareRecord(care_record::Model);

impl CareRecord {
    /// The record's id (its page cursor).
    pub fn key(&self) -> uuid::Uuid {
        self.0.id
    }

    /// A record of the patient `check` was made for (a patient's list).
    pub fn read(check: &ReadCheck, model: care_record::Model) -> ApiResult<Self> {
        check.covers(model.patient_id, Resource::CareRecord)?;
        Ok(CareRecord(model))
    }

    /// The class its text and codes disclose: clinical, or psychotherapy notes.
    fn class(&self) -> PhiClass {
        workflow::class_of(&self.0.kind)
    }

    /// The record as a disclosure names it, with its labels.
    fn record(&self) -> (Resource, uuid::Uuid, Labels) {
        (Resource::CareRecord, self.0.id, Labels::parse(&self.0.security_labels))
    }

    /// Checks the record's class of its patient and records the disclosure.
    pub(super) async fn check_clinical(&self, ctx: &Context<'_>) -> ApiResult<()> {
        access(ctx)?.disclose(db(ctx)?, self.0.patient_id, self.record(), self.class()).await
    }

    /// A clinical value of this record: the value, or `null` and `FORBIDDEN` at the field.
    pub(super) async fn clinical<T>(
        &self,
        ctx: &Context<'_>,
        value: impl FnOnce(&care_record::Model) -> T,
    ) -> Option<T> {
        phi_field(ctx, self.0.patient_id, self.record(), self.class()).await.map(|_| value(&self.0))
    }
}

impl From<care_record::Model> for CareRecord {
    fn from(model: care_record::Model) -> Self {
        CareRecord(model)
    }
}

/// The care record behind `careRecord(id)` and every relation: `care_record · read` by role,
/// or break-glass for its patient; a refusal is recorded against the record's patient.
pub async fn care_record_of(ctx: &Context<'_>, id: uuid::Uuid) -> ApiResult<CareRecord> {
    let access = access(ctx)?;
    let db = db(ctx)?;
    if !access.may_for_some_patient(db, Resource::CareRecord, Action::Read).await? {
        // Nothing of the record is answered; its patient is read for the record only.
        let patient = service::find_care_record(db, id).await?.map(|r| r.patient_id);
        access.require_about(Resource::CareRecord, Action::Read, patient)?;
    }
    // Batched: a list of reviews asks for its records together.
    let record = crate::kit::loaders::loaders(ctx)?
        .load_one(crate::kit::loaders::CareRecordId(id))
        .await
        .map_err(crate::kit::loaders::load_error)?
        .ok_or_else(|| crate::kit::ApiError::NotFound(format!("care record {id}")))?;
    access.require_for_patient(db, record.patient_id, Resource::CareRecord, Action::Read).await?;
    Ok(CareRecord(record))
}

/// What a line of a diff did.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffChange {
    Equal,
    Delete,
    Insert,
}

impl From<similar::ChangeTag> for DiffChange {
    fn from(tag: similar::ChangeTag) -> Self {
        match tag {
            similar::ChangeTag::Equal => DiffChange::Equal,
            similar::ChangeTag::Delete => DiffChange::Delete,
            similar::ChangeTag::Insert => DiffChange::Insert,
        }
    }
}

#[derive(SimpleObject)]
pub struct DiffLine {
    pub change: DiffChange,
    pub text: String,
}

impl From<service::DiffLine> for DiffLine {
    fn from(line: service::DiffLine) -> Self {
        DiffLine { change: line.change.into(), text: line.text }
    }
}

/// One diagnosis code of a comparison: `EQUAL` kept, `DELETE` removed, `INSERT` added.
#[derive(SimpleObject)]
pub struct CodeChange {
    pub change: DiffChange,
    pub code: String,
}

impl From<service::CodeChange> for CodeChange {
    fn from(code: service::CodeChange) -> Self {
        CodeChange { change: code.change.into(), code: code.code }
    }
}

/// What a record said before one edit, who changed it, when and why.
#[derive(SimpleObject)]
pub struct CareRecordRevision {
    pub id: ID,
    /// The record's version this revision keeps (the edit made the next one).
    pub version: i32,
    pub editor: Option<Agent>,
    /// The second medical member who approved an amendment of a signed-off record.
    pub approved_by: Option<Agent>,
    pub reason: String,
    pub body: String,
    pub diagnosis_codes: Vec<String>,
    pub at: DateTime<Utc>,
    /// The import run that made the change, when the practice-management system made it.
    pub import_run: Option<ID>,
}

async fn revision(ctx: &Context<'_>, r: care_record_revision::Model) -> ApiResult<CareRecordRevision> {
    Ok(CareRecordRevision {
        id: ID(r.id.to_string()),
        version: r.replaced_version,
        editor: match r.editor_id {
            Some(id) => agent_of(ctx, id).await?,
            None => None,
        },
        approved_by: match r.approved_by {
            Some(id) => agent_of(ctx, id).await?,
            None => None,
        },
        reason: r.reason,
        body: r.old_body,
        diagnosis_codes: split_codes(&r.old_diagnosis_codes),
        at: r.created_at,
        import_run: r.import_file_id.map(|id| ID(id.to_string())),
    })
}

/// What a diff costs against the query's complexity limit (`WARD_MAX_COMPLEXITY`, 2,000 by
/// default): up to [`service::DIFF_BUDGET`] of CPU each, so at most four in one query.
pub const DIFF_COMPLEXITY: usize = 400;

#[Object]
impl CareRecord {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// `progress_note`, `treatment_plan`, `assessment` or `psychotherapy_note` (whose text
    /// and codes only the patient's authorization opens).
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// Its security labels: `SUD_PART2` values open only under the patient's consent,
    /// `PSYCHOTHERAPY_NOTE` values under their authorization, `RESTRICTED` values are kept from
    /// whom their restrictions name.
    async fn security_labels(&self) -> Vec<crate::compliance::labels::SecurityLabelName> {
        crate::compliance::labels::names(&self.0.security_labels)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Optimistic-concurrency version: name it as `expectedVersion` when editing.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The note itself. PHI: clinical (a psychotherapy note's: psychotherapy notes).
    async fn body(&self, ctx: &Context<'_>) -> Option<String> {
        self.clinical(ctx, |r| r.body.clone()).await
    }

    /// ICD-10 codes. PHI: clinical (a psychotherapy note's: psychotherapy notes).
    async fn diagnosis_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.clinical(ctx, |r| split_codes(&r.diagnosis_codes)).await
    }

    /// The patient, checked like `patient(id)`.
    async fn patient(&self, ctx: &Context<'_>) -> Option<Patient> {
        null_on_error(ctx, crate::directory::patient_of(ctx, self.0.patient_id).await)
    }

    /// The provider who wrote it, checked like `provider(id)`.
    /// Who wrote it. For a record labelled `sud_part2` or `restricted`, clinical (the
    /// provider says what the care was): checked with the labels. A psychotherapy note's
    /// author is always shown.
    async fn provider(&self, ctx: &Context<'_>) -> Option<Provider> {
        crate::kit::labelled_field(ctx, self.0.patient_id, self.record(), PhiClass::Clinical).await?;
        null_on_error(ctx, crate::directory::provider_of(ctx, self.0.provider_id).await)
    }

    /// What the record said before each edit, newest first: who, when, why, the old text and
    /// codes. PHI: clinical.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Option<Page<CareRecordRevision>> {
        let revisions = async {
            let page = PageRequest::new(ctx, first, after)?;
            self.check_clinical(ctx).await?;
            let rows = service::revisions(db(ctx)?, self.0.id, &page).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(revision(ctx, row).await?);
            }
            Ok(page.into_page(out, |r| r.id.to_string(), |r| r))
        };
        null_on_error(ctx, revisions.await)
    }

    /// A line diff of the text from one revision to another (`toRevision` omitted: to the
    /// text now). Both must be revisions of this record. PHI: clinical. Priced at
    /// [`DIFF_COMPLEXITY`]: one query holds a few diffs, not a page of them.
    #[graphql(complexity = "DIFF_COMPLEXITY + child_complexity")]
    async fn diff(&self, ctx: &Context<'_>, from_revision: ID, to_revision: Option<ID>) -> Option<Vec<DiffLine>> {
        let diff = async {
            let from = parse_id(&from_revision, "revision")?;
            let to = to_revision.map(|id| parse_id(&id, "revision")).transpose()?;
            self.check_clinical(ctx).await?;
            let lines = service::diff(db(ctx)?, &self.0, from, to).await?;
            Ok(lines.into_iter().map(DiffLine::from).collect())
        };
        null_on_error(ctx, diff.await)
    }

    /// The diagnosis codes from one revision to another (`toRevision` omitted: to the codes
    /// now): each kept, removed or added. Both must be revisions of this record. PHI: clinical.
    async fn code_changes(
        &self,
        ctx: &Context<'_>,
        from_revision: ID,
        to_revision: Option<ID>,
    ) -> Option<Vec<CodeChange>> {
        let changes = async {
            let from = parse_id(&from_revision, "revision")?;
            let to = to_revision.map(|id| parse_id(&id, "revision")).transpose()?;
            self.check_clinical(ctx).await?;
            let codes = service::code_diff(db(ctx)?, &self.0, from, to).await?;
            Ok(codes.into_iter().map(CodeChange::from).collect())
        };
        null_on_error(ctx, changes.await)
    }

    /// Whether a completed review signed the record off (an edit then needs a second
    /// medical member's approval).
    async fn signed_off(&self, ctx: &Context<'_>) -> Gql<bool> {
        Ok(service::signed_off(db(ctx)?, self.0.id).await?)
    }

    /// The version its latest completed review scored (`null` if none did). A version after
    /// it was changed since that review: it is not what the review signed off.
    async fn signed_off_version(&self, ctx: &Context<'_>) -> Gql<Option<i32>> {
        Ok(service::signed_off_version(db(ctx)?, self.0.id).await?)
    }

    /// Its care-quality reviews, newest first. Requires `care_review · read`.
    #[graphql(
        complexity = "crate::kit::pagination::list_complexity(review_service::MAX_REVIEWS_PER_RECORD, child_complexity)"
    )]
    async fn reviews(&self, ctx: &Context<'_>) -> Option<Vec<CareReview>> {
        let reviews = async {
            let access = access(ctx)?;
            let rows = review_service::reviews_of(db(ctx)?, self.0.id).await?;
            rows.into_iter().map(|r| CareReview::visible(access, r, self.0.clone())).collect::<ApiResult<Vec<_>>>()
        };
        null_on_error(ctx, reviews.await)
    }

    /// The amendment waiting for a second medical member, if one was asked for.
    async fn pending_amendment(&self, ctx: &Context<'_>) -> Gql<Option<PendingAmendment>> {
        let found = approvals::pending_for(db(ctx)?, ApprovalKind::CareRecordAmend, self.0.id).await?;
        Ok(found.map(|request| PendingAmendment::new(request, self.0.clone())))
    }

    /// Every amendment asked for (waiting, approved, rejected or withdrawn), newest first, at
    /// most 50: who asked, who decided and their note, for the record's history.
    #[graphql(complexity = "crate::kit::pagination::list_complexity(service::MAX_AMENDMENTS, child_complexity)")]
    async fn amendments(&self, ctx: &Context<'_>) -> Gql<Vec<AmendmentRequest>> {
        let rows = service::amendments(db(ctx)?, self.0.id).await?;
        Ok(rows.into_iter().map(|request| AmendmentRequest::new(request, self.0.clone())).collect())
    }
}

/// The kinds of care record.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CareRecordKind {
    ProgressNote,
    TreatmentPlan,
    Assessment,
    PsychotherapyNote,
}

impl CareRecordKind {
    pub fn stored(self) -> &'static str {
        match self {
            CareRecordKind::ProgressNote => KINDS[0],
            CareRecordKind::TreatmentPlan => KINDS[1],
            CareRecordKind::Assessment => KINDS[2],
            CareRecordKind::PsychotherapyNote => KINDS[3],
        }
    }
}

#[derive(InputObject, Default)]
pub struct CareRecordFilterInput {
    /// Required without a role that reads care records: break-glass opens one patient.
    pub patient_id: Option<ID>,
    pub provider_id: Option<ID>,
    pub kind: Option<CareRecordKind>,
    /// Written on or after this day.
    pub from: Option<NaiveDate>,
    /// Written on or before this day.
    pub to: Option<NaiveDate>,
    /// `true`: never reviewed; `false`: reviewed or under review.
    pub unreviewed: Option<bool>,
}

#[derive(InputObject)]
pub struct CareRecordEditInput {
    pub body: Option<String>,
    pub diagnosis_codes: Option<Vec<String>>,
}

#[derive(Default)]
pub struct CareRecordQuery;

#[Object]
impl CareRecordQuery {
    /// One care record by id: `care_record · read` by role, or break-glass for its patient.
    /// A refusal is recorded against the record's patient.
    async fn care_record(&self, ctx: &Context<'_>, id: ID) -> Gql<CareRecord> {
        let id = parse_id(&id, "care record")?;
        Ok(care_record_of(ctx, id).await?)
    }

    /// Care records, newest first: any patient's with `care_record · read`; one patient's
    /// (`patientId`) under a break-glass grant for that patient.
    #[graphql(complexity = "crate::kit::pagination::complexity(first, child_complexity)")]
    async fn care_records(
        &self,
        ctx: &Context<'_>,
        filter: Option<CareRecordFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Gql<CountedPage<CareRecord>> {
        let input = filter.unwrap_or_default();
        let access = access(ctx)?;
        let db = db(ctx)?;
        let patient = input.patient_id.map(|id| parse_id(&id, "patient")).transpose()?;
        if !access.allows(Resource::CareRecord, Action::Read) {
            match patient {
                Some(patient) => {
                    access.require_for_patient(db, patient, Resource::CareRecord, Action::Read).await?;
                }
                None => {
                    access.require(Resource::CareRecord, Action::Read)?;
                }
            }
        }
        let filter = CareRecordFilter {
            patient_id: patient,
            provider_id: input.provider_id.map(|id| parse_id(&id, "provider")).transpose()?,
            kind: input.kind.map(CareRecordKind::stored),
            from: input.from,
            to: input.to,
            unreviewed: input.unreviewed,
        };
        let page = PageRequest::new(ctx, first, after)?;
        let rows = service::list(db, &filter, &page).await?;
        let total = if wants_total(ctx) { Some(service::count(db, &filter).await?) } else { None };
        Ok(page.into_counted_page(rows, |r| r.id.to_string(), CareRecord, total))
    }
}

#[derive(Default)]
pub struct CareRecordMutation;

#[Object]
impl CareRecordMutation {
    /// Edits a care record, saying why (at least 10 characters). Nothing is overwritten: what
    /// it replaces is kept as a revision. A record a completed review signed off is amended
    /// only with a second medical member's approval: it is returned unchanged, with
    /// `pendingAmendment`; one amendment waits at a time. The holder of the record's open
    /// review does not edit it (`FORBIDDEN`, recorded): nobody reviews their own edit.
    #[graphql(guard = "crate::kit::Allow(Resource::CareRecord, Action::Edit)")]
    async fn edit_care_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: CareRecordEditInput,
        reason: String,
    ) -> Gql<CareRecord> {
        let id = parse_id(&id, "care record")?;
        // An edit is compared with the text ("changes nothing" would answer a guess), so the
        // editor of a Part 2 or restricted record must be able to read it, labels included.
        let current = care_record_of(ctx, id).await?;
        if !Labels::parse(&current.0.security_labels).without(policies::SecurityLabel::PsychotherapyNote).is_empty() {
            current.check_clinical(ctx).await?;
        }
        let edit = Edit { body: input.body, diagnosis_codes: input.diagnosis_codes, reason };
        let change = Audited::begin(ctx, Some((Resource::CareRecord, Action::Edit))).await?;
        let edited = match service::edit(change.txn(), change.actor(), id, expected_version, edit).await {
            Ok(edited) => edited,
            // A reviewer editing the record under their review: refused, and on the record.
            Err(err) => {
                let patient = super::patient_of_record(ctx, id).await;
                return Err(super::refused(change.access(), Resource::CareRecord, Action::Edit, patient, err).into());
            }
        };
        let Edited { record, pending } = edited;
        let event = match pending {
            None => Event::new(AuditAction::CareRecordEdit, id).because(format!("version {}", record.version)),
            Some(request) => {
                Event::new(AuditAction::CareRecordAmendRequest, id).because(format!("approval {}", request.id))
            }
        };
        change.commit(event.about(Some(record.patient_id))).await?;
        Ok(CareRecord(record))
    }
}

/// The reasons and kinds a client offers: the rules of [`workflow`], for forms.
#[derive(Default)]
pub struct MedicalVocabularyQuery;

#[derive(SimpleObject)]
pub struct ReviewFlag {
    pub name: String,
    pub description: String,
}

#[Object]
impl MedicalVocabularyQuery {
    /// The flags a care-quality review may raise.
    #[graphql(guard = "crate::kit::Allow(Resource::CareReview, Action::Read)")]
    async fn review_flags(&self) -> Vec<ReviewFlag> {
        workflow::FLAGS
            .iter()
            .map(|(name, description)| ReviewFlag { name: (*name).to_owned(), description: (*description).to_owned() })
            .collect()
    }
}
