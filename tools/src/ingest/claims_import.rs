//! Importing an 837P: claims as the claims system sent them to payers, created or updated in
//! ward by claim number (CLM01), in the same two readings as a remittance (judge every set,
//! then write the sets that stood, each in one transaction).
//!
//! A claim is linked to its patient and provider, never to invented ones: the patient by the
//! medical record number the claims system writes in REF*EA (the practice-management
//! system's key for the patient, the directory's external id), else by the subscriber's
//! member id when the patient is the subscriber (SBR02 18); the provider by the rendering NPI
//! (or the billing NPI when no rendering provider is named). A claim whose patient or
//! provider ward does not know, or whose record number and member id name two patients, is
//! not written; the run counts it `unmatched` and its notes name its CLM segment (a dependent,
//! who has no member id of their own in 5010, is found by the record number alone). An existing claim is updated when what the
//! 837P says of it changed (its charge, codes, date of service or provider), else `unchanged`;
//! one ward holds for another patient is never moved to this one (`unmatched`, with a note).
//! A replacement (CLM05-3 7) updates the claim it replaces; a void (8) is not written, and
//! the notes name it.

use super::landing::{self, Analyzed, FileKind, Sender, blocking, io_error};
use super::report::{ImportReport, SetReport};
use crate::kit::transaction::begin_write;
use crate::kit::{ApiError, ApiResult};
use chrono::Utc;
use entities::claim::{self, ClaimStatus};
use entities::{import_file, patient, provider};
use policies::{Labels, Resource, labels};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use uuid::Uuid;
use x12::claims::{Claim, Claims, Item};

fn open(path: &Path) -> std::io::Result<Claims<std::io::BufReader<std::fs::File>>> {
    Ok(Claims::new(std::io::BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?)))
}

/// The first reading: every set judged, nothing written.
fn judge(path: &Path) -> std::io::Result<ImportReport> {
    let mut reader = open(path)?;
    let mut report = ImportReport::default();
    let mut claims = 0;
    while let Some(item) = reader.next() {
        match item {
            Err(error) => {
                report.file_problem = Some(error.to_string());
                return Ok(report);
            }
            Ok(Item::Claim(_)) => claims += 1,
            Ok(Item::Accepted { control, st, claims: n }) => {
                report.sets.push(SetReport {
                    control,
                    segment: st,
                    outcome: "imported".into(),
                    claims: n,
                    problem: None,
                });
                claims = 0;
            }
            Ok(Item::Refused { control, st, error }) => {
                let problem = Some(error.to_string());
                report.sets.push(SetReport { control, segment: st, outcome: "refused".into(), claims, problem });
                report.refused += 1;
                claims = 0;
            }
        }
    }
    Ok(report)
}

/// Imports the 837P at `path` as `sender`.
pub async fn import_837p(
    db: &DatabaseConnection,
    path: &Path,
    sender: &Sender,
) -> ApiResult<(import_file::Model, ImportReport)> {
    landing::import(db, path, sender, FileKind::Claims837P, async |_run| read_and_write(db, path).await).await
}

async fn read_and_write(db: &DatabaseConnection, path: &Path) -> ApiResult<ImportReport> {
    let owned = path.to_owned();
    let mut report = blocking(move || judge(&owned)).await?.map_err(|e| io_error(path, e))?;
    if report.file_problem.is_some() {
        return Ok(report);
    }
    let standing: HashSet<u64> = report.sets.iter().filter(|s| s.outcome != "refused").map(|s| s.segment).collect();
    let owned = path.to_owned();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Item>(256);
    let reading = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut reader = open(&owned)?;
        while let Some(Ok(item)) = reader.next() {
            if tx.blocking_send(item).is_err() {
                break;
            }
        }
        Ok(())
    });
    // A claim belongs to the set whose ST is the last before it; the judging said which
    // sets stand. Each standing set is one transaction, written a chunk at a time.
    let starts: Vec<u64> = report.sets.iter().map(|s| s.segment).collect();
    let stands = |segment: u64| {
        let set = starts.partition_point(|st| *st < segment).checked_sub(1);
        set.is_some_and(|i| standing.contains(&starts[i]))
    };
    let mut open: Option<DatabaseTransaction> = None;
    let mut chunk: Vec<Claim> = Vec::new();
    let mut analyzed = Analyzed::new("claim (claim_number)");
    while let Some(item) = rx.recv().await {
        match item {
            Item::Claim(claim) if stands(claim.segment) => {
                if open.is_none() {
                    open = Some(begin_write(db).await?);
                }
                chunk.push(*claim);
                if chunk.len() >= CHUNK
                    && let Some(txn) = &open
                {
                    write_chunk(txn, std::mem::take(&mut chunk), &mut report).await?;
                }
            }
            Item::Accepted { .. } => {
                if let Some(txn) = open.take() {
                    write_chunk(&txn, std::mem::take(&mut chunk), &mut report).await?;
                    txn.commit().await?;
                    analyzed.keep_up(db, report.created).await?;
                }
            }
            Item::Claim(_) | Item::Refused { .. } => {}
        }
    }
    reading
        .await
        .map_err(|e| ApiError::internal("reading a file", anyhow::anyhow!(e)))?
        .map_err(|e| io_error(path, e))?;
    Ok(report)
}

