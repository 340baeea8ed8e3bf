//! The provider ranking by care quality: each score with how many reviews it rests on, none
//! ranked on fewer than the configured minimum, and the reviews behind each provider's
//! figures, a page at a time.

use super::super::{Agent, name_of, read};
use super::Provider;
use crate::console::SignedIn;
use crate::console::documents;
use crate::console::gql::{Connection, Shown};
use crate::console::layout::{ago, page, plain};
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// The period the ranking covers (the API's default: the last 90 days).
const PERIOD_DAYS: i64 = 90;

/// `medical/quality.graphql`: a page of the ranked providers (or of those with too few
/// reviews to rank), and how many the other list holds.
#[derive(Deserialize)]
struct QualityPage {
    list: Connection<ProviderQuality>,
    other: Connection<Minimum>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProviderQuality {
    rank: Option<i64>,
    provider_id: String,
    reviews: i64,
    reviews_to_rank: i64,
    average_score: Option<f64>,
    notes: i64,
    late_note_share: Option<f64>,
    flag_counts: Vec<FlagCount>,
    provider: Shown<Option<Provider>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Minimum {
    reviews_to_rank: i64,
}

#[derive(Deserialize)]
struct FlagCount {
    flag: String,
    count: i64,
}

/// A provider's raised flags, most raised first.
fn most_raised(counts: &[FlagCount]) -> Vec<&FlagCount> {
    let mut flags: Vec<&FlagCount> = counts.iter().filter(|f| f.count > 0).collect();
    flags.sort_by_key(|f| std::cmp::Reverse(f.count));
    flags
}

/// "12 reviews", linking to them.
fn reviews_link(provider: &str, reviews: i64) -> Markup {
    html! { a href={ "/medical/quality/" (provider) } { (reviews) @if reviews == 1 { " review" } @else { " reviews" } } }
}

/// `GET /medical/quality[?unranked=1]`: the ranking a page at a time, or the providers with
/// too few reviews to rank; each names how many the other holds and links to it.
pub(super) async fn quality(ctx: SignedIn, Query(query): Query<HashMap<String, String>>) -> Response {
    let unranked = query.get("unranked").is_some_and(|u| u == "1");
    let after = query.get("after").filter(|a| !a.is_empty());
    let vars = json!({ "after": after, "unranked": unranked, "ranked": !unranked });
    let answer = match ctx.run(documents::MEDICAL_QUALITY.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let quality: QualityPage = match read(&ctx, "Provider quality", &answer) {
        Ok(quality) => quality,
        Err(response) => return response,
    };
    let minimum = quality.list.nodes().next().map(|p| p.reviews_to_rank).or(quality
        .other
        .nodes()
        .next()
        .map(|m| m.reviews_to_rank));
    let others = quality.other.total_count.unwrap_or_default();
    let body = html! {
        p.muted {
            "Reviews completed in the last " (PERIOD_DAYS) " days" @if unranked { ", most reviews first." } @else { ", lowest average score first." }
            @if let Some(minimum) = minimum { " A provider is ranked once " (minimum) " of their reviews are completed: an average of fewer says little." }
        }
        @if unranked {
            p { a href="/medical/quality" { "The ranking (" (others) " ranked)" } }
            (unranked_table(&quality.list))
            (super::super::list_end(&quality.list, "Every provider with reviews in the period is ranked.", "/medical/quality", &query, &[("unranked", "1")], &[]))
        } @else {
            p { a href="/medical/quality?unranked=1" { "Not ranked: too few reviews (" (others) ")" } }
            (ranked_table(&quality.list))
            (super::super::list_end(&quality.list, "No provider has enough completed reviews in the period to be ranked yet.", "/medical/quality", &query, &[], &[]))
        }
    };
    let title = if unranked { "Not ranked: too few reviews" } else { "Provider quality" };
    page(&ctx.frame(), title, body).into_response()
}

fn ranked_table(list: &Connection<ProviderQuality>) -> Markup {
    html! {
        @if list.nodes().next().is_some() {
            table.queue {
                thead { tr { th { "Rank" } th { "Provider" } th { "Average" } th { "Rests on" } th { "Late notes" } th { "Most raised flags" } } }
                tbody { @for p in list.nodes() {
                    @let flags = most_raised(&p.flag_counts);
                    tr {
                        td { (plain(&p.rank)) }
                        td { (plain(&p.provider.present().map(|p| &p.name))) }
                        td { @if let Some(avg) = p.average_score { (format!("{avg:.1}")) " of 5" } }
                        td { (reviews_link(&p.provider_id, p.reviews)) }
                        td { @if let Some(share) = p.late_note_share { (format!("{:.0}%", share * 100.0)) " of " (p.notes) } }
                        td { (flags.iter().take(3).map(|f| format!("{} ({})", f.flag.replace('_', " "), f.count)).collect::<Vec<_>>().join(", ")) }
                    }
                } }
            }
        }
    }
}

fn unranked_table(list: &Connection<ProviderQuality>) -> Markup {
    html! {
        @if list.nodes().next().is_some() {
            table.queue {
                thead { tr { th { "Provider" } th { "Reviews so far" } th { "Needed to rank" } } }
                tbody { @for p in list.nodes() {
                    tr {
                        td { (plain(&p.provider.present().map(|p| &p.name))) }
                        td { (reviews_link(&p.provider_id, p.reviews)) }
                        td { (p.reviews_to_rank) }
                    }
                } }
            }
        }
    }
}

/// `medical/provider_reviews.graphql`: one provider's figures and the reviews behind them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProviderReviewsPage {
    provider_quality: Figures,
    care_reviews: Connection<ReviewRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Figures {
    reviews: i64,
    reviews_to_rank: i64,
    ranked: bool,
    average_score: Option<f64>,
    provider: Shown<Option<Provider>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewRow {
    id: String,
    score: Option<i64>,
    flags: Vec<String>,
    record_kind: String,
    completed_at: Option<DateTime<Utc>>,
    record_version: Option<i64>,
    reviewer: Option<Agent>,
}

/// The reviews one provider's score rests on, newest first.
pub(super) async fn provider_reviews(
    ctx: SignedIn,
    Path(provider): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let from = (Utc::now() - chrono::Duration::days(PERIOD_DAYS)).date_naive();
    let vars = json!({ "provider": provider, "from": from, "after": query.get("after").filter(|a| !a.is_empty()) });
    let answer = match ctx.run(documents::MEDICAL_PROVIDER_REVIEWS.text, vars, None).await {
        Ok(answer) => answer,
        Err(response) => return response,
    };
    let found: ProviderReviewsPage = match read(&ctx, "Provider's reviews", &answer) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let figures = &found.provider_quality;
    let name = plain(&figures.provider.present().map(|p| &p.name));
    let path = format!("/medical/quality/{provider}");
    let body = html! {
        p { a href="/medical/quality" { "Back to the ranking" } }
        p {
            (figures.reviews) " reviews completed in the last " (PERIOD_DAYS) " days"
            @if let Some(avg) = figures.average_score { ", average " (format!("{avg:.1}")) " of 5" }
            @if figures.ranked { "." } @else { ": not ranked until " (figures.reviews_to_rank) " are completed." }
        }
        table.queue {
            thead { tr { th { "Completed" } th { "Record" } th { "Score" } th { "Flags" } th { "Reviewer" } } }
            tbody { @for r in found.care_reviews.nodes() {
                tr {
                    td { a href={ "/medical/reviews/" (r.id) } { @if let Some(at) = &r.completed_at { (ago(at)) } @else { "not completed" } } }
                    td { (r.record_kind.replace('_', " ")) @if let Some(v) = r.record_version { ", version " (v) } }
                    td { (plain(&r.score)) }
                    td { (plain(&r.flags).replace('_', " ")) }
                    td { (name_of(&r.reviewer)) }
                }
            } }
        }
        (super::super::list_end(&found.care_reviews, "No reviews of this provider were completed in the period.", &path, &query, &[], &[]))
    };
    page(&ctx.frame(), &format!("Reviews of {name}"), body).into_response()
}
