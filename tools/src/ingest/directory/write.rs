//! Writing one batch of directory lines in its transaction, upserted by external id: a new
//! record is created at version 1; a changed one moves to its next version (a compare-and-set,
//! as every edit in ward) with a history entry of the fields that changed and what they said
//! before (`directory_change`), or, for a care record, a revision like an edit's; an
//! unchanged one is left alone. Types are written parents first (providers, patients,
//! appointments, care records), so a line may name a record created earlier in its batch.
//!
//! A line that cannot be written as it stands (it names a patient ward does not have, an NPI
//! another provider holds, or moves an appointment or note to another patient) refuses its
//! whole batch: the caller rolls the transaction back.

use super::records::{Appointment, CareRecord, Line, LineError, Patient, Provider, Record};
use crate::kit::ApiError;
use crate::kit::versioned::{self, Versioned};
use crate::medical::care_record_service::signed_off;
use chrono::{DateTime, Utc};
use entities::{appointment, care_record, care_record_revision, directory_change, patient, provider};
use policies::Labels;
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, ModelTrait,
    QueryFilter, QuerySelect,
};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Why a batch was not written.
pub enum Refused {
    /// Lines that cannot be written as they stand: the batch is refused, the run goes on.
    Lines(Vec<LineError>),
    /// ward could not write (the database went away): the run stops.
    Failed(ApiError),
}

impl From<DbErr> for Refused {
    fn from(err: DbErr) -> Self {
        Refused::Failed(err.into())
    }
}

impl From<ApiError> for Refused {
    fn from(err: ApiError) -> Self {
        Refused::Failed(err)
    }
}

/// What a written batch did.
#[derive(Default)]
pub struct Written {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub notes: Vec<String>,
}

/// One batch's writing: its transaction, the run it belongs to, and who edits.
pub struct Batch<'a> {
    txn: &'a DatabaseTransaction,
    run: Uuid,
    /// The sender's staff row (a service account has one); `None` from the command line.
    editor: Option<Uuid>,
    now: DateTime<Utc>,
    written: Written,
    history: Vec<directory_change::ActiveModel>,
    held: Held,
}

/// The records this batch wrote or found, by external id, so a later line of the batch that
/// names one needs no look-up (an export sends a patient's appointments and notes beside them).
#[derive(Default)]
struct Held {
    patients: HashMap<String, Uuid>,
    providers: HashMap<String, Uuid>,
    /// An appointment's id and its patient's.
    sessions: HashMap<String, (Uuid, Uuid)>,
}

/// The ids of `keys`: from `held` where the batch has them, else from the database.
async fn resolve<'k, E: EntityTrait>(
    txn: &DatabaseTransaction,
    held: &HashMap<String, Uuid>,
    (id, key): (E::Column, E::Column),
    keys: impl Iterator<Item = &'k str>,
) -> Result<HashMap<String, Uuid>, DbErr> {
    let mut found = HashMap::new();
    let mut missing = HashSet::new();
    for k in keys {
        match held.get(k) {
            Some(id) => {
                found.insert(k.to_owned(), *id);
            }
            None => {
                missing.insert(k);
            }
        }
    }
    found.extend(ids_by_key::<E>(txn, id, key, missing).await?);
    Ok(found)
}

type Keyed<T> = Vec<(u64, String, T)>;

