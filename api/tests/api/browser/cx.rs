//! The cx agent's day in Chromium: answering and resolving tickets, refusals in words, keyboard shortcuts.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use fantoccini::Locator;
use serde_json::json;

both!(a_cx_agent_answers_and_resolves_a_ticket_with_a_saved_reply, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let ticket = crate::tickets::create_ticket(&app, patient, "URGENT").await["id"].as_str().unwrap().to_owned();
    chrome.sign_in("alice").await;
    chrome.wait_text("Ticket queue").await;
    chrome.screenshot("cx-queue").await;
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    let select = chrome.client.find(Locator::Css("select#macro")).await.unwrap();
    select.select_by_index(1).await.unwrap();
    chrome.click("//button[text()='Fill in']").await;
    // The old page still has the select while the new one loads: wait for the filled-in page.
    chrome.wait_url(|url| url.contains("macro=")).await;
    let reply = chrome
        .client
        .find(Locator::Css("textarea#body"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(!reply.trim().is_empty() && !reply.contains("{{"), "the saved reply is filled in: {reply:?}");
    chrome.click("//button[text()='Add comment']").await;
    chrome.wait_text("Comment added.").await;
    chrome.click("//button[text()='Assign to me']").await;
    chrome.wait_text("Assignment changed.").await;
    assert_eq!(chrome.value("select#assignee").await, "alice", "the picker shows who has it now");
    chrome.click("//button[text()='Resolve']").await;
    chrome.wait_text("Status changed.").await;
    // The history reads as sentences about people, never JSON or ids.
    let history = chrome.client.find(Locator::Css("ol.history")).await.unwrap().text().await.unwrap();
    for said in [
        "Alice Moreno opened it",
        "Alice Moreno commented",
        "Alice Moreno assigned it to Alice Moreno",
        "Alice Moreno changed the status: open → resolved",
    ] {
        assert!(history.contains(said), "{said:?} in {history}");
    }
    assert!(!history.contains('{') && !history.contains("alice"), "no JSON, no ids: {history}");
    chrome.close().await;
    let now = app
        .gql(
            "alice",
            "query($t: ID!) { ticket(id: $t) { status comments { edges { node { body } } } } }",
            json!({ "t": ticket }),
        )
        .await;
    assert_eq!(now["data"]["ticket"]["status"], "RESOLVED", "{now}");
    assert_eq!(now["data"]["ticket"]["comments"]["edges"][0]["node"]["body"].as_str().unwrap().trim(), reply.trim());
});

both!(refusals_say_in_words_who_changed_what_and_what_to_check, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let ticket = crate::tickets::create_ticket(&app, patient, "HIGH").await["id"].as_str().unwrap().to_owned();
    chrome.sign_in("alice").await;
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    assert!(chrome.client.source().await.unwrap().contains("due in "), "the SLA as people say it");
    // Meanwhile the ticket moves on (another tab, another agent): the page's version is stale.
    let moved = app
        .gql(
            "alice",
            "mutation($id: ID!) { transitionTicket(id: $id, expectedVersion: 1, to: PENDING) { version } }",
            json!({ "id": ticket }),
        )
        .await;
    assert!(moved["errors"].is_null(), "{moved}");
    chrome.click("//button[text()='Resolve']").await;
    chrome.wait_text("while you were looking at it").await;
    let said = chrome.client.find(Locator::Css("section[aria-labelledby='act-h'] p.error")).await.unwrap();
    let said = said.text().await.unwrap();
    assert!(said.starts_with("Alice Moreno changed the status: open → pending (just now)"), "who changed what: {said}");
    assert!(!said.to_lowercase().contains("version"), "no internals: {said}");
    chrome.sign_out().await;

    let denial: uuid::Uuid = app
        .sql("SELECT d.id AS id FROM denial d WHERE NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) ORDER BY d.appeal_deadline DESC, d.id LIMIT 1")
        .await[0]
        .try_get("", "id")
        .unwrap();
    let escalated = app
        .gql(
            "owen",
            "mutation($d: ID!) { escalateDenial(denialId: $d, reason: \"Authorization was on file\") { id } }",
            json!({ "d": denial }),
        )
        .await;
    let escalation = escalated["data"]["escalateDenial"]["id"].as_str().expect("an escalation").to_owned();
    let review = "mutation($id: ID!) { transitionEscalation(id: $id, expectedVersion: 1, to: IN_REVIEW, note: \"Reading the remit\") { version } }";
    let reviewing = app.gql("owen", review, json!({ "id": escalation })).await;
    assert!(reviewing["errors"].is_null(), "{reviewing}");
    chrome.sign_in("owen").await;
    chrome.open(&format!("/ops/escalations/{escalation}")).await;
    chrome.click("//details[@class='move']/summary[text()='Appeal (level 1)']").await;
    chrome.fill("textarea#note-appealed", "Appealing with the authorization").await;
    chrome.fill("textarea#sent-appealed", "The authorization letter of March").await;
    // The field's own `max` stops a future day in the browser; the API's refusal is the one
    // whose words this checks, so the page's limit is lifted first.
    chrome
        .client
        .execute(
            "const f = document.getElementById('sentOn-appealed'); f.removeAttribute('max'); f.value = '2099-01-01'",
            vec![],
        )
        .await
        .unwrap();
    chrome.click("//form[@aria-label='Appeal (level 1)']//button").await;
    let html = chrome.wait_text("Please check what you entered").await;
    assert!(html.contains("the date the appeal was sent 2099-01-01 is in the future"), "the form's words: {html}");
    assert!(!html.contains("appeal.sentOn") && !html.contains('`'), "never the API's field names: {html}");
    assert_eq!(chrome.value("textarea#note-appealed").await, "Appealing with the authorization", "the note is kept");
    // The address is the escalation's page, not the form's: a reload reaches a page.
    let here = chrome.client.current_url().await.unwrap();
    assert_eq!(here.path(), format!("/ops/escalations/{escalation}"), "after a refused change");
    chrome.client.refresh().await.unwrap();
    chrome.wait_text("Next step").await;
    // A form's address fetched as a page (a bookmark, the back button) goes to its page.
    chrome.open(&format!("/ops/escalations/{escalation}/transition")).await;
    chrome.wait_url(|url| url.ends_with(&format!("/ops/escalations/{escalation}"))).await;
    chrome.open(&format!("/ops/denials/{denial}/escalate")).await;
    chrome.wait_url(|url| url.ends_with("/ops/denials")).await;
    let api_client =
        reqwest::Client::new().get(app.url(&format!("/ops/escalations/{escalation}/transition"))).send().await.unwrap();
    assert_eq!(api_client.status(), 405, "a client that is not a browser still learns the method is wrong");
    // A page of another team's says whose it is and whom to ask.
    chrome.open("/medical/reviews").await;
    chrome.wait_text("This page is the medical team").await;
    let said = chrome.client.find(Locator::Css("main p.error")).await.unwrap().text().await.unwrap();
    assert!(said.contains("you hold the ops role") && said.contains("ask an admin"), "{said}");
    assert!(!said.contains(" · ") && !said.contains("care_review"), "never the policy's words: {said}");
    chrome.close().await;
});

