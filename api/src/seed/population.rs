//! Patients and their world: providers, appointments, care records, claims, denials,
//! escalations, tickets and care reviews, generated deterministically and inserted in batches.

use super::SeedOptions;
use super::batch::flush;
use super::names::*;
use chrono::{DateTime, Datelike, Duration, NaiveDate, SubsecRound as _, Utc};
use entities::appointment::AppointmentStatus;
use entities::claim::ClaimStatus;
use entities::ticket::{TicketChannel, TicketPriority, TicketStatus};
use entities::{
    appeal, appointment, care_record, care_record_revision, care_review, claim, denial, escalation, escalation_event,
    patient, provider, staff, ticket,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use tools::kit::codes::{CPT, ICD10};
use uuid::Uuid;

/// Patients generated and written per round, to bound memory on large seeds.
const PATIENTS_PER_ROUND: u32 = 2_000;
/// Ids are UUIDv7 on a fixed clock, so the same seed gives the same ids, in creation order.
const ID_EPOCH_MS: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

pub(super) struct Generator {
    pub(super) rng: fastrand::Rng,
    next_id_ms: u64,
    claims: u64,
    pub(super) now: DateTime<Utc>,
}

impl Generator {
    pub(super) fn id(&mut self) -> Uuid {
        let mut random = [0u8; 10];
        self.rng.fill(&mut random);
        self.next_id_ms += 1;
        uuid::Builder::from_unix_timestamp_millis(self.next_id_ms, &random).into_uuid()
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    pub(super) fn chance(&mut self, percent: u32) -> bool {
        self.rng.u32(..100) < percent
    }

    fn days_ago(&mut self, max_days: i64) -> DateTime<Utc> {
        self.now - Duration::minutes(self.rng.i64(0..max_days * 24 * 60))
    }
}

pub(super) struct Staff {
    pub(super) cx: Vec<Uuid>,
    pub(super) ops: Vec<Uuid>,
    pub(super) medical: Vec<Uuid>,
}

#[derive(Default)]
pub(super) struct Rows {
    patients: Vec<patient::ActiveModel>,
    appointments: Vec<appointment::ActiveModel>,
    pub(super) care_records: Vec<care_record::ActiveModel>,
    pub(super) care_record_revisions: Vec<care_record_revision::ActiveModel>,
    pub(super) care_reviews: Vec<care_review::ActiveModel>,
    claims: Vec<claim::ActiveModel>,
    pub(super) denials: Vec<denial::ActiveModel>,
    pub(super) escalations: Vec<escalation::ActiveModel>,
    pub(super) appeals: Vec<appeal::ActiveModel>,
    pub(super) escalation_events: Vec<escalation_event::ActiveModel>,
    tickets: Vec<ticket::ActiveModel>,
}

impl Rows {
    /// Writes parents before children, so every foreign key holds.
    async fn flush(&mut self, db: &impl ConnectionTrait) -> Result<u64, DbErr> {
        Ok(flush(db, &mut self.patients).await?
            + flush(db, &mut self.appointments).await?
            + flush(db, &mut self.care_records).await?
            + flush(db, &mut self.care_record_revisions).await?
            + flush(db, &mut self.care_reviews).await?
            + flush(db, &mut self.claims).await?
            + flush(db, &mut self.denials).await?
            + flush(db, &mut self.escalations).await?
            + flush(db, &mut self.appeals).await?
            + flush(db, &mut self.escalation_events).await?
            + flush(db, &mut self.tickets).await?)
    }
}

pub async fn insert(db: &impl ConnectionTrait, options: &SeedOptions) -> Result<u64, DbErr> {
    // Whole seconds: every backend stores them exactly.
    let now = Utc::now().trunc_subsecs(0);
    let mut g = Generator { rng: fastrand::Rng::with_seed(options.seed), next_id_ms: ID_EPOCH_MS, claims: 0, now };
    let staff = load_staff(db).await?;
    let payers = entities::payer::Entity::find().all(db).await?;
    let providers = providers(&mut g, options.patients);
    let provider_ids: Vec<Uuid> = providers.iter().filter_map(|p| p.id.clone().take()).collect();
    let mut providers = providers;
    let mut written = flush(db, &mut providers).await?;

    let mut rows = Rows::default();
    for i in 0..options.patients {
        // Spread sign-ups over two years, oldest first.
        let created_at = now
            - Duration::minutes(((options.patients - i) as i64) * 2 * 365 * 24 * 60 / options.patients.max(1) as i64);
        patient_with_history(&mut g, &mut rows, &staff, &payers, &provider_ids, created_at);
        if (i + 1) % PATIENTS_PER_ROUND == 0 {
            written += rows.flush(db).await?;
        }
    }
    written += rows.flush(db).await?;
    Ok(written)
}

async fn load_staff(db: &impl ConnectionTrait) -> Result<Staff, DbErr> {
    let rules =
        entities::policy_rule::Entity::find().filter(entities::policy_rule::Column::Ptype.eq("g")).all(db).await?;
    let members = staff::Entity::find().filter(staff::Column::Active.eq(true)).all(db).await?;
    let with_role = |role: &str| -> Vec<Uuid> {
        members.iter().filter(|m| rules.iter().any(|r| r.v0 == m.sub && r.v1 == role)).map(|m| m.id).collect()
    };
    Ok(Staff { cx: with_role("cx"), ops: with_role("ops"), medical: with_role("medical") })
}

fn providers(g: &mut Generator, patients: u32) -> Vec<provider::ActiveModel> {
    let count = (patients / 20).clamp(8, 2_000);
    (0..count)
        .map(|i| {
            let (credential, specialty) = *g.pick(CREDENTIALS);
            let first = *g.pick(FIRST_NAMES);
            let last = *g.pick(LAST_NAMES);
            let created_at = g.days_ago(3 * 365);
            provider::ActiveModel {
                id: Set(g.id()),
                npi: Set(synthetic_npi(i)),
                first_name: Set(first.to_owned()),
                last_name: Set(last.to_owned()),
                credential: Set(credential.to_owned()),
                specialty: Set(specialty.to_owned()),
                state: Set((*g.pick(STATES)).to_owned()),
                email: Set(format!("{}.{}.{i}@providers.example.com", first.to_lowercase(), last.to_lowercase())),
                active: Set(g.chance(95)),
                created_at: Set(created_at),
                updated_at: Set(created_at),
                version: Set(1),
                external_id: Set(None),
                part2_program: Set(false),
            }
        })
        .collect()
}

/// A patient of the demo, and the payer that covers them.
fn patient_row(g: &mut Generator, patient_id: Uuid, created_at: DateTime<Utc>) -> (patient::ActiveModel, &'static str) {
    let first = *g.pick(FIRST_NAMES);
    let last = *g.pick(LAST_NAMES);
    let (payer, payer_prefix) = *g.pick(PAYERS);
    let birth_year = g.rng.i32(1950..=2007);
    let date_of_birth = NaiveDate::from_ymd_opt(birth_year, g.rng.u32(1..=12), g.rng.u32(1..=28)).unwrap_or_default();
    let row = patient::ActiveModel {
        id: Set(patient_id),
        state: Set((*g.pick(STATES)).to_owned()),
        first_name: Set(first.to_owned()),
        last_name: Set(last.to_owned()),
        email: Set(format!("{}.{}.{}@example.com", first.to_lowercase(), last.to_lowercase(), g.rng.u32(10..99_999))),
        phone: Set(format!("({}) 555-01{:02}", g.rng.u32(201..990), g.rng.u32(0..100))),
        date_of_birth: Set(date_of_birth),
        payer: Set(payer.to_owned()),
        member_id: Set(format!("{payer_prefix}{:09}", g.rng.u32(0..1_000_000_000))),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        version: Set(1),
        external_id: Set(None),
    };
    (row, payer)
}

fn patient_with_history(
    g: &mut Generator,
    rows: &mut Rows,
    staff: &Staff,
    payers: &[entities::payer::Model],
    providers: &[Uuid],
    created_at: DateTime<Utc>,
) {
    let patient_id = g.id();
    let (patient, payer) = patient_row(g, patient_id, created_at);
    rows.patients.push(patient);

    let provider_id = *g.pick(providers);
    let diagnoses: Vec<&str> = (0..g.rng.usize(1..=2)).map(|_| g.pick(&ICD10).code).collect();
    let diagnosis_codes = diagnoses.join(",");
    let sessions = g.rng.usize(1..=4);
    for n in 0..sessions {
        // Weekly sessions ending somewhere between four months ago and two weeks ahead.
        let starts_at = g.now - Duration::days(g.rng.i64(-14..120)) + Duration::days(7 * n as i64);
        let cpt = if n == 0 { "90791" } else { g.pick(&CPT[1..4]).code };
        let in_past = starts_at < g.now;
        let status = match (in_past, g.rng.u32(..100)) {
            (false, _) => AppointmentStatus::Scheduled,
            (true, 0..=84) => AppointmentStatus::Completed,
            (true, 85..=92) => AppointmentStatus::NoShow,
            _ => AppointmentStatus::Cancelled,
        };
        let appointment_id = g.id();
        rows.appointments.push(appointment::ActiveModel {
            id: Set(appointment_id),
            patient_id: Set(patient_id),
            provider_id: Set(provider_id),
            starts_at: Set(starts_at),
            duration_minutes: Set(if cpt == "90837" { 60 } else { 45 }),
            kind: Set(if n == 0 { "intake" } else { "therapy" }.to_owned()),
            status: Set(status),
            cpt_code: Set(cpt.to_owned()),
            created_at: Set(starts_at - Duration::days(7)),
            updated_at: Set(starts_at - Duration::days(7)),
            version: Set(1),
            external_id: Set(None),
            security_labels: Set(String::new()),
        });
        if status == AppointmentStatus::Completed {
            super::medical::care_record_for(
                g,
                rows,
                staff,
                patient_id,
                provider_id,
                appointment_id,
                starts_at,
                n,
                &diagnosis_codes,
            );
            if g.chance(70) {
                claim_for(
                    g,
                    rows,
                    staff,
                    patient_id,
                    provider_id,
                    appointment_id,
                    starts_at,
                    cpt,
                    &diagnosis_codes,
                    payers.iter().find(|p| p.name == payer),
                );
            }
        }
    }
    if g.chance(40) {
        ticket_for(g, rows, staff, patient_id, provider_id, created_at);
    }
}

#[allow(clippy::too_many_arguments)]
fn claim_for(
    g: &mut Generator,
    rows: &mut Rows,
    staff: &Staff,
    patient_id: Uuid,
    provider_id: Uuid,
    appointment_id: Uuid,
    at: DateTime<Utc>,
    cpt: &str,
    diagnosis_codes: &str,
    payer: Option<&entities::payer::Model>,
) {
    let Some(payer) = payer else { return };
    let id = g.id();
    g.claims += 1;
    let rate: i64 = match cpt {
        "90791" => 25_000,
        "90837" => 20_000,
        "90834" => 15_000,
        _ => 12_000,
    };
    // A quarter of claims bill a month of weekly sessions on separate lines.
    let lines = if g.chance(25) { g.rng.usize(2..=5) } else { 1 };
    let billed = rate * lines as i64;
    let mut status = match g.rng.u32(..100) {
        0..=64 => ClaimStatus::Paid,
        65..=84 => ClaimStatus::Denied,
        85..=89 => ClaimStatus::PartiallyPaid,
        _ => ClaimStatus::Submitted,
    };
    let allowed = billed * 8 / 10;
    let mut paid = match status {
        ClaimStatus::Paid => allowed,
        ClaimStatus::PartiallyPaid => allowed / 2,
        _ => 0,
    };
    let submitted_at = at + Duration::days(2);
    let mut appeal_deadline = None;
    if status == ClaimStatus::Denied {
        let worked = super::ops::work_denial(g, rows, staff, payer, id, billed, submitted_at);
        status = worked.claim_status;
        paid += worked.recovered_cents;
        appeal_deadline = worked.appeal_deadline;
    }
    rows.claims.push(claim::ActiveModel {
        id: Set(id),
        claim_number: Set(format!("CLM-{}-{:07}", at.year(), g.claims)),
        patient_id: Set(patient_id),
        provider_id: Set(provider_id),
        appointment_id: Set(Some(appointment_id)),
        payer: Set(payer.name.clone()),
        service_date: Set(at.date_naive()),
        billed_cents: Set(billed),
        allowed_cents: Set(matches!(status, ClaimStatus::Paid | ClaimStatus::PartiallyPaid).then_some(allowed)),
        paid_cents: Set(paid),
        status: Set(status),
        diagnosis_codes: Set(diagnosis_codes.to_owned()),
        procedure_codes: Set(vec![cpt; lines].join(",")),
        appeal_deadline: Set(appeal_deadline),
        submitted_at: Set(submitted_at),
        created_at: Set(submitted_at),
        updated_at: Set(submitted_at),
        version: Set(1),
        security_labels: Set(String::new()),
    });
}

fn ticket_for(
    g: &mut Generator,
    rows: &mut Rows,
    staff: &Staff,
    patient_id: Uuid,
    provider_id: Uuid,
    patient_since: DateTime<Utc>,
) {
    let Some(&creator) = staff.cx.first() else { return };
    let priority = *g.pick(&[
        TicketPriority::Low,
        TicketPriority::Normal,
        TicketPriority::Normal,
        TicketPriority::High,
        TicketPriority::Urgent,
    ]);
    let created_at = g.days_ago(30).max(patient_since);
    let sla_hours = match priority {
        TicketPriority::Urgent => 4,
        TicketPriority::High => 8,
        TicketPriority::Normal => 24,
        TicketPriority::Low => 72,
    };
    let status = *g.pick(&[
        TicketStatus::Open,
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ]);
    let resolved = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
    let subject = *g.pick(TICKET_SUBJECTS);
    rows.tickets.push(ticket::ActiveModel {
        id: Set(g.id()),
        subject: Set(subject.to_owned()),
        description: Set(format!("{subject}. Requester wrote in and asked for help; details in the thread.")),
        channel: Set(*g.pick(&[TicketChannel::Email, TicketChannel::Phone, TicketChannel::Chat])),
        priority: Set(priority),
        status: Set(status),
        patient_id: Set(Some(patient_id)),
        provider_id: Set(g.chance(30).then_some(provider_id)),
        appointment_id: Set(None),
        claim_id: Set(None),
        assignee_id: Set(g.chance(60).then(|| *g.pick(&staff.cx))),
        created_by: Set(creator),
        sla_due_at: Set(created_at + Duration::hours(sla_hours)),
        resolved_at: Set(resolved.then(|| created_at + Duration::hours(sla_hours / 2))),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        version: Set(1),
        security_labels: Set(String::new()),
    });
}

/// A synthetic NPI that passes the check digit, as every real one does (claims carry them).
pub(super) fn synthetic_npi(i: u32) -> String {
    let base = format!("1{:08}", 100_000 + i * 37);
    let check = x12::claims::npi_check_digit(&base).unwrap_or('0');
    format!("{base}{check}")
}
