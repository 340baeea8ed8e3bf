//! The directory's NDJSON schema: one JSON object a line, of a `type` (`patient`,
//! `provider`, `appointment`, `care_record`) and an `externalId` (the practice-management
//! system's key), checked field by field. A bad line is refused with its line number and the
//! field at fault, and never with what the field held: the sender may be a machine identity
//! that reads no PHI, and the report is stored and shown as is. `docs/tools/ingest.md` lists
//! every field of every type.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use entities::appointment::AppointmentStatus;
use policies::{Labels, SecurityLabel};
use serde_json::{Map, Value};
use std::fmt;

/// One line's record, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Its line number in the file, from 1.
    pub number: u64,
    pub external_id: String,
    pub record: Record,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Patient(Patient),
    Provider(Provider),
    Appointment(Appointment),
    CareRecord(CareRecord),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patient {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub date_of_birth: NaiveDate,
    pub payer: String,
    pub member_id: String,
    pub state: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    pub npi: String,
    pub first_name: String,
    pub last_name: String,
    pub credential: String,
    pub specialty: String,
    pub state: String,
    pub email: String,
    pub active: bool,
    /// A 42 CFR Part 2 program (`part2Program`, default false): its care records and its
    /// claims with a substance-use diagnosis are labelled `sud_part2`.
    pub part2_program: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    /// The patient's and provider's external ids.
    pub patient: String,
    pub provider: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub kind: String,
    pub status: AppointmentStatus,
    pub cpt_code: String,
    /// The labels the practice-management system sets (`securityLabels`: `restricted`, say,
    /// for a session the patient paid for themselves).
    pub labels: Labels,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CareRecord {
    /// The patient's, provider's and (optional) appointment's external ids.
    pub patient: String,
    pub provider: String,
    pub appointment: Option<String>,
    pub kind: String,
    pub body: String,
    /// ICD-10-CM codes, comma-separated as ward stores them.
    pub diagnosis_codes: String,
    /// When the note was written; the time of the import when the line does not say.
    pub written_at: Option<DateTime<Utc>>,
    /// The labels the practice-management system sets (`securityLabels`).
    pub labels: Labels,
}

/// What is wrong with a line: where, and what kind of wrong; never the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    /// The field at fault, by the schema's name for it.
    pub field: Option<String>,
    pub problem: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}, field `{field}`: {}", self.line, self.problem),
            None => write!(f, "line {}: {}", self.line, self.problem),
        }
    }
}

impl std::error::Error for LineError {}

/// The longest line read; a longer one is refused without being held.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// The types a line may be.
pub const TYPES: [&str; 4] = ["patient", "provider", "appointment", "care_record"];

/// Reads one line (without its line break) as a record.
pub fn parse(number: u64, bytes: &[u8]) -> Result<Line, LineError> {
    let at =
        |field: Option<&str>, problem: String| LineError { line: number, field: field.map(str::to_owned), problem };
    let map = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(at(None, "not a JSON object".into())),
        Err(err) => return Err(at(None, format!("not JSON (column {})", err.column()))),
    };
    let mut fields = Fields { map, line: number };
    let kind = fields.one_of("type", &TYPES)?;
    let external_id = fields.external_id("externalId")?;
    let record = match kind {
        "patient" => Record::Patient(patient(&mut fields)?),
        "provider" => Record::Provider(provider(&mut fields)?),
        "appointment" => Record::Appointment(appointment(&mut fields)?),
        _ => Record::CareRecord(care_record(&mut fields)?),
    };
    fields.done()?;
    Ok(Line { number, external_id, record })
}

fn patient(fields: &mut Fields) -> Result<Patient, LineError> {
    Ok(Patient {
        first_name: fields.text("firstName", 100)?,
        last_name: fields.text("lastName", 100)?,
        email: fields.email("email")?,
        phone: fields.text("phone", 32)?,
        date_of_birth: fields.birth_date("dateOfBirth")?,
        payer: fields.text("payer", 100)?,
        member_id: fields.text("memberId", 64)?,
        state: fields.us_state("state")?,
    })
}

