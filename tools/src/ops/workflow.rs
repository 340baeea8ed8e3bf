//! The escalation's rules: its one transition table (with the appeal levels), the deadline
//! of each step from the payer's windows, what a move does to the claim, and when a write-off
//! needs a second pair of eyes.

use crate::kit::{ApiError, ApiResult};
use chrono::{Duration, NaiveDate};
use entities::appeal::AppealLevel;
use entities::claim::ClaimStatus;
use entities::escalation::EscalationStatus;
use entities::payer;

/// Where an escalation stands, with the level of an appeal in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stage {
    pub status: EscalationStatus,
    pub level: Option<AppealLevel>,
}

impl Stage {
    pub fn of(status: EscalationStatus, level: Option<AppealLevel>) -> Self {
        Stage { status, level: if status == EscalationStatus::Appealed { level } else { None } }
    }

    /// Won, lost and written off are outcomes: nothing moves after them.
    pub fn is_finished(self) -> bool {
        is_finished(self.status)
    }

    pub fn name(self) -> String {
        match (self.status, self.level) {
            (EscalationStatus::Appealed, Some(level)) => format!("appealed ({})", level_name(level)),
            (status, _) => status_name(status).to_owned(),
        }
    }
}

pub fn is_finished(status: EscalationStatus) -> bool {
    matches!(status, EscalationStatus::Won | EscalationStatus::Lost | EscalationStatus::WrittenOff)
}

pub const FINISHED: [EscalationStatus; 3] =
    [EscalationStatus::Won, EscalationStatus::Lost, EscalationStatus::WrittenOff];

pub fn status_name(status: EscalationStatus) -> &'static str {
    use EscalationStatus::*;
    match status {
        Open => "open",
        InReview => "in_review",
        Appealed => "appealed",
        Won => "won",
        Lost => "lost",
        WrittenOff => "written_off",
    }
}

pub fn level_name(level: AppealLevel) -> &'static str {
    match level {
        AppealLevel::Level1 => "level 1",
        AppealLevel::Level2 => "level 2",
        AppealLevel::External => "external review",
    }
}

/// The level an appeal from `stage` goes to: the first from review, then one up.
fn next_level(stage: Stage) -> Option<AppealLevel> {
    match (stage.status, stage.level) {
        (EscalationStatus::InReview, _) => Some(AppealLevel::Level1),
        (EscalationStatus::Appealed, Some(AppealLevel::Level1)) => Some(AppealLevel::Level2),
        (EscalationStatus::Appealed, Some(AppealLevel::Level2)) => Some(AppealLevel::External),
        _ => None,
    }
}

/// Every stage an escalation may move to from `from`.
pub fn allowed_moves(from: Stage) -> Vec<Stage> {
    use EscalationStatus::*;
    let mut moves = Vec::new();
    match from.status {
        Open => moves.push(Stage::of(InReview, None)),
        InReview => {}
        Appealed => {}
        Won | Lost | WrittenOff => return moves,
    }
    if let Some(level) = next_level(from) {
        moves.push(Stage::of(Appealed, Some(level)));
    }
    if from.status == Appealed {
        moves.extend([Stage::of(Won, None), Stage::of(Lost, None)]);
    }
    moves.push(Stage::of(WrittenOff, None));
    moves
}

/// The stage `to` names from `from` (an appeal goes one level up), or `BAD_USER_INPUT`
/// naming the allowed moves.
pub fn check_transition(from: Stage, to: EscalationStatus) -> ApiResult<Stage> {
    let allowed = allowed_moves(from);
    if let Some(stage) = allowed.iter().find(|s| s.status == to) {
        return Ok(*stage);
    }
    let names: Vec<String> = allowed.iter().map(|s| s.name()).collect();
    let allowed = if names.is_empty() { "none: it is finished".to_owned() } else { names.join(", ") };
    Err(ApiError::BadUserInput(format!(
        "an escalation that is {} cannot move to {}; allowed: {allowed}",
        from.name(),
        status_name(to)
    )))
}

/// The payer's filing window for an appeal at `level`, in days.
pub fn window_days(payer: &payer::Model, level: AppealLevel) -> i64 {
    i64::from(match level {
        AppealLevel::Level1 => payer.level_1_appeal_days,
        AppealLevel::Level2 => payer.level_2_appeal_days,
        AppealLevel::External => payer.external_review_days,
    })
}

/// The first appeal's deadline of a denial received on `denied_on`.
pub fn first_appeal_deadline(payer: &payer::Model, denied_on: NaiveDate) -> NaiveDate {
    denied_on + Duration::days(window_days(payer, AppealLevel::Level1))
}

/// The deadline to watch once an appeal at `level` was sent on `sent_on`: the next level's
/// window counted from the day it was sent. The payer's decision, from which the real window
/// runs, comes after that day, so this is never later than the real deadline: the queue errs
/// early. An external review is the last level; its deadline stays as it was.
pub fn deadline_after_appeal(payer: &payer::Model, level: AppealLevel, sent_on: NaiveDate) -> Option<NaiveDate> {
    let next = match level {
        AppealLevel::Level1 => AppealLevel::Level2,
        AppealLevel::Level2 => AppealLevel::External,
        AppealLevel::External => return None,
    };
    Some(sent_on + Duration::days(window_days(payer, next)))
}

