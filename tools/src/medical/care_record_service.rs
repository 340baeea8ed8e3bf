//! Care records on a plain connection or transaction: reads, the records list, edits that
//! keep a revision of what they replace, amendments of signed-off records (four eyes), and
//! line diffs between revisions.

use super::workflow;
use crate::kit::approvals::{self, ApprovalKind, NewApproval};
use crate::kit::dates;
use crate::kit::pagination::PageRequest;
use crate::kit::versioned;
use crate::kit::{ApiError, ApiResult};
use chrono::{NaiveDate, Utc};
use entities::care_review::{self, CareReviewStatus};
use entities::{care_record, care_record_revision, pending_approval};
use policies::Resource;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde_json::{Value, json};
use uuid::Uuid;

#[tracing::instrument(skip(db))]
pub async fn find_care_record(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<care_record::Model>> {
    Ok(care_record::Entity::find_by_id(id).one(db).await?)
}

pub async fn care_record_or_not_found(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<care_record::Model> {
    find_care_record(db, id).await?.ok_or_else(|| ApiError::NotFound(format!("care record {id}")))
}

/// One page of a patient's care records, newest first.
#[tracing::instrument(skip(db))]
pub async fn care_records_of(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    page: &PageRequest,
) -> ApiResult<Vec<care_record::Model>> {
    list(db, &CareRecordFilter { patient_id: Some(patient_id), ..Default::default() }, page).await
}

/// The records list's filters.
#[derive(Default, Debug)]
pub struct CareRecordFilter {
    pub patient_id: Option<Uuid>,
    pub provider_id: Option<Uuid>,
    pub kind: Option<&'static str>,
    /// Written on or after this day.
    pub from: Option<NaiveDate>,
    /// Written on or before this day.
    pub to: Option<NaiveDate>,
    /// `true`: never reviewed (no review of any status); `false`: reviewed or under review.
    pub unreviewed: Option<bool>,
}

/// Records narrowed to `filter`.
fn filtered(filter: &CareRecordFilter) -> ApiResult<Select<care_record::Entity>> {
    let mut query = care_record::Entity::find();
    if let Some(id) = filter.patient_id {
        query = query.filter(care_record::Column::PatientId.eq(id));
    }
    if let Some(id) = filter.provider_id {
        let shown = crate::kit::records::provider_tells_nothing(care_record::Column::SecurityLabels);
        query = query.filter(care_record::Column::ProviderId.eq(id)).filter(shown);
    }
    if let Some(kind) = filter.kind {
        query = query.filter(care_record::Column::Kind.eq(kind));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::BadUserInput(format!("`from` {from} is after `to` {to}")));
    }
    if let Some(from) = filter.from {
        query = query.filter(care_record::Column::CreatedAt.gte(dates::start_of(from)));
    }
    if let Some(to) = filter.to {
        let end = dates::end_of(to, "to")?;
        query = query.filter(care_record::Column::CreatedAt.lt(end));
    }
    if let Some(unreviewed) = filter.unreviewed {
        let reviewed = Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(care_review::Entity)
                .and_where(
                    Expr::col((care_review::Entity, care_review::Column::CareRecordId))
                        .equals((care_record::Entity, care_record::Column::Id)),
                )
                .to_owned(),
        );
        query = query.filter(if unreviewed { reviewed.not() } else { reviewed });
    }
    Ok(query)
}

/// How many records `filter` finds (up to the kit's count limit).
pub async fn count(db: &impl ConnectionTrait, filter: &CareRecordFilter) -> ApiResult<i64> {
    crate::kit::pagination::bounded_count(db, filtered(filter)?).await
}

