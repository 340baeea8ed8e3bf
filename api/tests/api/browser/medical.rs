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
