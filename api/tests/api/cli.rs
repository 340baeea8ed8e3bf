//! The `ward` binary: its commands, and one clear line for every start-up mistake.

use crate::each_backend;
use crate::helpers::*;
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

async fn run(args: &[&str]) -> Output {
    ward().args(args).output().await.unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The failure is one `error:` line, no panic, a non-zero exit.
fn assert_one_clear_line(output: &Output, expected: &str) {
    let text = stderr(output);
    assert!(!output.status.success(), "should fail: {text}");
    assert!(!text.contains("panicked"), "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected: {text}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(expected), "{text}");
}

#[tokio::test]
async fn an_unknown_flag_is_refused_with_usage_and_exit_2() {
    let output = run(&["serve", "--frobnicate"]).await;
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.starts_with("error: unexpected argument '--frobnicate'"), "{text}");
}

#[tokio::test]
async fn a_malformed_database_url_is_one_clear_line() {
    let output = run(&["serve", "--database-url", "mysql://root@localhost/ward", "--jwt-secret", SECRET]).await;
    assert_one_clear_line(&output, "is not one ward understands: use sqlite://");
    let output = run(&["migrate", "--database-url", "ward.db"]).await;
    assert_one_clear_line(&output, "is not one ward understands");
}

#[tokio::test]
async fn an_unreachable_database_is_one_clear_line() {
    let output =
        run(&["serve", "--database-url", "postgres://postgres@127.0.0.1:1/ward", "--jwt-secret", SECRET]).await;
    assert_one_clear_line(&output, "cannot reach the database at postgres://postgres@127.0.0.1:1/ward");
}

#[tokio::test]
async fn serving_without_a_secret_outside_demo_mode_is_refused() {
    let db = empty_db(Backend::Sqlite).await.unwrap();
    let output = run(&["serve", "--database-url", &db.url]).await;
    assert_one_clear_line(&output, "no token key: set WARD_JWT_SECRET");
}

#[tokio::test]
async fn a_short_secret_is_refused() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let output = run(&["serve", "--database-url", &db.url, "--jwt-secret", "hunter2"]).await;
    assert_one_clear_line(&output, "at least 32 bytes");
}

#[cfg(not(feature = "otlp"))]
#[tokio::test]
async fn an_otlp_endpoint_without_the_feature_is_one_clear_line() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let output = ward()
        .args(["serve", "--database-url", &db.url, "--jwt-secret", SECRET])
        .env("WARD_OTLP_ENDPOINT", "http://127.0.0.1:4318")
        .output()
        .await
        .unwrap();
    assert_one_clear_line(&output, "built without OpenTelemetry: build it with `--features otlp`");
}

#[tokio::test]
async fn an_incomplete_identity_provider_setting_is_one_clear_line() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let base = ["serve", "--database-url", &db.url, "--jwt-secret", SECRET];
    let output =
        run(&[&base[..], &["--oidc-client-id", "ward", "--oidc-issuer", "https://id.example.com/"]].concat()).await;
    assert_one_clear_line(&output, "WARD_OIDC_CLIENT_ID needs WARD_OIDC_REDIRECT_URL");
    let output = run(&[
        &base[..],
        &["--oidc-client-id", "ward", "--oidc-redirect-url", "https://ward.example.com/signin/callback"],
    ]
    .concat())
    .await;
    assert_one_clear_line(&output, "set WARD_OIDC_ISSUER (or WARD_JWT_ISSUER)");
    let output = run(&[&base[..], &["--oidc-redirect-url", "https://ward.example.com/signin/callback"]].concat()).await;
    assert_one_clear_line(&output, "WARD_OIDC_CLIENT_ID is not");
    let args =
        ["--oidc-client-id", "ward", "--oidc-issuer", "not a url", "--oidc-redirect-url", "https://w/signin/callback"];
    let output = run(&[&base[..], &args].concat()).await;
    assert_one_clear_line(&output, "WARD_OIDC_ISSUER is not a URL");
}

#[tokio::test]
async fn serving_an_unmigrated_database_asks_for_ward_migrate() {
    let db = empty_db(Backend::Sqlite).await.unwrap();
    let output = run(&["serve", "--database-url", &db.url, "--jwt-secret", SECRET]).await;
    assert_one_clear_line(&output, "run `ward migrate`");
}

#[tokio::test]
async fn a_port_in_use_is_one_clear_line() {
    let db = test_db(Backend::Sqlite).await.unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let output = run(&["serve", "--database-url", &db.url, "--jwt-secret", SECRET, "--bind", &bind]).await;
    assert_one_clear_line(&output, &format!("cannot listen on {bind}"));
    assert!(stderr(&output).contains("--bind or WARD_BIND"));
}

