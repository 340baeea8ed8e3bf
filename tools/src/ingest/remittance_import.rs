//! Importing an 835, from its landed copy, in two readings.
//!
//! 1. **Judging** (no database): every transaction set is read through and checked (its
//!    envelope, its values, its balancing). A broken envelope refuses the whole file; a set
//!    that breaks a rule is refused alone and nothing of it is written. The other sets of the
//!    file stand: each is a payment of its own (a check or a transfer), complete and
//!    balanced by itself.
//! 2. **Writing**: the sets that stood are read again, each written in one transaction
//!    (its remittance, its claim payments, their lines and adjustments, and their effects on
//!    ward's claims). A remittance on record already (the same payer, trace number and
//!    amount) changes nothing and is counted unchanged. Claims are written in chunks of
//!    [`CHUNK`]: one look-up of their numbers and one insert per table per chunk.
//!
//! Reading runs on a blocking thread and hands items over a bounded channel: memory is one
//! chunk of claims, whatever the file's size. The run ends with one audited event: who, the
//! file's SHA-256, and the counts.

use super::landing::{self, FileKind, Sender, blocking, io_error};
use super::payment_effects::{self, Effects, StoredAdjustment};
use super::report::{ImportReport, SetReport};
use crate::kit::transaction::begin_write;
use crate::kit::{ApiError, ApiResult};
use chrono::Utc;
use entities::{claim, claim_adjustment, claim_payment, import_file, payer, remittance, service_payment};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use uuid::Uuid;
use x12::remittance::{ClaimPayment, Item, Payment, ProviderAdjustment, Remittances};

/// Claims written per round trip.
pub const CHUNK: usize = 500;

/// What the judging found: each set's fate, or what refused the file.
struct Judgement {
    sets: Vec<SetReport>,
    file_problem: Option<String>,
}

fn open(path: &Path) -> std::io::Result<Remittances<std::io::BufReader<std::fs::File>>> {
    Ok(Remittances::new(std::io::BufReader::with_capacity(64 * 1024, std::fs::File::open(path)?)))
}

/// The first reading: every set judged, nothing written.
fn judge(path: &Path) -> std::io::Result<Judgement> {
    let mut reader = open(path)?;
    let mut sets: Vec<SetReport> = Vec::new();
    let mut claims = 0;
    while let Some(item) = reader.next() {
        let report = |control: String, st: u64, outcome: &str, claims: u64, problem: Option<String>| SetReport {
            control,
            segment: st,
            outcome: outcome.into(),
            claims,
            problem,
        };
        match item {
            Err(error) => return Ok(Judgement { sets, file_problem: Some(error.to_string()) }),
            Ok(Item::Payment(_)) => claims = 0,
            Ok(Item::Claim(_)) => claims += 1,
            Ok(Item::ProviderAdjustment(_)) => {}
            Ok(Item::Balanced { control, st, claims }) => sets.push(report(control, st, "imported", claims, None)),
            Ok(Item::Refused { control, st, error }) => {
                sets.push(report(control, st, "refused", claims, Some(error.to_string())));
                claims = 0;
            }
        }
    }
    Ok(Judgement { sets, file_problem: None })
}

/// Imports the 835 at `path` as `sender`: lands it, judges it, writes what stood, and
/// records the run.
pub async fn import_835(
    db: &DatabaseConnection,
    path: &Path,
    sender: &Sender,
) -> ApiResult<(import_file::Model, ImportReport)> {
    landing::import(db, path, sender, FileKind::Remittance835, async |run| read_and_write(db, path, run).await).await
}

async fn read_and_write(db: &DatabaseConnection, path: &Path, run: &import_file::Model) -> ApiResult<ImportReport> {
    let owned = path.to_owned();
    let judgement = blocking(move || judge(&owned)).await?.map_err(|e| io_error(path, e))?;
    let mut report =
        ImportReport { sets: judgement.sets, file_problem: judgement.file_problem, ..ImportReport::default() };
    report.refused = report.sets.iter().filter(|s| s.outcome == "refused").count() as u32;
    if report.file_problem.is_some() {
        return Ok(report);
    }
    let standing: HashSet<u64> = report.sets.iter().filter(|s| s.outcome != "refused").map(|s| s.segment).collect();
    if standing.is_empty() {
        return Ok(report);
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Item>(CHUNK);
    let owned = path.to_owned();
    let reading = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let mut reader = open(&owned)?;
        while let Some(Ok(item)) = reader.next() {
            if tx.blocking_send(item).is_err() {
                break;
            }
        }
        Ok(())
    });
    let mut writer =
        Writer { db, run, standing, set: None, payers: HashMap::new(), report: &mut report, touched: HashSet::new() };
    while let Some(item) = rx.recv().await {
        writer.take(item).await?;
    }
    reading
        .await
        .map_err(|e| ApiError::internal("reading a file", anyhow::anyhow!(e)))?
        .map_err(|e| io_error(path, e))?;
    writer.report.updated = writer.touched.len() as u32;
    Ok(report)
}

