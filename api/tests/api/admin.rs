//! Administration: role grants, permissions and deactivation take effect on the next request,
//! on every instance; the last admin stays; bad rules are refused and store nothing.

use crate::fixtures::chart;
use crate::helpers::*;
use crate::{both, each_backend};
use serde_json::{Value, json};
use std::time::Duration;

async fn policy_version(app: &TestApp) -> String {
    let body = app.gql("adam", "{ policy { version } }", json!({})).await;
    body["data"]["policy"]["version"].as_str().unwrap().to_owned()
}

async fn admin(app: &TestApp, mutation: &str) -> Value {
    app.gql("adam", mutation, json!({})).await
}

both!(a_permission_removed_and_restored_takes_effect_on_the_next_request, |app| {
    let chart = chart(&app, 0).await;
    let name = "query($id: ID!) { patient(id: $id) { name } }";
    let token = app.token("alice");
    let request = json!({ "query": name, "variables": { "id": chart.patient } });
    let ask = || app.post(Some(&token), &request);
    assert!(ask().await.1["data"]["patient"]["name"].is_string());

    let version = policy_version(&app).await;
    let removed = admin(
        &app,
        "mutation { removePolicyRule(role: \"cx\", resource: \"patient\", action: \"contact\") { version } }",
    )
    .await;
    assert_ne!(removed["data"]["removePolicyRule"]["version"], json!(version));
    let (_, body) = ask().await;
    assert!(body["data"]["patient"]["name"].is_null());
    assert_eq!(only_code(&body), "FORBIDDEN");

    // Restoring opens PHI again: a second admin applies it.
    admin(&app, "mutation { addPolicyRule(role: \"cx\", resource: \"patient\", action: \"contact\") { version } }")
        .await;
    assert!(ask().await.1["data"]["patient"]["name"].is_null(), "not before the second admin approves");
    let queue = app
        .gql("ada", "{ pendingApprovals(filter: { status: PENDING }) { edges { node { id version } } } }", json!({}))
        .await;
    let request = &queue["data"]["pendingApprovals"]["edges"][0]["node"];
    app.gql(
        "ada",
        "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v) { status } }",
        json!({ "id": request["id"], "v": request["version"] }),
    )
    .await;
    assert_eq!(policy_version(&app).await, version, "same rules, same version");
    assert!(ask().await.1["data"]["patient"]["name"].is_string());
});

both!(a_role_revoked_mid_session_stops_the_same_token_on_its_next_request, |app| {
    let chart = chart(&app, 0).await;
    let token = app.token("alice");
    let query = json!({ "query": "query($id: ID!) { me { roles } patient(id: $id) { id } }", "variables": { "id": chart.patient } });
    assert!(app.post(Some(&token), &query).await.1["errors"].is_null());
    let revoked = admin(&app, "mutation { revokeRole(sub: \"alice\", role: \"cx\") { roles } }").await;
    assert_eq!(revoked["data"]["revokeRole"]["roles"], json!([]));
    let (status, body) = app.post(Some(&token), &query).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["roles"], json!([]));
    assert_eq!(only_code(&body), "FORBIDDEN");
    let granted = crate::fixtures::grant_approved(&app, "alice", "compliance").await;
    assert_eq!(granted, json!(["compliance"]));
    let report = app
        .gql(
            "alice",
            "query($id: ID!) { accessReport(patientId: $id) { policyVersion } }",
            json!({ "id": chart.patient }),
        )
        .await;
    assert!(report["errors"].is_null(), "{report}");
});

both!(a_deactivated_member_is_refused_from_the_next_request_and_stale_versions_conflict, |app| {
    let token = app.token("alice");
    let stale = admin(&app, "mutation { deactivateStaff(sub: \"alice\", expectedVersion: 9) { active } }").await;
    assert_eq!(only_code(&stale), "CONFLICT");
    assert_eq!(app.post(Some(&token), &json!({ "query": "{ me { sub } }" })).await.0, 200);
    let done = admin(&app, "mutation { deactivateStaff(sub: \"alice\", expectedVersion: 1) { active version } }").await;
    assert_eq!(done["data"]["deactivateStaff"], json!({ "active": false, "version": 2 }));
    let (status, body) = app.post(Some(&token), &json!({ "query": "{ me { sub } }" })).await;
    assert_eq!(status, 401);
    assert_eq!(only_code(&body), "UNAUTHENTICATED");
});