fn provider(fields: &mut Fields) -> Result<Provider, LineError> {
    let npi = fields.text("npi", 10)?;
    if !x12::claims::is_npi(&npi) {
        return Err(fields.error("npi", "not an NPI (ten digits that pass the Luhn check)"));
    }
    Ok(Provider {
        npi,
        first_name: fields.text("firstName", 100)?,
        last_name: fields.text("lastName", 100)?,
        credential: fields.text("credential", 16)?,
        specialty: fields.text("specialty", 100)?,
        state: fields.us_state("state")?,
        email: fields.email("email")?,
        active: fields.flag_or("active", true)?,
        part2_program: fields.flag_or("part2Program", false)?,
    })
}

/// The statuses an appointment may have.
pub const APPOINTMENT_STATUSES: [&str; 4] = ["scheduled", "completed", "cancelled", "no_show"];

fn appointment(fields: &mut Fields) -> Result<Appointment, LineError> {
    let patient = fields.external_id("patientExternalId")?;
    let provider = fields.external_id("providerExternalId")?;
    let starts_at = fields.instant("startsAt")?;
    let duration_minutes = fields.whole("durationMinutes", 5, 480)?;
    let kind = fields.text("kind", 32)?;
    let status = match fields.one_of("status", &APPOINTMENT_STATUSES)? {
        "scheduled" => AppointmentStatus::Scheduled,
        "completed" => AppointmentStatus::Completed,
        "cancelled" => AppointmentStatus::Cancelled,
        _ => AppointmentStatus::NoShow,
    };
    let cpt_code = fields.text("cptCode", 8)?;
    if cpt_code.len() != 5 || !cpt_code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(fields.error("cptCode", "not a CPT or HCPCS code (five letters or digits)"));
    }
    let labels = fields.labels("securityLabels")?;
    Ok(Appointment { patient, provider, starts_at, duration_minutes, kind, status, cpt_code, labels })
}

fn care_record(fields: &mut Fields) -> Result<CareRecord, LineError> {
    let patient = fields.external_id("patientExternalId")?;
    let provider = fields.external_id("providerExternalId")?;
    let appointment =
        if fields.present("appointmentExternalId") { Some(fields.external_id("appointmentExternalId")?) } else { None };
    let kind = fields.one_of("kind", &crate::medical::workflow::KINDS)?.to_owned();
    let body = fields.text("body", crate::medical::workflow::MAX_BODY_CHARS)?;
    let diagnosis_codes = fields.diagnosis_codes("diagnosisCodes")?;
    let written_at = if fields.present("writtenAt") { Some(fields.instant("writtenAt")?) } else { None };
    let labels = fields.labels("securityLabels")?;
    Ok(CareRecord { patient, provider, appointment, kind, body, diagnosis_codes, written_at, labels })
}

/// A line's fields, taken one by one; what is left at the end is a field ward does not know.
struct Fields {
    map: Map<String, Value>,
    line: u64,
}

impl Fields {
    fn error(&self, field: &str, problem: &str) -> LineError {
        LineError { line: self.line, field: Some(field.to_owned()), problem: problem.to_owned() }
    }

    /// Whether the line gives `name` (a `null` is not giving it).
    fn present(&self, name: &str) -> bool {
        self.map.get(name).is_some_and(|v| !v.is_null())
    }

    fn take(&mut self, name: &str) -> Result<Value, LineError> {
        match self.map.remove(name) {
            None | Some(Value::Null) => Err(self.error(name, "missing")),
            Some(value) => Ok(value),
        }
    }

    /// A string of 1 to `max` characters once trimmed, with no control characters.
    fn text(&mut self, name: &str, max: usize) -> Result<String, LineError> {
        let Value::String(text) = self.take(name)? else {
            return Err(self.error(name, "not a string"));
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(self.error(name, "empty"));
        }
        if text.chars().count() > max {
            return Err(self.error(name, &format!("longer than {max} characters")));
        }
        let allowed = |c: char| !c.is_control() || c == '\n' || c == '\t';
        if !text.chars().all(allowed) {
            return Err(self.error(name, "holds control characters"));
        }
        Ok(text.to_owned())
    }

