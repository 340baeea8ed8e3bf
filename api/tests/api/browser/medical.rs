//! The medical team in Chromium: reviews and care records.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use fantoccini::Locator;
use serde_json::json;

both!(a_medical_reviewer_completes_a_review, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    chrome.sign_in("maya").await;
    chrome.wait_text("Review queue").await;
    chrome.screenshot("medical-queue").await;
    chrome.open("/medical/records?unreviewed=1").await;
    // A psychotherapy note offers no review (the review would read it): the first other record.
    chrome.click("(//table[contains(@class,'queue')]//tr[not(contains(., 'psychotherapy'))]//a)[1]").await;
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
    let table = chrome.client.find(Locator::Css("table.queue tbody tr")).await.unwrap().text().await.unwrap();
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
    let rows = chrome.client.find_all(Locator::Css("table.queue tbody tr")).await.unwrap();
    assert_eq!(rows.len() as i64, reviews.min(25), "the reviews the score rests on");
    chrome.click("//a[text()='Back to the ranking']").await;
    chrome.click(&format!("//a[text()='Not ranked: too few reviews ({unranked})']")).await;
    chrome.wait_text("Needed to rank").await;
    let rows = chrome.client.find_all(Locator::Css("table.queue tbody tr")).await.unwrap();
    assert_eq!(rows.len() as i64, unranked.min(25), "the providers not ranked, on a page of their own");
    // An address with no page: ward's own, as accessible as the rest.
    chrome.open("/medical/no-such-page").await;
    chrome.wait_text("Page not found").await;
    chrome.close().await;
});

both!(a_record_says_what_was_reviewed_and_an_amendment_waits_and_shows_its_change, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let record = crate::reviewed_versions::fresh_record(&app).await;
    let review = crate::reviewed_versions::sign_off(&app, record.id).await;
    chrome.sign_in("maya").await;
    chrome.open(&format!("/medical/records/{}", record.id)).await;
    chrome.wait_text("signed off by a review").await;
    // An amendment of a signed-off record: announced as waiting, with the change it asks for.
    chrome.fill("textarea#body", &format!("{}\nPHQ-9 today: 12.", record.body)).await;
    let codes = chrome.value("input#codes").await;
    assert!(!codes.contains("F41.1"), "a code the record lacks: {codes}");
    chrome.fill("input#codes", &format!("{codes}, F41.1")).await;
    chrome.fill("input#reason", "Adding the PHQ-9 score taken in session").await;
    chrome.click("//button[text()='Save edit']").await;
    let html = chrome.wait_text("Not changed yet").await;
    assert!(!html.contains("Saved. What the record said before"), "never announced as saved: {html}");
    let waiting =
        chrome.client.find(Locator::Css("section[aria-labelledby='amend-h']")).await.unwrap().text().await.unwrap();
    assert!(
        waiting.contains("added F41.1") && waiting.contains("+ PHQ-9 today: 12."),
        "the diff it would apply, codes too: {waiting}"
    );
    assert!(waiting.contains("Adding the PHQ-9 score taken in session"), "and why: {waiting}");
    chrome.sign_out().await;
    chrome.sign_in("milo").await;
    chrome.open(&format!("/medical/records/{}", record.id)).await;
    chrome.click("//button[text()='Approve the amendment']").await;
    chrome.wait_text("Amendment approved").await;
    let version = chrome
        .client
        .find(Locator::XPath("//dt[text()='Version']/following-sibling::dd[1]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(version, "2 changed since a review signed off version 1", "version 2 is not the one signed off");
    // The review shows the version it scored, and leads to what changed since.
    chrome.open(&format!("/medical/reviews/{review}")).await;
    chrome.wait_text("This review scored version 1. The record has changed since: it is now at version 2.").await;
    chrome.click("//a[text()='see what changed since the review']").await;
    let html = chrome.wait_text("Changes since that version").await;
    assert!(html.contains("added F41.1"), "the diagnosis codes in the diff: {html}");
    chrome.close().await;
});

both!(a_draft_of_an_edit_never_undoes_a_change_that_came_after_it, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let record = crate::reviewed_versions::fresh_record(&app).await;
    chrome.sign_in("maya").await;
    chrome.open(&format!("/medical/records/{}", record.id)).await;
    let draft = format!("{}\nMy unsent addendum.", record.body);
    chrome.fill("textarea#body", &draft).await;
    // Before it is sent, a colleague's edit lands.
    let edit = "mutation($id: ID!, $body: String!) { editCareRecord(id: $id, expectedVersion: 1, input: { body: $body }, reason: \"Corrected the session length\") { version } }";
    let theirs = format!("{}\nSession length corrected to 50 minutes.", record.body);
    let edited = app.gql("milo", edit, json!({ "id": record.id, "body": theirs })).await;
    assert_eq!(edited["data"]["editCareRecord"]["version"], 2, "{edited}");
    chrome.open(&format!("/medical/records/{}", record.id)).await;
    chrome.wait_text("the record has changed since you typed it").await;
    assert_eq!(chrome.value("textarea#body").await, theirs, "the form holds the record as it is now");
    let shown = chrome.client.find(Locator::Css(".notice.draft pre")).await.unwrap().text().await.unwrap();
    assert!(shown.ends_with("My unsent addendum."), "the draft, to compare and copy: {shown}");
    chrome.click("//button[text()='Clear it']").await;
    chrome.open(&format!("/medical/records/{}", record.id)).await;
    let html = chrome.client.source().await.unwrap();
    assert!(!html.contains("My unsent addendum."), "cleared: {html}");
    chrome.close().await;
});
