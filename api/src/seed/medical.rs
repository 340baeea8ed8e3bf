//! The medical world of a session: its care record (a progress note, a treatment plan or an
//! assessment, in synthetic clinical prose), some edited since (with the revision kept), and
//! some reviewed, with scores and flags that follow the provider's documentation habits, so
//! the provider ranking has something to rank.

use super::names::{NOTE_OPENINGS, NOTE_PLANS};
use super::population::{Generator, Rows, Staff};
use chrono::{DateTime, Duration, Utc};
use entities::care_review::CareReviewStatus;
use entities::{care_record, care_record_revision, care_review};
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

const ASSESSMENT_FINDINGS: &[&str] = &[
    "PHQ-9 score 14 (moderate); GAD-7 score 12 (moderate).",
    "PHQ-9 score 9 (mild); GAD-7 score 16 (severe).",
    "PCL-5 score 41, consistent with posttraumatic stress.",
    "PHQ-9 score 19 (moderately severe); sleep and appetite disturbed.",
];

const GOALS: &[&str] = &[
    "Reduce PHQ-9 below 10 within 12 weeks.",
    "Return to work full time within 8 weeks.",
    "Use two coping skills during panic episodes, self-reported weekly.",
    "Sleep at least 6 hours on 5 nights a week.",
];

const EDIT_REASONS: &[&str] = &[
    "Corrected the session date in the note",
    "Added the risk assessment that was left out",
    "Diagnosis code updated after the intake interview",
    "Removed text pasted from another client's note",
];

const FINDINGS: &[&str] = &[
    "Note documents the risk assessment and a measurable plan.",
    "Plan is present but goals are not measurable.",
    "Risk is mentioned without an assessment or safety plan.",
    "Documentation supports the diagnosis and the level of care.",
];

/// How well a provider documents, from 1.8 to 4.8: a stable trait per provider.
fn skill(provider: Uuid) -> f64 {
    1.8 + (provider.as_u128() % 1_000) as f64 / 1_000.0 * 3.0
}

fn body(g: &mut Generator, kind: &str) -> String {
    match kind {
        "assessment" => format!(
            "Reason for referral: {}.\nHistory: onset about {} months ago; no prior treatment.\nMental status: alert, oriented, affect congruent.\nRisk: denies suicidal ideation, intent or plan; no history of attempts.\nMeasures: {}\nImpression and plan: outpatient psychotherapy, weekly.",
            g.pick(NOTE_OPENINGS).to_lowercase(),
            g.rng.u32(2..=18),
            g.pick(ASSESSMENT_FINDINGS),
        ),
        "treatment_plan" => format!(
            "Problem: {}.\nGoal 1: {}\nGoal 2: {}\nInterventions: CBT, weekly 45-minute sessions; homework between sessions.\nReview: in 90 days or sooner if risk changes.",
            g.pick(NOTE_OPENINGS).to_lowercase(),
            g.pick(GOALS),
            g.pick(GOALS),
        ),
        _ => format!(
            "S: {}.\nO: Engaged, on time; mood described as {}.\nA: Progress toward goals is {}.\n{}",
            g.pick(NOTE_OPENINGS),
            g.pick(&["low", "anxious", "stable", "brighter"]),
            g.pick(&["steady", "slow", "good"]),
            g.pick(NOTE_PLANS),
        ),
    }
}

