//! The records that need more than a role: a psychotherapy note for one patient in
//! [`EVERY`] who has care records, an authorization in force for the first of them (medical,
//! for treatment) and one that lapsed for the second, and a Part 2 program's records
//! ([`super::part2`]), so the first command shows the rules at work. Written after the population, with ids of their own that sort after it, so the rest
//! of the demo data is the same with or without them.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entities::{care_record, patient_permission, staff};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// One patient in this many (of those with care records) has a psychotherapy note.
const EVERY: usize = 25;
/// Ids here start at 2026-06-01, after every id of the population.
const ID_EPOCH_MS: u64 = 1_780_272_000_000;

const NOTES: &[&str] = &[
    "Process note, for the therapist only. Client returned to the loss of her father; I notice my own \
     urge to reassure. Transference: she addresses me as she describes addressing him. Hypothesis: grief \
     held off by caretaking others. Next: stay with the affect rather than the story.",
    "Session impressions. He minimised the argument with his partner, then wept when describing the drive \
     home. Countertransference: irritation at the minimising, worth watching. Working hypothesis: shame \
     about needing help. Consider exploring the earlier pattern with his brother.",
];

pub async fn insert(db: &impl ConnectionTrait, seed: u64, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_0022);
    let mut next_ms = ID_EPOCH_MS;
    let mut id = move || {
        let mut random = [0u8; 10];
        rng.fill(&mut random);
        next_ms += 1;
        uuid::Builder::from_unix_timestamp_millis(next_ms, &random).into_uuid()
    };
    let records = care_record::Entity::find().order_by_asc(care_record::Column::Id).all(db).await?;
    let mut patients: Vec<&care_record::Model> = Vec::new();
    for record in &records {
        if !patients.iter().any(|p| p.patient_id == record.patient_id) {
            patients.push(record);
        }
    }
    let mut notes = Vec::new();
    for (n, latest) in patients.iter().step_by(EVERY).enumerate() {
        let at = (latest.created_at + Duration::hours(1)).min(now);
        notes.push(care_record::ActiveModel {
            id: Set(id()),
            patient_id: Set(latest.patient_id),
            provider_id: Set(latest.provider_id),
            appointment_id: Set(latest.appointment_id),
            kind: Set(tools::medical::workflow::PSYCHOTHERAPY_NOTE.to_owned()),
            body: Set(NOTES[n % NOTES.len()].to_owned()),
            // A process note carries no billing codes of its own.
            diagnosis_codes: Set(String::new()),
            security_labels: Set(policies::SecurityLabel::PsychotherapyNote.as_str().to_owned()),
            created_at: Set(at),
            updated_at: Set(at),
            version: Set(1),
            external_id: Set(None),
        });
    }
    let noted: Vec<Uuid> = notes.iter().filter_map(|n| n.patient_id.clone().take()).collect();
    let written = notes.len() as u64;
    if !notes.is_empty() {
        care_record::Entity::insert_many(notes).exec(db).await?;
    }
    let Some(cora) = staff::Entity::find().filter(staff::Column::Sub.eq("cora")).one(db).await? else {
        return Ok(written);
    };
    let today = now.date_naive();
    let days = |d: i64| today.checked_add_signed(Duration::days(d)).unwrap_or(today);
    let periods: [(NaiveDate, NaiveDate, &str); 2] = [
        (
            days(-30),
            days(335),
            "Authorization to release psychotherapy notes to the clinical team, signed form PA-1042",
        ),
        (days(-400), days(-35), "Authorization for care coordination, signed form PA-0871 (lapsed)"),
    ];
    let mut authorizations = Vec::new();
    for (patient, (from, until, document)) in noted.iter().zip(periods) {
        authorizations.push(patient_permission::ActiveModel {
            id: Set(id()),
            patient_id: Set(*patient),
            kind: Set("authorization".into()),
            covers: Set("psychotherapy_notes".into()),
            teams: Set("medical".into()),
            staff: Set(String::new()),
            purposes: Set("treatment".into()),
            valid_from: Set(from),
            valid_until: Set(until),
            document: Set(document.into()),
            recorded_by: Set(cora.id),
            recorded_at: Set(now - Duration::days(30)),
            revoked_at: Set(None),
            revoked_by: Set(None),
            revoke_reason: Set(None),
        });
    }
    let granted = authorizations.len() as u64;
    if !authorizations.is_empty() {
        patient_permission::Entity::insert_many(authorizations).exec(db).await?;
    }
    let part2 = super::part2::insert(db, &mut id, cora.id, now).await?;
    Ok(written + granted + part2)
}
