//! A patient's accounting of disclosures as CSV: its columns, its row, and the one writer
//! that `ward audit export` and the console's download share, so the document a patient
//! receives reads the same whoever exported it.
//!
//! 45 CFR 164.528(b)(2) asks, for each disclosure: (i) its date, (ii) the name of who received
//! the PHI, (iii) a brief description of what was disclosed, (iv) a brief statement of its
//! purpose. Those are the first columns; after them, how it was allowed (a role or a
//! break-glass grant) and where to find it on the audit trail (request id, sequence number).
//!
//! The purpose column is the purpose of use the request stated (`x-ward-purpose`:
//! `ticket:<id>`, `claim:<id>`, ...), then, after `; `, the reason the audit trail recorded
//! where there is one (a search's term: `matched contact search "gar"`), and `none stated`
//! when the request gave neither: a blank cell would read as a gap in the record.
//!
//! The file is opened in spreadsheets, and some of what it carries was typed by people (a
//! search term, a display name), so a cell that a spreadsheet would run as a formula is
//! neutralised the way OWASP advises for CSV injection: prefixed with `'`.

use super::audit_log;
use crate::kit::ApiResult;
use chrono::{DateTime, SecondsFormat, Utc};
use entities::{audit_event, staff};
use sea_orm::sea_query::Order;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io;
use uuid::Uuid;

/// The header row, in order.
pub const COLUMNS: [&str; 11] = [
    "date",
    "recipient_name",
    "recipient_sub",
    "recipient_roles",
    "phi_classes",
    "record_type",
    "record_id",
    "purpose",
    "outcome",
    "request_id",
    "audit_seq",
];

/// The purpose cell of a disclosure whose request stated no purpose and recorded no reason.
pub const NONE_STATED: &str = "none stated";

/// The fields of the GraphQL `AuditEvent` a [`Disclosure`] is read from
/// ([`Disclosure::from_graphql`]): a query for the accounting selects exactly these.
pub const GRAPHQL_FIELDS: &str =
    "seq occurredAt actor actorName actorRoles resourceType resourceId phiClasses outcome reason purpose requestId";

/// One disclosure as the accounting shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    /// The audit event's sequence number: orders the rows and finds the event on the chain.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub recipient_sub: String,
    /// The member's display name as it is now (`None` when no member has that `sub`).
    pub recipient_name: Option<String>,
    /// The roles the recipient held at the time.
    pub recipient_roles: Vec<String>,
    pub phi_classes: Vec<String>,
    /// The record the PHI was read from: its type (`patient`, `claim`, ...) and id.
    pub record_type: String,
    pub record_id: Option<String>,
    /// The purpose of use the request stated, if any.
    pub purpose: Option<String>,
    /// Why else it was recorded, if anything (a search's term).
    pub reason: Option<String>,
    /// Opened by a break-glass grant rather than a role.
    pub break_glass: bool,
    pub request_id: String,
}

