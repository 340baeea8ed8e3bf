//! The audit trail: every PHI disclosure and denial on record before the answer leaves,
//! chained so that an edit, a deletion or a reordering is detected.

use crate::both;
use crate::fixtures::chart;
use crate::helpers::*;
use entities::audit_event;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::json;

async fn events(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find().order_by_asc(audit_event::Column::Seq).all(&app.db).await.unwrap()
}

pub(crate) async fn verify(app: &TestApp) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["audit", "verify", "--database-url", &app.test_db.url])
        .env("WARD_LOG", "warn")
        .output()
        .await
        .unwrap()
}

/// Lets a test tamper as someone with DDL rights could: the append-only triggers go first.
pub(crate) async fn drop_append_only_triggers(app: &TestApp) {
    let statements: &[&str] = if app.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        &["DROP TRIGGER trg_audit_event_no_update_delete ON audit_event"]
    } else {
        &["DROP TRIGGER trg_audit_event_no_update", "DROP TRIGGER trg_audit_event_no_delete"]
    };
    for statement in statements {
        app.db.execute_unprepared(statement).await.unwrap();
    }
}

const PHI_READ: &str = "query($id: ID!) { patient(id: $id) { name dateOfBirth memberId } }";

both!(concurrent_phi_reads_leave_exactly_one_disclosure_each_in_a_gap_free_chain, |app| {
    let chart = chart(&app, 0).await;
    let token = app.token("owen");
    let requests = (0..200).map(|_| {
        let client = app.client.clone();
        let url = app.url("/graphql");
        let token = token.clone();
        let body = json!({ "query": PHI_READ, "variables": { "id": chart.patient } });
        tokio::spawn(async move {
            let response = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            response.json::<serde_json::Value>().await.unwrap()
        })
    });
    for response in futures_join(requests).await {
        assert!(response["data"]["patient"]["memberId"].is_string(), "{response}");
    }
    let all = events(&app).await;
    let disclosures: Vec<_> = all.iter().filter(|e| e.actor == "owen" && e.patient_id == Some(chart.patient)).collect();
    assert_eq!(disclosures.len(), 200);
    assert!(
        disclosures
            .iter()
            .all(|e| e.phi_classes == "contact,identity" && e.outcome == "allowed" && e.resource_type == "patient")
    );
    let mut request_ids: Vec<_> = disclosures.iter().map(|e| e.request_id.clone()).collect();
    request_ids.sort();
    request_ids.dedup();
    assert_eq!(request_ids.len(), 200, "one event per request");
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>(), "gap-free");
    let output = verify(&app).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("intact: {} events", all.len())));
});

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

both!(only_what_the_response_carries_is_disclosed_and_each_refusal_is_recorded, |app| {
    let chart = chart(&app, 0).await;
    let response = app.gql("alice", PHI_READ, json!({ "id": chart.patient })).await;
    assert!(response["data"]["patient"]["name"].is_string() && response["data"]["patient"]["memberId"].is_null());
    let all = events(&app).await;
    let mine: Vec<_> = all.iter().filter(|e| e.actor == "alice").collect();
    assert_eq!(mine.len(), 2, "{mine:#?}");
    let disclosure = mine.iter().find(|e| e.outcome == "allowed").unwrap();
    assert_eq!(disclosure.phi_classes, "contact", "identity was refused, so not disclosed");
    let denial = mine.iter().find(|e| e.outcome == "denied").unwrap();
    assert_eq!((denial.action.as_str(), denial.phi_classes.as_str()), ("identity", "identity"));
    assert_eq!(denial.patient_id, Some(chart.patient));
    assert_eq!(disclosure.actor_roles, "cx");
    let version = app.gql("adam", "{ policy { version } }", json!({})).await["data"]["policy"]["version"].clone();
    assert_eq!(json!(disclosure.policy_version), version);
});

