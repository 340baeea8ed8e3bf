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
    chrome.click("//button[text()='Insert at the cursor']").await;
    // The old page has the same box while the new one loads: wait for the filled-in one.
    let reply = chrome.wait_value("textarea#body", |v| !v.trim().is_empty()).await;
    assert!(!reply.contains("{{"), "the saved reply is filled in: {reply:?}");
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
    let ticket = a_ticket_on_screen(&app, &chrome).await;
    assert!(chrome.client.source().await.unwrap().contains("due in "), "the SLA as people say it");
    let due = chrome.client.find(Locator::Css("section[aria-labelledby='ticket-h'] time")).await.unwrap();
    let hover = due.attr("title").await.unwrap().unwrap_or_default();
    assert!(hover.ends_with("CST") || hover.ends_with("CDT"), "the exact time on hover, in the reader's zone: {hover}");
    // Meanwhile the ticket moves on (another tab, another agent): the page's version is stale.
    moved_elsewhere(&app, &ticket).await;
    chrome.click("//button[text()='Resolve']").await;
    chrome.wait_text("while you were looking at it").await;
    let said = chrome.client.find(Locator::Css("section[aria-labelledby='act-h'] p.error")).await.unwrap();
    let said = said.text().await.unwrap();
    assert!(said.starts_with("Alice Moreno changed the status: open → pending (just now)"), "who changed what: {said}");
    assert!(!said.to_lowercase().contains("version"), "no internals: {said}");
    chrome.sign_out().await;

    let (denial, escalation) = crate::browser::an_escalation(&app, 0, "Authorization was on file").await;
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

/// A new ticket about a patient, open on alice's screen.
async fn a_ticket_on_screen(app: &TestApp, chrome: &Chrome) -> String {
    let patient = crate::fixtures::chart(app, 0).await.patient;
    let ticket = crate::tickets::create_ticket(app, patient, "HIGH").await["id"].as_str().unwrap().to_owned();
    chrome.sign_in("alice").await;
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    ticket
}

/// Meanwhile the ticket moves on (another tab, another agent): the page's version is stale.
async fn moved_elsewhere(app: &TestApp, ticket: &str) {
    let mutation = "mutation($id: ID!) { transitionTicket(id: $id, expectedVersion: 1, to: PENDING) { version } }";
    let moved = app.gql("alice", mutation, json!({ "id": ticket })).await;
    assert!(moved["errors"].is_null(), "{moved}");
}

/// The first saved reply as it reads on `ticket` for alice.
async fn first_saved_reply(app: &TestApp, ticket: &str) -> String {
    let macros = app.gql("alice", "{ macros { id } }", json!({})).await;
    let first = macros["data"]["macros"][0]["id"].as_str().expect("a saved reply").to_owned();
    let filled = app
        .gql(
            "alice",
            "query($t: ID!, $m: ID!) { renderMacro(ticketId: $t, macroId: $m) { text } }",
            json!({ "t": ticket, "m": first }),
        )
        .await;
    filled["data"]["renderMacro"]["text"].as_str().expect("filled in").to_owned()
}

async fn ticket_now(app: &TestApp, ticket: &str) -> serde_json::Value {
    let now = app
        .gql(
            "alice",
            "query($t: ID!) { ticket(id: $t) { status version comments { edges { node { body } } } } }",
            json!({ "t": ticket }),
        )
        .await;
    now["data"]["ticket"].clone()
}

both!(a_saved_reply_goes_in_at_the_cursor_and_the_reply_sets_the_status, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let ticket = crate::tickets::create_ticket(&app, patient, "HIGH").await["id"].as_str().unwrap().to_owned();
    let saved = first_saved_reply(&app, &ticket).await;
    chrome.sign_in("alice").await;
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    // Typed, then the cursor put back after "Zoë 🙂, ": seven characters, eight UTF-16 units,
    // eleven bytes. (Set by script: chromedriver types no character beyond the BMP.)
    let (before, after) = ("Zoë 🙂, ", "— thanks for waiting.");
    chrome
        .client
        .execute(
            "const b = document.getElementById('body'); b.focus(); b.value = arguments[0] + arguments[1]; \
             b.dispatchEvent(new Event('input')); b.setSelectionRange(arguments[0].length, arguments[0].length);",
            vec![json!(before), json!(after)],
        )
        .await
        .unwrap();
    chrome.client.find(Locator::Css("select#macro")).await.unwrap().select_by_index(1).await.unwrap();
    chrome.click("//button[text()='Insert at the cursor']").await;
    let expected = format!("{before}{saved}{after}");
    chrome.wait_value("textarea#body", |v| v == expected).await;
    let caret = chrome
        .client
        .execute(
            "const b = document.getElementById('body'); return [document.activeElement === b, b.selectionStart];",
            vec![],
        )
        .await
        .unwrap();
    let caret_at = before.encode_utf16().count() + saved.encode_utf16().count();
    assert_eq!(caret, json!([true, caret_at]), "the cursor stands after what was inserted");
    assert_eq!(ticket_now(&app, &ticket).await["comments"]["edges"], json!([]), "inserting stores nothing");
    chrome.click("//button[text()='Reply and set pending']").await;
    chrome.wait_text("Reply added and the ticket set pending.").await;
    let now = ticket_now(&app, &ticket).await;
    assert_eq!(now["status"], "PENDING", "{now}");
    assert_eq!(now["comments"]["edges"][0]["node"]["body"], json!(expected), "{now}");
    // Sent: the box is empty again, and no draft comes back.
    assert_eq!(chrome.value("textarea#body").await, "");
    chrome.close().await;
});

