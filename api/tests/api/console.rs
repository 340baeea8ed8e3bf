//! The console over plain HTTP: sessions (cookie flags, idle logoff, sign-out, deactivation),
//! CSRF and origin checks on every form, security headers, demo sign-in off in production,
//! and pages that carry nothing the API would refuse, read from the raw HTML a browser gets.

use crate::both;
use crate::helpers::*;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use sea_orm::EntityTrait;
use serde_json::json;

/// A browser without a cookie jar of its own: it keeps the session cookie by hand.
pub struct Browser {
    client: reqwest::Client,
    base: String,
    pub cookie: Option<String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { client, base: app.url(""), cookie: None }
    }

    /// Signs in through the demo page; returns the `Set-Cookie` header.
    pub async fn sign_in(&mut self, sub: &str) -> String {
        let response = self.client.post(format!("{}/signin", self.base)).form(&[("sub", sub)]).send().await.unwrap();
        assert_eq!(response.status(), 303, "sign-in redirects home");
        let set = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_owned();
        self.cookie = Some(set.split(';').next().unwrap().to_owned());
        set
    }

    pub async fn get(&self, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        // As a browser asks for a page.
        let accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        let mut request = self.client.get(format!("{}{path}", self.base)).header(reqwest::header::ACCEPT, accept);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        (status, response.text().await.unwrap(), headers)
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, reqwest::header::HeaderMap) {
        let mut request = self.client.post(format!("{}{path}", self.base)).form(form);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        (status, response.text().await.unwrap(), headers)
    }

    /// A `multipart/form-data` POST (a file upload): each part a name and its bytes, a file
    /// part with a file name.
    pub async fn post_multipart(&self, path: &str, parts: &[(&str, Option<&str>, &[u8])]) -> (u16, String) {
        let boundary = "ward-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, filename, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match filename {
                Some(file) => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/edi-x12\r\n\r\n").as_bytes(),
                ),
                None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
            }
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = response.text().await.unwrap();
        (status, if status == 303 { location } else { text })
    }

    /// The CSRF token a page's forms carry.
    pub async fn csrf(&self) -> String {
        let (_, html, _) = self.get("/approvals").await;
        let (_, html) = if html.contains("name=\"csrf\"") { (0, html) } else { (0, self.get("/cx/tickets").await.1) };
        let start = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
        html[start..].split('"').next().unwrap().to_owned()
    }
}

fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers.get(LOCATION).map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default()
}

both!(no_session_goes_to_sign_in_and_the_cookie_is_locked_down, |app| {
    let mut browser = Browser::new(&app);
    let (status, _, headers) = browser.get("/cx/tickets").await;
    assert_eq!((status, location(&headers).as_str()), (303, "/signin?next=%2Fcx%2Ftickets"));
    let set = browser.sign_in("alice").await;
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "on localhost a Secure cookie would never come back: {set}");
    let (status, html, headers) = browser.get("/cx/tickets").await;
    assert_eq!(status, 200, "{html}");
    let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing loads from elsewhere");
    assert!(html.contains("<main") && html.contains("<nav") && html.contains("<header"), "landmarks");

    // Reached under another host name, the cookie is Secure.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = client
        .post(app.url("/signin"))
        .header("host", "ward.example.org")
        .form(&[("sub", "alice")])
        .send()
        .await
        .unwrap();
    assert!(response.headers().get(SET_COOKIE).unwrap().to_str().unwrap().contains("Secure"));
});