/// The record of one completed session (`nth` of the patient's), with its revision and
/// review where the dice say so.
#[allow(clippy::too_many_arguments)]
pub(super) fn care_record_for(
    g: &mut Generator,
    rows: &mut Rows,
    staff: &Staff,
    patient_id: Uuid,
    provider_id: Uuid,
    appointment_id: Uuid,
    session_at: DateTime<Utc>,
    nth: usize,
    diagnosis_codes: &str,
) {
    let kind = match nth {
        0 => "assessment",
        n if n % 3 == 1 => "treatment_plan",
        _ => "progress_note",
    };
    let skill = skill(provider_id);
    // Weaker documenters write late more often.
    let late = g.rng.f64() * 5.0 > skill + 0.8;
    let written_at =
        session_at + if late { Duration::hours(g.rng.i64(80..200)) } else { Duration::hours(g.rng.i64(1..30)) };
    let written_at = written_at.min(g.now);
    let id = g.id();
    let mut text = body(g, kind);
    let mut version = 1;
    let mut editor = None;
    if g.chance(8) && !staff.medical.is_empty() {
        let who = *g.pick(&staff.medical);
        let old = text.clone();
        text.push_str("\nAddendum: risk reassessed; safety plan reviewed with the client.");
        rows.care_record_revisions.push(care_record_revision::ActiveModel {
            id: Set(g.id()),
            care_record_id: Set(id),
            replaced_version: Set(1),
            editor_id: Set(Some(who)),
            import_file_id: Set(None),
            reason: Set((*g.pick(EDIT_REASONS)).to_owned()),
            old_body: Set(old),
            old_diagnosis_codes: Set(diagnosis_codes.to_owned()),
            approved_by: Set(None),
            created_at: Set((written_at + Duration::days(1)).min(g.now)),
        });
        version = 2;
        editor = Some(who);
    }
    rows.care_records.push(care_record::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        provider_id: Set(provider_id),
        appointment_id: Set(Some(appointment_id)),
        kind: Set(kind.to_owned()),
        body: Set(text),
        diagnosis_codes: Set(diagnosis_codes.to_owned()),
        created_at: Set(written_at),
        updated_at: Set(written_at),
        version: Set(version),
        external_id: Set(None),
        security_labels: Set(String::new()),
    });
    review_for(g, rows, staff, (id, version), editor, written_at, skill, late);
}

/// One record in seven (roughly) has a review by someone who did not edit it, scored and
/// flagged by how well its provider documents.
#[allow(clippy::too_many_arguments)]
fn review_for(
    g: &mut Generator,
    rows: &mut Rows,
    staff: &Staff,
    (id, record_version): (Uuid, i32),
    editor: Option<Uuid>,
    written_at: DateTime<Utc>,
    skill: f64,
    late: bool,
) {
    let reviewers: Vec<Uuid> = staff.medical.iter().copied().filter(|m| Some(*m) != editor).collect();
    if reviewers.is_empty() || !g.chance(15) {
        return;
    }
    let status = match g.rng.u32(..10) {
        0 => CareReviewStatus::Pending,
        1 => CareReviewStatus::InReview,
        _ => CareReviewStatus::Completed,
    };
    let reviewer = *g.pick(&reviewers);
    let done = status == CareReviewStatus::Completed;
    let requested = (written_at + Duration::days(1)).min(g.now);
    let started = (status != CareReviewStatus::Pending).then(|| (written_at + Duration::days(2)).min(g.now));
    let completed = done.then(|| (written_at + Duration::days(3)).min(g.now));
    let score = (skill + g.rng.f64() * 1.6 - 0.8).round().clamp(1.0, 5.0) as i16;
    let mut flags: Vec<&str> = Vec::new();
    if late {
        flags.push("late_note");
    }
    for (flag, base) in [
        ("risk_not_documented", 5.0),
        ("missing_treatment_goals", 4.6),
        ("missing_outcome_measure", 5.2),
        ("plan_not_updated", 4.4),
        ("diagnosis_not_supported", 3.6),
    ] {
        if g.rng.f64() * base > skill {
            flags.push(flag);
        }
    }
    rows.care_reviews.push(care_review::ActiveModel {
        id: Set(g.id()),
        care_record_id: Set(id),
        requested_by: Set(reviewer),
        reviewer_id: Set(Some(reviewer)),
        status: Set(status),
        score: Set(done.then_some(score)),
        findings: Set(done.then(|| (*g.pick(FINDINGS)).to_owned())),
        flags: Set(if done { flags.join(",") } else { String::new() }),
        started_at: Set(started),
        completed_at: Set(completed),
        created_at: Set(requested),
        updated_at: Set(completed.or(started).unwrap_or(requested)),
        version: Set(1 + i32::from(started.is_some()) + i32::from(done)),
        record_version: Set(done.then_some(record_version)),
    });
}
