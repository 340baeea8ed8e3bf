//! `accountingReport`: a patient's accounting for a period, as the console shows it and as
//! its CSV (the same writer as `ward audit export`).

use super::report::{self, Kind, Line, Period, Person, Report};
use super::words;
use crate::kit::{Allow, ApiError, Gql, access, db, parse_id};
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use policies::{Action, PhiClass, Resource};

/// What the accounting says, on the audit trail, of the PHI it shows compliance (the
/// patient's name, date of birth and member id, at its top).
const WHY_NAMED: &str = "named in the accounting of disclosures compliance prepared";

#[derive(Default)]
pub struct AccountingQuery;

#[Object]
impl AccountingQuery {
    /// A patient's accounting of disclosures for a period (UTC days, both included; by
    /// default the six years up to today): the patient named, who prepared it and when, one
    /// line per disclosure (repeats of one record on one day counted on one line) and the
    /// emergency access to them, in words and as CSV. Compliance only. Preparing it is on
    /// the record, and so is the patient's identity it shows.
    #[graphql(
        guard = "Allow(Resource::Audit, Action::Read)",
        complexity = "crate::kit::pagination::REPORT_COMPLEXITY + child_complexity"
    )]
    async fn accounting_report(
        &self,
        ctx: &Context<'_>,
        patient_id: ID,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Gql<AccountingReport> {
        let patient = parse_id(&patient_id, "patient")?;
        let access = access(ctx)?;
        let period = Period::new(from, to, Utc::now().date_naive())?;
        // Asking is on the record, a probe of a wrong id too.
        access.record_read("audit.accounting", Resource::Audit, Some(patient));
        let report = report::report(db(ctx)?, patient, period, &access.principal().sub).await?;
        for class in [PhiClass::Contact, PhiClass::Identity] {
            access.disclosed_to_compliance(patient, patient, class, None, Some(WHY_NAMED));
        }
        Ok(AccountingReport(report))
    }
}

/// A patient's accounting for a period.
pub struct AccountingReport(Report);

#[Object]
impl AccountingReport {
    async fn patient_id(&self) -> ID {
        ID(self.0.patient.id.to_string())
    }
    /// The patient's full name. PHI (contact), shown to compliance for this report only.
    async fn patient_name(&self) -> &str {
        &self.0.patient.name
    }
    /// PHI (identity), shown to compliance for this report only.
    async fn patient_date_of_birth(&self) -> NaiveDate {
        self.0.patient.date_of_birth
    }
    /// PHI (identity), shown to compliance for this report only.
    async fn patient_member_id(&self) -> &str {
        &self.0.patient.member_id
    }
    /// The first day covered (UTC).
    async fn from(&self) -> NaiveDate {
        self.0.period.from
    }
    /// The last day covered (UTC, included).
    async fn to(&self) -> NaiveDate {
        self.0.period.to
    }
    async fn generated_at(&self) -> DateTime<Utc> {
        self.0.generated_at
    }
    /// Who prepared it: the caller.
    async fn generated_by(&self) -> AccountingPerson<'_> {
        AccountingPerson(&self.0.generated_by)
    }
    /// Oldest first.
    async fn lines(&self) -> Vec<AccountingLine<'_>> {
        self.0.lines.iter().map(AccountingLine).collect()
    }
    /// The whole report as CSV, byte for byte what `ward audit export` writes of it.
    async fn csv(&self) -> Gql<String> {
        let mut bytes = Vec::new();
        super::write(&mut bytes, &self.0)
            .map_err(|err| ApiError::Internal(anyhow::anyhow!(err).context("writing the accounting")))?;
        Ok(String::from_utf8(bytes)
            .map_err(|err| ApiError::Internal(anyhow::anyhow!(err).context("the accounting's CSV")))?)
    }
}

/// A staff member as the accounting names them.
pub struct AccountingPerson<'a>(&'a Person);

#[Object]
impl AccountingPerson<'_> {
    async fn sub(&self) -> &str {
        &self.0.sub
    }
    /// The display name as it is now (`null` when no member has that `sub`).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// The job title ("Privacy Officer"), where one is on file.
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    /// Name and title in one phrase: "Cora Lindqvist, Privacy Officer".
    async fn named(&self) -> String {
        self.0.named()
    }
}

/// What a line of the accounting records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum AccountingKind {
    Disclosure,
    EmergencyAccessOpened,
    EmergencyAccessReviewed,
    EmergencyAccessEnded,
}

impl From<Kind> for AccountingKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::Disclosure => AccountingKind::Disclosure,
            Kind::EmergencyAccessOpened => AccountingKind::EmergencyAccessOpened,
            Kind::EmergencyAccessReviewed => AccountingKind::EmergencyAccessReviewed,
            Kind::EmergencyAccessEnded => AccountingKind::EmergencyAccessEnded,
        }
    }
}

/// One line: a disclosure (repeats of it on one day counted), or an emergency access event.
pub struct AccountingLine<'a>(&'a Line);

#[Object]
impl AccountingLine<'_> {
    async fn kind(&self) -> AccountingKind {
        self.0.kind.into()
    }
    /// The first time.
    async fn first_at(&self) -> DateTime<Utc> {
        self.0.first
    }
    /// The last time (the first, when it happened once).
    async fn last_at(&self) -> DateTime<Utc> {
        self.0.last
    }
    /// How many times it happened that day.
    async fn times(&self) -> i32 {
        i32::try_from(self.0.times).unwrap_or(i32::MAX)
    }
    /// Who received the PHI (or acted on the emergency access).
    async fn recipient(&self) -> AccountingPerson<'_> {
        AccountingPerson(&self.0.recipient)
    }
    /// The roles they held the first time.
    async fn roles(&self) -> &[String] {
        &self.0.roles
    }
    async fn phi_classes(&self) -> &[String] {
        &self.0.phi_classes
    }
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }
    async fn record_id(&self) -> Option<&str> {
        self.0.record_id.as_deref()
    }
    /// Opened by emergency access rather than a role.
    async fn break_glass(&self) -> bool {
        self.0.break_glass
    }
    /// The audit trail's sequence numbers of every event of the line.
    async fn seqs(&self) -> Vec<String> {
        self.0.seqs.iter().map(i64::to_string).collect()
    }
    /// What happened, in words.
    async fn what(&self) -> &str {
        &self.0.what
    }
    /// Why, in words: the stated purpose, the reason recorded.
    async fn why(&self) -> &str {
        &self.0.why
    }
    /// How it was allowed, in words: their team, or emergency access.
    async fn how(&self) -> String {
        words::how(&self.0.roles, self.0.break_glass)
    }
}
