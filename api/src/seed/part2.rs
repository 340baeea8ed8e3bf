//! A 42 CFR Part 2 program and what it holds: one counsellor of a substance-use program,
//! and for [`PATIENTS`] patients a claim with a substance-use diagnosis and a session note,
//! all labelled `sud_part2` by the same rule ingest applies. The first patient's consent is
//! in force (medical for treatment, ops for payment), the second's was revoked, the third
//! gave none: the demo shows a Part 2 value opening, and being refused, on the first command.

use chrono::{DateTime, Datelike, Duration, Utc};
use entities::claim::ClaimStatus;
use entities::{care_record, claim, patient, patient_permission, provider};
use policies::labels;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

/// How many of the program's patients the demo holds.
const PATIENTS: usize = 3;
/// One patient in this many (by id) is one of the program's.
const EVERY: u64 = 40;

/// What each patient's claim and note say: diagnoses (ICD-10-CM) and the note's text.
const CASES: [(&str, &str); PATIENTS] = [
    (
        "F10.20",
        "Counselling session, Harbor Recovery. Reviewed the relapse-prevention plan; client reports 60 days \
         without alcohol and attends two mutual-help meetings a week. Cravings rated 3 of 10.",
    ),
    (
        "F11.20",
        "Medication-assisted treatment visit, Harbor Recovery. Client stable on buprenorphine; urine screen \
         negative for opioids. Discussed return to work and childcare stressors.",
    ),
    (
        "F10.20,F41.1",
        "Intake, Harbor Recovery. Alcohol use disorder with generalized anxiety; client referred by primary \
         care after a fall. Agreed to weekly counselling and a psychiatric review.",
    ),
];

pub(super) async fn insert(
    db: &impl ConnectionTrait,
    id: &mut impl FnMut() -> Uuid,
    recorder: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    // From the end of the population: the demo's first patients stay as they were.
    let patients =
        patient::Entity::find().order_by_desc(patient::Column::Id).limit(EVERY * PATIENTS as u64).all(db).await?;
    let chosen: Vec<&patient::Model> = patients.iter().step_by(EVERY as usize).take(PATIENTS).collect();
    if chosen.is_empty() {
        return Ok(0);
    }
    let program = id();
    provider::Entity::insert(program_row(program, now)).exec(db).await?;
    let mut written = 1;
    for (n, (patient, (codes, text))) in chosen.iter().zip(CASES).enumerate() {
        let day = now - Duration::days(10 + 7 * n as i64);
        claim::Entity::insert(claim_row(id(), patient, program, day, n, codes)).exec(db).await?;
        care_record::Entity::insert(care_record::ActiveModel {
            id: Set(id()),
            patient_id: Set(patient.id),
            provider_id: Set(program),
            appointment_id: Set(None),
            kind: Set("progress_note".into()),
            body: Set(text.to_owned()),
            diagnosis_codes: Set(codes.to_owned()),
            created_at: Set(day),
            updated_at: Set(day),
            version: Set(1),
            external_id: Set(None),
            security_labels: Set(labels::care_record_labels(true).to_text()),
        })
        .exec(db)
        .await?;
        written += 2;
    }
    let consents = consents(&chosen, id, recorder, now);
    written += consents.len() as u64;
    patient_permission::Entity::insert_many(consents).exec(db).await?;
    Ok(written)
}

/// The program's counsellor.
fn program_row(id: Uuid, now: DateTime<Utc>) -> provider::ActiveModel {
    provider::ActiveModel {
        id: Set(id),
        npi: Set(super::population::synthetic_npi(900_000)),
        first_name: Set("Rosa".into()),
        last_name: Set("Delgado".into()),
        credential: Set("LADC".into()),
        specialty: Set("Substance use counselling (Harbor Recovery, a Part 2 program)".into()),
        state: Set("MA".into()),
        email: Set("rosa.delgado@harbor-recovery.example.com".into()),
        active: Set(true),
        created_at: Set(now - Duration::days(400)),
        updated_at: Set(now - Duration::days(400)),
        version: Set(1),
        external_id: Set(None),
        part2_program: Set(true),
    }
}

/// The `n`th patient's claim from the program, labelled as ingest would label it.
fn claim_row(
    id: Uuid,
    patient: &patient::Model,
    program: Uuid,
    day: DateTime<Utc>,
    n: usize,
    codes: &str,
) -> claim::ActiveModel {
    claim::ActiveModel {
        id: Set(id),
        claim_number: Set(format!("CLM-{}-{:07}", day.year(), 9_000_000 + n)),
        patient_id: Set(patient.id),
        provider_id: Set(program),
        appointment_id: Set(None),
        payer: Set(patient.payer.clone()),
        service_date: Set(day.date_naive()),
        billed_cents: Set(15_000),
        allowed_cents: Set(Some(12_000)),
        paid_cents: Set(12_000),
        status: Set(ClaimStatus::Paid),
        diagnosis_codes: Set(codes.to_owned()),
        procedure_codes: Set("90834".into()),
        appeal_deadline: Set(None),
        submitted_at: Set(day + Duration::days(2)),
        created_at: Set(day + Duration::days(2)),
        updated_at: Set(day + Duration::days(2)),
        version: Set(1),
        security_labels: Set(labels::claim_labels(true, codes.split(',')).to_text()),
    }
}

/// The first patient's consent in force, and the second's, revoked.
fn consents(
    chosen: &[&patient::Model],
    id: &mut impl FnMut() -> Uuid,
    recorder: Uuid,
    now: DateTime<Utc>,
) -> Vec<patient_permission::ActiveModel> {
    let today = now.date_naive();
    let days = |d: i64| today.checked_add_signed(Duration::days(d)).unwrap_or(today);
    let consent = |patient: Uuid, id: Uuid, document: &str| patient_permission::ActiveModel {
        id: Set(id),
        patient_id: Set(patient),
        kind: Set("part2_consent".into()),
        covers: Set("sud_part2".into()),
        teams: Set("medical,ops".into()),
        staff: Set(String::new()),
        purposes: Set("payment,treatment".into()),
        valid_from: Set(days(-60)),
        valid_until: Set(days(305)),
        document: Set(document.into()),
        recorded_by: Set(recorder),
        recorded_at: Set(now - Duration::days(60)),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoke_reason: Set(None),
    };
    let mut consents = Vec::new();
    if let Some(first) = chosen.first() {
        consents.push(consent(first.id, id(), "Part 2 consent for treatment and payment, signed form SUD-2207"));
    }
    if let Some(second) = chosen.get(1) {
        let mut revoked = consent(second.id, id(), "Part 2 consent for treatment and payment, signed form SUD-1988");
        revoked.revoked_at = Set(Some(now - Duration::days(5)));
        revoked.revoked_by = Set(Some(recorder));
        revoked.revoke_reason = Set(Some("The patient withdrew consent in writing (letter of record)".into()));
        consents.push(revoked);
    }
    consents
}