both!(a_request_denied_everywhere_still_leaves_its_denials, |app| {
    let chart = chart(&app, 0).await;
    let body = app
        .gql(
            "adam",
            "query($id: ID!) { patient(id: $id) { name } claim(id: $id) { status } }",
            json!({ "id": chart.patient }),
        )
        .await;
    assert!(body["data"].is_null() || (body["data"]["patient"].is_null() && body["data"]["claim"].is_null()));
    let denials: Vec<_> =
        events(&app).await.into_iter().filter(|e| e.actor == "adam" && e.outcome == "denied").collect();
    let mut what: Vec<_> = denials.iter().map(|e| format!("{}.{}", e.resource_type, e.action)).collect();
    what.sort();
    assert_eq!(what, ["claim.read", "patient.read"]);
});

both!(break_glass_use_and_the_purpose_are_on_record, |app| {
    let chart = chart(&app, 0).await;
    let grant = app
        .gql("alice", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Crisis line: confirming the caller's identity\") { id } }", json!({ "p": chart.patient }))
        .await;
    let grant_id = grant["data"]["requestBreakGlass"]["id"].as_str().unwrap().to_owned();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token("alice"))
        .header("x-ward-purpose", format!("break_glass:{grant_id}"))
        .json(&json!({ "query": "query($r: ID!) { careRecord(id: $r) { body } }", "variables": { "r": chart.care_record } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let all = events(&app).await;
    let request = all.iter().find(|e| e.action == "request" && e.resource_type == "break_glass").unwrap();
    assert_eq!(request.resource_id.as_deref(), Some(grant_id.as_str()));
    assert_eq!(request.reason.as_deref(), Some("Crisis line: confirming the caller's identity"));
    let read = all.iter().find(|e| e.resource_type == "care_record" && e.actor == "alice").unwrap();
    assert_eq!(read.outcome, "break_glass");
    assert_eq!(read.phi_classes, "clinical");
    assert_eq!(read.purpose.as_deref(), Some(format!("break_glass:{grant_id}").as_str()));
});

both!(a_mutation_and_its_event_are_written_together_or_not_at_all, |app| {
    app.gql("adam", "mutation { grantRole(sub: \"cora\", role: \"admin\") { sub } }", json!({})).await;
    let all = events(&app).await;
    let grant = all.iter().find(|e| e.action == "request_grant_role").unwrap();
    assert_eq!(
        (grant.actor.as_str(), grant.resource_id.as_deref(), grant.reason.as_deref()),
        ("adam", Some("cora"), Some("grant admin to cora"))
    );
    let waiting = app.sql("SELECT id FROM pending_approval WHERE kind = 'grant_role'").await;
    assert_eq!(waiting.len(), 1, "the request and its event, together");
    let failed = app.gql("adam", "mutation { revokeRole(sub: \"milo\", role: \"cx\") { sub } }", json!({})).await;
    assert_eq!(only_code(&failed), "NOT_FOUND");
    assert!(events(&app).await.iter().all(|e| e.action != "revoke_role"), "a refused change leaves no event");
});

both!(when_the_audit_write_fails_no_phi_leaves_and_no_change_is_kept, |app| {
    let chart = chart(&app, 0).await;
    let refuse = if app.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$;
         CREATE TRIGGER trg_audit_down BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_down();"
    } else {
        "CREATE TRIGGER trg_audit_down BEFORE INSERT ON audit_event BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    };
    app.db.execute_unprepared(refuse).await.unwrap();
    let (status, body) =
        app.post(Some(&app.token("owen")), &json!({ "query": PHI_READ, "variables": { "id": chart.patient } })).await;
    assert_eq!(status, 503);
    assert_eq!(only_code(&body), "UNAVAILABLE");
    assert!(body.get("data").is_none() || body["data"].is_null(), "no PHI: {body}");
    let (status, _) = app.post(Some(&app.token("owen")), &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(status, 200, "a request that discloses nothing needs no record");
    let opened = app
        .gql("owen", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Crisis line: confirming the caller's identity\") { id } }", json!({ "p": chart.patient }))
        .await;
    assert!(opened["data"].is_null() || opened["data"]["requestBreakGlass"].is_null(), "{opened}");
    assert!(app.sql("SELECT id FROM break_glass_grant").await.is_empty(), "the grant rolled back with its event");
});

both!(the_database_refuses_to_change_or_delete_an_event, |app| {
    app.gql("owen", "{ me { sub } }", json!({})).await;
    let chart = chart(&app, 0).await;
    app.gql("owen", PHI_READ, json!({ "id": chart.patient })).await;
    assert!(app.db.execute_unprepared("UPDATE audit_event SET actor = 'nobody'").await.is_err());
    assert!(app.db.execute_unprepared("DELETE FROM audit_event").await.is_err());
    if app.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        assert!(app.db.execute_unprepared("TRUNCATE audit_event").await.is_err());
    }
    assert!(!events(&app).await.is_empty());
});

both!(verify_names_the_first_changed_deleted_or_reordered_event, |app| {
    let chart = chart(&app, 0).await;
    for _ in 0..6 {
        app.gql("owen", PHI_READ, json!({ "id": chart.patient })).await;
    }
    assert!(verify(&app).await.status.success());
    drop_append_only_triggers(&app).await;
    let broken_at = |output: std::process::Output| {
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };

    // Changed: the actor of event 3.
    app.db.execute_unprepared("UPDATE audit_event SET actor = 'nobody' WHERE seq = 3").await.unwrap();
    let message = broken_at(verify(&app).await);
    assert!(message.contains("broken at seq 3") && message.contains("changed"), "{message}");
    app.db.execute_unprepared("UPDATE audit_event SET actor = 'owen' WHERE seq = 3").await.unwrap();
    assert!(verify(&app).await.status.success(), "restored");

    // Reordered: events 4 and 5 swap places (their contents move, sequence numbers stay).
    let all = events(&app).await;
    let (four, five) = (&all[3], &all[4]);
    let swap = |seq: i64, e: &audit_event::Model| {
        format!(
            "UPDATE audit_event SET request_id = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {seq}",
            e.request_id, e.prev_hash, e.hash
        )
    };
    app.db.execute_unprepared("UPDATE audit_event SET hash = 'x4' WHERE seq = 4").await.unwrap();
    app.db.execute_unprepared(&swap(5, four)).await.unwrap();
    app.db.execute_unprepared(&swap(4, five)).await.unwrap();
    let message = broken_at(verify(&app).await);
    assert!(message.contains("broken at seq 4"), "{message}");
    app.db.execute_unprepared("UPDATE audit_event SET hash = 'x5' WHERE seq = 5").await.unwrap();
    app.db.execute_unprepared(&swap(4, four)).await.unwrap();
    app.db.execute_unprepared(&swap(5, five)).await.unwrap();
    assert!(verify(&app).await.status.success(), "restored");

    // Deleted: event 2.
    app.db.execute_unprepared("DELETE FROM audit_event WHERE seq = 2").await.unwrap();
    let message = broken_at(verify(&app).await);
    assert!(message.contains("broken at seq 2") && message.contains("missing"), "{message}");
});

both!(compliance_reads_the_log_and_the_accounting_of_disclosures, |app| {
    let chart = chart(&app, 0).await;
    app.gql("owen", PHI_READ, json!({ "id": chart.patient })).await;
    app.gql("maya", "query($r: ID!) { careRecord(id: $r) { body } }", json!({ "r": chart.care_record })).await;
    app.gql("alice", PHI_READ, json!({ "id": chart.patient })).await;

    let accounting = app
        .gql("cora", "query($p: ID!) { disclosures(patientId: $p) { edges { node { actor phiClasses resourceType outcome occurredAt } } } }", json!({ "p": chart.patient }))
        .await;
    let rows: Vec<(String, Vec<String>)> = accounting["data"]["disclosures"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["actor"].as_str().unwrap().to_owned(),
                serde_json::from_value(e["node"]["phiClasses"].clone()).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("alice".to_owned(), vec!["contact".to_owned()]),
            ("maya".to_owned(), vec!["clinical".to_owned()]),
            ("owen".to_owned(), vec!["contact".to_owned(), "identity".to_owned()]),
        ],
        "newest first, refusals excluded: {accounting}"
    );

    let denied = app
        .gql(
            "cora",
            "{ auditEvents(filter: { outcome: DENIED, actor: \"alice\" }) { edges { node { action patientId } } } }",
            json!({}),
        )
        .await;
    assert_eq!(denied["data"]["auditEvents"]["edges"].as_array().unwrap().len(), 1, "{denied}");
    let later = app
        .gql(
            "cora",
            "{ auditEvents(filter: { from: \"2999-01-01T00:00:00Z\" }) { edges { node { seq } } } }",
            json!({}),
        )
        .await;
    assert_eq!(later["data"]["auditEvents"]["edges"], json!([]));
    let paged = app
        .gql(
            "cora",
            "{ auditEvents(first: 2) { edges { node { seq } } pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = paged["data"]["auditEvents"]["pageInfo"]["endCursor"].clone();
    let next = app
        .gql(
            "cora",
            "query($a: String) { auditEvents(first: 2, after: $a) { edges { node { seq } } } }",
            json!({ "a": cursor }),
        )
        .await;
    let first_seq: i64 = paged["data"]["auditEvents"]["edges"][1]["node"]["seq"].as_str().unwrap().parse().unwrap();
    let next_seq: i64 = next["data"]["auditEvents"]["edges"][0]["node"]["seq"].as_str().unwrap().parse().unwrap();
    assert_eq!(next_seq, first_seq - 1);

    let forbidden = app
        .gql(
            "owen",
            "query($p: ID!) { disclosures(patientId: $p) { edges { node { actor } } } }",
            json!({ "p": chart.patient }),
        )
        .await;
    assert_eq!(only_code(&forbidden), "FORBIDDEN");
    assert!(
        events(&app)
            .await
            .iter()
            .any(|e| e.actor == "cora" && e.action == "audit.disclosures" && e.patient_id == Some(chart.patient)),
        "reading the trail is on it"
    );
});

both!(export_writes_the_accounting_of_disclosures_as_csv, |app| {
    let chart = chart(&app, 0).await;
    app.gql("owen", PHI_READ, json!({ "id": chart.patient })).await;
    app.gql("maya", PHI_READ, json!({ "id": chart.patient })).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["audit", "export", "--database-url", &app.test_db.url, "--patient", &chart.patient.to_string()])
        .env("WARD_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let csv = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().skip(tools::compliance::accounting::PREAMBLE_LINES).collect();
    assert!(lines[0].starts_with("date,recipient_name,recipient_sub,recipient_roles,phi_classes"), "{csv}");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains(",Owen Becker,owen,ops,\"contact,identity\",patient,"), "{csv}");
    assert!(lines[2].contains(",maya,medical,"));
});

/// Two instances on one PostgreSQL database write one chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    postgres_unreachable,
    ignore = "PostgreSQL at TEST_POSTGRES_URL was unreachable when the tests were built (api/build.rs)"
)]
async fn two_instances_write_one_chain() {
    let first = spawn_app(Backend::Postgres).await.expect("PostgreSQL at TEST_POSTGRES_URL");
    let second = api::App::build(test_config(&first.test_db.url)).await.unwrap();
    let second_url = format!("http://{}/graphql", second.address());
    tokio::spawn(second.run_until(std::future::pending()));
    let chart = chart(&first, 0).await;
    let token = first.token("owen");
    let body = json!({ "query": PHI_READ, "variables": { "id": chart.patient } });
    let mut handles = Vec::new();
    for i in 0..100 {
        let url = if i % 2 == 0 { first.url("/graphql") } else { second_url.clone() };
        let (client, token, body) = (first.client.clone(), token.clone(), body.clone());
        handles.push(tokio::spawn(async move {
            client.post(url).bearer_auth(token).json(&body).send().await.unwrap().status()
        }));
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap().as_u16(), 200);
    }
    assert_eq!(events(&first).await.len(), 100);
    assert!(verify(&first).await.status.success());
}

