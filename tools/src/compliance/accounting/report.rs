//! A patient's accounting for a period, as a privacy officer hands it over: the patient named,
//! the period, who prepared it and when, and one line per disclosure, with repeated views of
//! one record collapsed into one line with a count, and emergency access (its opening, its end
//! and compliance's verdict) in the same order of time.

use super::words;
use crate::compliance::audit_log::{self, AuditFilter};
use crate::kit::{ApiError, ApiResult};
use chrono::{DateTime, Months, NaiveDate, Utc};
use entities::{audit_event, break_glass_grant, patient, staff};
use sea_orm::sea_query::Order;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// The days an accounting covers, both included, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The six years before `today` and today: what 45 CFR 164.528(a) lets a patient ask for.
    pub fn six_years_to(today: NaiveDate) -> Period {
        Period { from: today.checked_sub_months(Months::new(72)).unwrap_or(today), to: today }
    }

    /// `from` to `to` (either defaulting to the six years before today); `BAD_USER_INPUT`
    /// when `from` is after `to`.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> ApiResult<Period> {
        let to = to.unwrap_or(today);
        crate::kit::dates::end_of(to, "to")?;
        let from = from.unwrap_or(Period::six_years_to(to).from);
        if from > to {
            return Err(ApiError::BadUserInput(format!("the period starts ({from}) after it ends ({to})")));
        }
        Ok(Period { from, to })
    }

    fn start(self) -> DateTime<Utc> {
        self.from.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    fn end(self) -> DateTime<Utc> {
        // `new` checked that `to` has a day after it.
        crate::kit::dates::end_of(self.to, "to").unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A staff member as the accounting names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub sub: String,
    /// The display name as it is now (`None` when no member has that `sub`).
    pub name: Option<String>,
    pub title: Option<String>,
}

impl Person {
    fn of(sub: &str, staff: &HashMap<String, staff::Model>) -> Person {
        let member = staff.get(sub);
        Person {
            sub: sub.to_owned(),
            name: member.map(|m| m.display_name.clone()),
            title: member.and_then(|m| m.title.clone()),
        }
    }

    /// "Cora Lindqvist, Privacy Officer"; the `sub` when no member has it.
    pub fn named(&self) -> String {
        match (&self.name, &self.title) {
            (Some(name), Some(title)) => format!("{name}, {title}"),
            (Some(name), None) => name.clone(),
            (None, _) => format!("{} (not on the staff list)", self.sub),
        }
    }
}

/// The patient an accounting is about, named as they would recognise themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPatient {
    pub id: Uuid,
    pub name: String,
    pub date_of_birth: NaiveDate,
    pub member_id: String,
}

impl From<&patient::Model> for NamedPatient {
    fn from(p: &patient::Model) -> Self {
        NamedPatient {
            id: p.id,
            name: format!("{} {}", p.first_name, p.last_name),
            date_of_birth: p.date_of_birth,
            member_id: p.member_id.clone(),
        }
    }
}

/// What a line records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// PHI of the patient was shown to the recipient.
    Disclosure,
    /// The recipient opened emergency access to the patient.
    EmergencyAccessOpened,
    /// Compliance gave its verdict on an emergency access.
    EmergencyAccessReviewed,
    /// An emergency access was ended before its time.
    EmergencyAccessEnded,
}

/// One line of the accounting: one disclosure, or the same one repeated on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub kind: Kind,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    /// How many events the line stands for (repeated views of one record on one day).
    pub times: usize,
    pub recipient: Person,
    /// The roles the recipient held at the first time.
    pub roles: Vec<String>,
    pub phi_classes: Vec<String>,
    pub record_type: String,
    pub record_id: Option<String>,
    pub purpose: Option<String>,
    pub reason: Option<String>,
    pub break_glass: bool,
    /// The first event's request.
    pub request_id: String,
    /// Every event's sequence number on the audit trail, oldest first.
    pub seqs: Vec<i64>,
    /// What happened, in words.
    pub what: String,
    /// Why, in words.
    pub why: String,
}

/// A patient's accounting for a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub patient: NamedPatient,
    pub period: Period,
    pub generated_at: DateTime<Utc>,
    pub generated_by: Person,
    /// Oldest first.
    pub lines: Vec<Line>,
}

