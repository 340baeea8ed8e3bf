//! A record's history in words: "Alice Moreno assigned it to Owen Becker", "status
//! pending → resolved", "commented (internal)". The API records each change as
//! `{"field": [old, new]}` with the staff it names beside it; this is the one place that
//! turns those into sentences for the person at the screen, never JSON or ids.

use super::{Agent, Member};
use crate::console::gql::Connection;
use crate::console::layout::{ago, dollars};
use crate::console::words::spoken;
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

/// One change in a record's history: who, when, what, and the staff it names.
#[derive(Deserialize)]
pub struct HistoryEntry {
    pub kind: String,
    pub actor: Option<Agent>,
    pub changes: Value,
    #[serde(default)]
    pub people: Vec<Member>,
    pub at: DateTime<Utc>,
}

/// The history card: one line a change, oldest first; a history longer than the page says so.
pub fn card(heading: &str, history: &Connection<HistoryEntry>) -> Markup {
    let entries: Vec<&HistoryEntry> = history.nodes().collect();
    html! {
        @if history.page_info.has_next_page {
            p.warning { "The first " (entries.len()) " changes are shown; later ones are on the record and in the API's history." }
        }
        @if entries.is_empty() { p.muted { "Nothing has changed yet." } }
        @else {
            ol.history aria-labelledby=(heading) {
                @for entry in entries {
                    li {
                        span.muted { (ago(&entry.at)) } " · "
                        (sentence(entry))
                        @if let Some(note) = entry.changes.get("note").and_then(Value::as_str).filter(|n| !n.trim().is_empty()) {
                            br; span.note { "Note: " (note) }
                        }
                    }
                }
            }
        }
    }
}

/// What changed a record last, for a refused change: "Olga Novak changed the status: open →
/// pending (2 min ago)". The newest entry is the last of the page, when the page holds the
/// whole history; a comment moves no version, so it is never what a change collided with.
pub fn last_change(history: &Connection<HistoryEntry>) -> Option<Markup> {
    if history.page_info.has_next_page {
        return None;
    }
    let entry = history.nodes().filter(|e| e.kind != "commented").last()?;
    Some(html! { (sentence(entry)) " (" (ago(&entry.at)) ")" })
}

/// What the entry says happened, as one sentence about its actor.
fn sentence(entry: &HistoryEntry) -> String {
    let actor = entry.actor.as_ref().map_or("ward", |a| a.display_name.as_str());
    let changes = &entry.changes;
    let mut parts: Vec<String> = match entry.kind.as_str() {
        "created" => vec!["opened it".into()],
        "escalated" => vec!["escalated the denial".into()],
        "commented" => {
            let internal = pair(changes, "internal").1.as_bool() == Some(true);
            vec![if internal { "commented (internal)".into() } else { "commented".into() }]
        }
        "assigned" => vec![assignment(entry)],
        "write_off_requested" => vec!["asked for a write-off, which waits for a second ops member".into()],
        "written_off_approved" => vec![decided_write_off(entry, "approved")],
        "write_off_rejected" => vec![decided_write_off(entry, "rejected")],
        _ => Vec::new(),
    };
    let mut fields: Vec<(&String, &Value)> =
        changes.as_object().into_iter().flatten().filter(|(field, _)| !said_already(&entry.kind, field)).collect();
    // The status first: it is what a reader looks for.
    fields.sort_by_key(|(field, _)| field.as_str() != "status");
    for (field, change) in fields {
        parts.push(field_change(field, change));
    }
    if parts.is_empty() {
        parts.push(spoken(&entry.kind));
    }
    format!("{actor} {}", parts.join("; "))
}

/// Whether `field` of a `kind` entry is told by the kind's own sentence (or by the note).
fn said_already(kind: &str, field: &str) -> bool {
    matches!(field, "note" | "assignee" | "approval" | "comment" | "internal")
        || (kind == "escalated" && field == "status")
}

fn assignment(entry: &HistoryEntry) -> String {
    let (old, new) = pair(&entry.changes, "assignee");
    let name = |v: &Value| v.as_str().map(|sub| person(entry, sub));
    match (name(old), name(new)) {
        (None, Some(to)) => format!("assigned it to {to}"),
        (Some(from), None) => format!("unassigned it from {from}"),
        (Some(from), Some(to)) if from == to => format!("assigned it to {to} again"),
        (Some(from), Some(to)) => format!("reassigned it from {from} to {to}"),
        (None, None) => "left it unassigned".into(),
    }
}

/// "approved the write-off Owen Becker asked for" (`verdict`: approved, rejected).
fn decided_write_off(entry: &HistoryEntry, verdict: &str) -> String {
    let requester = entry.changes.get("approval").and_then(|a| a.get("requestedBy")).and_then(Value::as_str);
    match requester {
        Some(id) => format!("{verdict} the write-off {} asked for", person(entry, id)),
        None => format!("{verdict} the write-off"),
    }
}

/// The name of the staff member `sub` names, or "a former staff member" when the API named
/// nobody for it.
fn person(entry: &HistoryEntry, sub: &str) -> String {
    entry
        .people
        .iter()
        .find(|p| p.sub == sub)
        .map_or_else(|| "a former staff member".to_owned(), |p| p.display_name.clone())
}

