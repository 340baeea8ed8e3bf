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
    let facts = app
        .gql(
            "owen",
            "query($e: ID!) { escalation(id: $e) { payer carcGroup carcCode openBalanceCents claim { claimNumber } } }",
            json!({ "e": escalation }),
        )
        .await;
    let facts = &facts["data"]["escalation"];
    let claim_number = facts["claim"]["claimNumber"].as_str().unwrap().to_owned();
    let denied_for = format!("denied {}-{}", facts["carcGroup"].as_str().unwrap(), facts["carcCode"].as_str().unwrap());
    // The write-off form opens on its own, with only its fields, and is confirmed.
    let write_off = |note: &'static str| {
        let chrome = &chrome;
        async move {
            chrome.click("//details[@class='move']/summary[text()='Write off']").await;
            chrome.fill("textarea#note-written_off", note).await;
            chrome.click("//select[@id='code-written_off']/option[@value='45']").await;
            chrome.click("//input[@id='confirm-written_off']").await;
            chrome.click("//form[@aria-label='Write off']//button").await;
            chrome.wait_text("waits for a second ops member").await;
        }
    };
    write_off("Timely filing missed; writing it off").await;
    chrome.sign_out().await;

    // The approver sees what is waiting, and everything the write-off would close.
    weigh_and_reject(
        &chrome,
        &escalation,
        &[claim_number.as_str(), facts["payer"].as_str().unwrap(), denied_for.as_str()],
    )
    .await;
    // The requester hears of it on their next page, and it stays on the escalation.
    hear_of_the_rejection(&chrome, &escalation).await;

    // Asked again, and approved this time.
    write_off("The authorization was not on file after all").await;
    chrome.sign_out().await;
    chrome.sign_in("olga").await;
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

/// Olga, the second ops member, finds the write-off waiting (counted in the navigation), sees
/// its `facts` (claim number, payer, denial reason) in the queue and its history on its own
/// page, and rejects it: first without the note a rejection owes, then with it.
async fn weigh_and_reject(chrome: &Chrome, escalation: &str, facts: &[&str]) {
    chrome.sign_in("olga").await;
    let nav = chrome.client.find(Locator::Css("nav span.count")).await.unwrap().text().await.unwrap();
    assert!(nav.ends_with("waiting") && !nav.starts_with('0'), "the count beside Approvals: {nav}");
    chrome.open("/approvals").await;
    let row = format!("//tr[.//a[@href='/ops/escalations/{escalation}']]");
    let text = chrome.client.find(Locator::XPath(&row)).await.unwrap().text().await.unwrap();
    for said in facts.iter().copied().chain(["writes off $", "CO-45"]) {
        assert!(text.contains(said), "{said:?} in the queue's row: {text}");
    }
    chrome.click(&format!("{row}//a[starts-with(text(), 'Details and history')]")).await;
    let details = chrome.wait_text("Write-off waiting for approval").await;
    assert!(details.contains(facts[0]) && details.contains("Owen Becker escalated the denial"), "{details}");
    // A rejection without a note is refused: its requester is owed the reason.
    chrome.click("//button[@value='reject']").await;
    chrome.wait_text("must say why").await;
    chrome.fill("input[name='note']", "Appeal first: the authorization is on file").await;
    chrome.click("//button[@value='reject']").await;
    chrome.wait_text("Decision recorded.").await;
    chrome.sign_out().await;
}

/// Owen, who asked, sees Olga's rejection and her note on his next page, finds it in the
/// escalation's history, and says he has seen it: the notice goes.
async fn hear_of_the_rejection(chrome: &Chrome, escalation: &str) {
    chrome.sign_in("owen").await;
    let banner = chrome.client.find(Locator::Css("section.decisions")).await.unwrap().text().await.unwrap();
    assert!(banner.contains("Your write-off was rejected by Olga Novak: Appeal first"), "{banner}");
    chrome.open(&format!("/ops/escalations/{escalation}")).await;
    let history = chrome.client.find(Locator::Css("ol.history")).await.unwrap().text().await.unwrap();
    assert!(history.contains("Olga Novak rejected the write-off Owen Becker asked for"), "{history}");
    chrome.click("//section[@class='decisions']//button[text()='Got it']").await;
    chrome.wait_url(|url| url.ends_with(&format!("/ops/escalations/{escalation}"))).await;
    chrome.wait_text("Next step").await;
    assert!(chrome.client.find(Locator::Css("section.decisions")).await.is_err(), "seen: it is gone");
}

