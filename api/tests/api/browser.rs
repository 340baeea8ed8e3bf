//! Each team's main task, driven end to end in headless Chromium (Debian's chromium and
//! chromium-driver; `.ci/run` installs them when missing): a cx agent answers and resolves a
//! ticket with a saved reply; an ops member escalates a denial and a second approves its
//! write-off; a medical reviewer completes a review; compliance finds who read a patient's
//! record and downloads the CSV. Without Chromium these are skipped loudly, except under
//! `CI=true`, where they fail. With `WARD_SCREENSHOTS=<dir>` each team's queue is saved as a PNG.
//! Every page a test opens or waits on is checked with axe-core (WCAG 2.1 A and AA), and at
//! 375 px for sideways scrolling (WCAG 1.4.10): any violation fails the test.

use crate::both;
use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::time::Duration;

/// A headless Chromium session through its own chromedriver.
struct Chrome {
    client: Client,
    base: String,
    _driver: tokio::process::Child,
}

/// axe-core's script, where `.ci/run` installs it (`npm install --prefix target/axe`).
fn axe_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/axe/node_modules/axe-core/axe.min.js")
}

fn on_path(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| std::path::Path::new(dir).join(program))
        .find(|p| p.is_file())
}

impl Chrome {
    async fn start(app: &TestApp) -> Option<Chrome> {
        // Built with chromedriver on PATH (api/build.rs), so its absence now is a failure.
        let driver = on_path("chromedriver").expect("chromedriver was on PATH when the tests were built");
        let port = free_port();
        let child = tokio::process::Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut options = json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"] });
        if let Some(binary) = on_path("chromium") {
            options["binary"] = json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Some(Chrome { client, base: app.url(""), _driver: child })
    }

    async fn open(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.accessible().await;
    }

    /// Runs axe-core on the page as it stands and fails on any violation of WCAG 2.1 A or
    /// AA, naming each rule and the elements it found.
    async fn accessible(&self) {
        let axe = std::fs::read_to_string(axe_path()).expect("axe-core was there when the tests were built");
        self.client.execute(&axe, vec![]).await.expect("axe-core loads under the page's CSP");
        let script = "const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
              .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
              .catch(e => done(['axe failed: ' + e]));";
        let violations = self.client.execute_async(script, vec![]).await.unwrap();
        let url = self.client.current_url().await.unwrap();
        assert_eq!(violations, json!([]), "axe-core on {url}");
        // WCAG 1.4.10: at 375 CSS pixels the page reflows, nothing scrolls sideways (a wide
        // table scrolls inside itself, as the criterion allows for data tables).
        self.client.set_window_size(375, 900).await.unwrap();
        let wide = self
            .client
            .execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth", vec![])
            .await
            .unwrap();
        self.client.set_window_size(1280, 1000).await.unwrap();
        assert_eq!(wide, json!(0), "{url} scrolls sideways at 375 px by this many pixels");
    }

    async fn sign_in(&self, sub: &str) {
        self.open("/signin").await;
        let button = format!("//input[@name='sub' and @value='{sub}']/following-sibling::button");
        self.client.find(Locator::XPath(&button)).await.unwrap().click().await.unwrap();
        // Signed in once the browser has left the sign-in page for the team's queue.
        self.wait_url(|url| !url.contains("/signin")).await;
    }

    async fn sign_out(&self) {
        self.client.find(Locator::XPath("//button[text()='Sign out']")).await.unwrap().click().await.unwrap();
        self.client.wait().for_element(Locator::XPath("//h1[text()='Sign in']")).await.unwrap();
    }

    /// Clicks the element once it is there: a click that navigates returns before the next
    /// page has loaded, so every lookup waits for its element rather than failing at once.
    async fn click(&self, xpath: &str) {
        self.client
            .wait()
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("{xpath}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// What the field at `css` holds now.
    async fn value(&self, css: &str) -> String {
        let field = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("no {css}: {e}"));
        field.prop("value").await.unwrap().unwrap_or_default()
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.client.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses `path` in the page's file input, as a person picking the file would.
    async fn choose_file(&self, path: &str) {
        let input = self.client.wait().for_element(Locator::Css("input[type='file']")).await.unwrap();
        let path = std::fs::canonicalize(path).unwrap();
        input.send_keys(path.to_str().unwrap()).await.unwrap();
    }

    /// Waits until the browser is on a page whose address satisfies `arrived`.
    async fn wait_url(&self, arrived: impl Fn(&str) -> bool) {
        for _ in 0..300 {
            let url = self.client.current_url().await.unwrap();
            if arrived(url.as_str())
                && self.client.execute("return document.readyState", vec![]).await.unwrap() == "complete"
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never arrived; still at {}", self.client.current_url().await.unwrap());
    }

    /// Waits for `text` in the page (a notice, a heading), then checks the page with axe-core.
    async fn wait_text(&self, text: &str) -> String {
        for _ in 0..300 {
            let html = self.client.source().await.unwrap();
            if html.contains(text) {
                self.accessible().await;
                return html;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{text:?} never appeared: {}", self.client.source().await.unwrap());
    }

    async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("WARD_SCREENSHOTS") {
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        }
    }

    async fn close(self) {
        let _ = self.client.close().await;
    }
}

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

both!(compliance_finds_who_read_a_patient_and_downloads_the_csv, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 1).await.patient;
    let read = app.gql("alice", "query($p: ID!) { patient(id: $p) { name email } }", json!({ "p": patient })).await;
    assert!(read["errors"].is_null(), "{read}");
    chrome.sign_in("cora").await;
    chrome.wait_text("Audit log").await;
    chrome.screenshot("compliance-audit").await;
    chrome.open("/compliance/patient").await;
    chrome.fill("input#id", &patient.to_string()).await;
    chrome.click("//button[text()='Show']").await;
    chrome.wait_text("Accounting of disclosures").await;
    let disclosures =
        chrome.client.find(Locator::Css("section[aria-labelledby='disc-h']")).await.unwrap().text().await.unwrap();
    assert!(disclosures.contains("Alice Moreno"), "alice's read is listed, by her name: {disclosures}");
    let href =
        chrome.client.find(Locator::LinkText("Download as CSV")).await.unwrap().attr("href").await.unwrap().unwrap();
    let cookie = chrome.client.get_named_cookie("ward_session").await.unwrap();
    chrome.close().await;
    let csv = reqwest::Client::new()
        .get(app.url(&href))
        .header("cookie", format!("ward_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("date,recipient_name,recipient_sub,"), "{csv}");
    assert!(csv.lines().any(|l| l.contains(",alice,") && l.contains("contact")), "{csv}");
});

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

both!(compliance_finds_a_break_glass_access_unjustified_only_with_a_note, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let chart = crate::fixtures::chart(&app, 0).await;
    let opened = app
        .gql("alice", "mutation($p: ID!, $why: String!) { requestBreakGlass(patientId: $p, reason: $why) { id } }",
            json!({ "p": chart.patient, "why": "Patient in crisis on the phone; the on-call clinician asked for the safety plan" }))
        .await;
    let id = opened["data"]["requestBreakGlass"]["id"].as_str().expect("a grant").to_owned();
    chrome.sign_in("cora").await;
    chrome.open("/compliance/break-glass").await;
    let form = format!("//form[@action='/compliance/break-glass/{id}/review']");
    let row = chrome.client.find(Locator::XPath(&format!("//tr[.{form}]"))).await.unwrap().text().await.unwrap();
    assert!(row.contains("Alice Moreno") && !row.contains("alice"), "who opened it, by name: {row}");
    chrome.click(&format!("{form}//button[@value='UNJUSTIFIED']")).await;
    chrome.wait_text("must say why").await;
    chrome.open("/compliance/break-glass").await;
    chrome
        .fill(&format!("input#note-{id}"), "No call on record at that time; the ticket was closed a week before")
        .await;
    chrome.click(&format!("{form}//button[@value='UNJUSTIFIED']")).await;
    chrome.wait_text("Verdict recorded.").await;
    chrome.close().await;
    let grant = {
        use sea_orm::EntityTrait;
        let id: uuid::Uuid = id.parse().unwrap();
        entities::break_glass_grant::Entity::find_by_id(id).one(&app.db).await.unwrap().expect("the grant")
    };
    assert_eq!(grant.review_status, entities::break_glass_grant::BreakGlassReviewStatus::Unjustified);
    assert!(grant.review_note.unwrap_or_default().starts_with("No call on record"));
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
    chrome.click("//input[@name='to' and @value='APPEALED']").await;
    chrome.fill("textarea#note", "Appealing with the authorization").await;
    chrome.fill("textarea#sent", "The authorization letter of March").await;
    chrome.client.execute("document.getElementById('sentOn').value = '2099-01-01'", vec![]).await.unwrap();
    chrome.click("//button[text()='Save']").await;
    let html = chrome.wait_text("Please check what you entered").await;
    assert!(html.contains("the date the appeal was sent 2099-01-01 is in the future"), "the form's words: {html}");
    assert!(!html.contains("appeal.sentOn") && !html.contains('`'), "never the API's field names: {html}");
    assert_eq!(chrome.value("textarea#note").await, "Appealing with the authorization", "the note is kept");
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

both!(emergency_access_shows_what_it_opened_until_when_and_ends_at_a_click, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let ticket = crate::tickets::create_ticket(&app, patient, "URGENT").await["id"].as_str().unwrap().to_owned();
    chrome.sign_in("alice").await;
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    let card = chrome.client.find(Locator::Css("section[aria-labelledby='patient-h']")).await.unwrap();
    let said = card.text().await.unwrap();
    // (The badge is set in capitals by the stylesheet.)
    let lower = said.to_lowercase();
    assert!(
        lower.contains("restricted: not for your role") && said.contains("Restricted means your role may not see it"),
        "{said}"
    );
    chrome.click("//summary[text()='Emergency access (break-glass)']").await;
    chrome.fill("textarea#bg-reason", "The patient is in crisis on the phone and asked for the safety plan").await;
    chrome.click("//button[text()='Open emergency access']").await;
    chrome.wait_text("Emergency access opened").await;
    let card = chrome.client.find(Locator::Css("section[aria-labelledby='patient-h']")).await.unwrap();
    let said = card.text().await.unwrap();
    assert!(said.contains("Emergency access is open for this patient until"), "{said}");
    assert!(said.contains("due in") && said.contains("shown only because of it"), "{said}");
    let birth =
        chrome.client.find(Locator::XPath("//dt[text()='Date of birth']/following-sibling::dd[1]")).await.unwrap();
    assert!(birth.text().await.unwrap().to_lowercase().contains("emergency access"), "the value it opened is marked");
    chrome.click("//button[text()='End access now']").await;
    chrome.wait_text("Emergency access ended").await;
    let birth =
        chrome.client.find(Locator::XPath("//dt[text()='Date of birth']/following-sibling::dd[1]")).await.unwrap();
    assert!(birth.text().await.unwrap().to_lowercase().contains("restricted"), "closed again at once");
    let open = app.sql("SELECT id FROM break_glass_grant WHERE ended_at IS NULL").await;
    assert!(open.is_empty(), "the grant ended in the database too");
    // Asking on a resolved ticket warns before anything is sent.
    let resolve = "mutation($id: ID!) { transitionTicket(id: $id, expectedVersion: 1, to: RESOLVED) { version } }";
    assert!(app.gql("alice", resolve, json!({ "id": ticket })).await["errors"].is_null());
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    chrome.click("//summary[text()='Emergency access (break-glass)']").await;
    chrome.wait_text("This ticket is resolved: emergency access is for a patient you are helping now").await;
    chrome.close().await;
});

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

both!(compliance_searches_the_audit_log_by_name_action_and_days_with_a_count, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    for _ in 0..3 {
        let read = app.gql("alice", "query($p: ID!) { patient(id: $p) { name } }", json!({ "p": patient })).await;
        assert!(read["errors"].is_null(), "{read}");
    }
    let today = chrono::Utc::now().date_naive();
    chrome.sign_in("cora").await;
    chrome.open(&format!("/compliance/audit?actorName=ali&action=read&from={today}&to={today}")).await;
    let said = chrome.wait_text("match this search").await;
    let expected = app.sql("SELECT seq FROM audit_event WHERE actor = 'alice' AND action = 'read'").await.len();
    assert!(expected >= 3, "alice's reads are on the trail");
    assert!(said.contains(&format!("{expected} events match this search")), "the count is the search's: {expected}");
    let who = chrome.client.find_all(Locator::XPath("//table//tbody/tr/td[3]")).await.unwrap();
    assert_eq!(who.len(), expected);
    for cell in who {
        assert!(cell.text().await.unwrap().starts_with("Alice Moreno"), "by her name's start, in any case");
    }
    assert_eq!(chrome.value("select#action").await, "read", "the action is chosen from a list");
    let yesterday = today.pred_opt().unwrap();
    chrome.open(&format!("/compliance/audit?actorName=ali&to={yesterday}")).await;
    chrome.wait_text("No events match this search.").await;
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
