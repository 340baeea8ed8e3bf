//! A care record's history in words, oldest first: written, edited ("Maya Chen edited it:
//! …"), amendments asked for and decided ("Dr. Milo Tanaka approved the amendment Maya Chen
//! asked for", "… rejected it: <note>"), and reviews completed, each edit with a link to what
//! it changed.

use super::super::{Agent, name_of};
use super::record::CareRecord;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{ago, plain, restricted};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;

/// What the record said before one edit.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Revision {
    id: String,
    version: i64,
    reason: String,
    at: DateTime<Utc>,
    import_run: Option<String>,
    editor: Option<Agent>,
    approved_by: Option<Agent>,
}

/// An amendment asked for, waiting or decided.
#[derive(Deserialize)]
pub(super) struct Amendment {
    reason: Shown<Option<String>>,
    approval: AmendmentApproval,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AmendmentApproval {
    status: String,
    created_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decision_note: Option<String>,
    requester: Option<Agent>,
    decider: Option<Agent>,
}

/// One line of the history: when, what in words, and the revision to compare from.
struct Line {
    at: DateTime<Utc>,
    said: Markup,
    compare: Option<(String, i64)>,
}

/// A reason or note as quoted in a sentence.
fn quoted(text: &str) -> Markup {
    html! { span.note { "“" (text) "”" } }
}

fn edits(revisions: &[&Revision]) -> Vec<Line> {
    revisions
        .iter()
        .map(|rev| {
            let versions = format!("version {} → {}", rev.version, rev.version + 1);
            let said = match (&rev.editor, &rev.approved_by) {
                (Some(editor), Some(approver)) => html! {
                    (approver.display_name) " approved the amendment " (editor.display_name) " asked for: " (versions)
                },
                (Some(editor), None) if rev.import_run.is_none() => html! {
                    (editor.display_name) " edited it (" (versions) "): " (quoted(&rev.reason))
                },
                _ => html! { "An import from the practice-management system changed it (" (versions) "): " (quoted(&rev.reason)) },
            };
            Line { at: rev.at, said, compare: Some((rev.id.clone(), rev.version)) }
        })
        .collect()
}

/// The latest change to the record as a clause ("Dr. Milo Tanaka edited it 2 min ago:
/// “…”"), for a refused edit to say what came first; `None` when the record was never changed
/// or its revisions are not the member's to read.
pub(super) fn last_change(r: &CareRecord) -> Option<Markup> {
    let revisions = r.revisions.present()?;
    let rev = revisions.nodes().max_by_key(|rev| rev.version)?;
    let who = match (&rev.editor, &rev.approved_by) {
        (Some(editor), Some(approver)) => {
            format!("{} approved an amendment {} asked for", approver.display_name, editor.display_name)
        }
        (Some(editor), None) if rev.import_run.is_none() => format!("{} edited it", editor.display_name),
        _ => "An import from the practice-management system changed it".to_owned(),
    };
    Some(html! { (who) " " (ago(&rev.at)) ": " (quoted(&rev.reason)) })
}

fn amendments(amendments: &[Amendment]) -> Vec<Line> {
    let mut lines = Vec::new();
    for amendment in amendments {
        let a = &amendment.approval;
        let requester = name_of(&a.requester);
        let reason = match amendment.reason.present() {
            Some(reason) => quoted(reason),
            None if amendment.reason.is_refused() => restricted(),
            None => html! {},
        };
        let waiting = a.status == "PENDING";
        lines.push(Line {
            at: a.created_at,
            said: html! { (requester) " asked to amend it: " (reason) @if waiting { " (waiting for a second medical member)" } },
            compare: None,
        });
        let note = a.decision_note.as_deref().filter(|n| !n.trim().is_empty());
        let said = match a.status.as_str() {
            "REJECTED" => html! {
                (name_of(&a.decider)) " rejected the amendment " (requester) " asked for"
                @if let Some(note) = note { ": " (quoted(note)) }
            },
            "WITHDRAWN" => html! {
                "The amendment " (requester) " asked for was withdrawn"
                @if let Some(note) = note { ": " (quoted(note)) }
            },
            // An approval is the edit it applied: its line is the revision's.
            _ => continue,
        };
        lines.push(Line { at: a.decided_at.unwrap_or(a.created_at), said, compare: None });
    }
    lines
}

fn reviews(r: &CareRecord) -> Vec<Line> {
    r.reviews
        .present()
        .into_iter()
        .flatten()
        .filter(|rv| rv.status == "COMPLETED")
        .filter_map(|rv| {
            let at = rv.completed_at?;
            let said = html! {
                (name_of(&rv.reviewer)) " completed a review"
                @if let Some(v) = rv.record_version { " of version " (v) }
                ": score " (plain(&rv.score)) " of 5"
            };
            Some(Line { at, said, compare: None })
        })
        .collect()
}

/// The history card's list, oldest first; a history longer than the page says so.
pub(super) fn card(id: &str, r: &CareRecord) -> Markup {
    if r.revisions.is_refused() {
        return restricted();
    }
    let revisions: Vec<&Revision> = r.revisions.present().into_iter().flat_map(Connection::nodes).collect();
    let cut = r.revisions.present().is_some_and(|c| c.page_info.has_next_page);
    let provider = plain(&r.provider.present().map(|p| &p.name));
    let mut lines = vec![Line { at: r.created_at, said: html! { "Written by " (provider) }, compare: None }];
    lines.extend(edits(&revisions));
    lines.extend(amendments(&r.amendments));
    lines.extend(reviews(r));
    lines.sort_by_key(|line| line.at);
    html! {
        @if cut { p.warning { "The newest " (revisions.len()) " edits are shown; older ones are on the record and in the API's history." } }
        ol.history aria-labelledby="hist-h" {
            @for line in &lines {
                li {
                    span.muted { (ago(&line.at)) } " · " (line.said)
                    @if let Some((revision, version)) = &line.compare {
                        " · " a href={ "/medical/records/" (id) "?from=" (revision) } { "changes since version " (version) }
                    }
                }
            }
        }
    }
}
