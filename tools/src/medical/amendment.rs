//! Amendments of a signed-off care record: the one waiting for a second medical member, with
//! the diff it would apply, and every one asked for, decided or not, for the record's history.

use super::care_record::{CareRecord, CodeChange, DIFF_COMPLEXITY, DiffLine};
use super::care_record_service as service;
use crate::approvals::PendingApproval;
use crate::kit::records::split_codes;
use async_graphql::{Context, Object};
use entities::{care_record, pending_approval};
use serde_json::Value;

/// An amendment of a signed-off record, waiting for a second medical member.
pub struct PendingAmendment {
    request: pending_approval::Model,
    record: care_record::Model,
}

impl PendingAmendment {
    pub fn new(request: pending_approval::Model, record: care_record::Model) -> Self {
        PendingAmendment { request, record }
    }

    fn text(&self, key: &str) -> Option<String> {
        self.request.payload.get(key).and_then(Value::as_str).map(str::to_owned)
    }
}

#[Object]
impl PendingAmendment {
    /// The request in the approvals queue (decide it with `approve` or `reject`).
    async fn approval(&self) -> PendingApproval {
        PendingApproval::from(self.request.clone())
    }

    /// The text it would write (`null` if it keeps the text). PHI: clinical.
    async fn body(&self, ctx: &Context<'_>) -> Option<String> {
        let text = self.text("body");
        CareRecord::from(self.record.clone()).clinical(ctx, |_| text).await.flatten()
    }

    /// The codes it would write (`null` if it keeps them). PHI: clinical.
    async fn diagnosis_codes(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        let codes = self.text("diagnosisCodes").as_deref().map(split_codes);
        CareRecord::from(self.record.clone()).clinical(ctx, |_| codes).await.flatten()
    }

    /// Why. PHI: clinical.
    async fn reason(&self, ctx: &Context<'_>) -> Option<String> {
        let reason = self.request.reason.clone();
        CareRecord::from(self.record.clone()).clinical(ctx, |_| reason).await
    }

    /// A line diff from the record's text now to the text it would write (all lines equal
    /// if it keeps the text): what an approver approves. PHI: clinical. Priced like
    /// `CareRecord.diff`.
    #[graphql(complexity = "DIFF_COMPLEXITY + child_complexity")]
    async fn diff(&self, ctx: &Context<'_>) -> Option<Vec<DiffLine>> {
        let record = CareRecord::from(self.record.clone());
        let diff = async {
            record.check_clinical(ctx).await?;
            let new = self.text("body").unwrap_or_else(|| self.record.body.clone());
            let lines = service::text_diff(self.record.body.clone(), new).await?;
            Ok(lines.into_iter().map(DiffLine::from).collect())
        };
        crate::kit::null_on_error(ctx, diff.await)
    }

    /// The diagnosis codes from the record's now to the ones it would write: each kept,
    /// removed or added. PHI: clinical.
    async fn code_changes(&self, ctx: &Context<'_>) -> Option<Vec<CodeChange>> {
        let new = self.text("diagnosisCodes").unwrap_or_else(|| self.record.diagnosis_codes.clone());
        let changes = service::code_changes(&self.record.diagnosis_codes, &new);
        let record = CareRecord::from(self.record.clone());
        record.clinical(ctx, |_| changes.into_iter().map(CodeChange::from).collect()).await
    }
}

/// An amendment asked for of a record, waiting or decided: a line of the record's history.
pub struct AmendmentRequest {
    request: pending_approval::Model,
    record: care_record::Model,
}

impl AmendmentRequest {
    pub fn new(request: pending_approval::Model, record: care_record::Model) -> Self {
        AmendmentRequest { request, record }
    }
}

#[Object]
impl AmendmentRequest {
    /// The request: who asked and when, its status, who decided, when, and their note.
    async fn approval(&self) -> PendingApproval {
        PendingApproval::from(self.request.clone())
    }

    /// Why it was asked for. PHI: clinical.
    async fn reason(&self, ctx: &Context<'_>) -> Option<String> {
        let reason = self.request.reason.clone();
        CareRecord::from(self.record.clone()).clinical(ctx, |_| reason).await
    }
}