/// `[old, new]` of `field`, nulls where absent.
fn pair<'a>(changes: &'a Value, field: &str) -> (&'a Value, &'a Value) {
    const NULL: &Value = &Value::Null;
    match changes.get(field).and_then(Value::as_array).map(Vec::as_slice) {
        Some([old, new, ..]) => (old, new),
        _ => (NULL, NULL),
    }
}

/// One field's change: "changed the status: pending → resolved".
fn field_change(field: &str, change: &Value) -> String {
    let name = match field {
        "recoveredCents" => "amount recovered".to_owned(),
        "writtenOffCents" => "amount written off".to_owned(),
        "adjustment" => "adjustment reason".to_owned(),
        other => spoken(other),
    };
    match field {
        "appeal" => {
            let level = change.get("level").and_then(Value::as_str).map(spoken);
            let sent = change.get("sentOn").and_then(Value::as_str);
            match (level, sent) {
                (Some(level), Some(sent)) => format!("filed the {level} appeal, sent {sent}"),
                _ => "filed an appeal".into(),
            }
        }
        "withdrewWriteOff" => "withdrew the write-off that was waiting for approval".into(),
        _ => match change.as_array().map(Vec::as_slice) {
            Some([old, new]) => match (shown(field, old), shown(field, new)) {
                (None, None) => format!("changed the {name}"),
                (None, Some(new)) => format!("set the {name} to {new}"),
                (Some(old), None) => format!("cleared the {name} (was {old})"),
                (Some(old), Some(new)) => format!("changed the {name}: {old} → {new}"),
            },
            _ => format!("changed the {name}"),
        },
    }
}

/// A recorded value in words; `None` for nothing (or text withheld from this reader).
fn shown(field: &str, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        Value::Number(n) if field.ends_with("Cents") => n.as_i64().map(dollars),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if matches!(field, "subject" | "description") => Some(format!("“{s}”")),
        Value::String(s) if field == "adjustment" => Some(adjustment(s)),
        Value::String(s) => Some(spoken(s)),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// An adjustment reason as a remittance writes it ("CO-45"), with what its code means.
fn adjustment(key: &str) -> String {
    let code = key.split_once('-').map_or(key, |(_, code)| code);
    match tools::kit::codes::CARC.iter().find(|c| c.code == code) {
        Some(carc) => format!("{key} ({})", carc.description.to_lowercase()),
        None => key.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{HistoryEntry, sentence};
    use serde_json::json;

    fn entry(kind: &str, changes: serde_json::Value) -> HistoryEntry {
        serde_json::from_value(json!({
            "kind": kind, "actor": { "displayName": "Alice Moreno" }, "changes": changes,
            "people": [{ "sub": "owen", "displayName": "Owen Becker" }, { "sub": "olga", "displayName": "Olga Ivanova" }],
            "at": "2026-12-03T10:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn each_kind_of_change_reads_as_a_sentence() {
        let cases = [
            (entry("assigned", json!({ "assignee": [null, "owen"] })), "Alice Moreno assigned it to Owen Becker"),
            (
                entry("assigned", json!({ "assignee": ["owen", "olga"] })),
                "Alice Moreno reassigned it from Owen Becker to Olga Ivanova",
            ),
            (entry("assigned", json!({ "assignee": ["owen", null] })), "Alice Moreno unassigned it from Owen Becker"),
            (
                entry("transitioned", json!({ "status": ["pending", "resolved"] })),
                "Alice Moreno changed the status: pending → resolved",
            ),
            (
                entry("commented", json!({ "comment": [null, "0190"], "internal": [null, true] })),
                "Alice Moreno commented (internal)",
            ),
            (
                entry("updated", json!({ "priority": ["NORMAL", "HIGH"] })),
                "Alice Moreno changed the priority: normal → high",
            ),
            (entry("updated", json!({ "subject": [null, null] })), "Alice Moreno changed the subject"),
            (
                entry("transitioned", json!({ "status": ["in_review", "won"], "recoveredCents": [null, 12050] })),
                "Alice Moreno changed the status: in review → won; set the amount recovered to $120.50",
            ),
            (
                entry(
                    "transitioned",
                    json!({ "status": ["open", "written_off"], "writtenOffCents": [null, 4000], "adjustment": [null, "CO-45"] }),
                ),
                "Alice Moreno changed the status: open → written off; set the adjustment reason to CO-45 (charge exceeds \
                 fee schedule or maximum allowable); set the amount written off to $40.00",
            ),
            (
                entry("escalated", json!({ "status": [null, "open"], "note": "CO-50" })),
                "Alice Moreno escalated the denial",
            ),
            (
                entry(
                    "written_off_approved",
                    json!({ "status": ["lost", "written_off"], "approval": { "id": "a", "requestedBy": "owen" } }),
                ),
                "Alice Moreno approved the write-off Owen Becker asked for; changed the status: lost → written off",
            ),
            (
                entry("assigned", json!({ "assignee": [null, "gone"] })),
                "Alice Moreno assigned it to a former staff member",
            ),
        ];
        for (entry, said) in cases {
            assert_eq!(sentence(&entry), said);
        }
    }
}
