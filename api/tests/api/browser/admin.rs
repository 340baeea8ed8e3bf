//! Admins in Chromium: signing in through the identity provider, role grants and their approval.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use fantoccini::Locator;

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
    chrome.close().await;
    let asked = app.sql("SELECT reason FROM pending_approval WHERE kind = 'grant_role'").await;
    let reasons: Vec<String> = asked.iter().map(|r| r.try_get("", "reason").unwrap()).collect();
    assert_eq!(reasons, ["Covering the denial queue in January"], "one request, with its reason");
});