/// An ICD-10-CM code with its point restored (`F4310` → `F43.10`), as ward stores codes.
fn with_point(code: &str) -> String {
    if code.len() > 3 { format!("{}.{}", &code[..3], &code[3..]) } else { code.to_owned() }
}

/// Claims written per round trip.
pub const CHUNK: usize = 500;

/// What ward knows of a chunk's claims: their patients (by member id), providers (by NPI),
/// and the claims it holds already (by number).
struct Known {
    patients: HashMap<String, patient::Model>,
    /// By external id (the medical record number of REF*EA).
    records: HashMap<String, patient::Model>,
    providers: HashMap<String, provider::Model>,
    existing: HashMap<String, claim::Model>,
}

impl Known {
    async fn of(txn: &DatabaseTransaction, claims: &[Claim]) -> ApiResult<Known> {
        let members: Vec<&str> =
            claims.iter().filter(|c| c.patient_is_subscriber).map(|c| c.member_id.as_str()).collect();
        let patients = patient::Entity::find().filter(patient::Column::MemberId.is_in(members)).all(txn).await?;
        let numbers: Vec<&str> = claims.iter().filter_map(|c| c.medical_record.as_deref()).collect();
        let records = patient::Entity::find().filter(patient::Column::ExternalId.is_in(numbers)).all(txn).await?;
        let npis: Vec<&str> = claims.iter().flat_map(|c| [npi_of(c), c.billing_npi.as_str()]).collect();
        let providers = provider::Entity::find().filter(provider::Column::Npi.is_in(npis)).all(txn).await?;
        let numbers: Vec<&str> = claims.iter().map(|c| c.claim_number.as_str()).collect();
        let existing = claim::Entity::find().filter(claim::Column::ClaimNumber.is_in(numbers)).all(txn).await?;
        Ok(Known {
            patients: patients.into_iter().map(|p| (p.member_id.clone(), p)).collect(),
            records: records.into_iter().filter_map(|p| Some((p.external_id.clone()?, p))).collect(),
            providers: providers.into_iter().map(|p| (p.npi.clone(), p)).collect(),
            existing: existing.into_iter().map(|c| (c.claim_number.clone(), c)).collect(),
        })
    }
}

/// The provider a claim is ward's for: its rendering provider, else its billing provider.
fn npi_of(claim: &Claim) -> &str {
    claim.rendering_npi.as_deref().unwrap_or(&claim.billing_npi)
}

/// What the 837P says of a claim, as ward's columns hold it.
struct Said {
    billed_cents: i64,
    diagnosis_codes: String,
    procedure_codes: String,
    service_date: chrono::NaiveDate,
    patient_id: Uuid,
    provider_id: Uuid,
    /// The labels the claim gets by itself (`sud_part2`).
    labels: Labels,
}

impl Said {
    /// `part2_program`: whether the rendering or the billing provider is a Part 2 program.
    fn of(sent: &Claim, patient: &patient::Model, provider: &provider::Model, part2_program: bool) -> Said {
        let diagnoses = sent.diagnoses.iter().map(|d| with_point(d)).collect::<Vec<_>>();
        Said {
            labels: labels::claim_labels(part2_program, diagnoses.iter().map(String::as_str)),
            billed_cents: sent.charge_cents,
            diagnosis_codes: diagnoses.join(","),
            procedure_codes: sent.lines.iter().map(|l| l.procedure.as_str()).collect::<Vec<_>>().join(","),
            service_date: sent.lines.iter().map(|l| l.service_date).min().unwrap_or_default(),
            patient_id: patient.id,
            provider_id: provider.id,
        }
    }