/// Writes `lines` in `txn`.
pub async fn write(
    txn: &DatabaseTransaction,
    run: Uuid,
    editor: Option<Uuid>,
    lines: Vec<Line>,
) -> Result<Written, Refused> {
    let mut batch = Batch {
        txn,
        run,
        editor,
        now: Utc::now(),
        written: Written::default(),
        history: Vec::new(),
        held: Held::default(),
    };
    let (mut providers, mut patients, mut appointments, mut notes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for line in batch.last_of_each(lines) {
        match line.record {
            Record::Provider(p) => providers.push((line.number, line.external_id, p)),
            Record::Patient(p) => patients.push((line.number, line.external_id, p)),
            Record::Appointment(a) => appointments.push((line.number, line.external_id, a)),
            Record::CareRecord(c) => notes.push((line.number, line.external_id, c)),
        }
    }
    batch.providers(providers).await?;
    batch.patients(patients).await?;
    batch.appointments(appointments).await?;
    batch.care_records(notes).await?;
    let history = std::mem::take(&mut batch.history);
    if !history.is_empty() {
        directory_change::Entity::insert_many(history).exec_without_returning(txn).await?;
    }
    Ok(batch.written)
}

/// A record ward holds for one patient is never moved to another: a note filed under the wrong
/// patient is corrected where it was written, and ward keeps each patient's record whole.
fn another_patients(line: u64, what: &str) -> LineError {
    refuse(line, "patientExternalId", &format!("this {what} is another patient's in ward; it is not moved"))
}

fn refuse(line: u64, field: &str, problem: &str) -> LineError {
    LineError { line, field: Some(field.to_owned()), problem: problem.to_owned() }
}

/// The fields that differ, with what they said before: `(name, old, new)` triples in.
fn changed<const N: usize>(fields: [(&'static str, Value, Value); N]) -> Vec<(&'static str, Value)> {
    fields.into_iter().filter(|(_, old, new)| old != new).map(|(name, old, _)| (name, old)).collect()
}

/// The ids of the records of `E` that hold these external ids.
async fn ids_by_key<E: EntityTrait>(
    txn: &DatabaseTransaction,
    id: E::Column,
    key: E::Column,
    keys: HashSet<&str>,
) -> Result<HashMap<String, Uuid>, DbErr> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Option<String>)> =
        E::find().select_only().column(id).column(key).filter(key.is_in(keys)).into_tuple().all(txn).await?;
    Ok(rows.into_iter().filter_map(|(id, key)| key.map(|k| (k, id))).collect())
}

/// The records of `E` that hold these external ids (in column `key`), by external id.
async fn by_key<E: EntityTrait>(
    txn: &DatabaseTransaction,
    key: E::Column,
    keys: Vec<&str>,
) -> Result<HashMap<String, E::Model>, DbErr> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = E::find().filter(key.is_in(keys)).all(txn).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.get(key) {
            sea_orm::Value::String(Some(k)) => Some((k, row)),
            _ => None,
        })
        .collect())
}

