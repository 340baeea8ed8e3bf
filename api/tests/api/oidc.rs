//! The console's sign-in through an identity provider (OpenID Connect, authorization code
//! with PKCE), against the test provider in [`crate::oidc_provider`], in production mode:
//! the whole round trip and its cookies, then each way it must refuse (a foreign `state`, no
//! pending sign-in, a code minted for another browser's challenge, a replayed code, a wrong
//! nonce or audience, someone who is not active staff, a cancelled sign-in).

use crate::each_backend;
use crate::helpers::*;
use crate::oidc_provider::{Misbehave, TestProvider};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use std::collections::HashMap;

/// A production-mode ward that signs in through a fresh test provider (and takes its RS256
/// tokens on the API).
pub async fn oidc_app(backend: Backend) -> Option<(TestApp, TestProvider)> {
    // ward's callback is registered at the provider before ward starts: pick its port first.
    let port = free_port();
    let provider = TestProvider::start(&format!("http://127.0.0.1:{port}/signin/callback")).await;
    let oidc = provider.config();
    let jwt = api::auth::JwtConfig {
        public_key_pem: Some(crate::keys::rs256().public_pem.clone()),
        algorithm: Some("RS256".into()),
        issuer: Some(provider.issuer.clone()),
        audience: Some("ward".into()),
        ..Default::default()
    };
    let app = spawn_app_with(backend, |c| {
        c.bind = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        c.environment = api::config::Environment::Production;
        c.jwt = jwt;
        c.console.oidc = Some(oidc);
    })
    .await?;
    Some((app, provider))
}

/// One browser: no redirects followed, cookies kept by hand per name.
struct Browser {
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: u16,
    location: String,
    set_cookies: Vec<String>,
    body: String,
}

impl Browser {
    fn new() -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { client, cookies: HashMap::new() }
    }

    async fn keep(&mut self, response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let location = response.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
        let set_cookies: Vec<String> =
            response.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for set in &set_cookies {
            let (name, value) = set.split(';').next().unwrap().split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Answer { status, location, set_cookies, body: response.text().await.unwrap() }
    }

    async fn get(&mut self, url: &str) -> Answer {
        let mut request = self.client.get(url);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(COOKIE, jar.join("; "));
        }
        let response = request.send().await.unwrap();
        self.keep(response).await
    }

    /// Leaves ward for the provider; returns the authorization request's parameters.
    async fn leave_for_provider(&mut self, app: &TestApp, provider: &TestProvider) -> HashMap<String, String> {
        let start = self.get(&app.url("/signin/oidc")).await;
        assert_eq!(start.status, 303, "{}", start.body);
        assert!(start.location.starts_with(&format!("{}/authorize?", provider.issuer)), "{}", start.location);
        let login = self.get(&start.location).await;
        assert_eq!(login.status, 200, "the provider accepted the request: {}", login.body);
        provider.last_authorization()
    }

    /// Signs in at the provider as `username` (or cancels); returns ward's callback URL.
    async fn at_provider(
        &mut self,
        provider: &TestProvider,
        asked: &HashMap<String, String>,
        username: &str,
        decision: &str,
    ) -> String {
        let form = [
            ("state", asked["state"].as_str()),
            ("nonce", asked["nonce"].as_str()),
            ("code_challenge", asked["code_challenge"].as_str()),
            ("username", username),
            ("decision", decision),
        ];
        let response = self.client.post(format!("{}/login", provider.issuer)).form(&form).send().await.unwrap();
        let answer = self.keep(response).await;
        assert_eq!(answer.status, 303);
        answer.location
    }
}

fn session_set(answer: &Answer) -> Option<&String> {
    answer.set_cookies.iter().find(|c| c.starts_with("ward_session=") && !c.contains("Max-Age=0"))
}

each_backend!(a_staff_member_signs_in_through_the_identity_provider_with_pkce, |backend| {
    let Some((app, provider)) = oidc_app(backend).await else { panic!("{backend:?} is unreachable") };
    let mut browser = Browser::new();
    let page = browser.get(&app.url("/signin")).await;
    assert!(page.body.contains("href=\"/signin/oidc\""), "{}", page.body);
    assert!(!page.body.contains("name=\"sub\""), "no demo sign-in in production: {}", page.body);

    let start = browser.get(&app.url("/signin/oidc")).await;
    let pending = start.set_cookies.iter().find(|c| c.starts_with("ward_oidc=")).expect("the pending cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/signin/callback", "Max-Age=600"] {
        assert!(pending.contains(flag), "{flag}: {pending}");
    }
    let login = browser.get(&start.location).await;
    assert_eq!(login.status, 200, "{}", login.body);
    let asked = provider.last_authorization();
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["code_challenge"].len(), 43, "a SHA-256 challenge, base64url");
    assert_eq!(asked["response_type"], "code");
    assert!(asked["scope"].split(' ').any(|s| s == "openid"));

    let callback = browser.at_provider(&provider, &asked, "cora", "allow").await;
    let back = browser.get(&callback).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.body.contains("url=/"), "the page moves on to the queue: {}", back.body);
    let session = session_set(&back).expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    assert!(
        back.set_cookies.iter().any(|c| c.starts_with("ward_oidc=") && c.contains("Max-Age=0")),
        "the pending sign-in is cleared: {:?}",
        back.set_cookies
    );
    assert_eq!(provider.unused_codes(), 0, "the code was exchanged");
    let queue = browser.get(&app.url("/compliance/audit")).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains("(cora)"), "signed in as cora: {}", queue.body);
});

