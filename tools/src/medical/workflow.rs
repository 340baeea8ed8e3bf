//! The medical team's rules: the kinds of care record, a review's transition table, the fixed
//! list of review flags, scores, edit reasons, the shape of a diagnosis code, and when a note
//! is late.

use crate::kit::{ApiError, ApiResult};
use entities::care_review::CareReviewStatus;

/// The kinds of care record, as stored.
pub const KINDS: [&str; 4] = ["progress_note", "treatment_plan", "assessment", PSYCHOTHERAPY_NOTE];

/// A therapist's psychotherapy note (45 CFR 164.501): its text and codes are the class
/// `psychotherapy_notes`, which only the patient's authorization opens. Nobody in ward edits
/// or reviews one (both would read it); it comes from the practice-management system.
pub const PSYCHOTHERAPY_NOTE: &str = "psychotherapy_note";

/// The class a record's text and codes disclose.
pub fn class_of(kind: &str) -> policies::PhiClass {
    if kind == PSYCHOTHERAPY_NOTE { policies::PhiClass::PsychotherapyNotes } else { policies::PhiClass::Clinical }
}

/// `FORBIDDEN`, labelled, for work that would read a psychotherapy note (`what`: editing,
/// reviewing); `Ok` for any other kind.
pub fn not_a_psychotherapy_note(kind: &str, what: &str) -> ApiResult<()> {
    if kind != PSYCHOTHERAPY_NOTE {
        return Ok(());
    }
    Err(ApiError::Restricted {
        label: policies::SecurityLabel::PsychotherapyNote,
        message: format!(
            "restricted: psychotherapy note. {what} would read it; it is kept by the therapist who wrote it, in the practice-management system"
        ),
    })
}

/// What a care-quality review may flag, as stored (none is a substring of another, so a
/// stored list can be searched by name).
pub const FLAGS: [(&str, &str); 8] = [
    ("risk_not_documented", "Suicide or self-harm risk not assessed or not documented"),
    ("missing_treatment_goals", "No measurable treatment goals"),
    ("late_note", "Note written long after the session"),
    ("diagnosis_not_supported", "The note does not support the diagnosis billed"),
    ("plan_not_updated", "Treatment plan not updated as the patient changed"),
    ("missing_outcome_measure", "No standardised outcome measure (PHQ-9, GAD-7, ...)"),
    ("no_safety_plan", "Risk identified but no safety plan"),
    ("medical_necessity_unclear", "Medical necessity for the level of care unclear"),
];

pub fn review_status_name(status: CareReviewStatus) -> &'static str {
    match status {
        CareReviewStatus::Pending => "pending",
        CareReviewStatus::InReview => "in_review",
        CareReviewStatus::Completed => "completed",
    }
}

/// Where a review may move from `from`: `pending → in_review` (`startCareReview`) `→
/// completed` (`completeCareReview`).
pub fn review_moves(from: CareReviewStatus) -> &'static [CareReviewStatus] {
    match from {
        CareReviewStatus::Pending => &[CareReviewStatus::InReview],
        CareReviewStatus::InReview => &[CareReviewStatus::Completed],
        CareReviewStatus::Completed => &[],
    }
}

/// A move of the review's table, or `BAD_USER_INPUT` naming the allowed ones.
pub fn check_review_move(from: CareReviewStatus, to: CareReviewStatus) -> ApiResult<()> {
    let allowed = review_moves(from);
    if allowed.contains(&to) {
        return Ok(());
    }
    let names: Vec<&str> = allowed.iter().map(|s| review_status_name(*s)).collect();
    let allowed = if names.is_empty() { "none: it is completed".to_owned() } else { names.join(", ") };
    let hint = if from == CareReviewStatus::Pending { " (start it with `startCareReview`)" } else { "" };
    Err(ApiError::BadUserInput(format!(
        "a review that is {} cannot move to {}; allowed: {allowed}{hint}",
        review_status_name(from),
        review_status_name(to)
    )))
}

/// A note written more than this many hours after its session is late.
pub const LATE_NOTE_HOURS: i64 = 72;

/// An edit says why, in at least this many characters.
pub const MIN_REASON_CHARS: usize = 10;
pub const MAX_REASON_CHARS: usize = 2_000;
pub const MAX_BODY_CHARS: usize = 64_000;
pub const MAX_FINDINGS_CHARS: usize = 16_000;