impl Batch<'_> {
    /// The last line of each record (the same type and external id) of the batch, in order;
    /// an earlier one is superseded, and the run's notes say so.
    fn last_of_each(&mut self, lines: Vec<Line>) -> Vec<Line> {
        let key = |line: &Line| (std::mem::discriminant(&line.record), line.external_id.clone());
        let mut last: HashMap<_, u64> = HashMap::new();
        for line in &lines {
            last.insert(key(line), line.number);
        }
        let mut kept = Vec::with_capacity(last.len());
        for line in lines {
            let latest = last[&key(&line)];
            if latest == line.number {
                kept.push(line);
            } else {
                self.written.notes.push(format!("line {}: superseded by line {latest} of the same batch", line.number));
            }
        }
        kept
    }

    /// Inserts the batch's new records of `E`, in one statement, and counts them.
    async fn create<E: EntityTrait>(&mut self, fresh: Vec<E::ActiveModel>) -> Result<(), Refused> {
        self.written.created += u32::try_from(fresh.len()).unwrap_or(u32::MAX);
        if !fresh.is_empty() {
            E::insert_many(fresh).exec_without_returning(self.txn).await?;
        }
        Ok(())
    }

    /// Moves a record of `E` to its next version when `changes` is not empty, with its
    /// history entry; a record someone changed in ward meanwhile refuses the batch.
    async fn change<E>(
        &mut self,
        line: u64,
        (record_type, id, version): (&str, Uuid, i32),
        changes: Vec<(&'static str, Value)>,
        next: E::ActiveModel,
    ) -> Result<(), Refused>
    where
        E: Versioned,
        E::Model: IntoActiveModel<E::ActiveModel>,
        <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        if changes.is_empty() {
            self.written.unchanged += 1;
            return Ok(());
        }
        moved::<E>(self.txn, line, id, version, next).await?;
        let fields = changes.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(",");
        let previous: Map<String, Value> = changes.into_iter().map(|(name, old)| (name.to_owned(), old)).collect();
        self.history.push(directory_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            record_type: Set(record_type.to_owned()),
            record_id: Set(id),
            version: Set(version + 1),
            import_file_id: Set(self.run),
            fields: Set(fields),
            previous: Set(Value::Object(previous).to_string()),
            changed_at: Set(self.now),
        });
        self.written.updated += 1;
        Ok(())
    }

    async fn providers(&mut self, rows: Keyed<Provider>) -> Result<(), Refused> {
        if rows.is_empty() {
            return Ok(());
        }
        let keys = rows.iter().map(|(_, key, _)| key.as_str()).collect();
        let known = by_key::<provider::Entity>(self.txn, provider::Column::ExternalId, keys).await?;
        let npis: Vec<&str> = rows.iter().map(|(_, _, p)| p.npi.as_str()).collect();
        let holders: HashMap<String, provider::Model> = provider::Entity::find()
            .filter(provider::Column::Npi.is_in(npis))
            .all(self.txn)
            .await?
            .into_iter()
            .map(|p| (p.npi.clone(), p))
            .collect();
        let (mut fresh, mut errors, mut npi_lines) = (Vec::new(), Vec::new(), HashMap::new());
        for (line, key, sent) in rows {
            if let Some(earlier) = npi_lines.insert(sent.npi.clone(), line) {
                errors.push(refuse(line, "npi", &format!("the same NPI as line {earlier} of this batch")));
                continue;
            }
            let holder = holders.get(&sent.npi);
            // A provider ward holds without an external id (entered before the directory was
            // imported) is the same person when the NPI is theirs: it takes the external id.
            let current = known.get(&key).or(holder.filter(|h| h.external_id.is_none()));
            match current {
                Some(current) if holder.is_none_or(|h| h.id == current.id) => {
                    self.held.providers.insert(key.clone(), current.id);
                    let changes = provider_changes(current, &key, &sent);
                    let next = provider_row(&key, sent);
                    self.change::<provider::Entity>(line, ("provider", current.id, current.version), changes, next)
                        .await?;
                }
                None if holder.is_none() => {
                    let id = Uuid::now_v7();
                    self.held.providers.insert(key.clone(), id);
                    let mut row = provider_row(&key, sent);
                    (row.id, row.created_at, row.updated_at, row.version) =
                        (Set(id), Set(self.now), Set(self.now), Set(1));
                    fresh.push(row);
                }
                _ => errors.push(refuse(line, "npi", "another provider in ward holds this NPI")),
            }
        }
        if !errors.is_empty() {
            return Err(Refused::Lines(errors));
        }
        self.create::<provider::Entity>(fresh).await
    }

    async fn patients(&mut self, rows: Keyed<Patient>) -> Result<(), Refused> {
        if rows.is_empty() {
            return Ok(());
        }
        let keys = rows.iter().map(|(_, key, _)| key.as_str()).collect();
        let known = by_key::<patient::Entity>(self.txn, patient::Column::ExternalId, keys).await?;
        let mut fresh = Vec::new();
        for (line, key, sent) in rows {
            if let Some(current) = known.get(&key) {
                self.held.patients.insert(key.clone(), current.id);
                let changes = patient_changes(current, &sent);
                let next = patient_row(&key, sent);
                self.change::<patient::Entity>(line, ("patient", current.id, current.version), changes, next).await?;
            } else {
                let id = Uuid::now_v7();
                self.held.patients.insert(key.clone(), id);
                let mut row = patient_row(&key, sent);
                (row.id, row.created_at, row.updated_at, row.version) = (Set(id), Set(self.now), Set(self.now), Set(1));
                fresh.push(row);
            }
        }
        self.create::<patient::Entity>(fresh).await
    }

    /// The ward ids of the patients and providers these lines name; a name ward does not
    /// hold refuses the line.
    async fn parties<'k>(
        &self,
        named: impl Iterator<Item = (u64, &'k str, &'k str)> + Clone,
    ) -> Result<(HashMap<String, Uuid>, HashMap<String, Uuid>), Refused> {
        let patients = resolve::<patient::Entity>(
            self.txn,
            &self.held.patients,
            (patient::Column::Id, patient::Column::ExternalId),
            named.clone().map(|(_, patient, _)| patient),
        )
        .await?;
        let providers = resolve::<provider::Entity>(
            self.txn,
            &self.held.providers,
            (provider::Column::Id, provider::Column::ExternalId),
            named.clone().map(|(_, _, provider)| provider),
        )
        .await?;
        let mut errors = Vec::new();
        for (line, patient, provider) in named {
            if !patients.contains_key(patient) {
                errors.push(refuse(line, "patientExternalId", "no patient in ward has this external id"));
            } else if !providers.contains_key(provider) {
                errors.push(refuse(line, "providerExternalId", "no provider in ward has this external id"));
            }
        }
        if errors.is_empty() { Ok((patients, providers)) } else { Err(Refused::Lines(errors)) }
    }

    async fn appointments(&mut self, rows: Keyed<Appointment>) -> Result<(), Refused> {
        if rows.is_empty() {
            return Ok(());
        }
        let (patients, providers) =
            self.parties(rows.iter().map(|(line, _, a)| (*line, a.patient.as_str(), a.provider.as_str()))).await?;
        let keys = rows.iter().map(|(_, key, _)| key.as_str()).collect();
        let known = by_key::<appointment::Entity>(self.txn, appointment::Column::ExternalId, keys).await?;
        let mut fresh = Vec::new();
        for (line, key, sent) in rows {
            let (patient_id, provider_id) = (patients[&sent.patient], providers[&sent.provider]);
            let mut next = appointment_row(&key, &sent, patient_id, provider_id);
            if let Some(current) = known.get(&key) {
                if current.patient_id != patient_id {
                    return Err(Refused::Lines(vec![another_patients(line, "appointment")]));
                }
                // A later line adds labels and never removes one (a second person does that).
                let labels = Labels::parse(&current.security_labels).union(sent.labels);
                next.security_labels = Set(labels.to_text());
                let changes = changed([
                    ("securityLabels", json!(current.security_labels), json!(labels.to_text())),
                    ("providerExternalId", json!(current.provider_id), json!(provider_id)),
                    ("startsAt", json!(current.starts_at), json!(sent.starts_at)),
                    ("durationMinutes", json!(current.duration_minutes), json!(sent.duration_minutes)),
                    ("kind", json!(current.kind), json!(sent.kind)),
                    ("status", json!(current.status.to_value()), json!(sent.status.to_value())),
                    ("cptCode", json!(current.cpt_code), json!(sent.cpt_code)),
                ]);
                let at = ("appointment", current.id, current.version);
                self.held.sessions.insert(key.clone(), (current.id, patient_id));
                self.change::<appointment::Entity>(line, at, changes, next).await?;
            } else {
                let id = Uuid::now_v7();
                self.held.sessions.insert(key.clone(), (id, patient_id));
                let mut row = next;
                (row.id, row.created_at, row.updated_at, row.version) = (Set(id), Set(self.now), Set(self.now), Set(1));
                fresh.push(row);
            }
        }
        self.create::<appointment::Entity>(fresh).await
    }

    /// The appointments these notes name, with their patients; one ward does not hold, or
    /// one of another patient, refuses the line.
    async fn sessions(
        &self,
        rows: &Keyed<CareRecord>,
        patients: &HashMap<String, Uuid>,
    ) -> Result<HashMap<String, Uuid>, Refused> {
        let keys: Vec<&str> = rows
            .iter()
            .filter_map(|(_, _, c)| c.appointment.as_deref())
            .filter(|k| !self.held.sessions.contains_key(*k))
            .collect();
        let mut known: HashMap<String, (Uuid, Uuid)> =
            by_key::<appointment::Entity>(self.txn, appointment::Column::ExternalId, keys)
                .await?
                .into_iter()
                .map(|(key, session)| (key, (session.id, session.patient_id)))
                .collect();
        for (_, _, note) in rows {
            if let Some(key) = &note.appointment
                && let Some(held) = self.held.sessions.get(key)
            {
                known.insert(key.clone(), *held);
            }
        }
        let mut errors = Vec::new();
        for (line, _, note) in rows {
            let Some(key) = &note.appointment else { continue };
            match known.get(key) {
                None => {
                    errors.push(refuse(*line, "appointmentExternalId", "no appointment in ward has this external id"))
                }
                Some((_, patient)) if *patient != patients[&note.patient] => {
                    errors.push(refuse(*line, "appointmentExternalId", "an appointment of another patient"));
                }
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(Refused::Lines(errors));
        }
        Ok(known.into_iter().map(|(key, (id, _))| (key, id)).collect())
    }

    async fn care_records(&mut self, rows: Keyed<CareRecord>) -> Result<(), Refused> {
        if rows.is_empty() {
            return Ok(());
        }
        let (patients, providers) =
            self.parties(rows.iter().map(|(line, _, c)| (*line, c.patient.as_str(), c.provider.as_str()))).await?;
        let sessions = self.sessions(&rows, &patients).await?;
        let programs = part2_programs(self.txn, providers.values().copied().collect()).await?;
        let keys = rows.iter().map(|(_, key, _)| key.as_str()).collect();
        let known = by_key::<care_record::Entity>(self.txn, care_record::Column::ExternalId, keys).await?;
        let mut fresh = Vec::new();
        for (line, key, sent) in rows {
            let provider = providers[&sent.provider];
            let ids = Parties {
                patient: patients[&sent.patient],
                provider,
                appointment: sent.appointment.as_ref().map(|a| sessions[a]),
                labels: own_labels(&sent, programs.contains(&provider)),
            };
            match known.get(&key) {
                Some(current) if current.patient_id != ids.patient => {
                    return Err(Refused::Lines(vec![another_patients(line, "care record")]));
                }
                Some(current) => self.revise(line, &key, current, sent, &ids).await?,
                None => {
                    let written = sent.written_at.unwrap_or(self.now);
                    let mut row = care_record_row(&key, sent, &ids);
                    (row.id, row.created_at, row.updated_at, row.version) =
                        (Set(Uuid::now_v7()), Set(written), Set(self.now), Set(1));
                    fresh.push(row);
                }
            }
        }
        self.create::<care_record::Entity>(fresh).await
    }

    /// A care record the practice-management system changed: what it said is kept as a
    /// revision, as an edit keeps it, and the record moves to its next version. A record a
    /// completed review signed off is changed too (the practice-management system holds the
    /// note), and the run's notes say which, so the medical team can look again.
    async fn revise(
        &mut self,
        line: u64,
        key: &str,
        current: &care_record::Model,
        sent: CareRecord,
        ids: &Parties,
    ) -> Result<(), Refused> {
        // A psychotherapy note is protected apart from the clinical record, and so are its
        // earlier texts: re-filing one as another kind (or a record as one) would move them
        // across that line. A note is sent as a record of its own.
        let note = crate::medical::workflow::PSYCHOTHERAPY_NOTE;
        if (current.kind == note) != (sent.kind == note) {
            let problem =
                "a psychotherapy note stays one, and no other record becomes one: send the note as a record of its own";
            return Err(Refused::Lines(vec![refuse(line, "kind", problem)]));
        }
        let written = sent.written_at.unwrap_or(current.created_at);
        let labels = Labels::parse(&current.security_labels).union(ids.labels);
        let changes = changed([
            ("securityLabels", json!(current.security_labels), json!(labels.to_text())),
            ("providerExternalId", json!(current.provider_id), json!(ids.provider)),
            ("appointmentExternalId", json!(current.appointment_id), json!(ids.appointment)),
            ("kind", json!(current.kind), json!(sent.kind)),
            ("body", json!(current.body), json!(sent.body)),
            ("diagnosisCodes", json!(current.diagnosis_codes), json!(sent.diagnosis_codes)),
            ("writtenAt", json!(current.created_at), json!(written)),
        ]);
        if changes.is_empty() {
            self.written.unchanged += 1;
            return Ok(());
        }
        let fields = changes.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
        let revision = care_record_revision::ActiveModel {
            id: Set(Uuid::now_v7()),
            care_record_id: Set(current.id),
            replaced_version: Set(current.version),
            editor_id: Set(self.editor),
            reason: Set(format!("imported from the practice-management system (run {}): {fields} changed", self.run)),
            old_body: Set(current.body.clone()),
            old_diagnosis_codes: Set(current.diagnosis_codes.clone()),
            approved_by: Set(None),
            created_at: Set(self.now),
            import_file_id: Set(Some(self.run)),
        };
        care_record_revision::Entity::insert(revision).exec_without_returning(self.txn).await?;
        let mut next = care_record_row(key, sent, ids);
        next.created_at = Set(written);
        next.security_labels = Set(labels.to_text());
        moved::<care_record::Entity>(self.txn, line, current.id, current.version, next).await?;
        if signed_off(self.txn, current.id).await? {
            self.written.notes.push(format!(
                "line {line}: care record {} had been signed off by a completed review; its version {} is kept as a revision",
                current.id, current.version
            ));
        }
        self.written.updated += 1;
        Ok(())
    }
}