/// What the claim's status becomes when its escalation reaches `to`, given what the payer
/// denied and (for a won appeal) what it recovered. `None`: the claim is unchanged.
pub fn claim_status_after(
    to: EscalationStatus,
    denied_cents: i64,
    recovered_cents: Option<i64>,
) -> Option<ClaimStatus> {
    match to {
        EscalationStatus::Appealed => Some(ClaimStatus::Appealed),
        EscalationStatus::Won if recovered_cents.unwrap_or(0) >= denied_cents => Some(ClaimStatus::Paid),
        EscalationStatus::Won => Some(ClaimStatus::PartiallyPaid),
        EscalationStatus::Lost => Some(ClaimStatus::Denied),
        EscalationStatus::WrittenOff => Some(ClaimStatus::WrittenOff),
        EscalationStatus::Open | EscalationStatus::InReview => None,
    }
}

/// Write-offs at or above this many cents wait for a second ops member (`WARD_WRITE_OFF_APPROVAL_CENTS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOffThreshold(pub i64);

impl Default for WriteOffThreshold {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl WriteOffThreshold {
    pub const DEFAULT: Self = WriteOffThreshold(50_000);

    pub fn needs_approval(self, amount_cents: i64) -> bool {
        amount_cents >= self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppealLevel::*;
    use EscalationStatus::*;

    fn stage(status: EscalationStatus, level: Option<AppealLevel>) -> Stage {
        Stage::of(status, level)
    }

    #[test]
    fn the_transition_table_is_designs() {
        let open = stage(Open, None);
        let review = stage(InReview, None);
        let (l1, l2, ext) =
            (stage(Appealed, Some(Level1)), stage(Appealed, Some(Level2)), stage(Appealed, Some(External)));
        for (from, to, reached) in [
            (open, InReview, review),
            (open, WrittenOff, stage(WrittenOff, None)),
            (review, Appealed, l1),
            (review, WrittenOff, stage(WrittenOff, None)),
            (l1, Appealed, l2),
            (l2, Appealed, ext),
            (l1, Won, stage(Won, None)),
            (l2, Lost, stage(Lost, None)),
            (ext, Won, stage(Won, None)),
            (ext, WrittenOff, stage(WrittenOff, None)),
        ] {
            assert_eq!(check_transition(from, to).unwrap(), reached, "{from:?} -> {to:?}");
        }
        for (from, to) in [
            (open, Appealed),
            (open, Won),
            (review, Won),
            (review, Open),
            (ext, Appealed),
            (stage(Won, None), WrittenOff),
            (stage(Lost, None), Appealed),
            (stage(WrittenOff, None), Open),
            (l1, InReview),
        ] {
            assert!(check_transition(from, to).is_err(), "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn a_refused_move_names_the_allowed_ones() {
        let err = check_transition(stage(Appealed, Some(Level1)), Open).unwrap_err();
        assert_eq!(
            err.message(),
            "an escalation that is appealed (level 1) cannot move to open; allowed: appealed (level 2), won, lost, written_off"
        );
        let err = check_transition(stage(Lost, None), Won).unwrap_err();
        assert!(err.message().ends_with("allowed: none: it is finished"), "{}", err.message());
    }

    #[test]
    fn deadlines_follow_the_payers_windows() {
        let payer = payer::Model {
            id: uuid::Uuid::nil(),
            name: "Test".into(),
            level_1_appeal_days: 180,
            level_2_appeal_days: 60,
            external_review_days: 120,
            timely_filing_days: 90,
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        let day = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        assert_eq!(first_appeal_deadline(&payer, day), NaiveDate::from_ymd_opt(2026, 7, 9).unwrap());
        assert_eq!(deadline_after_appeal(&payer, Level1, day), NaiveDate::from_ymd_opt(2026, 3, 11));
        assert_eq!(deadline_after_appeal(&payer, Level2, day), NaiveDate::from_ymd_opt(2026, 5, 10));
        assert_eq!(deadline_after_appeal(&payer, External, day), None);
    }

    #[test]
    fn the_claim_follows_its_escalation() {
        assert_eq!(claim_status_after(Appealed, 100, None), Some(ClaimStatus::Appealed));
        assert_eq!(claim_status_after(Won, 100, Some(100)), Some(ClaimStatus::Paid));
        assert_eq!(claim_status_after(Won, 100, Some(40)), Some(ClaimStatus::PartiallyPaid));
        assert_eq!(claim_status_after(Lost, 100, None), Some(ClaimStatus::Denied));
        assert_eq!(claim_status_after(WrittenOff, 100, None), Some(ClaimStatus::WrittenOff));
        assert_eq!(claim_status_after(InReview, 100, None), None);
        assert!(WriteOffThreshold::default().needs_approval(50_000));
        assert!(!WriteOffThreshold::default().needs_approval(49_999));
    }
}
