//! The chain anchored outside the database: signed checkpoints of its head, so that deleting
//! the newest events, or rewriting history and recomputing every hash, no longer verifies.

use crate::audit::drop_append_only_triggers;
use crate::each_backend;
use crate::fixtures::chart;
use crate::helpers::*;
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A checkpoint directory and key pair of one test, removed with it.
struct Anchor {
    dir: PathBuf,
    private: PathBuf,
    public: PathBuf,
}

impl Anchor {
    fn new() -> Anchor {
        let base = std::env::temp_dir().join(format!("ward_anchor_{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&base).unwrap();
        let (private, public) = (base.join("key.pem"), base.join("key.pub.pem"));
        tools::kit::audit::checkpoint::generate_key_pair(&private, &public).unwrap();
        Anchor { dir: base.join("checkpoints"), private, public }
    }

    fn lines(&self) -> Vec<(PathBuf, Vec<String>)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        entries
            .map(|e| e.unwrap().path())
            .map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap().lines().map(str::to_owned).collect()))
            .collect()
    }
}

impl Drop for Anchor {
    fn drop(&mut self) {
        if let Some(base) = self.private.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

async fn spawn_anchored(backend: Backend, anchor: &Anchor) -> Option<TestApp> {
    let (dir, key) = (anchor.dir.clone(), anchor.private.clone());
    spawn_app_with(backend, move |c| {
        c.checkpoints.every = Duration::from_millis(100).into();
        c.checkpoints.dir = Some(dir);
        c.checkpoints.signing_key = Some(key);
    })
    .await
}

async fn verify(app: &TestApp, anchor: &Anchor) -> std::process::Output {
    verify_dir(app, anchor, &anchor.dir).await
}

async fn verify_dir(app: &TestApp, anchor: &Anchor, dir: &Path) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["audit", "verify", "--database-url", &app.test_db.url, "--checkpoints"])
        .arg(dir)
        .arg("--public-key")
        .arg(&anchor.public)
        .env("WARD_LOG", "warn")
        .output()
        .await
        .unwrap()
}