both!(a_reply_whose_status_change_is_refused_still_stands_and_says_so, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let ticket = a_ticket_on_screen(&app, &chrome).await;
    moved_elsewhere(&app, &ticket).await;
    chrome.fill("textarea#body", "We have sent the form again.").await;
    chrome.click("//button[text()='Reply and resolve']").await;
    let html = chrome.wait_text("Your reply was added, but the status was not changed").await;
    assert!(html.contains("while you were looking at it"), "and why: {html}");
    let now = ticket_now(&app, &ticket).await;
    assert_eq!(
        (now["status"].as_str(), now["comments"]["edges"].as_array().map(Vec::len)),
        (Some("PENDING"), Some(1)),
        "{now}"
    );
    let url = chrome.client.current_url().await.unwrap();
    assert!(url.path().ends_with(&ticket) && url.query() == Some("done=reply-unmoved"), "the record's page: {url}");
    assert_eq!(chrome.value("textarea#body").await, "", "the reply was sent: no draft of it comes back");
    chrome.close().await;
});

both!(a_draft_survives_a_conflict_and_an_expired_session_and_goes_once_sent, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let ticket = a_ticket_on_screen(&app, &chrome).await;
    let draft = "I have checked your claim: the payer needs one more form.";
    chrome.fill("textarea#body", draft).await;
    // A conflict on another form of the page: the page comes again, the draft with it.
    moved_elsewhere(&app, &ticket).await;
    chrome.click("//button[text()='Resolve']").await;
    chrome.wait_text("while you were looking at it").await;
    chrome.wait_value("textarea#body", |v| v == draft).await;
    chrome.wait_text("What you had typed here is back").await;
    // The session ends while the agent types; their "Add comment" meets the sign-in page.
    expire_sessions(&app).await;
    chrome.click("//button[text()='Add comment']").await;
    chrome.wait_url(|url| url.contains("/signin?expired=1")).await;
    let button = "//input[@name='sub' and @value='alice']/following-sibling::button";
    chrome.click(button).await;
    chrome.wait_url(|url| url.contains(&format!("/cx/tickets/{ticket}"))).await;
    chrome.wait_value("textarea#body", |v| v == draft).await;
    assert_eq!(ticket_now(&app, &ticket).await["comments"]["edges"], json!([]), "nothing was sent without a session");
    chrome.click("//button[text()='Add comment']").await;
    chrome.wait_text("Comment added.").await;
    assert_eq!(ticket_now(&app, &ticket).await["comments"]["edges"][0]["node"]["body"], json!(draft));
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    assert_eq!(chrome.value("textarea#body").await, "", "sent: the draft is gone");
    chrome.close().await;
});

/// Every console session as if unused for longer than the idle limit.
async fn expire_sessions(app: &TestApp) {
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::Expr;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    entities::console_session::Entity::update_many()
        .col_expr(entities::console_session::Column::LastSeenAt, Expr::value(past))
        .exec(&app.db)
        .await
        .unwrap();
}

crate::each_backend!(an_unused_session_warns_a_minute_before_it_ends_and_can_stay, |backend| {
    let idle = std::time::Duration::from_secs(65);
    let Some(app) = spawn_app_with(backend, |c| c.console.session_idle = idle.into()).await else { return };
    let Some(chrome) = Chrome::start(&app).await else { return };
    chrome.sign_in("alice").await;
    chrome.wait_text("Ticket queue").await;
    // Five seconds in: a minute left.
    chrome.wait_shown("#idle", true).await;
    let said = chrome.client.find(Locator::Css("#idle-said")).await.unwrap().text().await.unwrap();
    assert!(said.contains("signed out in a minute"), "{said}");
    let focused = chrome.client.execute("return document.activeElement.textContent", vec![]).await.unwrap();
    assert_eq!(focused, json!("Stay signed in"), "the way to stay has the focus");
    chrome.accessible().await;
    chrome.click("//button[text()='Stay signed in']").await;
    chrome.wait_shown("#idle", false).await;
    // The session was reached, so it lives on: the next page opens without a sign-in.
    chrome.open("/cx/tickets").await;
    assert!(!chrome.client.current_url().await.unwrap().path().starts_with("/signin"));
    chrome.close().await;
});