each_backend!(a_callback_without_this_browsers_state_signs_nobody_in, |backend| {
    let Some((app, provider)) = oidc_app(backend).await else { panic!("{backend:?} is unreachable") };
    let mut browser = Browser::new();
    let asked = browser.leave_for_provider(&app, &provider).await;
    let callback = browser.at_provider(&provider, &asked, "cora", "allow").await;

    // Another browser (the attacker's, or a link followed in a new one): no pending cookie.
    let mut other = Browser::new();
    let refused = other.get(&callback).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("did not start in this browser"), "{}", refused.body);
    assert!(session_set(&refused).is_none());

    // This browser, but the state changed on the way.
    let forged = callback.replace("state=", "state=x");
    let refused = browser.get(&forged).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains("does not match"), "{}", refused.body);
    assert!(session_set(&refused).is_none());
    assert_eq!(provider.unused_codes(), 1, "a refused callback never spends the code");
});

each_backend!(a_code_minted_for_another_browsers_challenge_or_replayed_signs_nobody_in, |backend| {
    let Some((app, provider)) = oidc_app(backend).await else { panic!("{backend:?} is unreachable") };
    // The victim starts a sign-in; the attacker signs in at the provider as themselves
    // and slips their own code into the victim's callback, with the victim's state.
    let mut victim = Browser::new();
    let victims = victim.leave_for_provider(&app, &provider).await;
    let mut attacker = Browser::new();
    let attackers = attacker.leave_for_provider(&app, &provider).await;
    let attackers_callback = attacker.at_provider(&provider, &attackers, "alice", "allow").await;
    let code = attackers_callback.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let injected = format!("{}?code={code}&state={}", app.url("/signin/callback"), victims["state"]);
    let refused = victim.get(&injected).await;
    assert_eq!(refused.status, 401, "the victim's PKCE verifier does not match the attacker's code: {}", refused.body);
    assert!(session_set(&refused).is_none());

    // A code used once is not good again.
    let mut browser = Browser::new();
    let asked = browser.leave_for_provider(&app, &provider).await;
    let callback = browser.at_provider(&provider, &asked, "cora", "allow").await;
    let pending = browser.cookies["ward_oidc"].clone();
    assert!(session_set(&browser.get(&callback).await).is_some());
    browser.cookies.insert("ward_oidc".into(), pending);
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(session_set(&replay).is_none());
});

each_backend!(an_id_token_with_a_wrong_nonce_or_audience_is_refused, |backend| {
    let Some((app, provider)) = oidc_app(backend).await else { panic!("{backend:?} is unreachable") };
    for how in [Misbehave::WrongNonce, Misbehave::OtherAudience] {
        provider.misbehave(how);
        let mut browser = Browser::new();
        let asked = browser.leave_for_provider(&app, &provider).await;
        let callback = browser.at_provider(&provider, &asked, "cora", "allow").await;
        let refused = browser.get(&callback).await;
        assert_eq!(refused.status, 401, "{}", refused.body);
        assert!(refused.body.contains("could not be verified"), "{}", refused.body);
        assert!(session_set(&refused).is_none());
    }
});

each_backend!(the_provider_vouching_for_someone_who_is_not_active_staff_or_a_cancel_signs_nobody_in, |backend| {
    let Some((app, provider)) = oidc_app(backend).await else { panic!("{backend:?} is unreachable") };
    for (username, decision, status, words) in [
        ("mallory", "allow", 403, "No active ward staff member"),
        ("cora", "deny", 401, "did not sign you in (access_denied)"),
    ] {
        let mut browser = Browser::new();
        let asked = browser.leave_for_provider(&app, &provider).await;
        let callback = browser.at_provider(&provider, &asked, username, decision).await;
        let refused = browser.get(&callback).await;
        assert_eq!(refused.status, status, "{username}/{decision}: {}", refused.body);
        assert!(refused.body.contains(words), "{}", refused.body);
        assert!(session_set(&refused).is_none());
    }
    app.sql("UPDATE staff SET active = false WHERE sub = 'cora'").await;
    let mut browser = Browser::new();
    let asked = browser.leave_for_provider(&app, &provider).await;
    let callback = browser.at_provider(&provider, &asked, "cora", "allow").await;
    let refused = browser.get(&callback).await;
    assert_eq!(refused.status, 403, "a deactivated member: {}", refused.body);
});

each_backend!(a_key_the_provider_rotated_in_since_ward_fetched_its_keys_is_fetched_and_trusted, |backend| {
    let Some((app, provider)) = oidc_app(backend).await else { panic!("{backend:?} is unreachable") };
    // The first sign-in fetches (and keeps) the provider's keys.
    let mut browser = Browser::new();
    let asked = browser.leave_for_provider(&app, &provider).await;
    let callback = browser.at_provider(&provider, &asked, "cora", "allow").await;
    assert!(session_set(&browser.get(&callback).await).is_some());
    // The provider now signs with a key ward has not seen.
    provider.rotate_keys();
    let mut browser = Browser::new();
    let asked = browser.leave_for_provider(&app, &provider).await;
    let callback = browser.at_provider(&provider, &asked, "cora", "allow").await;
    let back = browser.get(&callback).await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(session_set(&back).is_some());
});
