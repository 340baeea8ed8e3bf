//! Lists in Chromium: paging, counts, filters as people type them.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use fantoccini::Locator;

both!(no_list_is_silently_cut_and_filters_match_as_people_type, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    // More open denials than a page holds: the demo's, and as many again.
    {
        use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
        for denial in entities::denial::Entity::find().all(&app.db).await.unwrap() {
            let mut copy = denial.into_active_model();
            copy.id = Set(uuid::Uuid::now_v7());
            copy.claim_adjustment_id = Set(None);
            copy.insert(&app.db).await.unwrap();
        }
    }
    let open_denials = app
        .sql("SELECT d.id AS id FROM denial d WHERE NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id)")
        .await
        .len();
    assert!(open_denials > 25, "more open denials than a page: {open_denials}");
    chrome.sign_in("owen").await;
    chrome.open("/ops/denials").await;
    let rows = async || -> Vec<String> {
        let mut texts = Vec::new();
        for row in chrome.client.find_all(Locator::XPath("//table//tbody/tr")).await.unwrap() {
            texts.push(row.html(false).await.unwrap());
        }
        texts
    };
    let first = rows().await;
    assert_eq!(first.len(), 25, "a page of denials");
    chrome.click("//a[text()='Next page']").await;
    chrome.wait_text("First page").await;
    let second = rows().await;
    assert!(!second.is_empty(), "the next page holds the rest");
    assert!(first.iter().all(|row| !second.contains(row)), "no denial twice");
    // The payer's start, in any case.
    chrome.fill("input#payer", "aet").await;
    chrome.click("//form[@action='/ops/denials']//button").await;
    chrome.wait_url(|url| url.contains("payer=aet")).await;
    let cells = chrome.client.find_all(Locator::XPath("//table//tbody/tr/td[4]")).await.unwrap();
    assert!(!cells.is_empty(), "aet finds Aetna's denials");
    for cell in cells {
        assert_eq!(cell.text().await.unwrap(), "Aetna");
    }
    chrome.open("/ops/denials?payer=nobody-pays").await;
    chrome.wait_text("No open denials match these filters.").await;
    chrome.sign_out().await;

    // The ticket queue searches the tickets' words, and says when a word is too short.
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    crate::tickets::create_ticket(&app, patient, "LOW").await;
    chrome.sign_in("alice").await;
    chrome.fill("input#text", "video session").await;
    chrome.click("//form[@action='/cx/tickets']//button").await;
    chrome.wait_url(|url| url.contains("text=video")).await;
    let subjects = chrome.client.find_all(Locator::XPath("//table//tbody/tr/td[1]")).await.unwrap();
    assert!(!subjects.is_empty(), "the new ticket is found by its words");
    for subject in subjects {
        assert!(subject.text().await.unwrap().to_lowercase().contains("video"));
    }
    chrome.open("/cx/tickets?text=v").await;
    chrome.wait_text("Type at least two letters").await;
    chrome.close().await;
});