    fn matches(&self, claim: &claim::Model) -> bool {
        claim.billed_cents == self.billed_cents
            && claim.diagnosis_codes == self.diagnosis_codes
            && claim.procedure_codes == self.procedure_codes
            && claim.service_date == self.service_date
            && claim.provider_id == self.provider_id
            && claim.patient_id == self.patient_id
            && Labels::parse(&claim.security_labels).union(self.labels) == Labels::parse(&claim.security_labels)
    }

    /// `row` as the 837P says; its labels gain the claim's own and lose none (removing a
    /// label is a second person's decision, never a file's).
    fn onto(self, mut row: claim::ActiveModel, held: Labels) -> claim::ActiveModel {
        row.security_labels = Set(held.union(self.labels).to_text());
        row.billed_cents = Set(self.billed_cents);
        row.diagnosis_codes = Set(self.diagnosis_codes);
        row.procedure_codes = Set(self.procedure_codes);
        row.service_date = Set(self.service_date);
        row.provider_id = Set(self.provider_id);
        row.patient_id = Set(self.patient_id);
        row.updated_at = Set(Utc::now());
        row
    }
}

async fn write_chunk(txn: &DatabaseTransaction, claims: Vec<Claim>, report: &mut ImportReport) -> ApiResult<()> {
    if claims.is_empty() {
        return Ok(());
    }
    let known = Known::of(txn, &claims).await?;
    for sent in &claims {
        // A void (CLM05-3 8) repeats the claim it cancels: read as a claim, it would rewrite
        // or create what the claims system has withdrawn. ward has no voided state for a
        // claim yet, so a void is not written, and the notes say so for ops to act on.
        if sent.frequency == "8" {
            report.notes.push(format!(
                "segment {} (CLM): a void (CLM05-3 8); ward does not void claims from an 837P: not written",
                sent.segment
            ));
            continue;
        }
        let by_member = known.patients.get(&sent.member_id).filter(|_| sent.patient_is_subscriber);
        let by_record = sent.medical_record.as_ref().and_then(|number| known.records.get(number));
        if let (Some(a), Some(b)) = (by_member, by_record)
            && a.id != b.id
        {
            report.unmatched += 1;
            report.notes.push(format!(
                "segment {} (CLM): its record number (REF*EA) and member id name two patients; not written",
                sent.segment
            ));
            continue;
        }
        let patient = by_record.or(by_member);
        let (Some(patient), Some(provider)) = (patient, known.providers.get(npi_of(sent))) else {
            report.unmatched += 1;
            let missing = if patient.is_none() { "its patient" } else { "its provider" };
            report
                .notes
                .push(format!("segment {} (CLM): {missing} is not in the directory; not written", sent.segment));
            continue;
        };
        let part2_program = provider.part2_program
            || known.providers.get(sent.billing_npi.as_str()).is_some_and(|billing| billing.part2_program);
        let said = Said::of(sent, patient, provider, part2_program);
        match known.existing.get(&sent.claim_number) {
            // A claim number ward holds for another patient is not moved to this one: one
            // patient's billing never becomes another's because a number was reused.
            Some(claim) if claim.patient_id != patient.id => {
                report.unmatched += 1;
                report.notes.push(format!(
                    "segment {} (CLM): the claim number is another patient's claim in ward; not written",
                    sent.segment
                ));
            }
            Some(claim) if said.matches(claim) => report.unchanged += 1,
            Some(claim) => {
                let held = Labels::parse(&claim.security_labels);
                let mut row = said.onto(claim.clone().into(), held);
                row.version = Set(claim.version + 1);
                let updated = row.update(txn).await?;
                // Labels it gained reach the tickets written about it.
                let gained = Labels::parse(&updated.security_labels).without_all(held);
                crate::compliance::labels_service::label_tickets_about(txn, Resource::Claim, claim.id, gained).await?;
                report.updated += 1;
            }
            None => {
                let now = Utc::now();
                let row = claim::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    claim_number: Set(sent.claim_number.clone()),
                    appointment_id: Set(None),
                    payer: Set(patient.payer.clone()),
                    allowed_cents: Set(None),
                    paid_cents: Set(0),
                    status: Set(ClaimStatus::Submitted),
                    appeal_deadline: Set(None),
                    submitted_at: Set(now),
                    created_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                };
                said.onto(row, Labels::NONE).insert(txn).await?;
                report.created += 1;
            }
        }
    }
    Ok(())
}