both!(shortcuts_never_fire_in_a_field_leave_the_arrows_alone_and_can_be_turned_off, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    for _ in 0..2 {
        crate::tickets::create_ticket(&app, patient, "HIGH").await;
    }
    chrome.sign_in("alice").await;
    chrome.wait_text("Ticket queue").await;
    let selected =
        async || -> usize { chrome.client.find_all(Locator::Css("table.queue tr.current")).await.unwrap().len() };
    let press = async |key: &str| {
        let body = chrome.client.find(Locator::Css("body")).await.unwrap();
        body.send_keys(key).await.unwrap();
    };
    press("\u{E015}").await; // the down arrow: the browser's, to scroll
    assert_eq!(selected().await, 0, "arrow keys are not captured");
    chrome.fill("input#text", "j").await;
    assert_eq!(selected().await, 0, "a letter typed in a field is text, not a shortcut");
    press("j").await;
    assert_eq!(selected().await, 1, "j moves to the first row");
    chrome.open("/cx/tickets").await;
    chrome.click("//button[@data-shortcuts-toggle]").await;
    assert_eq!(
        chrome.client.find(Locator::Css("button[data-shortcuts-toggle]")).await.unwrap().text().await.unwrap(),
        "Turn keyboard shortcuts on"
    );
    chrome.open("/cx/tickets").await;
    press("j").await;
    assert_eq!(selected().await, 0, "turned off, and it stays off on the next page");
    chrome.close().await;
});
