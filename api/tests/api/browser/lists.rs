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
    // How many in all, as the page's filters (open denials) find them.
    let open: i64 = app
        .sql(
            "SELECT COUNT(*) AS n FROM denial d WHERE NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id \
              AND e.status IN ('won', 'lost', 'written_off'))",
        )
        .await[0]
        .try_get("", "n")
        .unwrap();
    let said = chrome.client.find(Locator::Css("p.total")).await.unwrap().text().await.unwrap();
    let grouped = open
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(said, format!("{grouped} in all."));
    chrome.click("//a[text()='Next page']").await;
    chrome.wait_text("First page").await;
    let second = rows().await;
    assert!(!second.is_empty(), "the next page holds the rest");
    assert!(first.iter().all(|row| !second.contains(row)), "no denial twice");
    let said_again = chrome.client.find(Locator::Css("p.total")).await.unwrap().text().await.unwrap();
    assert_eq!(said_again, said, "the count is of the search, on every page");
    // And back again.
    chrome.click("//a[text()='Previous page']").await;
    chrome.wait_url(|url| !url.contains("after=")).await;
    assert_eq!(rows().await, first, "the previous page is the first one again");
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
    chrome.close().await;
});

both!(the_ticket_queue_searches_the_tickets_words, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
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

both!(the_audit_logs_search_downloads_whole_as_csv, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let read =
        app.gql("alice", "query($p: ID!) { patient(id: $p) { name } }", serde_json::json!({ "p": patient })).await;
    assert!(read["errors"].is_null(), "{read}");
    // The audit log's search, exported whole as CSV.
    chrome.sign_in("cora").await;
    chrome.open("/compliance/audit?actorName=ali").await;
    chrome.wait_text("Download this search as CSV").await;
    let href = chrome
        .client
        .find(Locator::LinkText("Download this search as CSV"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.starts_with("/compliance/audit.csv?") && href.contains("actorName=ali"), "{href}");
    let csv = chrome.download(&href).await;
    chrome.close().await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("Notice (42 CFR 2.32),"), "every export carries the redisclosure notice: {csv}");
    let lines: Vec<&str> = csv.lines().skip(tools::compliance::audit_export::PREAMBLE_LINES).collect();
    assert!(lines[0].starts_with("seq,occurred_at,actor,actor_name"), "{csv}");
    assert!(lines.len() > 1 && lines[1..].iter().all(|l| l.contains(",alice,Alice Moreno,")), "{csv}");
});