/// The set being written.
struct OpenSet {
    st: u64,
    /// None: this remittance is on record already; its items change nothing.
    write: Option<(DatabaseTransaction, remittance::Model)>,
    chunk: Vec<ClaimPayment>,
    plb: Vec<ProviderAdjustment>,
}

struct Writer<'a> {
    db: &'a DatabaseConnection,
    run: &'a import_file::Model,
    standing: HashSet<u64>,
    set: Option<OpenSet>,
    payers: HashMap<String, Option<payer::Model>>,
    report: &'a mut ImportReport,
    touched: HashSet<Uuid>,
}

impl Writer<'_> {
    async fn take(&mut self, item: Item) -> ApiResult<()> {
        match item {
            Item::Payment(payment) if self.standing.contains(&payment.st) => self.open(&payment).await?,
            Item::Claim(claim) => {
                let Some(set) = self.set.as_mut() else { return Ok(()) };
                if set.write.is_none() {
                    self.report.unchanged += 1;
                    return Ok(());
                }
                set.chunk.push(claim);
                if set.chunk.len() >= CHUNK {
                    self.flush().await?;
                }
            }
            Item::ProviderAdjustment(adjustment) => {
                if let Some(set) = self.set.as_mut() {
                    set.plb.push(adjustment);
                }
            }
            Item::Balanced { st, .. } => self.close(st).await?,
            Item::Payment(_) | Item::Refused { .. } => self.set = None,
        }
        Ok(())
    }

    async fn open(&mut self, payment: &Payment) -> ApiResult<()> {
        let known = remittance::Entity::find()
            .filter(remittance::Column::PayerName.eq(payment.payer_name.as_str()))
            .filter(remittance::Column::Trace.eq(payment.trace.as_str()))
            .filter(remittance::Column::TotalCents.eq(payment.total_cents))
            .one(self.db)
            .await?;
        if known.is_some() {
            self.set = Some(OpenSet { st: payment.st, write: None, chunk: Vec::new(), plb: Vec::new() });
            return Ok(());
        }
        let txn = begin_write(self.db).await?;
        let row = remittance::ActiveModel {
            id: Set(Uuid::now_v7()),
            import_id: Set(self.run.id),
            set_control: Set(payment.control.clone()),
            payer_name: Set(payment.payer_name.clone()),
            payer_id: Set(payment.payer_id.clone()),
            trace: Set(payment.trace.clone()),
            total_cents: Set(payment.total_cents),
            paid_on: Set(payment.paid_on),
            method: Set(payment.method.clone()),
            handling: Set(payment.handling.clone()),
            provider_adjustments: Set("[]".into()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        self.set = Some(OpenSet { st: payment.st, write: Some((txn, row)), chunk: Vec::new(), plb: Vec::new() });
        Ok(())
    }

    async fn close(&mut self, st: u64) -> ApiResult<()> {
        self.flush().await?;
        let Some(set) = self.set.take() else { return Ok(()) };
        let outcome = if let Some((txn, row)) = set.write {
            let plb: Vec<serde_json::Value> = set
                .plb
                .iter()
                .map(|a| serde_json::json!({ "reason": a.reason, "reference": a.reference, "cents": a.cents }))
                .collect();
            let mut row: remittance::ActiveModel = row.into();
            row.provider_adjustments = Set(serde_json::Value::Array(plb).to_string());
            row.update(&txn).await?;
            txn.commit().await?;
            "imported"
        } else {
            "unchanged"
        };
        if let Some(report) = self.report.sets.iter_mut().find(|s| s.segment == st && set.st == st) {
            report.outcome = outcome.into();
        }
        Ok(())
    }

    /// Writes the chunk of claim payments: one look-up of their claims, one insert per table,
    /// then each payment's effect on its claim.
    async fn flush(&mut self) -> ApiResult<()> {
        let Some(set) = self.set.as_mut() else { return Ok(()) };
        let Some((txn, remittance)) = set.write.as_ref() else { return Ok(()) };
        if set.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut set.chunk);
        let numbers: Vec<&str> = chunk.iter().map(|c| c.claim_number.as_str()).collect();
        // Locked until the set commits: a workflow moving one of them meanwhile waits.
        let mut select = claim::Entity::find().filter(claim::Column::ClaimNumber.is_in(numbers));
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            select = select.lock_exclusive();
        }
        let mut claims: HashMap<String, claim::Model> =
            select.all(txn).await?.into_iter().map(|c| (c.claim_number.clone(), c)).collect();
        let rows = Rows::of(&chunk, remittance.id, &claims);
        rows.insert(txn).await?;
        let mut effects = Effects::default();
        for (payment, stored) in chunk.iter().zip(&rows.per_payment) {
            let Some(claim) = claims.get_mut(&payment.claim_number) else {
                self.report.unmatched += 1;
                continue;
            };
            let payer = match self.payers.get(&claim.payer) {
                Some(payer) => payer.clone(),
                None => {
                    let found =
                        payer::Entity::find().filter(payer::Column::Name.eq(claim.payer.as_str())).one(txn).await?;
                    self.payers.insert(claim.payer.clone(), found.clone());
                    found
                }
            };
            let adjustments: Vec<StoredAdjustment<'_>> = stored
                .iter()
                .map(|(id, adjustment, remark)| StoredAdjustment {
                    id: *id,
                    group: &adjustment.group,
                    reason: &adjustment.reason,
                    cents: adjustment.cents,
                    remark: remark.as_deref(),
                })
                .collect();
            payment_effects::plan(txn, claim, payer.as_ref(), payment, &adjustments, remittance.paid_on, &mut effects)
                .await?;
            self.report.created += 1;
            self.touched.insert(claim.id);
        }
        let notes = payment_effects::write(txn, effects).await?;
        self.report.notes.extend(notes);
        Ok(())
    }
}