both!(an_escalation_shows_the_claim_writes_off_part_and_the_cards_filter_the_queue, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let (_, escalation) = crate::browser::an_escalation(&app, 1000, "Coding looks right").await;
    let facts = "query($e: ID!) { escalation(id: $e) { openBalanceCents writtenOffCents writeOffAdjustment { code }
        claim { claimNumber procedureCodes diagnosisCodes provider { npi } } patient { memberId dateOfBirth } } }";
    let before = app.gql("owen", facts, json!({ "e": escalation })).await["data"]["escalation"].clone();
    chrome.sign_in("owen").await;
    chrome.open(&format!("/ops/escalations/{escalation}")).await;
    // What ops may see of the claim, ops holding the identity class.
    let card =
        chrome.client.find(Locator::Css("section[aria-labelledby='claim-h']")).await.unwrap().text().await.unwrap();
    let claim = &before["claim"];
    let shown = [
        &claim["claimNumber"],
        &claim["procedureCodes"][0],
        &claim["diagnosisCodes"][0],
        &claim["provider"]["npi"],
        &before["patient"]["memberId"],
        &before["patient"]["dateOfBirth"],
    ];
    for value in shown {
        assert!(card.contains(value.as_str().expect("a value ops may read")), "{value} on the claim card: {card}");
    }
    // A partial write-off: one dollar of the open balance, with its adjustment reason.
    chrome.click("//details[@class='move']/summary[text()='Write off']").await;
    chrome.fill("input#amount-written_off", "1.00").await;
    chrome.fill("textarea#note-written_off", "The dollar the payer will not cover").await;
    chrome.click("//select[@id='code-written_off']/option[@value='45']").await;
    chrome.click("//input[@id='confirm-written_off']").await;
    chrome.click("//form[@aria-label='Write off']//button").await;
    chrome.wait_text("Written off: the amount and its reason are in the history.").await;
    let after = app.gql("owen", facts, json!({ "e": escalation })).await["data"]["escalation"].clone();
    assert_eq!(
        (after["writtenOffCents"].as_i64(), after["writeOffAdjustment"]["code"].as_str()),
        (Some(100), Some("45")),
        "{after}"
    );
    assert!(before["openBalanceCents"].as_i64().unwrap() > 100, "a part, not the whole: {before}");
    let history = chrome.client.find(Locator::Css("ol.history")).await.unwrap().text().await.unwrap();
    assert!(history.contains("$1.00"), "the amount given up is on the record: {history}");

    // A summary card opens the queue filtered to what it counts, and agrees with it right after
    // the member's own change (the write-off above took one off the unassigned).
    chrome.open("/ops/escalations").await;
    let card = "//a[contains(@class,'card') and strong[text()='Unassigned']]";
    let counted = chrome.client.find(Locator::XPath(card)).await.unwrap().text().await.unwrap();
    let count: usize = counted.split_whitespace().find_map(|w| w.parse().ok()).expect("a count on the card");
    chrome.click(card).await;
    chrome.wait_url(|url| url.contains("assignee=unassigned")).await;
    chrome.accessible().await;
    let current = chrome.client.find(Locator::XPath(card)).await.unwrap().attr("aria-current").await.unwrap();
    assert_eq!(current.as_deref(), Some("true"), "the card in force is marked");
    let rows = chrome.client.find_all(Locator::Css("table.queue tbody tr")).await.unwrap();
    assert_eq!(rows.len(), count.min(25), "the queue holds what the card counted");
    for row in rows {
        let row = row.text().await.unwrap();
        assert!(!row.contains("Owen Becker") && !row.contains("Olga Novak"), "none of them assigned: {row}");
    }
    chrome.close().await;
});