/// The ward ids a care record line names, and the labels the record gets by itself.
struct Parties {
    patient: Uuid,
    provider: Uuid,
    appointment: Option<Uuid>,
    labels: Labels,
}

/// Which of `providers` are Part 2 programs.
async fn part2_programs(txn: &DatabaseTransaction, providers: Vec<Uuid>) -> Result<HashSet<Uuid>, Refused> {
    let found: Vec<Uuid> = provider::Entity::find()
        .select_only()
        .column(provider::Column::Id)
        .filter(provider::Column::Id.is_in(providers))
        .filter(provider::Column::Part2Program.eq(true))
        .into_tuple()
        .all(txn)
        .await?;
    Ok(found.into_iter().collect())
}

/// The labels a care record gets: those its line sends, `sud_part2` from a Part 2 program,
/// and `psychotherapy_note` for a note of that kind.
fn own_labels(sent: &CareRecord, part2_program: bool) -> Labels {
    let labels = policies::labels::care_record_labels(part2_program).union(sent.labels);
    if sent.kind == crate::medical::workflow::PSYCHOTHERAPY_NOTE {
        labels.with(policies::SecurityLabel::PsychotherapyNote)
    } else {
        labels
    }
}

/// A compare-and-set to the next version; a record changed in ward meanwhile refuses the line.
async fn moved<E>(
    txn: &DatabaseTransaction,
    line: u64,
    id: Uuid,
    version: i32,
    next: E::ActiveModel,
) -> Result<(), Refused>
where
    E: Versioned,
    E::Model: IntoActiveModel<E::ActiveModel>,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    match versioned::update::<E>(txn, id, version, next, None).await {
        Ok(_) => Ok(()),
        Err(ApiError::Conflict(_)) => Err(Refused::Lines(vec![LineError {
            line,
            field: None,
            problem: "the record changed in ward while this batch was written: send the file again".into(),
        }])),
        Err(err) => Err(Refused::Failed(err)),
    }
}

