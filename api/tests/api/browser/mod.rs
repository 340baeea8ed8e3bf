//! Each team's main task, driven end to end in headless Chromium (Debian's chromium and
//! chromium-driver; `.ci/run` installs them when missing): a cx agent answers and resolves a
//! ticket with a saved reply; an ops member escalates a denial and a second approves its
//! write-off; a medical reviewer completes a review; compliance finds who read a patient's
//! record and downloads the CSV. Without Chromium these are skipped loudly, except under
//! `CI=true`, where they fail. With `WARD_SCREENSHOTS=<dir>` each team's queue is saved as a PNG.
//! Every page a test opens or waits on is checked with axe-core (WCAG 2.1 A and AA), and at
//! 375 px for sideways scrolling (WCAG 1.4.10): any violation fails the test.

mod admin;
mod compliance;
mod cx;
mod lists;
mod medical;
mod ops;

use crate::helpers::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::time::Duration;

/// An escalation owen opens, with `reason`, of the denial with the latest deadline of those
/// not escalated yet and denied for at least `cents`: the denial's id and the escalation's.
async fn an_escalation(app: &TestApp, cents: i64, reason: &str) -> (uuid::Uuid, String) {
    let denial: uuid::Uuid = app
        .sql(&format!("SELECT d.id AS id FROM denial d WHERE d.denied_cents >= {cents} AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) ORDER BY d.appeal_deadline DESC, d.id LIMIT 1"))
        .await[0]
        .try_get("", "id")
        .unwrap();
    let escalate = "mutation($d: ID!, $why: String!) { escalateDenial(denialId: $d, reason: $why) { id } }";
    let escalated = app.gql("owen", escalate, json!({ "d": denial, "why": reason })).await;
    (denial, escalated["data"]["escalateDenial"]["id"].as_str().expect("an escalation").to_owned())
}

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
            // Staff read ward in their own time zone, rarely UTC: so does the browser here.
            .env("TZ", "America/Chicago")
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

    /// Waits until the field at `css` holds a value `wanted` accepts (the page that puts it
    /// there may still be loading); returns it.
    async fn wait_value(&self, css: &str, wanted: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..300 {
            if let Ok(field) = self.client.find(Locator::Css(css)).await
                && let Ok(Some(value)) = field.prop("value").await
            {
                if wanted(&value)
                    && self.client.execute("return document.readyState", vec![]).await.unwrap() == "complete"
                {
                    return value;
                }
                last = value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never held what was wanted; last {last:?}");
    }

    /// Waits until the element at `css` is shown (`true`) or hidden or gone (`false`).
    async fn wait_shown(&self, css: &str, shown: bool) {
        for _ in 0..300 {
            let now = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.is_displayed().await.unwrap_or(false),
                Err(_) => false,
            };
            if now == shown {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never became {}", if shown { "shown" } else { "hidden" });
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

    /// What following `href` downloads, fetched with this browser's session (a download
    /// does not become a page the driver can read).
    async fn download(&self, href: &str) -> reqwest::Response {
        let cookie = self.client.get_named_cookie("ward_session").await.unwrap();
        reqwest::Client::new()
            .get(format!("{}{href}", self.base))
            .header("cookie", format!("ward_session={}", cookie.value()))
            .send()
            .await
            .unwrap()
    }

    /// Waits until a loaded page no longer holds `text` (the page after a form has replaced
    /// the one that showed it).
    async fn wait_gone(&self, text: &str) {
        for _ in 0..300 {
            let loaded =
                self.client.execute("return document.readyState", vec![]).await.ok() == Some(json!("complete"));
            if loaded && !self.client.source().await.unwrap_or_default().contains(text) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{text:?} never went away");
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