/// The rows of a chunk of claim payments, ids assigned, ready to insert.
struct Rows {
    payments: Vec<claim_payment::ActiveModel>,
    services: Vec<service_payment::ActiveModel>,
    adjustments: Vec<claim_adjustment::ActiveModel>,
    /// Per payment: each adjustment's id, the adjustment, and the remark of its line.
    per_payment: Vec<Vec<(Uuid, x12::remittance::Adjustment, Option<String>)>>,
}

impl Rows {
    fn of(chunk: &[ClaimPayment], remittance_id: Uuid, claims: &HashMap<String, claim::Model>) -> Rows {
        let mut rows =
            Rows { payments: Vec::new(), services: Vec::new(), adjustments: Vec::new(), per_payment: Vec::new() };
        let now = Utc::now();
        for payment in chunk {
            let id = Uuid::now_v7();
            let claim = claims.get(&payment.claim_number);
            rows.payments.push(claim_payment::ActiveModel {
                id: Set(id),
                remittance_id: Set(remittance_id),
                claim_id: Set(claim.map(|c| c.id)),
                claim_number: Set(payment.claim_number.clone()),
                status: Set(payment.status.clone()),
                charge_cents: Set(payment.charge_cents),
                paid_cents: Set(payment.paid_cents),
                patient_cents: Set(payment.patient_cents),
                payer_claim_number: Set(payment.payer_claim_number.clone()),
                remarks: Set(payment.remarks.join(",")),
                segment: Set(i64::try_from(payment.segment).unwrap_or(i64::MAX)),
                match_state: Set(if claim.is_some() { "matched" } else { "unmatched" }.into()),
                resolved_by: Set(None),
                resolved_at: Set(None),
                resolution_note: Set(None),
                created_at: Set(now),
            });
            let mut stored = Vec::new();
            let claim_remark = payment.remarks.first().cloned();
            for adjustment in &payment.adjustments {
                stored.push(rows.adjustment(id, None, adjustment, claim_remark.clone()));
            }
            for (line, service) in payment.services.iter().enumerate() {
                let service_id = Uuid::now_v7();
                rows.services.push(service_payment::ActiveModel {
                    id: Set(service_id),
                    claim_payment_id: Set(id),
                    line: Set(i32::try_from(line + 1).unwrap_or(i32::MAX)),
                    qualifier: Set(service.qualifier.clone()),
                    procedure_code: Set(service.procedure.clone()),
                    modifiers: Set(service.modifiers.join(",")),
                    charge_cents: Set(service.charge_cents),
                    paid_cents: Set(service.paid_cents),
                    units: Set(service.units.clone()),
                    service_date: Set(service.service_date),
                    remarks: Set(service.remarks.join(",")),
                });
                let remark = service.remarks.first().cloned().or_else(|| claim_remark.clone());
                for adjustment in &service.adjustments {
                    stored.push(rows.adjustment(id, Some(service_id), adjustment, remark.clone()));
                }
            }
            rows.per_payment.push(stored);
        }
        rows
    }

    fn adjustment(
        &mut self,
        payment: Uuid,
        service: Option<Uuid>,
        adjustment: &x12::remittance::Adjustment,
        remark: Option<String>,
    ) -> (Uuid, x12::remittance::Adjustment, Option<String>) {
        let id = Uuid::now_v7();
        self.adjustments.push(claim_adjustment::ActiveModel {
            id: Set(id),
            claim_payment_id: Set(payment),
            service_payment_id: Set(service),
            group_code: Set(adjustment.group.clone()),
            reason: Set(adjustment.reason.clone()),
            cents: Set(adjustment.cents),
            quantity: Set(adjustment.quantity.clone()),
        });
        (id, adjustment.clone(), remark)
    }

    /// Rows per statement: under every backend's bound on bound parameters.
    const PER_STATEMENT: usize = 1_000;

    async fn insert(&self, txn: &DatabaseTransaction) -> ApiResult<()> {
        for chunk in self.payments.chunks(Self::PER_STATEMENT) {
            claim_payment::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
        }
        for chunk in self.services.chunks(Self::PER_STATEMENT) {
            service_payment::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
        }
        for chunk in self.adjustments.chunks(Self::PER_STATEMENT) {
            claim_adjustment::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
        }
        Ok(())
    }
}