both!(a_refusal_keeps_the_patient_it_was_about, |app| {
    let chart = chart(&app, 0).await;
    let body = app.gql("cora", "query($p: ID!) { patient(id: $p) { id } }", json!({ "p": chart.patient })).await;
    assert_eq!(only_code(&body), "FORBIDDEN");
    let body =
        app.gql("alice", "query($r: ID!) { careRecord(id: $r) { id } }", json!({ "r": chart.care_record })).await;
    assert_eq!(only_code(&body), "FORBIDDEN");
    let all = events(&app).await;
    for actor in ["cora", "alice"] {
        let denial = all.iter().find(|e| e.actor == actor && e.outcome == "denied").unwrap();
        assert_eq!(denial.patient_id, Some(chart.patient), "{denial:?}");
    }
});

both!(a_withheld_macro_placeholder_is_a_recorded_refusal, |app| {
    let chart = chart(&app, 0).await;
    let ticket = crate::tickets::create_ticket(&app, chart.patient, "NORMAL").await;
    let created = app
        .gql(
            "alice",
            "mutation { createMacro(name: \"Greeting by first name\", body: \"Hello {{patient.firstName}}\") { id } }",
            json!({}),
        )
        .await;
    let removed = app
        .gql(
            "adam",
            "mutation { removePolicyRule(role: \"cx\", resource: \"patient\", action: \"read\") { version } }",
            json!({}),
        )
        .await;
    assert!(removed["errors"].is_null(), "{removed}");
    let body = app
        .gql(
            "alice",
            "query($t: ID!, $m: ID!) { renderMacro(ticketId: $t, macroId: $m) { text refusedPlaceholders } }",
            json!({ "t": ticket["id"], "m": created["data"]["createMacro"]["id"] }),
        )
        .await;
    assert_eq!(body["data"]["renderMacro"]["refusedPlaceholders"], json!(["patient.firstName"]), "{body}");
    let denial = events(&app).await.into_iter().find(|e| e.actor == "alice" && e.outcome == "denied");
    let denial = denial.expect("the withheld placeholder is on record");
    assert_eq!((denial.resource_type.as_str(), denial.patient_id), ("patient", Some(chart.patient)));
});