both!(the_last_admin_cannot_be_removed, |app| {
    let ada = admin(&app, "mutation { deactivateStaff(sub: \"ada\", expectedVersion: 1) { active } }").await;
    assert_eq!(ada["data"]["deactivateStaff"]["active"], false, "{ada}");
    // The last admin cannot step down: their own admin role is another admin's to remove.
    let revoke = admin(&app, "mutation { revokeRole(sub: \"adam\", role: \"admin\") { roles } }").await;
    assert_eq!(only_code(&revoke), "FORBIDDEN");
    let deactivate = admin(&app, "mutation { deactivateStaff(sub: \"adam\", expectedVersion: 1) { active } }").await;
    assert_eq!(only_code(&deactivate), "CONFLICT");
    let lockout = admin(
        &app,
        "mutation { removePolicyRule(role: \"admin\", resource: \"policy\", action: \"edit\") { version } }",
    )
    .await;
    assert_eq!(only_code(&lockout), "CONFLICT");
    assert_eq!(app.gql("adam", "{ me { roles } }", json!({})).await["data"]["me"]["roles"], json!(["admin"]));

    // With a second admin, the first may be stepped down, by the other: nobody removes their
    // own admin role (one slip, and no one is left who meant to hold it). (Making a second
    // needs a second admin too: ada, deactivated above, is back for that.)
    let ada = app.sql("SELECT version FROM staff WHERE sub = 'ada'").await;
    let ada_version: i32 = ada[0].try_get("", "version").unwrap();
    app.sql(&format!("UPDATE staff SET active = true, version = {} WHERE sub = 'ada'", ada_version + 1)).await;
    // On PostgreSQL the staff cache forgets her on the trigger's notification, a moment later.
    for _ in 0..50 {
        if app.gql("ada", "{ me { sub } }", json!({})).await["errors"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    crate::fixtures::grant_approved(&app, "cora", "admin").await;
    let own = admin(&app, "mutation { revokeRole(sub: \"adam\", role: \"admin\") { roles } }").await;
    assert_eq!(only_code(&own), "FORBIDDEN", "{own}");
    let revoke = app.gql("cora", "mutation { revokeRole(sub: \"adam\", role: \"admin\") { roles } }", json!({})).await;
    assert_eq!(revoke["data"]["revokeRole"]["roles"], json!([]), "{revoke}");
});

both!(rules_naming_unknown_things_are_refused_and_store_nothing, |app| {
    let version = policy_version(&app).await;
    let rules_before = app.sql("SELECT id FROM policy_rule").await.len();
    for (role, resource, action) in [
        ("root", "patient", "read"),
        ("cx", "patients", "read"),
        ("cx", "patient", "clinical"),
        ("cx", "patient", "read'); DELETE FROM policy_rule; --"),
        ("cx\n, admin", "policy", "edit"),
        ("", "", ""),
    ] {
        let body = app
            .gql("adam", "mutation($r: String!, $s: String!, $a: String!) { addPolicyRule(role: $r, resource: $s, action: $a) { version } }", json!({ "r": role, "s": resource, "a": action }))
            .await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{role:?} {resource:?} {action:?}");
    }
    let body = admin(&app, "mutation { grantRole(sub: \"alice\", role: \"superuser\") { sub } }").await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("superuser"));
    let body = admin(&app, "mutation { grantRole(sub: \"dan\", role: \"cx\") { sub } }").await;
    assert_eq!(only_code(&body), "BAD_USER_INPUT", "deactivated");
    let body = admin(&app, "mutation { grantRole(sub: \"mallory\", role: \"cx\") { sub } }").await;
    assert_eq!(only_code(&body), "NOT_FOUND");
    let body = admin(
        &app,
        "mutation { removePolicyRule(role: \"cx\", resource: \"claim\", action: \"clinical\") { version } }",
    )
    .await;
    assert_eq!(only_code(&body), "NOT_FOUND");
    assert_eq!(policy_version(&app).await, version);
    assert_eq!(app.sql("SELECT id FROM policy_rule").await.len(), rules_before);
});

// Two instances on one database: an edit made through one is in force on the other.
// PostgreSQL: the second never re-reads on its own (refresh of an hour), so only NOTIFY can
// tell it. SQLite: the periodic re-read does.
each_backend!(a_policy_edit_reaches_every_instance, |backend| {
    let Some(first) = spawn_app(backend).await else { panic!("{backend:?} is unreachable") };
    let refresh = if backend == Backend::Postgres { Duration::from_secs(3600) } else { Duration::from_millis(200) };
    let mut config = test_config(&first.test_db.url);
    config.policy_refresh = refresh;
    let second = api::App::build(config).await.unwrap();
    let second_url = format!("http://{}/graphql", second.address());
    tokio::spawn(second.run_until(std::future::pending()));
    let chart = chart(&first, 0).await;
    let ask_second = || async {
        let body: Value = first
            .client
            .post(&second_url)
            .bearer_auth(first.token("alice"))
            .json(&json!({ "query": "query($id: ID!) { patient(id: $id) { name } }", "variables": { "id": chart.patient } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body
    };
    assert!(ask_second().await["data"]["patient"]["name"].is_string());
    admin(
        &first,
        "mutation { removePolicyRule(role: \"cx\", resource: \"patient\", action: \"contact\") { version } }",
    )
    .await;
    let mut refused = false;
    for _ in 0..50 {
        if ask_second().await["data"]["patient"]["name"].is_null() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "{backend:?}: the second instance still allows the removed permission");
});