/// Waits until a checkpoint covers the chain's current head.
async fn checkpointed(app: &TestApp, anchor: &Anchor) -> i64 {
    let head: i64 = app.sql("SELECT MAX(seq) AS head FROM audit_event").await[0].try_get("", "head").unwrap();
    for _ in 0..100 {
        let covered = anchor
            .lines()
            .iter()
            .flat_map(|(_, lines)| lines.clone())
            .any(|line| serde_json::from_str::<serde_json::Value>(&line).unwrap()["seq"].as_i64() == Some(head));
        if covered {
            return head;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no checkpoint of seq {head} was written");
}

async fn some_phi_reads(app: &TestApp, n: usize) {
    let chart = chart(app, 0).await;
    for _ in 0..n {
        let body = app.gql("owen", "query($p: ID!) { patient(id: $p) { name } }", json!({ "p": chart.patient })).await;
        assert!(body["errors"].is_null(), "{body}");
    }
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn run_anchored(backend: Backend, test: impl AsyncFn(TestApp, &Anchor)) {
    let anchor = Anchor::new();
    let app = spawn_anchored(backend, &anchor).await.unwrap_or_else(|| panic!("{backend:?} is unreachable"));
    test(app, &anchor).await;
}

each_backend!(signed_checkpoints_of_an_intact_chain_verify_and_the_head_is_on_metrics, |backend| {
    run_anchored(backend, async |app: TestApp, anchor: &Anchor| {
        some_phi_reads(&app, 3).await;
        let head = checkpointed(&app, anchor).await;
        let output = verify(&app, anchor).await;
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains("signed checkpoints"));
        let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        let gauge: i64 =
            metrics.lines().find_map(|l| l.strip_prefix("ward_audit_head_seq ")).expect("the gauge").parse().unwrap();
        assert!(gauge >= head, "{metrics}");
    })
    .await;
});

each_backend!(deleting_the_newest_events_fails_verification_naming_the_checkpoint, |backend| {
    run_anchored(backend, async |app: TestApp, anchor: &Anchor| {
        some_phi_reads(&app, 4).await;
        let head = checkpointed(&app, anchor).await;
        drop_append_only_triggers(&app).await;
        app.db.execute_unprepared(&format!("DELETE FROM audit_event WHERE seq > {}", head - 2)).await.unwrap();
        // Without the anchor the shortened chain looks whole: that was the hole.
        let plain = crate::audit::verify(&app).await;
        assert!(plain.status.success());
        let output = verify(&app, anchor).await;
        assert!(!output.status.success());
        let message = stderr(&output);
        assert!(message.contains("checkpoints-") && message.contains(".jsonl:"), "names the checkpoint: {message}");
        assert!(message.contains(&format!("seq {head}")) || message.contains("no longer holds"), "{message}");
    })
    .await;
});

each_backend!(rewriting_history_and_recomputing_every_hash_fails_verification, |backend| {
    run_anchored(backend, async |app: TestApp, anchor: &Anchor| {
        some_phi_reads(&app, 3).await;
        checkpointed(&app, anchor).await;
        drop_append_only_triggers(&app).await;
        // Change one event's actor and re-link every event after it, as an insider with the
        // database password and ward's source code could.
        app.db.execute_unprepared("UPDATE audit_event SET actor = 'nobody' WHERE seq = 1").await.unwrap();
        relink(&app).await;
        let plain = crate::audit::verify(&app).await;
        assert!(plain.status.success(), "the recomputed chain is self-consistent: {}", stderr(&plain));
        let output = verify(&app, anchor).await;
        assert!(!output.status.success());
        assert!(stderr(&output).contains("no longer holds"), "{}", stderr(&output));
    })
    .await;
});

/// Recomputes every link of the chain, as a forger would.
async fn relink(app: &TestApp) {
    use sea_orm::{EntityTrait, QueryOrder};
    let events = entities::audit_event::Entity::find()
        .order_by_asc(entities::audit_event::Column::Seq)
        .all(&app.db)
        .await
        .unwrap();
    let mut prev = tools::kit::audit::GENESIS.to_owned();
    for mut event in events {
        event.prev_hash = prev.clone();
        event.hash = tools::kit::audit::chain::link_hash(&prev, &event);
        app.db
            .execute_unprepared(&format!(
                "UPDATE audit_event SET prev_hash = '{}', hash = '{}' WHERE seq = {}",
                event.prev_hash, event.hash, event.seq
            ))
            .await
            .unwrap();
        prev = event.hash;
    }
}

each_backend!(a_forged_or_removed_checkpoint_fails_verification, |backend| {
    run_anchored(backend, async |app: TestApp, anchor: &Anchor| {
        some_phi_reads(&app, 2).await;
        checkpointed(&app, anchor).await;
        tokio::time::sleep(Duration::from_millis(350)).await;
        // Tamper with a snapshot: the server keeps appending to its own file meanwhile.
        let (live, lines) = anchor.lines().into_iter().next().unwrap();
        let lines: Vec<String> = lines.into_iter().take(3).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        let copy = anchor.private.parent().unwrap().join("copy");
        std::fs::create_dir_all(&copy).unwrap();
        let file = copy.join(live.file_name().unwrap());
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        assert!(verify_dir(&app, anchor, &copy).await.status.success());

        // A checkpoint in the middle removed: the next one names a checkpoint that is gone.
        let mut removed = lines.clone();
        removed.remove(1);
        std::fs::write(&file, removed.join("\n") + "\n").unwrap();
        let output = verify_dir(&app, anchor, &copy).await;
        assert!(!output.status.success());
        assert!(stderr(&output).contains("missing"), "{}", stderr(&output));

        // A checkpoint edited (its head moved back): the signature no longer verifies.
        let mut forged: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        forged["seq"] = json!(1);
        let mut edited = lines.clone();
        edited[0] = forged.to_string();
        std::fs::write(&file, edited.join("\n") + "\n").unwrap();
        let output = verify_dir(&app, anchor, &copy).await;
        assert!(!output.status.success());
        assert!(stderr(&output).contains(":1 fails") && stderr(&output).contains("signature"), "{}", stderr(&output));

        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        assert!(verify_dir(&app, anchor, &copy).await.status.success());
    })
    .await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_directory_without_a_signing_key_does_not_start() {
    let test_db = test_db(Backend::Sqlite).await.unwrap();
    let mut config = test_config(&test_db.url);
    config.checkpoints.dir = Some(Path::new(&std::env::temp_dir()).join("ward_unsigned"));
    let error = api::App::build(config).await.err().expect("refused");
    assert!(error.to_string().contains("WARD_AUDIT_SIGNING_KEY"), "{error}");
}

each_backend!(shutdown_writes_a_last_checkpoint_of_the_final_head, |backend| {
    let Some(test_db) = test_db(backend).await else { panic!("{backend:?} is unreachable") };
    let anchor = Anchor::new();
    let mut config = test_config(&test_db.url);
    config.checkpoints.every = Duration::from_secs(3600).into();
    config.checkpoints.dir = Some(anchor.dir.clone());
    config.checkpoints.signing_key = Some(anchor.private.clone());
    let app = api::App::build(config).await.unwrap();
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        stopped.await.ok();
    }));
    let keys = api::auth::TokenKeys::hs256(SECRET).unwrap();
    let body = reqwest::Client::new()
        .post(format!("http://{address}/graphql"))
        .bearer_auth(keys.issue("cora", Duration::from_secs(60)).unwrap())
        .json(&json!({ "query": "{ auditEvents(first: 1) { edges { node { seq } } } }" }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("auditEvents"), "{body}");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();

    let conn = sea_orm::Database::connect(&test_db.url).await.unwrap();
    let head: i64 = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT MAX(seq) AS head FROM audit_event",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "head")
        .unwrap();
    let lines: Vec<String> = anchor.lines().into_iter().flat_map(|(_, lines)| lines).collect();
    let last: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last["seq"].as_i64(), Some(head), "{backend:?}: the last checkpoint is of the final head");
    assert!(lines.len() >= 2, "one at start, one at shutdown");
});