fn provider_changes(current: &provider::Model, key: &str, sent: &Provider) -> Vec<(&'static str, Value)> {
    changed([
        ("externalId", json!(current.external_id), json!(key)),
        ("npi", json!(current.npi), json!(sent.npi)),
        ("firstName", json!(current.first_name), json!(sent.first_name)),
        ("lastName", json!(current.last_name), json!(sent.last_name)),
        ("credential", json!(current.credential), json!(sent.credential)),
        ("specialty", json!(current.specialty), json!(sent.specialty)),
        ("state", json!(current.state), json!(sent.state)),
        ("email", json!(current.email), json!(sent.email)),
        ("active", json!(current.active), json!(sent.active)),
        ("part2Program", json!(current.part2_program), json!(sent.part2_program)),
    ])
}

fn provider_row(key: &str, sent: Provider) -> provider::ActiveModel {
    provider::ActiveModel {
        external_id: Set(Some(key.to_owned())),
        npi: Set(sent.npi),
        first_name: Set(sent.first_name),
        last_name: Set(sent.last_name),
        credential: Set(sent.credential),
        specialty: Set(sent.specialty),
        state: Set(sent.state),
        email: Set(sent.email),
        active: Set(sent.active),
        part2_program: Set(sent.part2_program),
        ..Default::default()
    }
}

