//! `auditEventsCsv`: an audit-log search as the CSV compliance keeps or hands on, newest
//! first, at most [`COUNT_LIMIT`] events (past it, the search is to be narrowed). Exporting
//! is reading the trail, recorded once as `audit.export` with the number of events.

use super::accounting::neutralised;
use super::audit_log::{AuditFilter, events, page_query};
use crate::kit::pagination::{COUNT_LIMIT, REPORT_COMPLEXITY};
use crate::kit::{Allow, ApiError, Gql, access, db};
use async_graphql::{Context, Object};
use entities::{audit_event, staff};
use policies::{Action, Resource};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// The columns, in order.
/// The lines above the header: the 42 CFR 2.32 notice, then a blank line.
pub const PREAMBLE_LINES: usize = 2;

pub const COLUMNS: [&str; 14] = [
    "seq",
    "occurred_at",
    "actor",
    "actor_name",
    "actor_roles",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "phi_classes",
    "outcome",
    "reason",
    "purpose",
    "request_id",
];

#[derive(Default)]
pub struct AuditExportQuery;

#[Object]
impl AuditExportQuery {
    /// The events `filter` finds (as `auditEvents` takes it) as CSV, newest first, under the
    /// 42 CFR 2.32 notice and a blank line (the table starts at its third line): at most
    /// 10,000, as `auditEventCount` counts them (narrow a search that finds more). Staff are
    /// named as well as identified; no cell can run as a spreadsheet formula. Compliance only;
    /// the export is on the record, with how many events it held.
    #[graphql(guard = "Allow(Resource::Audit, Action::Read)", complexity = "REPORT_COMPLEXITY + child_complexity")]
    async fn audit_events_csv(&self, ctx: &Context<'_>, filter: Option<AuditFilter>) -> Gql<String> {
        let db = db(ctx)?;
        let backend = db.get_database_backend();
        let (query, patient) = events(backend, filter.unwrap_or_default())?;
        let rows = page_query(backend, query, None, COUNT_LIMIT).all(db).await.map_err(ApiError::from)?;
        let names = names_of(db, &rows).await?;
        let csv = write(&rows, &names)
            .map_err(|err| ApiError::Internal(anyhow::anyhow!(err).context("writing the audit export")))?;
        let access = access(ctx)?;
        access.record_read_because("audit.export", Resource::Audit, patient, format!("exported {} events", rows.len()));
        Ok(csv)
    }
}

/// The display names of the actors of `rows`, by `sub`.
async fn names_of(db: &impl ConnectionTrait, rows: &[audit_event::Model]) -> Result<HashMap<String, String>, ApiError> {
    let mut subs: Vec<&str> = rows.iter().map(|r| r.actor.as_str()).collect();
    subs.sort_unstable();
    subs.dedup();
    let mut names = HashMap::new();
    for chunk in subs.chunks(500) {
        let staff = staff::Entity::find().filter(staff::Column::Sub.is_in(chunk.iter().copied())).all(db).await?;
        names.extend(staff.into_iter().map(|s| (s.sub, s.display_name)));
    }
    Ok(names)
}

fn write(rows: &[audit_event::Model], names: &HashMap<String, String>) -> Result<String, csv::Error> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    let padded = |cells: &[String]| {
        let mut row = cells.to_vec();
        row.resize(COLUMNS.len(), String::new());
        row
    };
    csv.write_record(padded(&super::accounting::notice_line()))?;
    csv.write_record(padded(&[]))?;
    csv.write_record(COLUMNS)?;
    for row in rows {
        let cells = [
            row.seq.to_string(),
            row.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            row.actor.clone(),
            names.get(&row.actor).cloned().unwrap_or_default(),
            row.actor_roles.clone(),
            row.action.clone(),
            row.resource_type.clone(),
            row.resource_id.clone().unwrap_or_default(),
            row.patient_id.map(|p| p.to_string()).unwrap_or_default(),
            row.phi_classes.clone(),
            row.outcome.clone(),
            row.reason.clone().unwrap_or_default(),
            row.purpose.clone().unwrap_or_default(),
            row.request_id.clone(),
        ];
        csv.write_record(cells.iter().map(|cell| neutralised(cell).into_owned()))?;
    }
    let bytes = csv.into_inner().map_err(|err| csv::Error::from(err.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