    /// The practice-management system's key: 1 to 64 letters, digits and `. _ : -`.
    fn external_id(&mut self, name: &str) -> Result<String, LineError> {
        let id = self.text(name, 64)?;
        if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b)) {
            return Err(self.error(name, "not an external id (up to 64 letters, digits and . _ : -)"));
        }
        Ok(id)
    }

    fn one_of(&mut self, name: &str, allowed: &[&'static str]) -> Result<&'static str, LineError> {
        let Value::String(text) = self.take(name)? else {
            return Err(self.error(name, "not a string"));
        };
        allowed
            .iter()
            .find(|a| **a == text)
            .copied()
            .ok_or_else(|| self.error(name, &format!("not one of {}", allowed.join(", "))))
    }

    fn email(&mut self, name: &str) -> Result<String, LineError> {
        let email = self.text(name, 320)?;
        let shaped = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
        if !shaped || email.chars().any(char::is_whitespace) {
            return Err(self.error(name, "not an email address"));
        }
        Ok(email)
    }

    /// A two-letter US state or territory code, upper case.
    fn us_state(&mut self, name: &str) -> Result<String, LineError> {
        let state = self.text(name, 2)?;
        if state.len() != 2 || !state.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(self.error(name, "not a two-letter state code (like NY)"));
        }
        Ok(state)
    }

    /// A date of birth: `YYYY-MM-DD`, not in the future and not before 1900.
    fn birth_date(&mut self, name: &str) -> Result<NaiveDate, LineError> {
        let Value::String(text) = self.take(name)? else {
            return Err(self.error(name, "not a string"));
        };
        let date = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| self.error(name, "not a date (YYYY-MM-DD)"))?;
        if date > Utc::now().date_naive() || date.year() < 1900 {
            return Err(self.error(name, "not a date of birth (from 1900 to today)"));
        }
        Ok(date)
    }

    /// An RFC 3339 instant with its offset (`2026-11-30T15:00:00-05:00`).
    fn instant(&mut self, name: &str) -> Result<DateTime<Utc>, LineError> {
        let Value::String(text) = self.take(name)? else {
            return Err(self.error(name, "not a string"));
        };
        let at = DateTime::parse_from_rfc3339(&text)
            .map_err(|_| self.error(name, "not an RFC 3339 time with its offset (2026-11-30T15:00:00-05:00)"))?;
        // To the microsecond, as both databases keep it: a re-import then compares equal.
        let at = at.with_timezone(&Utc);
        let at = at.with_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at);
        if at.year() < 1900 || at.year() > 2200 {
            return Err(self.error(name, "not a time from 1900 to 2200"));
        }
        Ok(at)
    }

    fn whole(&mut self, name: &str, min: i32, max: i32) -> Result<i32, LineError> {
        let value = self.take(name)?;
        value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| self.error(name, &format!("not a whole number from {min} to {max}")))
    }

    fn flag_or(&mut self, name: &str, default: bool) -> Result<bool, LineError> {
        if !self.present(name) {
            self.map.remove(name);
            return Ok(default);
        }
        match self.take(name)? {
            Value::Bool(flag) => Ok(flag),
            _ => Err(self.error(name, "not true or false")),
        }
    }

    /// 1 to 12 ICD-10-CM codes (`F41.1`), as ward stores them: upper case, once each.
    /// An optional list of the labels a sender may set: `sud_part2`, `restricted`. A note is
    /// a psychotherapy note by its kind, never by a label a line sends.
    fn labels(&mut self, name: &str) -> Result<Labels, LineError> {
        if !self.present(name) {
            self.map.remove(name);
            return Ok(Labels::NONE);
        }
        let Value::Array(items) = self.take(name)? else {
            return Err(self.error(name, "not a list of labels"));
        };
        let mut labels = Labels::NONE;
        for (i, item) in items.iter().enumerate() {
            match item.as_str() {
                Some("sud_part2") => labels = labels.with(SecurityLabel::SudPart2),
                Some("restricted") => labels = labels.with(SecurityLabel::Restricted),
                _ => return Err(self.error(&format!("{name}[{i}]"), "not one of sud_part2, restricted")),
            }
        }
        Ok(labels)
    }

    fn diagnosis_codes(&mut self, name: &str) -> Result<String, LineError> {
        let Value::Array(items) = self.take(name)? else {
            return Err(self.error(name, "not a list of ICD-10 codes"));
        };
        if items.is_empty() || items.len() > 12 {
            return Err(self.error(name, "holds 1 to 12 codes"));
        }
        let mut codes: Vec<String> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let code = item.as_str().map(|c| c.trim().to_uppercase()).filter(|c| crate::medical::workflow::is_icd10(c));
            let Some(code) = code else {
                return Err(self.error(&format!("{name}[{i}]"), "not an ICD-10 code (like F41.1)"));
            };
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        Ok(codes.join(","))
    }

    /// Refuses a field the schema does not have, without its name: a key can be a value
    /// (an export keyed by member id), and the line's own fields are the schema's names.
    fn done(self) -> Result<(), LineError> {
        if self.map.is_empty() {
            return Ok(());
        }
        let problem = format!("{} field(s) this type does not have (see the schema of each type)", self.map.len());
        Err(LineError { line: self.line, field: None, problem })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const PATIENT: &str = r#"{"type":"patient","externalId":"P-1","firstName":"Ada","lastName":"Quill","email":"ada@example.com","phone":"(212) 555-0100","dateOfBirth":"1990-04-01","payer":"Aetna","memberId":"W123456789","state":"NY"}"#;

    const UNKNOWN: &str = "line 7: 1 field(s) this type does not have (see the schema of each type)";

    fn problem(line: &str) -> String {
        parse(7, line.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn a_patient_line_is_read_whole() {
        let line = parse(1, PATIENT.as_bytes()).unwrap();
        assert_eq!(line.external_id, "P-1");
        let Record::Patient(p) = line.record else { panic!("not a patient") };
        assert_eq!(p.date_of_birth, NaiveDate::from_ymd_opt(1990, 4, 1).unwrap());
        assert_eq!(p.member_id, "W123456789");
    }

    #[test]
    fn each_bad_field_is_named_and_its_value_never_quoted() {
        let cases = [
            (PATIENT.replace("1990-04-01", "1990-13-01"), "line 7, field `dateOfBirth`: not a date (YYYY-MM-DD)"),
            (PATIENT.replace("\"NY\"", "\"Secret York\""), "line 7, field `state`: longer than 2 characters"),
            (PATIENT.replace("ada@example.com", "Ada Quill"), "line 7, field `email`: not an email address"),
            (
                PATIENT.replace("\"patient\"", "\"invoice\""),
                "line 7, field `type`: not one of patient, provider, appointment, care_record",
            ),
            (PATIENT.replace(",\"state\":\"NY\"", ""), "line 7, field `state`: missing"),
            (
                PATIENT.replace("\"P-1\"", "\"P 1 Quill\""),
                "line 7, field `externalId`: not an external id (up to 64 letters, digits and . _ : -)",
            ),
            (PATIENT.replace("}", ",\"ssn\":\"078-05-1120\"}"), UNKNOWN),
            (PATIENT.replace("}", ",\"W123456789\":1}"), UNKNOWN),
            (PATIENT.replace("\"Ada\"", "7"), "line 7, field `firstName`: not a string"),
            ("[1,2]".to_owned(), "line 7: not a JSON object"),
            ("{\"type\":\"patient\",".to_owned(), "line 7: not JSON (column 18)"),
        ];
        for (line, expected) in cases {
            let said = problem(&line);
            assert_eq!(said, expected, "for {line}");
            for secret in ["Secret", "078-05", "Quill", "1990-13", "W123456789", "ssn"] {
                assert!(!said.contains(secret), "{said} quotes the line");
            }
        }
    }

    #[test]
    fn a_line_sets_only_the_labels_a_sender_may_set() {
        let line = r#"{"type":"care_record","externalId":"N-1","patientExternalId":"P-1","providerExternalId":"D-1","kind":"progress_note","body":"Session.","diagnosisCodes":["F41.1"],"securityLabels":["restricted"]}"#;
        let Record::CareRecord(note) = parse(1, line.as_bytes()).unwrap().record else { panic!() };
        assert_eq!(note.labels, Labels::of(SecurityLabel::Restricted));
        let unlabelled = line.replace(r#","securityLabels":["restricted"]"#, "");
        let Record::CareRecord(note) = parse(1, unlabelled.as_bytes()).unwrap().record else { panic!() };
        assert_eq!(note.labels, Labels::NONE);
        let note = line.replace(r#"["restricted"]"#, r#"["psychotherapy_note"]"#);
        assert_eq!(problem(&note), "line 7, field `securityLabels[0]`: not one of sud_part2, restricted");
        assert_eq!(
            problem(&line.replace(r#"["restricted"]"#, r#""restricted""#)),
            "line 7, field `securityLabels`: not a list of labels"
        );
    }

    #[test]
    fn non_utf8_bytes_are_refused_by_position() {
        let mut bytes = PATIENT.as_bytes().to_vec();
        let at = PATIENT.find("Ada").unwrap();
        bytes[at] = 0xff;
        let err = parse(3, &bytes).unwrap_err();
        assert_eq!(err.field, None);
        assert!(err.problem.starts_with("not JSON (column"), "{err}");
    }

    #[test]
    fn a_care_record_takes_its_codes_once_each_in_upper_case() {
        let line = r#"{"type":"care_record","externalId":"N-1","patientExternalId":"P-1","providerExternalId":"D-1","kind":"progress_note","body":"Session went well.","diagnosisCodes":["f41.1","F41.1","F33.0"]}"#;
        let Record::CareRecord(note) = parse(1, line.as_bytes()).unwrap().record else { panic!() };
        assert_eq!(note.diagnosis_codes, "F41.1,F33.0");
        assert_eq!(note.appointment, None);
        let bad = line.replace("\"F33.0\"", "\"depressed\"");
        assert_eq!(problem(&bad), "line 7, field `diagnosisCodes[2]`: not an ICD-10 code (like F41.1)");
    }

    #[test]
    fn an_appointment_needs_an_offset_and_a_sane_length() {
        let line = r#"{"type":"appointment","externalId":"A-1","patientExternalId":"P-1","providerExternalId":"D-1","startsAt":"2026-11-30T15:00:00-05:00","durationMinutes":50,"kind":"therapy","status":"completed","cptCode":"90834"}"#;
        let Record::Appointment(a) = parse(1, line.as_bytes()).unwrap().record else { panic!() };
        assert_eq!(a.starts_at.to_rfc3339(), "2026-11-30T20:00:00+00:00");
        assert!(problem(&line.replace("-05:00", "")).contains("field `startsAt`"));
        assert!(problem(&line.replace(":50,", ":1e9999,")).starts_with("line 7: not JSON"));
        assert!(problem(&line.replace(":50,", ":-0,")).contains("field `durationMinutes`"));
        assert!(problem(&line.replace(":50,", ":50.5,")).contains("field `durationMinutes`"));
    }

    #[test]
    fn a_provider_npi_must_pass_its_check_digit() {
        let line = r#"{"type":"provider","externalId":"D-1","npi":"1234567893","firstName":"Jo","lastName":"Lee","credential":"LCSW","specialty":"Psychotherapy","state":"NY","email":"jo@providers.example.com"}"#;
        let Record::Provider(p) = parse(1, line.as_bytes()).unwrap().record else { panic!() };
        assert!(p.active);
        assert_eq!(
            problem(&line.replace("1234567893", "1234567890")),
            "line 7, field `npi`: not an NPI (ten digits that pass the Luhn check)"
        );
    }
}