pub fn reason(text: &str) -> ApiResult<String> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars < MIN_REASON_CHARS {
        return Err(ApiError::BadUserInput(format!(
            "`reason` must say why in at least {MIN_REASON_CHARS} characters (it has {chars}): it is kept with the revision"
        )));
    }
    if chars > MAX_REASON_CHARS {
        return Err(ApiError::BadUserInput(format!("`reason` is at most {MAX_REASON_CHARS} characters")));
    }
    Ok(text.to_owned())
}

pub fn body(text: &str) -> ApiResult<String> {
    if text.trim().is_empty() {
        return Err(ApiError::BadUserInput("`body` must not be empty: a record is never blanked".into()));
    }
    if text.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::BadUserInput(format!("`body` is at most {MAX_BODY_CHARS} characters")));
    }
    Ok(text.to_owned())
}

/// ICD-10-CM shape: a letter, two characters (digits, or a digit and a letter), then an
/// optional dot and one to four more, e.g. `F41.1`, `F33.0`, `Z63.0`.
pub fn diagnosis_codes(codes: &[String]) -> ApiResult<String> {
    if codes.is_empty() || codes.len() > 12 {
        return Err(ApiError::BadUserInput("`diagnosisCodes` holds 1 to 12 codes".into()));
    }
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        let code = code.trim().to_uppercase();
        if !is_icd10(&code) {
            return Err(ApiError::BadUserInput(format!("{code:?} is not an ICD-10 code (like F41.1)")));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out.join(","))
}

pub fn is_icd10(code: &str) -> bool {
    let (head, tail) = code.split_once('.').unwrap_or((code, ""));
    let head: Vec<char> = head.chars().collect();
    head.len() == 3
        && head[0].is_ascii_uppercase()
        && head[1].is_ascii_digit()
        && head[2].is_ascii_alphanumeric()
        && (code.contains('.') && (1..=4).contains(&tail.len()) || !code.contains('.'))
        && tail.chars().all(|c| c.is_ascii_alphanumeric())
}

pub fn score(score: i32) -> ApiResult<i16> {
    if !(1..=5).contains(&score) {
        return Err(ApiError::BadUserInput(format!("`score` is 1 to 5, not {score}")));
    }
    Ok(score as i16)
}

pub fn findings(text: &str) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadUserInput("`findings` must say what the review found".into()));
    }
    if text.chars().count() > MAX_FINDINGS_CHARS {
        return Err(ApiError::BadUserInput(format!("`findings` is at most {MAX_FINDINGS_CHARS} characters")));
    }
    Ok(text.to_owned())
}

/// The stored form of a review's flags, each from [`FLAGS`].
pub fn flags(flags: &[String]) -> ApiResult<String> {
    let mut out: Vec<&str> = Vec::new();
    for flag in flags {
        let known = FLAGS.iter().find(|(name, _)| *name == flag.as_str()).map(|(name, _)| *name);
        let Some(name) = known else {
            let names: Vec<&str> = FLAGS.iter().map(|(n, _)| *n).collect();
            return Err(ApiError::BadUserInput(format!(
                "{flag:?} is not a review flag; the flags are: {}",
                names.join(", ")
            )));
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_checked_against_the_rules() {
        assert!(reason("too short").is_err());
        assert_eq!(reason("  Corrected the date of the session  ").unwrap(), "Corrected the date of the session");
        for code in ["F41.1", "F33.0", "Z63.0", "F43.10", "F90"] {
            assert!(is_icd10(code), "{code}");
        }
        for code in ["41.1", "F4", "F41.", "F41.12345", "FF1.1", "F41-1"] {
            assert!(!is_icd10(code), "{code}");
        }
        assert_eq!(diagnosis_codes(&["f41.1".into(), "F41.1".into(), "F33.0".into()]).unwrap(), "F41.1,F33.0");
        assert!(score(0).is_err() && score(6).is_err() && score(5).is_ok());
        assert_eq!(flags(&["late_note".into(), "late_note".into()]).unwrap(), "late_note");
        let err = flags(&["sloppy".into()]).unwrap_err();
        assert!(err.message().contains("risk_not_documented"), "{}", err.message());
        use CareReviewStatus::*;
        assert!(check_review_move(Pending, InReview).is_ok() && check_review_move(InReview, Completed).is_ok());
        for (from, to) in [(Pending, Completed), (InReview, Pending), (Completed, InReview), (Completed, Pending)] {
            assert!(check_review_move(from, to).is_err(), "{from:?} -> {to:?}");
        }
        let err = check_review_move(Pending, Completed).unwrap_err();
        assert!(err.message().contains("allowed: in_review"), "{}", err.message());
        for (a, _) in FLAGS {
            for (b, _) in FLAGS {
                assert!(a == b || !a.contains(b), "{a} contains {b}");
            }
        }
    }
}
