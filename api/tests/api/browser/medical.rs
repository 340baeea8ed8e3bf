//! The medical team in Chromium: reviews and care records.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use serde_json::json;

both!(a_medical_reviewer_completes_a_review, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    chrome.sign_in("maya").await;
    chrome.wait_text("Review queue").await;
    chrome.screenshot("medical-queue").await;
    chrome.open("/medical/records?unreviewed=1").await;
    chrome.click("(//table[contains(@class,'queue')]//a)[1]").await;
    chrome.click("//button[text()='Start a review']").await;
    chrome.wait_text("Your review").await;
    let review = chrome.client.current_url().await.unwrap().path().trim_start_matches("/medical/reviews/").to_owned();
    chrome.click("//input[@name='score' and @value='4']").await;
    chrome.click("//input[@name='flags' and @value='missing_outcome_measure']").await;
    chrome.fill("textarea#findings", "Clear plan; no PHQ-9 recorded this session").await;
    chrome.click("//button[text()='Complete review']").await;
    chrome.wait_text("Completed review").await;
    chrome.close().await;
    let now = app
        .gql(
            "maya",
            "query($r: ID!) { careReview(id: $r) { status score flags reviewer { sub } } }",
            json!({ "r": review }),
        )
        .await;
    assert_eq!(
        now["data"]["careReview"],
        json!({ "status": "COMPLETED", "score": 4, "flags": ["missing_outcome_measure"], "reviewer": { "sub": "maya" } }),
        "{now}"
    );
});

both!(the_provider_ranking_says_what_each_score_rests_on_and_leads_to_the_reviews, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let lists = "{ ranked: rankedProviders(first: 25) { totalCount edges { node { rank reviews provider { name } } } }
        unranked: rankedProviders(unranked: true, first: 1) { totalCount } }";
    let answer = app.gql("maya", lists, json!({})).await;
    let ranked = &answer["data"]["ranked"];
    let first = &ranked["edges"][0]["node"];
    let (name, reviews) =
        (first["provider"]["name"].as_str().expect("a ranked provider"), first["reviews"].as_i64().unwrap());
    let (total, unranked) =
        (ranked["totalCount"].as_i64().unwrap(), answer["data"]["unranked"]["totalCount"].as_i64().unwrap());
    chrome.sign_in("maya").await;
    chrome.open("/medical/quality").await;
    let table =
        chrome.client.find(fantoccini::Locator::Css("table.queue tbody tr")).await.unwrap().text().await.unwrap();
    assert!(
        table.starts_with(&format!("1 {name}")) && table.contains(&format!("{reviews} reviews")),
        "rank, name, what it rests on: {table}"
    );
    let html = chrome.client.source().await.unwrap();
    let counted = if total == 1 { "1 in all.".to_owned() } else { format!("{total} in all.") };
    assert!(html.contains(&counted), "the list says how many it holds: {html}");
    assert!(html.contains("A provider is ranked once 5 of their reviews are completed"), "the minimum in words");
    chrome.click(&format!("(//table[contains(@class,'queue')]//a)[1][text()='{reviews} reviews']")).await;
    chrome.wait_text(&format!("Reviews of {name}")).await;
    let rows = chrome.client.find_all(fantoccini::Locator::Css("table.queue tbody tr")).await.unwrap();
    assert_eq!(rows.len() as i64, reviews.min(25), "the reviews the score rests on");
    chrome.click("//a[text()='Back to the ranking']").await;
    chrome.click(&format!("//a[text()='Not ranked: too few reviews ({unranked})']")).await;
    chrome.wait_text("Needed to rank").await;
    let rows = chrome.client.find_all(fantoccini::Locator::Css("table.queue tbody tr")).await.unwrap();
    assert_eq!(rows.len() as i64, unranked.min(25), "the providers not ranked, on a page of their own");
    chrome.close().await;
});