each_backend!(migrate_then_seed_twice_seeds_once_on_both_databases, |backend| {
    let Some(db) = empty_db(backend).await else { panic!("{backend:?} is unreachable") };
    let migrate = run(&["migrate", "--database-url", &db.url]).await;
    assert!(migrate.status.success(), "{}", stderr(&migrate));

    let first = run(&["seed", "--database-url", &db.url, "--patients", "50"]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("(50 patients)"));
    let counts = |db: &TestDb| {
        let url = db.url.clone();
        async move {
            use sea_orm::{EntityTrait, PaginatorTrait};
            let conn = sea_orm::Database::connect(&url).await.unwrap();
            let counts = (
                entities::patient::Entity::find().count(&conn).await.unwrap(),
                entities::staff::Entity::find().count(&conn).await.unwrap(),
                entities::claim::Entity::find().count(&conn).await.unwrap(),
            );
            conn.close().await.ok();
            counts
        }
    };
    let before = counts(&db).await;
    assert_eq!(before.0, 50);

    let second = run(&["seed", "--database-url", &db.url, "--patients", "50"]).await;
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(String::from_utf8_lossy(&second.stdout).contains("nothing seeded, nothing changed"));
    assert_eq!(counts(&db).await, before, "{backend:?}: a second seed changed nothing");
});

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let mut names = Vec::new();
    for _ in 0..2 {
        let db = empty_db(Backend::Sqlite).await.unwrap();
        assert!(run(&["migrate", "--database-url", &db.url]).await.status.success());
        assert!(run(&["seed", "--database-url", &db.url, "--patients", "30", "--seed", "7"]).await.status.success());
        let conn = sea_orm::Database::connect(&db.url).await.unwrap();
        use sea_orm::{EntityTrait, QueryOrder};
        let patients =
            entities::patient::Entity::find().order_by_asc(entities::patient::Column::Id).all(&conn).await.unwrap();
        names.push(patients.into_iter().map(|p| (p.id, p.first_name, p.last_name, p.member_id)).collect::<Vec<_>>());
        conn.close().await.ok();
    }
    assert_eq!(names[0], names[1]);
}

#[tokio::test]
async fn token_prints_a_token_alone_for_staff_and_refuses_strangers() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let output = ward()
        .args(["token", "--database-url", &app.test_db.url, "--sub", "owen", "--ttl", "5m"])
        .env("WARD_JWT_SECRET", SECRET)
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    let (status, body) = app.post(Some(stdout.trim()), &serde_json::json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["sub"], "owen");

    let output = ward()
        .args(["token", "--database-url", &app.test_db.url, "--sub", "mallory"])
        .env("WARD_JWT_SECRET", SECRET)
        .output()
        .await
        .unwrap();
    assert_one_clear_line(&output, "\"mallory\" is not a staff member");
    assert!(output.stdout.is_empty());
}

/// Starts `ward serve --demo` and returns the child and the token it printed for `sub`.
async fn serve_demo(url: &str, port: u16, sub: &str) -> (tokio::process::Child, String) {
    let mut child = ward()
        .args(["serve", "--demo", "--database-url", url, "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let token = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.first() == Some(&sub) {
                return words.last().unwrap().to_string();
            }
        }
        panic!("ward serve --demo ended without printing a token for {sub}");
    })
    .await
    .expect("demo banner within 60 s");
    // Keep reading, as a terminal would: the rest of the banner and anything after it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::spawn(async move { while let Ok(Some(_)) = stderr.next_line().await {} });
    (child, token)
}

fn sigterm(child: &tokio::process::Child) {
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
}

#[tokio::test]
async fn serve_demo_on_a_fresh_machine_seeds_prints_working_tokens_and_they_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("ward-demo-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/ward.db?mode=rwc", dir.display());
    let port = free_port();
    let (mut child, token) = serve_demo(&url, port, "maya").await;

    let query = serde_json::json!({ "query": "{ me { sub roles } patients(first: 1) { edges { cursor } } }" });
    let ask = |token: String| {
        // A new client each time: no pooled connection to a server that has since stopped.
        let client = reqwest::Client::new();
        let query = query.clone();
        async move {
            let response = client
                .post(format!("http://127.0.0.1:{port}/graphql"))
                .bearer_auth(token)
                .json(&query)
                .send()
                .await
                .unwrap();
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let body = ask(token.clone()).await;
    assert_eq!(body["data"]["me"]["roles"], serde_json::json!(["medical"]), "{body}");

    sigterm(&child);
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "SIGTERM ends ward cleanly: {status}");
    assert!(dir.join("ward.db.jwt-secret").exists(), "the demo secret is kept beside the database");

    // A restart keeps the secret and does not seed again.
    let (mut child, _) = serve_demo(&url, port, "maya").await;
    let body = ask(token).await;
    assert_eq!(body["data"]["me"]["sub"], "maya", "the old token still works: {body}");
    let conn = sea_orm::Database::connect(&url).await.unwrap();
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(entities::patient::Entity::find().count(&conn).await.unwrap(), 200);
    conn.close().await.ok();
    child.kill().await.ok();
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn policy_check_prints_the_decision_and_the_deciding_rule() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let check = |sub: &'static str, resource: &'static str, action: &'static str| {
        let url = app.test_db.url.clone();
        async move { run(&["policy", "check", "--database-url", &url, "--sub", sub, resource, action]).await }
    };
    let allow = check("owen", "claim", "clinical").await;
    assert!(allow.status.success(), "{}", stderr(&allow));
    let text = String::from_utf8_lossy(&allow.stdout).into_owned();
    assert!(text.starts_with("allow: p, ops, claim, clinical (owen holds ops)"), "{text}");
    assert!(text.contains("policy version "));

    let deny = String::from_utf8_lossy(&check("alice", "care_record", "clinical").await.stdout).into_owned();
    assert!(deny.starts_with("deny: no rule lets cx do care_record · clinical"), "{deny}");
    let dan = String::from_utf8_lossy(&check("dan", "patient", "read").await.stdout).into_owned();
    assert!(dan.starts_with("deny: dan is deactivated"), "{dan}");
    let stranger = String::from_utf8_lossy(&check("mallory", "patient", "read").await.stdout).into_owned();
    assert!(stranger.starts_with("deny: \"mallory\" is not a staff member"), "{stranger}");
    assert_one_clear_line(
        &check("owen", "claims", "read").await,
        "unknown resource: \"claims\"; resources are: patient",
    );
    assert_one_clear_line(&check("owen", "claim", "edit").await, "actions on claim are: read, billing, clinical");
}