/// Care records, newest first; keyset cursor: the id.
#[tracing::instrument(skip(db))]
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &CareRecordFilter,
    page: &PageRequest,
) -> ApiResult<Vec<care_record::Model>> {
    let mut query = filtered(filter)?.order_by_desc(care_record::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(care_record::Column::Id.lt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// A change to a record's text or codes, and why.
#[derive(Clone, Debug)]
pub struct Edit {
    pub body: Option<String>,
    pub diagnosis_codes: Option<Vec<String>>,
    pub reason: String,
}

/// What an edit did: the record as it now stands, or the amendment request a signed-off
/// record waits on (the record then unchanged).
pub struct Edited {
    pub record: care_record::Model,
    pub pending: Option<pending_approval::Model>,
}

/// Whether a completed review has signed the record off.
pub async fn signed_off(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<bool> {
    let completed = care_review::Entity::find()
        .filter(care_review::Column::CareRecordId.eq(id))
        .filter(care_review::Column::Status.eq(CareReviewStatus::Completed))
        .count(db)
        .await?;
    Ok(completed > 0)
}

/// The version of the record its latest completed review scored, if one did.
pub async fn signed_off_version(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<i32>> {
    let latest = care_review::Entity::find()
        .filter(care_review::Column::CareRecordId.eq(id))
        .filter(care_review::Column::Status.eq(CareReviewStatus::Completed))
        .filter(care_review::Column::RecordVersion.is_not_null())
        .order_by_desc(care_review::Column::CompletedAt)
        .one(db)
        .await?;
    Ok(latest.and_then(|r| r.record_version))
}

/// What the record said at `version`: its text and codes, and the revision that keeps them
/// (`None`: the version is the record as it stands). `None` for a version it never had.
pub struct AtVersion {
    pub body: String,
    pub diagnosis_codes: String,
    pub revision: Option<Uuid>,
}

pub async fn at_version(
    db: &impl ConnectionTrait,
    record: &care_record::Model,
    version: i32,
) -> ApiResult<Option<AtVersion>> {
    if version == record.version {
        let (body, diagnosis_codes) = (record.body.clone(), record.diagnosis_codes.clone());
        return Ok(Some(AtVersion { body, diagnosis_codes, revision: None }));
    }
    let kept = care_record_revision::Entity::find()
        .filter(care_record_revision::Column::CareRecordId.eq(record.id))
        .filter(care_record_revision::Column::ReplacedVersion.eq(version))
        .one(db)
        .await?;
    Ok(kept.map(|r| AtVersion { body: r.old_body, diagnosis_codes: r.old_diagnosis_codes, revision: Some(r.id) }))
}

/// Every amendment asked for of the record (waiting or decided), newest first, at most
/// [`MAX_AMENDMENTS`].
pub async fn amendments(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Vec<pending_approval::Model>> {
    Ok(pending_approval::Entity::find()
        .filter(pending_approval::Column::Kind.eq(ApprovalKind::CareRecordAmend.as_str()))
        .filter(pending_approval::Column::ResourceId.eq(id))
        .order_by_desc(pending_approval::Column::Id)
        .limit(MAX_AMENDMENTS as u64)
        .all(db)
        .await?)
}

/// The most amendments a record's history lists.
pub const MAX_AMENDMENTS: usize = 50;

/// The record's open review that `reviewer` holds, if any. Editing the record would leave
/// that review to nobody: its reviewer may not review their own edit, and it is theirs alone.
async fn open_review_by(
    db: &impl ConnectionTrait,
    record: Uuid,
    reviewer: Uuid,
) -> ApiResult<Option<care_review::Model>> {
    Ok(care_review::Entity::find()
        .filter(care_review::Column::CareRecordId.eq(record))
        .filter(care_review::Column::ReviewerId.eq(reviewer))
        .filter(care_review::Column::Status.ne(CareReviewStatus::Completed))
        .one(db)
        .await?)
}

/// Edits the record at `expected_version`, keeping what it replaces as a revision. A record
/// signed off by a completed review is amended only with a second medical member's approval;
/// the holder of its open review does not edit it (`FORBIDDEN`).
#[tracing::instrument(skip(db, edit))]
pub async fn edit(
    db: &impl ConnectionTrait,
    actor: Uuid,
    id: Uuid,
    expected_version: i32,
    edit: Edit,
) -> ApiResult<Edited> {
    let reason = workflow::reason(&edit.reason)?;
    let current = care_record_or_not_found(db, id).await?;
    // Before anything compares the edit with the text: "changes nothing" would confirm a note.
    workflow::not_a_psychotherapy_note(&current.kind, "Editing it")?;
    if current.version != expected_version {
        return Err(versioned::stale::<care_record::Entity>(current.version, expected_version));
    }
    let body = edit.body.as_deref().map(workflow::body).transpose()?;
    let codes = edit.diagnosis_codes.as_deref().map(workflow::diagnosis_codes).transpose()?;
    if body.is_none() && codes.is_none() {
        return Err(ApiError::BadUserInput("nothing to change: give `body` or `diagnosisCodes`".into()));
    }
    if body.as_ref().is_none_or(|b| *b == current.body) && codes.as_ref().is_none_or(|c| *c == current.diagnosis_codes)
    {
        return Err(ApiError::BadUserInput("the edit changes nothing: the record already says this".into()));
    }
    if let Some(review) = open_review_by(db, id, actor).await? {
        return Err(ApiError::Forbidden(format!(
            "you hold the open review of this care record ({}): a reviewer does not edit the record under \
             review; complete the review, or ask another member of the team to make the edit",
            review.id
        )));
    }
    if signed_off(db, id).await? {
        let request = NewApproval {
            kind: ApprovalKind::CareRecordAmend,
            resource: Resource::CareRecord,
            resource_id: id,
            target_version: expected_version,
            reason: reason.clone(),
            payload: json!({ "careRecordId": id, "body": body, "diagnosisCodes": codes, "reason": reason }),
        };
        let pending = approvals::request(db, actor, request).await?;
        return Ok(Edited { record: current, pending: Some(pending) });
    }
    let saved = apply(db, &current, actor, None, body, codes, reason).await?;
    Ok(Edited { record: saved, pending: None })
}

/// Writes the revision of what the edit replaces, then the edit, at the record's version.
async fn apply(
    db: &impl ConnectionTrait,
    current: &care_record::Model,
    editor: Uuid,
    approved_by: Option<Uuid>,
    body: Option<String>,
    codes: Option<String>,
    reason: String,
) -> ApiResult<care_record::Model> {
    care_record_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        care_record_id: Set(current.id),
        replaced_version: Set(current.version),
        editor_id: Set(Some(editor)),
        reason: Set(reason),
        old_body: Set(current.body.clone()),
        old_diagnosis_codes: Set(current.diagnosis_codes.clone()),
        approved_by: Set(approved_by),
        created_at: Set(Utc::now()),
        import_file_id: Set(None),
    }
    .insert(db)
    .await?;
    let mut next = <care_record::ActiveModel as Default>::default();
    if let Some(body) = body {
        next.body = Set(body);
    }
    if let Some(codes) = codes {
        next.diagnosis_codes = Set(codes);
    }
    versioned::update::<care_record::Entity>(db, current.id, current.version, next, None).await
}

/// Applies an approved amendment, as its requester wrote it: the record must still be at the
/// version it was asked against (`CONFLICT` otherwise).
pub async fn apply_amendment(
    db: &impl ConnectionTrait,
    approver: Uuid,
    request: &pending_approval::Model,
) -> ApiResult<care_record::Model> {
    let current = care_record_or_not_found(db, request.resource_id).await?;
    approvals::unchanged_since(request, current.version, "care record", "amendment")?;
    let text = |key: &str| request.payload.get(key).and_then(Value::as_str).map(str::to_owned);
    let reason = text("reason").unwrap_or_else(|| request.reason.clone());
    apply(db, &current, request.requested_by, Some(approver), text("body"), text("diagnosisCodes"), reason).await
}

/// Whether `staff` ever edited (or asked to amend) the record: they may not review it.
pub async fn edited_by(db: &impl ConnectionTrait, record: Uuid, staff: Uuid) -> ApiResult<bool> {
    let edits = care_record_revision::Entity::find()
        .filter(care_record_revision::Column::CareRecordId.eq(record))
        .filter(care_record_revision::Column::EditorId.eq(staff))
        .count(db)
        .await?;
    if edits > 0 {
        return Ok(true);
    }
    let asked = pending_approval::Entity::find()
        .filter(pending_approval::Column::Kind.eq(ApprovalKind::CareRecordAmend.as_str()))
        .filter(pending_approval::Column::ResourceId.eq(record))
        .filter(pending_approval::Column::RequestedBy.eq(staff))
        .count(db)
        .await?;
    Ok(asked > 0)
}

/// One page of a record's revisions, newest first.
pub async fn revisions(
    db: &impl ConnectionTrait,
    id: Uuid,
    page: &PageRequest,
) -> ApiResult<Vec<care_record_revision::Model>> {
    let mut query = care_record_revision::Entity::find()
        .filter(care_record_revision::Column::CareRecordId.eq(id))
        .order_by_desc(care_record_revision::Column::Id);
    if let Some(after) = page.after_id()? {
        query = query.filter(care_record_revision::Column::Id.lt(after));
    }
    Ok(query.limit(page.fetch_limit()).all(db).await?)
}

/// One line of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub change: similar::ChangeTag,
    pub text: String,
}

/// The text and codes a revision kept (the record as it was before that edit), checked to be
/// of `record`.
async fn revision_kept(db: &impl ConnectionTrait, record: Uuid, revision: Uuid) -> ApiResult<(String, String)> {
    let found = care_record_revision::Entity::find_by_id(revision)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("revision {revision}")))?;
    if found.care_record_id != record {
        return Err(ApiError::BadUserInput(format!(
            "revision {revision} is of another care record: a diff compares revisions of one record"
        )));
    }
    Ok((found.old_body, found.old_diagnosis_codes))
}

/// A line diff of the record's text between two revisions (`to: None`: the text now).
pub async fn diff(
    db: &impl ConnectionTrait,
    record: &care_record::Model,
    from: Uuid,
    to: Option<Uuid>,
) -> ApiResult<Vec<DiffLine>> {
    let (old, _) = revision_kept(db, record.id, from).await?;
    let new = match to {
        Some(to) => revision_kept(db, record.id, to).await?.0,
        None => record.body.clone(),
    };
    text_diff(old, new).await
}

/// [`line_diff`] off the async workers.
pub async fn text_diff(old: String, new: String) -> ApiResult<Vec<DiffLine>> {
    tokio::task::spawn_blocking(move || line_diff(&old, &new))
        .await
        .map_err(|err| ApiError::internal("diffing two revisions", err))
}

/// The diagnosis codes from one revision to another (`to: None`: the codes now).
pub async fn code_diff(
    db: &impl ConnectionTrait,
    record: &care_record::Model,
    from: Uuid,
    to: Option<Uuid>,
) -> ApiResult<Vec<CodeChange>> {
    let (_, old) = revision_kept(db, record.id, from).await?;
    let new = match to {
        Some(to) => revision_kept(db, record.id, to).await?.1,
        None => record.diagnosis_codes.clone(),
    };
    Ok(code_changes(&old, &new))
}

/// One diagnosis code of a comparison: kept, removed or added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeChange {
    pub change: similar::ChangeTag,
    pub code: String,
}

/// Stored (comma-joined) codes compared as sets: the old ones in their order, each kept or
/// removed, then those added.
pub fn code_changes(old: &str, new: &str) -> Vec<CodeChange> {
    let old = crate::kit::records::split_codes(old);
    let new = crate::kit::records::split_codes(new);
    let kept = old.iter().map(|code| CodeChange {
        change: if new.contains(code) { similar::ChangeTag::Equal } else { similar::ChangeTag::Delete },
        code: code.clone(),
    });
    let added = new
        .iter()
        .filter(|code| !old.contains(code))
        .map(|code| CodeChange { change: similar::ChangeTag::Insert, code: code.clone() });
    kept.chain(added).collect()
}

/// The CPU one diff may take. Myers' diff is quadratic in the worst case: two hostile
/// 64,000-character texts took 5.1 s (release build). Past the budget `similar` settles for a
/// diff that is correct but not the smallest; ordinary notes finish in microseconds.
pub const DIFF_BUDGET: std::time::Duration = std::time::Duration::from_millis(50);

/// Lines compare by their text: a last line without a newline equals the same line with one.
/// Synchronous CPU work of up to [`DIFF_BUDGET`]: call it off the async workers.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let terminated = |text: &str| if text.ends_with('\n') { text.to_owned() } else { format!("{text}\n") };
    let (old, new) = (terminated(old), terminated(new));
    similar::TextDiff::configure()
        .timeout(DIFF_BUDGET)
        .diff_lines(&old, &new)
        .iter_all_changes()
        .map(|change| DiffLine { change: change.tag(), text: change.value().trim_end_matches('\n').to_owned() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use similar::ChangeTag::{self, *};

    #[test]
    fn a_hostile_pair_still_diffs_to_both_texts() {
        // 32,000 lines each that share almost nothing in order: the worst case for Myers.
        let old: String = (0..32_000).map(|i| if i % 2 == 0 { "a\n" } else { "b\n" }).collect();
        let new: String = (0..32_000).map(|i| if i % 3 == 0 { "b\n" } else { "c\n" }).collect();
        let lines = line_diff(&old, &new);
        let side = |keep: ChangeTag| {
            lines
                .iter()
                .filter(|l| l.change == Equal || l.change == keep)
                .map(|l| format!("{}\n", l.text))
                .collect::<String>()
        };
        assert_eq!(side(Delete), old, "the old text, line for line");
        assert_eq!(side(Insert), new, "the new text, line for line");
    }

    #[test]
    fn codes_compare_as_kept_removed_and_added() {
        let got: Vec<(ChangeTag, String)> =
            code_changes("F41.1,F33.0", "F33.0,F43.10").into_iter().map(|c| (c.change, c.code)).collect();
        assert_eq!(got, [(Delete, "F41.1".into()), (Equal, "F33.0".into()), (Insert, "F43.10".into())]);
        assert!(code_changes("F41.1", "F41.1").iter().all(|c| c.change == Equal));
    }

    #[test]
    fn a_line_diff_keeps_order_and_marks_changes() {
        let lines = line_diff("a\nb\nc", "a\nB\nc\nd\n");
        let got: Vec<(similar::ChangeTag, &str)> = lines.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(got, [(Equal, "a"), (Delete, "b"), (Insert, "B"), (Equal, "c"), (Insert, "d")]);
    }
}
