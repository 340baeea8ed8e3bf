//! Admins in Chromium: signing in through the identity provider, role grants and their approval.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use fantoccini::Locator;
use serde_json::json;

/// Chromium signs in through the test identity provider: the provider's redirect back is a
/// cross-site navigation, so this is where the cookies' SameSite rules are really exercised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_member_signs_in_through_the_identity_provider_in_a_browser() {
    let Some((app, _provider)) = crate::oidc::oidc_app(Backend::Sqlite).await else { return };
    let Some(chrome) = Chrome::start(&app).await else { return };
    chrome.open("/signin").await;
    chrome.click("//a[@href='/signin/oidc']").await;
    chrome.fill("input#username", "cora").await;
    chrome.click("//button[text()='Sign in']").await;
    chrome.wait_text("Audit log").await;
    chrome.wait_url(|url| url.ends_with("/compliance/audit")).await;
    let html = chrome.client.source().await.unwrap();
    assert!(html.contains("(cora)"), "signed in as cora: {html}");
    // Signed out on a page, signing in again through the provider comes back to it.
    chrome.sign_out().await;
    chrome.open("/compliance/break-glass?review=ALL").await;
    chrome.wait_url(|url| url.contains("/signin?next=")).await;
    chrome.click("//a[starts-with(@href, '/signin/oidc?next=')]").await;
    chrome.fill("input#username", "cora").await;
    chrome.click("//button[text()='Sign in']").await;
    chrome.wait_url(|url| url.ends_with("/compliance/break-glass?review=ALL")).await;
    chrome.close().await;
}

both!(an_admin_asks_for_a_role_grant_with_its_reason_and_the_approver_reads_it, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    chrome.sign_in("adam").await;
    chrome.open("/admin/staff").await;
    let form = "//form[@action='/admin/staff/milo/roles']";
    // No reason, no request: the approving admin is owed it.
    chrome.click(&format!("{form}//select/option[@value='ops']")).await;
    chrome.click(&format!("{form}//button[@value='grant']")).await;
    chrome.wait_text("say why this role is needed").await;
    chrome.open("/admin/staff").await;
    chrome.click(&format!("{form}//select/option[@value='ops']")).await;
    chrome.fill("input#why-milo", "Covering the denial queue in January").await;
    chrome.click(&format!("{form}//button[@value='grant']")).await;
    chrome.wait_text("Grant asked for").await;
    // A role held already asks for nothing.
    chrome.click(&format!("{form}//select/option[@value='medical']")).await;
    chrome.fill("input#why-milo", "He is a clinician").await;
    chrome.click(&format!("{form}//button[@value='grant']")).await;
    chrome.wait_text("They hold that role already").await;
    // A refused grant keeps what was typed, in its own row only.
    let own = "//form[@action='/admin/staff/adam/roles']";
    chrome.click(&format!("{own}//select/option[@value='ops']")).await;
    chrome.fill("input#why-adam", "Covering ops myself this week").await;
    chrome.click(&format!("{own}//button[@value='grant']")).await;
    chrome.wait_text("themselves").await;
    assert_eq!(chrome.value("input#why-adam").await, "Covering ops myself this week");
    assert_eq!(chrome.value("input#why-milo").await, "", "another row's field stays empty");
    chrome.sign_out().await;
    chrome.sign_in("ada").await;
    chrome.open("/approvals").await;
    chrome.wait_text("Covering the denial queue in January").await;
    // Staff by name: who would get the role, and who asked.
    let row = chrome.client.find(Locator::XPath("//tr[contains(., 'Covering the denial queue')]")).await.unwrap();
    let row = row.text().await.unwrap();
    assert!(row.contains("Role ops for Dr. Milo Tanaka") && row.contains("Adam Reyes"), "{row}");
    // The request's own page says what the role would open, before anyone approves it.
    chrome.click("//tr[contains(., 'Covering the denial queue')]//a[starts-with(text(), 'Details and history')]").await;
    let html = chrome.wait_text("What it opens").await;
    for opened in
        ["claims' billing (procedure codes, amounts, payments)", "moving escalations on, and approving write-offs"]
    {
        assert!(
            html.contains(&opened.replace('\'', "&#39;")) || html.contains(opened),
            "{opened:?} on the request's page"
        );
    }
    chrome.click("//button[@value='approve']").await;
    chrome.wait_text("Decision recorded.").await;
    chrome.sign_out().await;
    // The requester hears of it on their next page, until they say they have.
    chrome.sign_in("adam").await;
    let heard = chrome.wait_text("Decisions on your requests").await;
    assert!(heard.contains("<strong>approved</strong> by Ada"), "{heard}");
    chrome.click("//button[text()='Got it']").await;
    chrome.wait_gone("Decisions on your requests").await;
    chrome.open("/admin/staff").await;
    assert!(!chrome.client.source().await.unwrap().contains("Decisions on your requests"), "heard once");
    chrome.close().await;
    let asked = app.sql("SELECT reason FROM pending_approval WHERE kind = 'grant_role'").await;
    let reasons: Vec<String> = asked.iter().map(|r| r.try_get("", "reason").unwrap()).collect();
    assert_eq!(reasons, ["Covering the denial queue in January"], "one request, with its reason");
    let staff = app.gql("adam", "{ staffMembers(first: 100) { edges { node { sub roles } } } }", json!({})).await;
    let milo =
        staff["data"]["staffMembers"]["edges"].as_array().unwrap().iter().find(|e| e["node"]["sub"] == "milo").cloned();
    assert!(
        milo.is_some_and(|m| m["node"]["roles"].as_array().unwrap().contains(&json!("ops"))),
        "approved: milo holds ops"
    );
});