/// The events of the accounting: every disclosure of the patient's PHI in the period, and
/// every opening, review and end of emergency access to them.
fn events_of(
    backend: sea_orm::DatabaseBackend,
    patient: Uuid,
    period: Period,
) -> ApiResult<sea_orm::Select<audit_event::Entity>> {
    let filter = AuditFilter {
        patient_id: Some(async_graphql::ID(patient.to_string())),
        from: Some(period.start()),
        to: Some(period.end()),
        ..AuditFilter::default()
    };
    let (query, _) = audit_log::events(backend, filter)?;
    let disclosed = Condition::all()
        .add(audit_event::Column::Outcome.is_in(["allowed", "break_glass"]))
        .add(audit_event::Column::PhiClasses.ne(""));
    let emergency = Condition::all()
        .add(audit_event::Column::ResourceType.eq("break_glass"))
        .add(audit_event::Column::Action.is_in(["request", "review", "end"]))
        .add(audit_event::Column::Outcome.eq("allowed"));
    let query = query.filter(Condition::any().add(disclosed).add(emergency));
    Ok(audit_log::in_time_order(backend, query, Order::Asc))
}

/// The accounting of `patient` for `period`, prepared by `generated_by` now.
#[tracing::instrument(skip(db, generated_by))]
pub async fn report(db: &impl ConnectionTrait, patient: Uuid, period: Period, generated_by: &str) -> ApiResult<Report> {
    let Some(named) = patient::Entity::find_by_id(patient).one(db).await? else {
        return Err(ApiError::NotFound(format!("patient {patient}")));
    };
    let events = events_of(db.get_database_backend(), patient, period)?.all(db).await?;
    let mut subs: Vec<&str> = events.iter().map(|e| e.actor.as_str()).chain([generated_by]).collect();
    subs.sort_unstable();
    subs.dedup();
    let staff: HashMap<String, staff::Model> = staff::Entity::find()
        .filter(staff::Column::Sub.is_in(subs))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.sub.clone(), m))
        .collect();
    let grants: HashMap<Uuid, break_glass_grant::Model> = break_glass_grant::Entity::find()
        .filter(break_glass_grant::Column::PatientId.eq(patient))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect();
    let by_id: HashMap<Uuid, &staff::Model> = staff.values().map(|m| (m.id, m)).collect();
    let context = Context { staff: &staff, grants: &grants, staff_by_id: &by_id };
    Ok(Report {
        patient: NamedPatient::from(&named),
        period,
        generated_at: Utc::now(),
        generated_by: Person::of(generated_by, &staff),
        lines: collapsed(events.iter().map(|e| context.line(e)).collect()),
    })
}

/// What a line needs besides its event: names, titles, and the grants it is about.
struct Context<'a> {
    staff: &'a HashMap<String, staff::Model>,
    staff_by_id: &'a HashMap<Uuid, &'a staff::Model>,
    grants: &'a HashMap<Uuid, break_glass_grant::Model>,
}

fn list(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl Context<'_> {
    fn line(&self, event: &audit_event::Model) -> Line {
        let kind = match (event.resource_type.as_str(), event.action.as_str()) {
            ("break_glass", "request") => Kind::EmergencyAccessOpened,
            ("break_glass", "review") => Kind::EmergencyAccessReviewed,
            ("break_glass", "end") => Kind::EmergencyAccessEnded,
            _ => Kind::Disclosure,
        };
        let grant = event.resource_id.as_deref().and_then(|id| id.parse().ok()).and_then(|id| self.grants.get(&id));
        let mut line = Line {
            kind,
            first: event.occurred_at,
            last: event.occurred_at,
            times: 1,
            recipient: Person::of(&event.actor, self.staff),
            roles: list(&event.actor_roles),
            phi_classes: list(&event.phi_classes),
            record_type: event.resource_type.clone(),
            record_id: event.resource_id.clone(),
            purpose: event.purpose.clone(),
            reason: event.reason.clone(),
            break_glass: event.outcome == "break_glass",
            request_id: event.request_id.clone(),
            seqs: vec![event.seq],
            what: String::new(),
            why: String::new(),
        };
        (line.what, line.why) = self.words(&line, grant);
        line
    }

    /// The line's "what" and "why".
    fn words(&self, line: &Line, grant: Option<&break_glass_grant::Model>) -> (String, String) {
        let opener = grant
            .and_then(|g| self.staff_by_id.get(&g.staff_id))
            .map_or_else(|| "a member of staff".to_owned(), |m| m.display_name.clone());
        let reason = line.reason.as_deref();
        match line.kind {
            Kind::Disclosure => (
                words::capitalised(&format!(
                    "saw {}, in {}",
                    words::phi_classes(&line.phi_classes),
                    words::record(&line.record_type)
                )),
                words::why(line.purpose.as_deref(), reason),
            ),
            Kind::EmergencyAccessOpened => (
                format!(
                    "Opened emergency access to your {} and {}{}",
                    words::phi_class("identity"),
                    words::phi_class("clinical"),
                    grant.map(|g| format!(", until {} UTC", g.expires_at.format("%Y-%m-%d %H:%M"))).unwrap_or_default()
                ),
                reason.map_or_else(|| "no reason recorded".to_owned(), |r| format!("Their reason: {r}")),
            ),
            Kind::EmergencyAccessReviewed => {
                let verdict = grant.map_or_else(
                    || reason.unwrap_or("a verdict").to_lowercase(),
                    |g| format!("{:?}", g.review_status).to_lowercase(),
                );
                let note = grant.and_then(|g| g.review_note.as_deref()).filter(|n| !n.trim().is_empty());
                (
                    format!("Reviewed the emergency access {opener} opened: found it {verdict}"),
                    note.map_or_else(|| "No note".to_owned(), |n| format!("Their note: {n}")),
                )
            }
            Kind::EmergencyAccessEnded => (
                format!("Ended the emergency access {opener} opened"),
                "Emergency access closes as soon as it is no longer needed".to_owned(),
            ),
        }
    }
}