fn list(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl Disclosure {
    /// The row of a disclosure event, with the recipient's display name.
    pub fn from_event(event: &audit_event::Model, recipient_name: Option<String>) -> Disclosure {
        Disclosure {
            seq: event.seq,
            occurred_at: event.occurred_at,
            recipient_sub: event.actor.clone(),
            recipient_name,
            recipient_roles: list(&event.actor_roles),
            phi_classes: list(&event.phi_classes),
            record_type: event.resource_type.clone(),
            record_id: event.resource_id.clone(),
            purpose: event.purpose.clone(),
            reason: event.reason.clone(),
            break_glass: event.outcome == crate::kit::audit::Outcome::BreakGlass.as_str(),
            request_id: event.request_id.clone(),
        }
    }

    /// The row of an `AuditEvent` node as the GraphQL API answers it (with
    /// [`GRAPHQL_FIELDS`] selected); `None` when a field is missing or malformed.
    pub fn from_graphql(node: &Value) -> Option<Disclosure> {
        let text = |key: &str| node[key].as_str().map(str::to_owned);
        let texts = |key: &str| -> Option<Vec<String>> {
            node[key].as_array()?.iter().map(|v| v.as_str().map(str::to_owned)).collect()
        };
        Some(Disclosure {
            seq: node["seq"].as_str()?.parse().ok()?,
            occurred_at: DateTime::parse_from_rfc3339(node["occurredAt"].as_str()?).ok()?.with_timezone(&Utc),
            recipient_sub: text("actor")?,
            recipient_name: text("actorName"),
            recipient_roles: texts("actorRoles")?,
            phi_classes: texts("phiClasses")?,
            record_type: text("resourceType")?,
            record_id: text("resourceId"),
            purpose: text("purpose"),
            reason: text("reason"),
            break_glass: node["outcome"].as_str()? == "BREAK_GLASS",
            request_id: text("requestId")?,
        })
    }

    /// The row's cells, in [`COLUMNS`] order, before neutralising.
    fn cells(&self) -> [String; 11] {
        let purpose = match (&self.purpose, &self.reason) {
            (Some(purpose), Some(reason)) => format!("{purpose}; {reason}"),
            (Some(why), None) | (None, Some(why)) => why.clone(),
            (None, None) => NONE_STATED.to_owned(),
        };
        [
            self.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
            self.recipient_name.clone().unwrap_or_default(),
            self.recipient_sub.clone(),
            self.recipient_roles.join(","),
            self.phi_classes.join(","),
            self.record_type.clone(),
            self.record_id.clone().unwrap_or_default(),
            purpose,
            if self.break_glass { "break_glass" } else { "allowed" }.to_owned(),
            self.request_id.clone(),
            self.seq.to_string(),
        ]
    }
}

/// Every disclosure of `patient` on the audit trail, with each recipient's display name.
/// For tools that read the database directly (`ward audit export`); the API's readers go
/// through the `disclosures` query, which records that the trail was read.
pub async fn of_patient(db: &impl ConnectionTrait, patient: Uuid) -> ApiResult<Vec<Disclosure>> {
    let oldest_first =
        audit_log::in_time_order(db.get_database_backend(), audit_log::disclosures_of(patient), Order::Asc);
    let events = oldest_first.all(db).await?;
    let mut subs: Vec<&str> = events.iter().map(|e| e.actor.as_str()).collect();
    subs.sort_unstable();
    subs.dedup();
    let names: HashMap<String, String> = staff::Entity::find()
        .filter(staff::Column::Sub.is_in(subs))
        .all(db)
        .await?
        .into_iter()
        .map(|member| (member.sub, member.display_name))
        .collect();
    Ok(events.iter().map(|e| Disclosure::from_event(e, names.get(&e.actor).cloned())).collect())
}

/// `cell` as a spreadsheet will show it: one that starts with `=`, `+`, `-`, `@`, a tab, a
/// carriage return or a line feed would be read as a formula, so it gets a leading `'`.
fn neutralised(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes the accounting of `rows` to `out`: the header, then one row per disclosure,
/// oldest first, every cell neutralised.
pub fn write(out: impl io::Write, mut rows: Vec<Disclosure>) -> io::Result<()> {
    rows.sort_by_key(|row| (row.occurred_at, row.seq));
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(COLUMNS).map_err(io::Error::other)?;
    for row in &rows {
        let cells = row.cells();
        csv.write_record(cells.iter().map(|cell| neutralised(cell).into_owned())).map_err(io::Error::other)?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disclosure() -> Disclosure {
        Disclosure {
            seq: 7,
            occurred_at: DateTime::parse_from_rfc3339("2026-03-01T09:30:00.123456Z").unwrap().with_timezone(&Utc),
            recipient_sub: "owen".into(),
            recipient_name: Some("Owen Becker".into()),
            recipient_roles: vec!["ops".into()],
            phi_classes: vec!["contact".into(), "identity".into()],
            record_type: "patient".into(),
            record_id: Some("01939f6e-7a2b-7c3d-8e4f-5a6b7c8d9e0f".into()),
            purpose: None,
            reason: None,
            break_glass: false,
            request_id: "req-1".into(),
        }
    }

    fn written(rows: Vec<Disclosure>) -> String {
        let mut out = Vec::new();
        write(&mut out, rows).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_prefixed_with_a_quote() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\n=1"] {
            assert_eq!(neutralised(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in ["", "owen", "matched contact search \"=1\"", " =1", "'=1", "2026-03-01T09:30:00Z"] {
            assert_eq!(neutralised(plain), plain, "{plain:?}");
        }
    }

    #[test]
    fn the_header_comes_first_and_rows_follow_oldest_first() {
        let later = Disclosure { seq: 9, ..disclosure() };
        let csv = written(vec![later, disclosure()]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert_eq!(
            lines[1],
            "2026-03-01T09:30:00.123456Z,Owen Becker,owen,ops,\"contact,identity\",patient,\
             01939f6e-7a2b-7c3d-8e4f-5a6b7c8d9e0f,none stated,allowed,req-1,7"
        );
        assert!(lines[2].ends_with(",9"), "{csv}");
    }

    #[test]
    fn the_purpose_is_the_stated_one_then_the_recorded_reason() {
        let both = Disclosure {
            purpose: Some("ticket:1".into()),
            reason: Some("matched contact search \"ga\"".into()),
            ..disclosure()
        };
        assert_eq!(both.cells()[7], "ticket:1; matched contact search \"ga\"");
        assert_eq!(Disclosure { purpose: Some("claim:2".into()), ..disclosure() }.cells()[7], "claim:2");
        assert_eq!(Disclosure { reason: Some("matched".into()), ..disclosure() }.cells()[7], "matched");
    }

    #[test]
    fn every_cell_is_neutralised_and_still_one_cell() {
        let hostile = Disclosure {
            recipient_name: Some("=HYPERLINK(\"https://evil.example\",\"x\")".into()),
            recipient_sub: "-owen".into(),
            reason: Some("@cmd,\"\n=2".into()),
            ..disclosure()
        };
        let csv = written(vec![hostile]);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(row.len(), COLUMNS.len());
        assert_eq!(&row[1], "'=HYPERLINK(\"https://evil.example\",\"x\")");
        assert_eq!(&row[2], "'-owen");
        assert_eq!(&row[7], "'@cmd,\"\n=2");
    }

    #[test]
    fn a_graphql_node_and_its_event_make_the_same_row() {
        let node = serde_json::json!({
            "seq": "7", "occurredAt": "2026-03-01T09:30:00.123456+00:00", "actor": "owen", "actorName": "Owen Becker",
            "actorRoles": ["ops"], "resourceType": "patient", "resourceId": "01939f6e-7a2b-7c3d-8e4f-5a6b7c8d9e0f",
            "phiClasses": ["contact", "identity"], "outcome": "ALLOWED", "reason": null, "purpose": null, "requestId": "req-1"
        });
        assert_eq!(Disclosure::from_graphql(&node), Some(disclosure()));
        let fields: Vec<&str> = GRAPHQL_FIELDS.split(' ').collect();
        assert!(fields.iter().all(|f| node.get(f).is_some()), "every selected field is read");
        assert_eq!(Disclosure::from_graphql(&serde_json::json!({ "seq": "x" })), None);
    }
}