both!(each_request_has_its_own_server_request_id_and_the_clients_is_kept_apart, |app| {
    let chart = chart(&app, 0).await;
    let mut answered = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(app.token("owen"))
            .header("x-request-id", "same-id-from-a-proxy")
            .json(&json!({ "query": PHI_READ, "variables": { "id": chart.patient } }))
            .send()
            .await
            .unwrap();
        answered.push(response.headers()["x-request-id"].to_str().unwrap().to_owned());
    }
    assert_ne!(answered[0], answered[1]);
    assert!(answered.iter().all(|id| id != "same-id-from-a-proxy"));
    let rows = app.sql("SELECT request_id, client_request_id FROM audit_event WHERE actor = 'owen' ORDER BY seq").await;
    let ids: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| (r.try_get("", "request_id").unwrap(), r.try_get("", "client_request_id").unwrap()))
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(), answered);
    assert!(ids.iter().all(|(_, client)| client.as_deref() == Some("same-id-from-a-proxy")));
    assert!(verify(&app).await.status.success());
});

both!(a_time_rewritten_in_another_form_does_not_hide_an_event_from_a_range, |app| {
    let chart = chart(&app, 0).await;
    app.gql("owen", PHI_READ, json!({ "id": chart.patient })).await;
    let event = events(&app).await.into_iter().find(|e| e.actor == "owen").unwrap();
    drop_append_only_triggers(&app).await;
    // The same instant, written as another offset: what an operator's hand edit might leave.
    let shifted = (event.occurred_at + chrono::Duration::hours(2)).format("%Y-%m-%d %H:%M:%S%.6f+02:00");
    app.db
        .execute_unprepared(&format!("UPDATE audit_event SET occurred_at = '{shifted}' WHERE seq = {}", event.seq))
        .await
        .unwrap();
    let from = (event.occurred_at - chrono::Duration::seconds(1)).to_rfc3339();
    let to = (event.occurred_at + chrono::Duration::seconds(1)).to_rfc3339();
    let body = app
        .gql("cora", "query($f: DateTime!, $t: DateTime!) { auditEvents(filter: { actor: \"owen\", from: $f, to: $t }) { edges { node { seq } } } }", json!({ "f": from, "t": to }))
        .await;
    let found = body["data"]["auditEvents"]["edges"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{body}");
});