both!(taking_access_away_is_confirmed_with_a_reason_and_names_what_it_would_strand, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    // Ada asks for Olga to join medical: of the admins, only Adam may decide it.
    let asked = app
        .gql(
            "ada",
            "mutation { grantRole(sub: \"olga\", role: \"medical\", reason: \"Covering the review backlog\") { sub } }",
            serde_json::json!({}),
        )
        .await;
    assert!(asked["errors"].is_null(), "{asked}");
    chrome.sign_in("ada").await;
    chrome.open("/admin/staff").await;
    // Nobody removes their own admin role: the page says so and offers no button.
    let own = "//form[@action='/admin/staff/ada/roles']";
    chrome.click(&format!("{own}//select/option[@value='admin']")).await;
    chrome.click(&format!("{own}//button[@value='revoke']")).await;
    chrome.wait_text("Nobody removes their own admin role").await;
    assert!(chrome.client.find(Locator::XPath("//button[starts-with(., 'Revoke admin')]")).await.is_err());
    // A reason typed for one member and left unsent never lands in another's confirmation,
    // though both pages stand at the staff list's address.
    chrome.open("/admin/staff").await;
    let milo = "//form[@action='/admin/staff/milo/roles']";
    chrome.click(&format!("{milo}//select/option[@value='medical']")).await;
    chrome.click(&format!("{milo}//button[@value='revoke']")).await;
    chrome.wait_text("Revoke medical from Dr. Milo Tanaka").await;
    chrome.fill("textarea#why", "Typed for Milo only").await;
    // Revoking another's role: what it closes, and a reason.
    chrome.open("/admin/staff").await;
    let owen = "//form[@action='/admin/staff/owen/roles']";
    chrome.click(&format!("{owen}//select/option[@value='ops']")).await;
    chrome.click(&format!("{owen}//button[@value='revoke']")).await;
    chrome.wait_text("moving escalations on, and approving write-offs").await;
    assert_eq!(chrome.value("textarea#why").await, "", "Milo's reason stays with Milo");
    let html = chrome.client.source().await.unwrap();
    assert!(!html.contains("What you had typed here is back"), "nothing restored here");
    chrome.fill("textarea#why", "Moved to the finance team").await;
    chrome.click("//button[text()='Revoke ops from Owen Becker']").await;
    chrome.wait_text("Role revoked").await;
    // Deactivating Adam would strand the grant only he could decide: the page names it first.
    chrome.click("//a[@href='/admin/staff/adam/deactivate']").await;
    let page = chrome.wait_text("Only Adam Reyes could decide these waiting changes").await;
    assert!(page.contains("the medical role for Olga Novak that Ada Lindgren asked for"), "{page}");
    chrome.fill("textarea#why", "Leaving at the end of the month").await;
    chrome.click("//button[text()='Deactivate Adam Reyes']").await;
    chrome.wait_text("Staff member deactivated").await;
    // His return reopens staff management, so it waits for a second admin.
    chrome.click("//a[@href='/admin/staff/adam/reactivate']").await;
    chrome.wait_text("So a second admin approves the return").await;
    chrome.fill("textarea#why", "He stays on after all").await;
    chrome.click("//button[text()='Reactivate Adam Reyes']").await;
    chrome.wait_text("Return asked for").await;
    chrome.close().await;
    let events = app.sql("SELECT action, reason FROM audit_event WHERE action IN ('revoke_role', 'deactivate', 'request_reactivate') ORDER BY seq").await;
    let reasons: Vec<(String, String)> =
        events.iter().map(|r| (r.try_get("", "action").unwrap(), r.try_get("", "reason").unwrap())).collect();
    assert_eq!(
        reasons,
        [
            ("revoke_role".to_owned(), "g, owen, ops: Moved to the finance team".to_owned()),
            ("deactivate".to_owned(), "Leaving at the end of the month".to_owned()),
            ("request_reactivate".to_owned(), "He stays on after all".to_owned()),
        ]
    );
});