fn patient_changes(current: &patient::Model, sent: &Patient) -> Vec<(&'static str, Value)> {
    changed([
        ("firstName", json!(current.first_name), json!(sent.first_name)),
        ("lastName", json!(current.last_name), json!(sent.last_name)),
        ("email", json!(current.email), json!(sent.email)),
        ("phone", json!(current.phone), json!(sent.phone)),
        ("dateOfBirth", json!(current.date_of_birth), json!(sent.date_of_birth)),
        ("payer", json!(current.payer), json!(sent.payer)),
        ("memberId", json!(current.member_id), json!(sent.member_id)),
        ("state", json!(current.state), json!(sent.state)),
    ])
}

fn patient_row(key: &str, sent: Patient) -> patient::ActiveModel {
    patient::ActiveModel {
        external_id: Set(Some(key.to_owned())),
        first_name: Set(sent.first_name),
        last_name: Set(sent.last_name),
        email: Set(sent.email),
        phone: Set(sent.phone),
        date_of_birth: Set(sent.date_of_birth),
        payer: Set(sent.payer),
        member_id: Set(sent.member_id),
        state: Set(sent.state),
        ..Default::default()
    }
}

fn appointment_row(key: &str, sent: &Appointment, patient: Uuid, provider: Uuid) -> appointment::ActiveModel {
    appointment::ActiveModel {
        external_id: Set(Some(key.to_owned())),
        patient_id: Set(patient),
        provider_id: Set(provider),
        starts_at: Set(sent.starts_at),
        duration_minutes: Set(sent.duration_minutes),
        kind: Set(sent.kind.clone()),
        status: Set(sent.status),
        cpt_code: Set(sent.cpt_code.clone()),
        security_labels: Set(sent.labels.to_text()),
        ..Default::default()
    }
}

fn care_record_row(key: &str, sent: CareRecord, ids: &Parties) -> care_record::ActiveModel {
    care_record::ActiveModel {
        external_id: Set(Some(key.to_owned())),
        patient_id: Set(ids.patient),
        provider_id: Set(ids.provider),
        appointment_id: Set(ids.appointment),
        kind: Set(sent.kind),
        body: Set(sent.body),
        diagnosis_codes: Set(sent.diagnosis_codes),
        security_labels: Set(ids.labels.to_text()),
        ..Default::default()
    }
}
