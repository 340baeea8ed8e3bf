//! What an import run reports: its counts and the fate of each transaction set. Positions
//! (segment number, id, element) and codes only: the sender may be a machine identity that
//! reads no PHI, and the report is stored and shown as is.

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

/// A whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Claim payments recorded against ward's claims.
    pub created: u32,
    /// ward's claims those payments changed.
    pub updated: u32,
    /// Claim payments of remittances imported before (the same payer, trace and amount).
    pub unchanged: u32,
    /// Claim payments whose claim ward does not know, kept on the ops queue.
    pub unmatched: u32,
    /// Transaction sets refused.
    pub refused: u32,
    pub sets: Vec<SetReport>,
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
        let stood = self.sets.iter().any(|s| s.outcome != "refused");
        match (self.file_problem.is_some(), self.refused, stood) {
            (true, _, _) | (false, 1.., false) => "refused",
            (false, 1.., true) => "partial",
            _ => "imported",
        }
    }
}