both!(every_form_needs_the_sessions_csrf_token_and_ward_as_its_origin, |app| {
    let mut browser = Browser::new(&app);
    browser.sign_in("alice").await;
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let ticket = crate::tickets::create_ticket(&app, patient, "NORMAL").await["id"].as_str().unwrap().to_owned();
    let path = format!("/cx/tickets/{ticket}/comment");
    let (status, _, _) = browser.post(&path, &[("body", "forged")]).await;
    assert_eq!(status, 403, "no token");
    let (status, _, _) = browser.post(&path, &[("body", "forged"), ("csrf", "not-the-token")]).await;
    assert_eq!(status, 403, "a wrong token");
    let (status, _, _) = browser.post(&path, &[("body", "forged"), ("then", "RESOLVED")]).await;
    assert_eq!(status, 403, "a reply with a move: no token, neither");
    let (status, _, _) = browser.post(&format!("/cx/tickets/{ticket}/insert-reply"), &[("body", "forged")]).await;
    assert_eq!(status, 403, "inserting a saved reply, too");
    let csrf = browser.csrf().await;
    let cross = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let response = cross
        .post(app.url(&path))
        .header(COOKIE, browser.cookie.clone().unwrap())
        .header("origin", "https://evil.example")
        .form(&[("body", "forged"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "another site's form");
    let comments = app
        .gql(
            "alice",
            "query($t: ID!) { ticket(id: $t) { comments { edges { node { body } } } } }",
            json!({ "t": ticket }),
        )
        .await;
    assert!(!comments.to_string().contains("forged"), "nothing was written: {comments}");
    let (status, _, headers) =
        browser.post(&path, &[("body", "Called the patient back"), ("csrf", csrf.as_str())]).await;
    assert_eq!((status, location(&headers)), (303, format!("/cx/tickets/{ticket}?done=comment")));
});

both!(an_idle_session_ends_and_sign_out_ends_it_at_once, |app| {
    let mut browser = Browser::new(&app);
    browser.sign_in("owen").await;
    assert_eq!(browser.get("/ops/escalations").await.0, 200);
    // Fifteen minutes and a second without a request.
    let past = chrono::Utc::now() - chrono::Duration::seconds(15 * 60 + 1);
    use sea_orm::sea_query::Expr;
    entities::console_session::Entity::update_many()
        .col_expr(entities::console_session::Column::LastSeenAt, Expr::value(past))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, _, headers) = browser.get("/ops/escalations").await;
    assert_eq!((status, location(&headers).as_str()), (303, "/signin?expired=1&next=%2Fops%2Fescalations"));
    assert_eq!(browser.get("/ops/escalations").await.0, 303, "and stays ended");

    browser.sign_in("owen").await;
    let csrf = browser.csrf().await;
    let old = browser.cookie.clone();
    let (status, _, headers) = browser.post("/signout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(status, 303);
    assert!(headers.get(SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    browser.cookie = old;
    assert_eq!(browser.get("/ops/escalations").await.0, 303, "the old cookie is worth nothing");
});

both!(a_deactivated_members_session_answers_nothing, |app| {
    let mut browser = Browser::new(&app);
    browser.sign_in("olga").await;
    assert_eq!(browser.get("/ops/escalations").await.0, 200);
    let version = app.gql("adam", "{ staffMembers(first: 20) { edges { node { sub version } } } }", json!({})).await;
    let olga = version["data"]["staffMembers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["sub"] == "olga")
        .unwrap()["node"]["version"]
        .clone();
    let done = app
        .gql(
            "adam",
            "mutation($v: Int!) { deactivateStaff(sub: \"olga\", expectedVersion: $v) { active } }",
            json!({ "v": olga }),
        )
        .await;
    assert!(done["errors"].is_null(), "{done}");
    assert_eq!(browser.get("/ops/escalations").await.0, 303);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_sign_in_is_off_in_production() {
    let key = crate::keys::es256();
    // The test configuration asks for demo sign-in; production refuses it anyway.
    let Some(prod) = spawn_production_app(Backend::Sqlite, &key.public_pem).await else {
        return;
    };
    let browser = Browser::new(&prod);
    let (status, html, _) = browser.get("/signin").await;
    assert_eq!(status, 200);
    assert!(html.contains("not configured") && !html.contains("name=\"sub\""), "{html}");
    let (status, _, _) = browser.post("/signin", &[("sub", "adam")]).await;
    assert_eq!(status, 404);
}

both!(a_cx_agents_pages_carry_nothing_the_api_refuses, |app| {
    let chart = crate::fixtures::chart(&app, 0).await;
    let patient = entities::patient::Entity::find_by_id(chart.patient).one(&app.db).await.unwrap().unwrap();
    let ticket = crate::tickets::create_ticket(&app, chart.patient, "HIGH").await["id"].as_str().unwrap().to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in("alice").await;
    let (status, html, _) = browser.get(&format!("/cx/tickets/{ticket}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&patient.first_name), "contact is cx's to see");
    assert!(!html.contains(&patient.member_id), "the full member id is identity: not cx's");
    assert!(!html.contains(&patient.date_of_birth.to_string()), "the date of birth is identity: not cx's");
    assert!(html.contains("restricted") && html.contains("Emergency access"), "shown as restricted, with break-glass");
    let record = entities::care_record::Entity::find_by_id(chart.care_record).one(&app.db).await.unwrap().unwrap();
    let (status, html, _) = browser.get(&format!("/medical/records/{}", record.id)).await;
    assert_eq!(status, 403);
    let first_line = record.body.lines().next().unwrap();
    assert!(!html.contains(first_line), "no word of a care record reaches cx");
    // The ticket page stated the ticket as its purpose, and its disclosures are recorded.
    let events = app.sql("SELECT COUNT(*) AS n FROM audit_event WHERE actor = 'alice' AND purpose LIKE 'ticket:%' AND phi_classes LIKE '%contact%'").await;
    assert!(events[0].try_get::<i64>("", "n").unwrap() >= 1);
});

both!(a_conflict_keeps_what_was_typed_and_shows_the_record_as_it_is_now, |app| {
    let record: uuid::Uuid = app
        .sql("SELECT r.id AS id FROM care_record r WHERE NOT EXISTS (SELECT 1 FROM care_review v WHERE v.care_record_id = r.id) ORDER BY r.id LIMIT 1")
        .await[0]
        .try_get("", "id")
        .unwrap();
    let mut browser = Browser::new(&app);
    browser.sign_in("maya").await;
    let csrf = browser.csrf().await;
    // milo saves first.
    let edit = "mutation($id: ID!) { editCareRecord(id: $id, expectedVersion: 1, input: { body: \"Milo's version\" }, reason: \"Corrected the session summary\") { version } }";
    assert!(app.gql("milo", edit, json!({ "id": record })).await["errors"].is_null());
    let typed = "Maya's careful rewrite of the note";
    let path = format!("/medical/records/{record}/edit");
    let form = [
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("body", typed),
        ("codes", "F41.1"),
        ("reason", "Rewrote the assessment section"),
    ];
    let (status, html, _) = browser.post(&path, &form).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains(typed), "what maya typed is still in the form");
    assert!(html.contains("Milo&#39;s version") || html.contains("Milo's version"), "the record as it is now");
    let said = html.split("role=\"alert\"").nth(1).and_then(|rest| rest.split("</p>").next()).unwrap_or_default();
    assert!(
        said.contains("Dr. Milo Tanaka edited it")
            && said.contains("“Corrected the session summary”</span>, while you were editing.")
            && said.contains("your text is kept below"),
        "who changed it first, in words: {said}"
    );
    assert_eq!(html.matches("role=\"alert\"").count(), 1, "said once: {html}");
    let short = [("csrf", csrf.as_str()), ("version", "2"), ("body", typed), ("codes", "F41.1"), ("reason", "short")];
    let (status, html, _) = browser.post(&path, &short).await;
    assert_eq!(status, 400, "BAD_USER_INPUT answers 400 here as on /graphql: one table");
    assert!(
        html.contains("at least 10 characters") && html.contains(typed),
        "the API's reason, next to the form, text kept"
    );
});

both!(queues_show_amounts_and_explained_codes_to_the_teams_that_may_read_them, |app| {
    let mut browser = Browser::new(&app);
    browser.sign_in("owen").await;
    let (status, html, _) = browser.get("/ops/escalations").await;
    assert_eq!(status, 200);
    let rows = html.split("<tbody>").nth(1).unwrap();
    assert!(rows.matches("$").count() >= 3, "amounts at stake in the rows: {rows}");
    assert!(
        rows.contains("Claim lacks information") || rows.contains("medical necessity") || rows.contains("not covered"),
        "CARC descriptions"
    );
    let (status, html, _) = browser.get("/ops/denials").await;
    assert_eq!(status, 200);
    assert!(html.split("<tbody>").nth(1).unwrap().contains('$'));
});

both!(the_ticket_queue_shows_a_screen_at_a_time_and_its_next_page_keeps_the_filters, |app| {
    let mut browser = Browser::new(&app);
    browser.sign_in("alice").await;
    // Every ticket, of the priority with the most of them: more than a screen.
    let all = "OPEN,PENDING,RESOLVED,CLOSED";
    let row = &app
        .sql("SELECT priority, COUNT(*) AS n FROM ticket GROUP BY priority ORDER BY COUNT(*) DESC LIMIT 1")
        .await[0];
    let priority = row.try_get::<String>("", "priority").unwrap().to_uppercase();
    assert!(row.try_get::<i64>("", "n").unwrap() > 25, "the demo data has more than a screen of {priority}");
    let others: Vec<String> = ["urgent", "high", "normal", "low"]
        .iter()
        .filter(|p| !p.eq_ignore_ascii_case(&priority))
        .map(|p| format!("<td>{p}</td>"))
        .collect();
    let (status, html, _) = browser.get(&format!("/cx/tickets?status={all}&assignee=&priority={priority}")).await;
    assert_eq!(status, 200, "{html}");
    let rows = html.matches("<a href=\"/cx/tickets/").count();
    assert_eq!(rows, 25, "one screen of tickets");
    let next = html.split("href=\"/cx/tickets?").nth(1).expect("a next page").split('"').next().unwrap();
    let next = next.replace("&amp;", "&");
    assert!(next.contains(&format!("priority={priority}")) && next.contains(all) && next.contains("after="), "{next}");
    let (status, html, _) = browser.get(&format!("/cx/tickets?{next}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<a href=\"/cx/tickets/"), "a second page of tickets");
    assert!(!others.iter().any(|o| html.contains(o.as_str())), "the second page is still {priority} only");
});

both!(the_escalation_queue_pages_by_deadline_and_its_next_page_keeps_the_filters, |app| {
    let mut browser = Browser::new(&app);
    browser.sign_in("owen").await;
    let all = "OPEN,IN_REVIEW,APPEALED,WON,LOST,WRITTEN_OFF";
    // More than a screen: escalate open denials until there are.
    let open = app
        .sql("SELECT d.id AS id FROM denial d WHERE NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) ORDER BY d.id LIMIT 10")
        .await;
    for row in open {
        let denial: uuid::Uuid = row.try_get("", "id").unwrap();
        let body = app
            .gql(
                "owen",
                "mutation($d: ID!) { escalateDenial(denialId: $d, reason: \"Worth an appeal\") { id } }",
                json!({ "d": denial }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let total: i64 = app.sql("SELECT COUNT(*) AS n FROM escalation").await[0].try_get("", "n").unwrap();
    assert!(total > 25, "more than a screen of escalations ({total})");
    let (status, first, _) = browser.get(&format!("/ops/escalations?status={all}&assignee=")).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first.matches("<a href=\"/ops/escalations/").count(), 25, "one screen");
    // The summary cards link to the queue too: the next page is the link that says so.
    let before_next = first.split(">Next page</a>").next().filter(|b| b.len() < first.len()).expect("a next page");
    let next = before_next.rsplit("href=\"/ops/escalations?").next().unwrap().split('"').next().unwrap();
    let next = next.replace("&amp;", "&");
    assert!(next.contains(all) && next.contains("after="), "{next}");
    let (status, second, _) = browser.get(&format!("/ops/escalations?{next}")).await;
    assert_eq!(status, 200, "{second}");
    let ids = |html: &str| -> Vec<String> {
        html.split("<a href=\"/ops/escalations/").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect()
    };
    let (first_ids, second_ids) = (ids(&first), ids(&second));
    assert!(!second_ids.is_empty(), "a second page of escalations");
    assert!(second_ids.iter().all(|id| !first_ids.contains(id)), "the second page goes on, it does not repeat");
});

// SQLite in WAL: a deferred transaction that read before it wrote fails at once with
// SQLITE_BUSY_SNAPSHOT when another connection committed in between (the busy timeout does
// not apply). Queue pages write twice (the session's last use, the audit trail), so under
// concurrent use the audit append failed and pages answered 503.
both!(queue_pages_under_concurrent_use_all_answer, |app| {
    let mut owners = Vec::new();
    for sub in ["alice", "owen", "maya", "alice"] {
        let mut browser = Browser::new(&app);
        browser.sign_in(sub).await;
        owners.push((browser.cookie.clone().unwrap(), sub));
    }
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (cookie, sub) = owners[i % owners.len()].clone();
        let url = app.url(match sub {
            "alice" => "/cx/tickets",
            "owen" => "/ops/escalations",
            _ => "/medical/reviews",
        });
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut statuses = Vec::new();
            for _ in 0..15 {
                let response = client.get(&url).header(COOKIE, &cookie).send().await.unwrap();
                statuses.push(response.status().as_u16());
            }
            statuses
        }));
    }
    let mut failed = 0;
    for task in tasks {
        failed += task.await.unwrap().iter().filter(|s| **s != 200).count();
    }
    assert_eq!(failed, 0, "{failed} of 240 page views did not answer 200");
});

both!(a_care_records_page_shows_the_changes_between_two_revisions, |app| {
    let record: uuid::Uuid = app
        .sql("SELECT r.id AS id FROM care_record r WHERE NOT EXISTS (SELECT 1 FROM care_review v WHERE v.care_record_id = r.id) ORDER BY r.id LIMIT 1")
        .await[0]
        .try_get("", "id")
        .unwrap();
    let edit = "mutation($id: ID!) { editCareRecord(id: $id, expectedVersion: 1, input: { body: \"First line\\nA line milo added\" }, reason: \"Rewrote the session summary\") { revisions { edges { node { id } } } } }";
    let saved = app.gql("milo", edit, json!({ "id": record })).await;
    let revision = saved["data"]["editCareRecord"]["revisions"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in("maya").await;
    // The page's one query holds the record, its revisions and the diff under the limits.
    let (status, html, _) = browser.get(&format!("/medical/records/{record}?from={revision}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("aria-label=\"Changes\"") && html.contains("A line milo added"), "{html}");
});

both!(a_sampled_review_is_started_from_its_page, |app| {
    let sampled = app.gql("milo", "mutation { sampleForReview(size: 1) { id careRecord { id } } }", json!({})).await;
    let review = sampled["data"]["sampleForReview"][0]["id"].as_str().unwrap().to_owned();
    let record = sampled["data"]["sampleForReview"][0]["careRecord"]["id"].as_str().unwrap().to_owned();
    let mut browser = Browser::new(&app);
    browser.sign_in("milo").await;
    let (status, html, _) = browser.get(&format!("/medical/reviews/{review}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Start review") && !html.contains("Complete review"), "{html}");
    let csrf = browser.csrf().await;
    let (status, _, headers) =
        browser.post(&format!("/medical/records/{record}/review"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(status, 303);
    assert_eq!(headers[LOCATION], format!("/medical/reviews/{review}").as_str(), "the same review, now started");
    let (_, html, _) = browser.get(&format!("/medical/reviews/{review}")).await;
    assert!(html.contains("Complete review"), "{html}");
});

/// Posts the break-glass form for the `nth` chart with `back` as its way back: status, page, `Location`.
async fn break_glass_back(app: &TestApp, browser: &Browser, nth: usize, back: &str) -> (u16, String, String) {
    let patient = crate::fixtures::chart(app, nth).await.patient.to_string();
    let csrf = browser.csrf().await;
    let reason = "Patient called in crisis; confirming identity to dispatch help";
    let form = [("csrf", csrf.as_str()), ("patient", patient.as_str()), ("reason", reason), ("back", back)];
    let (status, html, headers) = browser.post("/break-glass", &form).await;
    (status, html, location(&headers))
}

both!(the_break_glass_form_goes_back_only_to_a_path_of_wards_own, |app| {
    // Each member holds at most two open grants: the bypasses are spread over three of them.
    let mut alice = Browser::new(&app);
    alice.sign_in("alice").await;
    let mut owen = Browser::new(&app);
    owen.sign_in("owen").await;
    let mut maya = Browser::new(&app);
    maya.sign_in("maya").await;
    // Browsers strip tabs and newlines from a URL: `/\t/evil.example/x` is `//evil.example/x`.
    let attempts = [
        (&alice, 0, "/\t/evil.example/x"),
        (&alice, 1, "https://evil.example"),
        (&owen, 2, "/%09/evil.example"),
        (&owen, 3, "/\\evil.example"),
        (&maya, 4, "/.//evil.example"),
    ];
    for (browser, nth, back) in attempts {
        let (status, html, location) = break_glass_back(&app, browser, nth, back).await;
        assert_eq!((status, location.as_str()), (303, "/?done=breakglass"), "back={back:?}: {html}");
    }
    let (status, html, location) = break_glass_back(&app, &maya, 5, "/cx/tickets?status=OPEN").await;
    assert_eq!((status, location.as_str()), (303, "/cx/tickets?status=OPEN&done=breakglass"), "{html}");
    // A refused request shows the way back as a link: the same rule holds there.
    let csrf = alice.csrf().await;
    let patient = crate::fixtures::chart(&app, 6).await.patient.to_string();
    let form =
        [("csrf", csrf.as_str()), ("patient", patient.as_str()), ("reason", "short"), ("back", "/\t/evil.example/x")];
    let (status, html, _) = alice.post("/break-glass", &form).await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("href=\"/\"") && !html.contains("evil.example"), "{html}");
});

both!(the_audit_logs_older_events_keep_the_search, |app| {
    let chart = crate::fixtures::chart(&app, 0).await;
    let read = "query($id: ID!) { patient(id: $id) { name } }";
    for _ in 0..60 {
        app.gql("alice", read, json!({ "id": chart.patient })).await;
    }
    let mut browser = Browser::new(&app);
    browser.sign_in("cora").await;
    let (status, html, _) = browser.get("/compliance/audit?actor=alice").await;
    assert_eq!(status, 200, "{html}");
    let next = html.split("href=\"/compliance/audit?").nth(1).expect("older events").split('"').next().unwrap();
    let next = next.replace("&amp;", "&");
    assert!(next.contains("actor=alice") && next.contains("after="), "{next}");
    let (status, html, _) = browser.get(&format!("/compliance/audit?{next}")).await;
    assert_eq!(status, 200, "{html}");
    let rows = html.matches("<td>Alice Moreno ").count();
    assert!(rows > 0 && !html.contains("<td>Cora Lindqvist "), "the second page is still alice's only: {html}");
});

/// The first id a table holds, as the console's URLs carry it.
async fn first_id(app: &TestApp, table: &str) -> String {
    let row = &app.sql(&format!("SELECT id FROM {table} ORDER BY id LIMIT 1")).await[0];
    row.try_get::<uuid::Uuid>("", "id").map(|id| id.to_string()).or_else(|_| row.try_get::<String>("", "id")).unwrap()
}

/// `path` as `sub` signs in: the page answers 200 with no error shown.
async fn loads(app: &TestApp, sub: &str, path: &str) -> String {
    let mut browser = Browser::new(app);
    browser.sign_in(sub).await;
    let (status, html, _) = browser.get(path).await;
    assert_eq!(status, 200, "{sub} {path}: {html}");
    assert!(!html.contains("class=\"error\""), "{sub} {path} shows an error: {html}");
    html
}

both!(every_console_page_loads_for_its_team, |app| {
    let ticket = first_id(&app, "ticket").await;
    let escalation = first_id(&app, "escalation").await;
    let review = first_id(&app, "care_review").await;
    let record = first_id(&app, "care_record").await;
    let patient = first_id(&app, "patient").await;
    let pages: Vec<(&str, String)> = vec![
        ("alice", "/cx/tickets".into()),
        ("alice", format!("/cx/tickets/{ticket}")),
        ("owen", "/ops/escalations".into()),
        ("owen", format!("/ops/escalations/{escalation}")),
        ("owen", "/ops/denials".into()),
        ("owen", "/ops/imports".into()),
        ("owen", "/approvals".into()),
        ("maya", "/medical/reviews".into()),
        ("maya", format!("/medical/reviews/{review}")),
        ("maya", "/medical/records".into()),
        ("maya", format!("/medical/records/{record}")),
        ("maya", "/medical/quality".into()),
        ("maya", "/approvals".into()),
        ("cora", "/compliance/audit".into()),
        ("cora", format!("/compliance/patients/{patient}")),
        ("cora", "/compliance/patient?q=an".to_owned()),
        ("cora", "/compliance/break-glass".into()),
        ("adam", "/admin/staff".into()),
        ("adam", "/approvals".into()),
    ];
    for (sub, path) in &pages {
        loads(&app, sub, path).await;
    }

    // The accounting's CSV, as compliance downloads it: the header and nothing broken.
    let mut browser = Browser::new(&app);
    browser.sign_in("cora").await;
    let (status, csv, headers) = browser.get(&format!("/compliance/patients/{patient}/disclosures.csv")).await;
    assert_eq!(status, 200, "{csv}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"), "{headers:?}");
    assert!(csv.starts_with("Accounting of disclosures of,"), "{csv}");
    assert!(
        csv.lines()
            .nth(tools::compliance::accounting::PREAMBLE_LINES)
            .is_some_and(|l| l.starts_with("date,recipient_name,recipient_sub")),
        "{csv}"
    );

    // "Fill my week": the sampling form opens reviews and lands on the reviewer's queue.
    let mut browser = Browser::new(&app);
    browser.sign_in("maya").await;
    let csrf = browser.csrf().await;
    let (status, html, headers) = browser.post("/medical/sample", &[("csrf", &csrf), ("size", "2")]).await;
    assert_eq!(status, 303, "{html}");
    assert!(headers[LOCATION].to_str().unwrap().starts_with("/medical/reviews"), "{headers:?}");
});

both!(a_teams_pages_refuse_the_other_teams, |app| {
    // Each team's page, asked by a team whose rules open none of what it lists.
    let pages = [
        ("alice", "/medical/reviews"),
        ("owen", "/medical/records"),
        ("maya", "/compliance/audit"),
        ("cora", "/admin/staff"),
    ];
    for (sub, path) in pages {
        let mut browser = Browser::new(&app);
        browser.sign_in(sub).await;
        let (status, html, _) = browser.get(path).await;
        assert_eq!(status, 403, "{sub} {path}: {html}");
    }
});

/// A value of GraphQL type `ty` to run a document with: an id nothing has (its record is
/// `NOT_FOUND`, which is execution, not validation), and the least of every other scalar.
fn stand_in(ty: &async_graphql::parser::types::Type) -> Option<serde_json::Value> {
    use async_graphql::parser::types::BaseType;
    if ty.nullable {
        return None;
    }
    Some(match &ty.base {
        BaseType::List(_) => json!([]),
        BaseType::Named(name) => match name.as_str() {
            "ID" => json!(uuid::Uuid::nil().to_string()),
            "String" => json!("x"),
            "Int" => json!(1),
            "Boolean" => json!(false),
            "TicketStatus" | "EscalationStatus" => json!("OPEN"),
            "BreakGlassReview" => json!("JUSTIFIED"),
            "NaiveDate" => json!("2026-01-01"),
            "AuthorizationInput" => json!({ "patientId": uuid::Uuid::nil().to_string(), "teams": ["medical"],
                "purposes": ["TREATMENT"], "validFrom": "2026-01-01", "validUntil": "2026-12-31", "document": "x" }),
            "PermissionInput" => json!({ "patientId": uuid::Uuid::nil().to_string(), "covers": [],
                "teams": ["medical"], "purposes": ["TREATMENT"], "validFrom": "2026-01-01", "validUntil": "2026-12-31", "document": "x" }),
            other => panic!("no stand-in for a required {other}: give the test one"),
        },
    })
}

both!(every_console_document_is_valid_for_its_team, |app| {
    use api::console::documents::ALL;
    let member = |team: policies::Role| match team {
        policies::Role::Cx => "alice",
        policies::Role::Ops => "owen",
        policies::Role::Medical => "maya",
        policies::Role::Compliance => "cora",
        policies::Role::Admin => "adam",
        policies::Role::Integration => panic!("{}: the console sends nothing as a service account", team),
    };
    assert!(ALL.len() >= 32, "{}", ALL.len());
    for document in ALL {
        let parsed = async_graphql::parser::parse_query(document.text)
            .unwrap_or_else(|e| panic!("{}: does not parse: {e}", document.file));
        let mut variables = serde_json::Map::new();
        for (_, operation) in parsed.operations.iter() {
            for definition in &operation.node.variable_definitions {
                if let Some(value) = stand_in(&definition.node.var_type.node) {
                    variables.insert(definition.node.name.node.to_string(), value);
                }
            }
        }
        let answer = app.gql(member(document.team), document.text, serde_json::Value::Object(variables)).await;
        for error in answer["errors"].as_array().into_iter().flatten() {
            assert!(!error["path"].is_null(), "{}: not valid against the schema: {error}", document.file);
            // With stand-in ids a document stops at its root (`NOT_FOUND`), so this holds the
            // root's guard to the team; fields within are the pages' own tests' business. A
            // labelled record's refusal (`extensions.label`) is the record's, not the team's.
            if error["extensions"]["label"].is_null() {
                assert_ne!(
                    error["extensions"]["code"], "FORBIDDEN",
                    "{}: its team may not ask it: {error}",
                    document.file
                );
            }
        }
    }
});

both!(signing_in_again_returns_to_the_page_and_never_to_another_site, |app| {
    let browser = Browser::new(&app);
    let (status, _, headers) = browser.get("/ops/escalations?status=OPEN").await;
    assert_eq!((status, location(&headers).as_str()), (303, "/signin?next=%2Fops%2Fescalations%3Fstatus%3DOPEN"));
    let (_, page, _) = browser.get("/signin?next=%2Fops%2Fescalations%3Fstatus%3DOPEN").await;
    assert!(
        page.contains(r#"name="next" value="/ops/escalations?status=OPEN""#),
        "each sign-in form carries the page: {page}"
    );
    let signed_in = |next: &'static str| {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let url = app.url("/signin");
        async move {
            let response = client.post(url).form(&[("sub", "owen"), ("next", next)]).send().await.unwrap();
            assert_eq!(response.status(), 303);
            location(response.headers())
        }
    };
    assert_eq!(signed_in("/ops/escalations?status=OPEN").await, "/ops/escalations?status=OPEN");
    // Another site, however spelled, or a page that is not one: home instead.
    for hostile in [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "/%2F%2Fevil.example",
        "/signout",
        "/signin?next=/x",
        "/session/alive",
        "ops",
    ] {
        assert_eq!(signed_in(hostile).await, "/", "{hostile}");
    }
    // Longer than the sign-in cookie could carry through the identity provider.
    let long: &'static str = Box::leak(format!("/cx/tickets?text={}", "a".repeat(2000)).into_boxed_str());
    assert_eq!(signed_in(long).await, "/", "a 2 KB address");
    // A form posted after the session ended returns to the form's page, not its action.
    let (status, _, headers) =
        browser.post("/cx/tickets/00000000-0000-0000-0000-000000000001/comment", &[("body", "x")]).await;
    assert_eq!(status, 303);
    assert!(location(&headers).starts_with("/signin?next=%2Fcx%2Ftickets%2F"), "{headers:?}");
});

both!(an_address_with_no_page_answers_wards_own_page_and_an_api_client_a_bare_404, |app| {
    let mut browser = Browser::new(&app);
    let (status, _, headers) = browser.get("/ops/no-such-page").await;
    assert_eq!(
        (status, headers.get("location").and_then(|l| l.to_str().ok())),
        (303, Some("/signin?next=%2Fops%2Fno-such-page")),
        "signed out: sign in first"
    );
    browser.sign_in("owen").await;
    let (status, html, headers) = browser.get("/ops/no-such-page").await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found") && html.contains("Back to your work"), "{html}");
    assert!(html.contains("Owen Becker"), "in the console's frame: {html}");
    assert!(headers.get("content-security-policy").is_some(), "with the console's headers");
    let api = app.client.get(app.url("/ingest/nothing")).send().await.unwrap();
    assert_eq!(api.status().as_u16(), 404);
    assert!(api.text().await.unwrap().is_empty(), "an API client gets no page");
});

both!(the_navigation_marks_the_page_the_member_is_on, |app| {
    let mut browser = Browser::new(&app);
    browser.sign_in("owen").await;
    let current = |html: &str| -> Vec<String> {
        html.split("<a ")
            .filter(|a| a.contains("aria-current=\"page\""))
            .filter_map(|a| a.split("href=\"").nth(1)?.split('"').next().map(str::to_owned))
            .collect()
    };
    let (_, html, _) = browser.get("/ops/denials").await;
    assert_eq!(current(&html), ["/ops/denials"], "exactly one item is current");
    let (_, html, _) = browser.get("/approvals").await;
    assert_eq!(current(&html), ["/approvals"]);
    // A record's page is under its queue's item.
    let first = app.gql("owen", "{ escalations(first: 1) { edges { node { id } } } }", json!({})).await;
    let id = first["data"]["escalations"]["edges"][0]["node"]["id"].as_str().expect("an escalation").to_owned();
    let (_, html, _) = browser.get(&format!("/ops/escalations/{id}")).await;
    assert_eq!(current(&html), ["/ops/escalations"]);
});