/// Lines in time order with the repeats of one disclosure on one day (the same recipient,
/// record, classes, purpose and way in: a page opened again and again) folded into the
/// first, which then counts them. Emergency access lines are never folded.
fn collapsed(lines: Vec<Line>) -> Vec<Line> {
    type Key = (NaiveDate, String, String, Option<String>, Vec<String>, Option<String>, Option<String>, bool);
    let mut folded: Vec<Line> = Vec::with_capacity(lines.len());
    let mut at: HashMap<Key, usize> = HashMap::new();
    for line in lines {
        if line.kind != Kind::Disclosure {
            folded.push(line);
            continue;
        }
        let key = (
            line.first.date_naive(),
            line.recipient.sub.clone(),
            line.record_type.clone(),
            line.record_id.clone(),
            line.phi_classes.clone(),
            line.purpose.clone(),
            line.reason.clone(),
            line.break_glass,
        );
        match at.get(&key).and_then(|&i| folded.get_mut(i)) {
            Some(first) => {
                first.times += 1;
                first.last = line.last;
                first.seqs.extend(line.seqs);
            }
            None => {
                at.insert(key, folded.len());
                folded.push(line);
            }
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: i64, at: &str, sub: &str, record: &str) -> Line {
        let at = DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&Utc);
        Line {
            kind: Kind::Disclosure,
            first: at,
            last: at,
            times: 1,
            recipient: Person { sub: sub.into(), name: None, title: None },
            roles: vec!["cx".into()],
            phi_classes: vec!["contact".into()],
            record_type: "ticket".into(),
            record_id: Some(record.into()),
            purpose: None,
            reason: None,
            break_glass: false,
            request_id: format!("req-{seq}"),
            seqs: vec![seq],
            what: String::new(),
            why: String::new(),
        }
    }

    #[test]
    fn a_record_seen_again_the_same_day_is_one_line_with_a_count() {
        let lines = collapsed(vec![
            line(1, "2026-03-01T09:00:00Z", "alice", "t1"),
            line(2, "2026-03-01T09:05:00Z", "owen", "t1"),
            line(3, "2026-03-01T09:10:00Z", "alice", "t1"),
            line(4, "2026-03-01T11:00:00Z", "alice", "t1"),
            line(5, "2026-03-02T09:00:00Z", "alice", "t1"),
            line(6, "2026-03-02T09:01:00Z", "alice", "t2"),
        ]);
        let counted: Vec<(i64, usize)> = lines.iter().map(|l| (l.seqs[0], l.times)).collect();
        assert_eq!(counted, [(1, 3), (2, 1), (5, 1), (6, 1)]);
        assert_eq!(lines[0].seqs, [1, 3, 4]);
        assert_eq!(lines[0].last.to_rfc3339(), "2026-03-01T11:00:00+00:00");
    }

    #[test]
    fn emergency_access_lines_are_never_folded() {
        let opened = Line { kind: Kind::EmergencyAccessOpened, ..line(1, "2026-03-01T09:00:00Z", "alice", "g") };
        let again = Line { seqs: vec![2], ..opened.clone() };
        assert_eq!(collapsed(vec![opened, again]).len(), 2);
    }

    #[test]
    fn a_period_defaults_to_six_years_and_refuses_to_run_backwards() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let period = Period::new(None, None, today).unwrap();
        assert_eq!((period.from.to_string(), period.to.to_string()), ("2020-12-03".into(), "2026-12-03".into()));
        assert!(Period::new(Some(today), today.pred_opt(), today).is_err());
        assert_eq!(period.end().to_rfc3339(), "2026-12-04T00:00:00+00:00", "the last day is included");
    }
}
