//! What an import run reports: its counts and the fate of each transaction set (X12) or
//! batch of lines (NDJSON). Positions (segment number, id, element; line and field) and codes
//! only: the sender may be a machine identity that reads no PHI, and the report is stored and
//! shown as is.

use serde::{Deserialize, Serialize};

/// The fate of one transaction set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetReport {
    /// ST02.
    pub control: String,
    /// The ST's segment number in the file.
    pub segment: u64,
    /// `imported`, `unchanged` (this remittance was imported before) or `refused`.
    pub outcome: String,
    /// Claims (CLP) the set holds; for a refused set, those read before the refusal.
    pub claims: u64,
    /// Why it was refused: `segment 17 (CLP), element CLP04: not an amount`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The fate of one NDJSON batch: up to [`BATCH_LINES`](super::directory::BATCH_LINES)
/// lines written in one transaction, or none of them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchReport {
    pub first_line: u64,
    pub last_line: u64,
    /// `imported` or `refused`.
    pub outcome: String,
    /// Records (non-blank lines) the batch holds.
    pub records: u64,
    /// Why it was refused, a line and field each: `line 12, field `dateOfBirth`: not a date`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// An 835: claim payments recorded against ward's claims. An 837P: claims created. NDJSON:
    /// records created.
    pub created: u32,
    /// An 835: ward's claims those payments changed. An 837P: claims changed. NDJSON: records
    /// changed (each with a new version and a history entry or revision).
    pub updated: u32,
    /// An 835: claim payments of remittances imported before (the same payer, trace and
    /// amount). An 837P or NDJSON: what ward already held as sent.
    pub unchanged: u32,
    /// An 835: claim payments whose claim ward does not know, kept on the ops queue. An 837P:
    /// claims whose patient or provider ward does not know, not written.
    pub unmatched: u32,
    /// Transaction sets or NDJSON batches refused.
    pub refused: u32,
    #[serde(default)]
    pub sets: Vec<SetReport>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub batches: Vec<BatchReport>,
    /// What refused the whole file (its envelope), if anything did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_problem: Option<String>,
    /// Set when the very same file was landed before: nothing was read again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_imported: Option<String>,
    /// Denials a reversal could not withdraw because an escalation already works them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ImportReport {
    /// `imported`, `partial` or `refused`.
    pub fn status(&self) -> &'static str {
        let stood =
            self.sets.iter().any(|s| s.outcome != "refused") || self.batches.iter().any(|b| b.outcome != "refused");
        match (self.file_problem.is_some(), self.refused, stood) {
            (true, _, _) | (false, 1.., false) => "refused",
            (false, 1.., true) => "partial",
            _ => "imported",
        }
    }
}
