//! Ops in Chromium: escalating a denial and approving its write-off, importing a remittance.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use fantoccini::Locator;
use serde_json::json;

both!(an_ops_member_escalates_a_denial_and_a_second_approves_its_write_off, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let denial: uuid::Uuid = app
        .sql("SELECT d.id AS id FROM denial d WHERE d.denied_cents >= 50000 AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) ORDER BY d.appeal_deadline, d.id LIMIT 1")
        .await[0]
        .try_get("", "id")
        .unwrap();
    chrome.sign_in("owen").await;
    chrome.wait_text("Escalations").await;
    chrome.screenshot("ops-queue").await;
    chrome.open("/ops/denials").await;
    let form = format!("form[action='/ops/denials/{denial}/escalate']");
    chrome.fill(&format!("{form} input[name='reason']"), "Not worth appealing: the payer's policy is clear").await;
    chrome.click(&format!("//form[@action='/ops/denials/{denial}/escalate']//button")).await;
    chrome.wait_text("Denial escalated.").await;
    let escalation =
        chrome.client.current_url().await.unwrap().path().trim_start_matches("/ops/escalations/").to_owned();
    chrome.click("//input[@name='to' and @value='WRITTEN_OFF']").await;
    chrome.fill("textarea#note", "Timely filing missed; writing it off").await;
    chrome.click("//button[text()='Save']").await;
    chrome.wait_text("waits for a second ops member").await;
    chrome.sign_out().await;
    chrome.sign_in("olga").await;
    chrome.open("/approvals").await;
    // A rejection without a note is refused: its requester is owed the reason.
    chrome.click(&format!("//tr[.//a[@href='/ops/escalations/{escalation}']]//button[@value='reject']")).await;
    chrome.wait_text("must say why").await;
    chrome.open("/approvals").await;
    chrome.click(&format!("//tr[.//a[@href='/ops/escalations/{escalation}']]//button[@value='approve']")).await;
    chrome.wait_text("Decision recorded.").await;
    chrome.open(&format!("/ops/escalations/{escalation}")).await;
    let history = chrome.client.find(Locator::Css("ol.history")).await.unwrap().text().await.unwrap();
    for said in [
        "Owen Becker escalated the denial",
        "Note: Not worth appealing",
        "Owen Becker asked for a write-off, which waits for a second ops member",
        "Olga Novak approved the write-off Owen Becker asked for",
        "written off",
    ] {
        assert!(history.contains(said), "{said:?} in {history}");
    }
    assert!(!history.contains('{') && !history.contains("owen"), "no JSON, no ids: {history}");
    chrome.close().await;
    let now = app
        .gql("owen", "query($e: ID!) { escalation(id: $e) { status claim { status } } }", json!({ "e": escalation }))
        .await;
    assert_eq!(
        now["data"]["escalation"],
        json!({ "status": "WRITTEN_OFF", "claim": { "status": "WRITTEN_OFF" } }),
        "{now}"
    );
});

both!(an_ops_member_imports_a_remittance_from_the_imports_page, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let samples = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/data/samples");
    chrome.sign_in("owen").await;
    chrome.open("/ops/imports").await;
    chrome.choose_file(&format!("{samples}/sample-835.edi")).await;
    chrome.click("//form[@action='/ops/imports/upload']//button").await;
    chrome.wait_text("File imported: its run is below.").await;
    let html = chrome.wait_text("x12_835 · imported").await;
    assert!(html.contains("sets refused 0"), "{html}");
    chrome.screenshot("ops-imports").await;
    // The directory is the practice-management system's to send, not a person's.
    chrome.open("/ops/imports").await;
    chrome.choose_file(&format!("{samples}/sample-directory.ndjson")).await;
    chrome.click("//form[@action='/ops/imports/upload']//button").await;
    chrome.wait_text("the directory and care records come from the practice-management system").await;
    chrome.close().await;
    let runs = app.sql("SELECT kind FROM import_file").await;
    let kinds: Vec<String> = runs.iter().map(|r| r.try_get("", "kind").unwrap()).collect();
    assert_eq!(kinds, ["x12_835"], "the directory file was not landed");
});
