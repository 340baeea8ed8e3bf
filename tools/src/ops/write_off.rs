//! A write-off's amount and adjustment reason: the whole open balance or part of it, with the
//! X12 group and CARC code that say why; checked against what the claim still has unpaid,
//! carried through a four-eyes request, and stored on the escalation.

use super::escalation_service::EscalationRow;
use crate::kit::codes::CARC;
use crate::kit::{ApiError, ApiResult};
use serde_json::{Value, json};

/// The adjustment groups X12 knows: contractual obligation, patient responsibility, other
/// adjustment, payer initiated.
pub const GROUPS: [&str; 4] = ["CO", "PR", "OA", "PI"];

/// Why an amount is given up, as a remittance would say it ("CO-45").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    pub group: String,
    pub code: String,
}

impl Adjustment {
    /// A group and a reason code ward knows (`BAD_USER_INPUT` otherwise).
    pub fn checked(group: &str, code: &str) -> ApiResult<Self> {
        let group = group.trim().to_uppercase();
        if !GROUPS.contains(&group.as_str()) {
            return Err(ApiError::BadUserInput(format!(
                "`writeOff.adjustmentGroup` {group} is not an adjustment group: one of CO, PR, OA, PI"
            )));
        }
        let code = code.trim();
        if code.is_empty() {
            return Err(ApiError::BadUserInput(
                "a write-off says why: give `writeOff.adjustmentCode`, a claim adjustment reason code".into(),
            ));
        }
        if !CARC.iter().any(|c| c.code == code) {
            return Err(ApiError::BadUserInput(format!(
                "`writeOff.adjustmentCode` {code} is not a claim adjustment reason code ward knows"
            )));
        }
        Ok(Adjustment { group, code: code.to_owned() })
    }

    /// "CO-45".
    pub fn key(&self) -> String {
        format!("{}-{}", self.group, self.code)
    }

    /// What the reason code means.
    pub fn description(&self) -> Option<&'static str> {
        CARC.iter().find(|c| c.code == self.code).map(|c| c.description)
    }

    /// The adjustment an escalation's write-off stored, if it stored one.
    pub fn stored(group: Option<&str>, code: Option<&str>) -> Option<Self> {
        Some(Adjustment { group: group?.to_owned(), code: code?.to_owned() })
    }
}

/// What a write-off gives up: `cents` of the open balance, for `adjustment`. A write-off
/// asked for without them (before they were asked) gives up the whole open balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteOff {
    pub cents: i64,
    pub adjustment: Option<Adjustment>,
}

impl WriteOff {
    /// The write-off of `row` as asked for: within `(0, open balance]`, or the whole balance.
    pub fn of(row: &EscalationRow, asked: Option<&WriteOff>) -> ApiResult<Self> {
        let open = row.unpaid_cents();
        let Some(asked) = asked else { return Ok(WriteOff { cents: open, adjustment: None }) };
        if asked.cents <= 0 {
            return Err(ApiError::BadUserInput(format!(
                "`writeOff.amountCents` {} is not more than zero: a write-off gives up part or all of the open balance",
                asked.cents
            )));
        }
        if asked.cents > open {
            return Err(ApiError::BadUserInput(format!(
                "`writeOff.amountCents` {} is more than the claim's open balance ({open}): the claim billed {}, was \
                 paid {} and this denial held back {}",
                asked.cents, row.claim.billed_cents, row.claim.paid_cents, row.denial.denied_cents
            )));
        }
        Ok(asked.clone())
    }

    /// Whether it leaves part of the open balance with the claim.
    pub fn is_partial(&self, row: &EscalationRow) -> bool {
        self.cents < row.unpaid_cents()
    }

    /// How a four-eyes request carries it (`amountCents` is billing PHI: the approvals queue
    /// leaves it out, the escalation shows it to whoever may read it).
    pub fn payload(&self) -> Value {
        json!({
            "amountCents": self.cents,
            "adjustmentGroup": self.adjustment.as_ref().map(|a| a.group.clone()),
            "adjustmentCode": self.adjustment.as_ref().map(|a| a.code.clone()),
        })
    }

    /// The write-off a request's payload carries (`None`: the whole open balance, as asked
    /// before amounts were).
    pub fn from_payload(payload: &Value) -> Option<Self> {
        let cents = payload.get("amountCents")?.as_i64()?;
        let text = |k: &str| payload.get(k).and_then(Value::as_str);
        Some(WriteOff { cents, adjustment: Adjustment::stored(text("adjustmentGroup"), text("adjustmentCode")) })
    }
}
