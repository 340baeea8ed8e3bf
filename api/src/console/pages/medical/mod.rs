//! Medical: the review queue (and sampling a week's reviews), care records with their
//! history, diffs and amendments, the edit form, the review form, and the provider ranking
//! with the reviews behind each score. A review's page states the review as its purpose.

mod quality;
mod record;
mod record_history;
mod records;
mod review;
mod reviews;

use crate::http::AppState;
use axum::Router;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/medical/reviews", get(reviews::reviews))
        .route("/medical/reviews/{id}", get(review::review))
        .route("/medical/reviews/{id}/complete", post(review::complete))
        .route("/medical/sample", post(reviews::sample))
        .route("/medical/records", get(records::records))
        .route("/medical/records/{id}", get(record::record))
        .route("/medical/records/{id}/edit", post(record::edit))
        .route("/medical/records/{id}/review", post(record::start))
        .route("/medical/records/{id}/amendment", post(record::decide))
        .route("/medical/quality", get(quality::quality))
        .route("/medical/quality/{provider}", get(quality::provider_reviews))
}

/// A record's provider, as pages name them.
#[derive(Deserialize)]
struct Provider {
    name: String,
}

/// One line of a text diff.
#[derive(Deserialize)]
struct DiffLine {
    change: String,
    text: String,
}

/// One diagnosis code of a comparison: kept, removed or added.
#[derive(Deserialize)]
struct CodeChange {
    change: String,
    code: String,
}

/// A diff in words and signs: the codes removed and added (or that they stayed), then the
/// text line by line.
fn changes(codes: &[CodeChange], lines: &[DiffLine]) -> Markup {
    let of = |change: &str| codes.iter().filter(|c| c.change == change).map(|c| c.code.as_str()).collect::<Vec<_>>();
    let (removed, added) = (of("DELETE"), of("INSERT"));
    html! {
        div.diff role="region" aria-label="Changes" {
            p.codes {
                "Diagnosis codes: "
                @if removed.is_empty() && added.is_empty() { "unchanged (" (of("EQUAL").join(", ")) ")" }
                @else {
                    @if !removed.is_empty() { del { "removed " (removed.join(", ")) } }
                    @if !removed.is_empty() && !added.is_empty() { "; " }
                    @if !added.is_empty() { ins { "added " (added.join(", ")) } }
                    @let kept = of("EQUAL");
                    @if !kept.is_empty() { "; kept " (kept.join(", ")) }
                }
            }
            @if lines.iter().all(|l| l.change == "EQUAL") { p.muted { "The text is unchanged." } }
            @for line in lines {
                @let change = line.change.to_lowercase();
                pre class=(change) { @match change.as_str() { "insert" => "+ ", "delete" => "− ", _ => "  " } (line.text) }
            }
        }
    }
}
