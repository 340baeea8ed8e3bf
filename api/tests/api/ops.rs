//! The ops tool through the real server: the denial list, escalations through the appeal
//! levels with the claim following, four-eyes write-offs, the queue and its summary, and
//! every bad input with its code and nothing half-written.

use crate::both;
use crate::helpers::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const ESCALATE: &str = "mutation($d: ID!, $r: String!) { escalateDenial(denialId: $d, reason: $r) { id status version appealDeadline amountAtStake } }";
const MOVE: &str =
    "mutation($id: ID!, $v: Int!, $to: EscalationStatus!, $note: String!, $appeal: AppealInput, $cents: Int) {
    transitionEscalation(id: $id, expectedVersion: $v, to: $to, note: $note, appeal: $appeal, recoveredCents: $cents) {
        id status appealLevel version recoveredCents appealDeadline
        pendingWriteOff { id version kind requestedBy }
        claim { status paidCents billedCents }
    } }";
const QUEUE: &str = "{ pendingApprovals(filter: { status: PENDING }) { edges { node { id kind status version requestedBy resourceId } } } }";
const APPROVE: &str = "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v, note: \"Checked the remit\") { status decidedBy } }";

/// Denials nobody escalated yet, with their claim's billed amount, in id order.
async fn unescalated(app: &TestApp, at_least_cents: i64) -> Vec<(String, i64)> {
    let sql = format!(
        "SELECT d.id AS id, c.billed_cents AS billed FROM denial d JOIN claim c ON c.id = d.claim_id \
         WHERE d.denied_cents >= {at_least_cents} AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.denial_id = d.id) \
         ORDER BY d.id"
    );
    app.sql(&sql)
        .await
        .iter()
        .map(|r| {
            let id: uuid::Uuid = r.try_get("", "id").unwrap();
            (id.to_string(), r.try_get::<i64>("", "billed").unwrap())
        })
        .collect()
}

async fn escalate(app: &TestApp, who: &str, denial: &str) -> Value {
    let body = app.gql(who, ESCALATE, json!({ "d": denial, "r": "Authorization was on file; appeal it" })).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["escalateDenial"].clone()
}

async fn step(app: &TestApp, who: &str, e: &Value, to: &str, extra: Value) -> Value {
    let mut vars = json!({ "id": e["id"], "v": e["version"], "to": to, "note": format!("Moving to {to}") });
    for (k, v) in extra.as_object().unwrap() {
        vars[k] = v.clone();
    }
    app.gql(who, MOVE, vars).await
}

fn moved(body: &Value) -> Value {
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["transitionEscalation"].clone()
}

fn appeal(sent: &str) -> Value {
    json!({ "appeal": { "sent": sent, "sentOn": chrono::Utc::now().date_naive().to_string() } })
}

async fn history_kinds(app: &TestApp, id: &Value) -> Vec<String> {
    let body = app
        .gql(
            "owen",
            "query($id: ID!) { escalation(id: $id) { history { edges { node { kind actor { sub } changes } } } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["escalation"]["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} by {}", e["node"]["kind"].as_str().unwrap(), e["node"]["actor"]["sub"].as_str().unwrap()))
        .collect()
}

both!(an_escalation_climbs_the_appeal_levels_and_the_claim_follows, |app| {
    let (denial, billed) = unescalated(&app, 0).await.remove(0);
    let e = escalate(&app, "owen", &denial).await;
    assert_eq!(e["status"], "OPEN");
    let e = moved(&step(&app, "owen", &e, "IN_REVIEW", json!({})).await);
    let e = moved(&step(&app, "owen", &e, "APPEALED", appeal("Letter and session notes")).await);
    assert_eq!((e["appealLevel"].as_str(), e["claim"]["status"].as_str()), (Some("LEVEL_1"), Some("APPEALED")));
    let e = moved(&step(&app, "olga", &e, "APPEALED", appeal("Second-level letter with the plan")).await);
    assert_eq!(e["appealLevel"], "LEVEL_2", "an appeal goes one level up");
    let moves = app
        .gql(
            "owen",
            "query($id: ID!) { escalation(id: $id) { allowedMoves { to appealLevel } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    assert_eq!(
        moves["data"]["escalation"]["allowedMoves"],
        json!([{ "to": "APPEALED", "appealLevel": "EXTERNAL" }, { "to": "WON", "appealLevel": null }, { "to": "LOST", "appealLevel": null }, { "to": "WRITTEN_OFF", "appealLevel": null }]),
        "the API says what the table allows, so no client writes the table again"
    );

    // A move the table does not allow names the allowed ones; nothing changes.
    let refused = step(&app, "owen", &e, "IN_REVIEW", json!({})).await;
    assert_eq!(only_code(&refused), "BAD_USER_INPUT");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("allowed: appealed (external review), won, lost, written_off"), "{message}");

    // A recovered amount above the billed amount, or negative: refused, nothing written.
    for cents in [billed + 1, -1] {
        let body = step(&app, "owen", &e, "WON", json!({ "cents": cents })).await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{cents}: {body}");
    }
    let won = moved(&step(&app, "owen", &e, "WON", json!({ "cents": billed })).await);
    assert_eq!((won["status"].as_str(), won["recoveredCents"].as_i64()), (Some("WON"), Some(billed)));
    assert_eq!(won["claim"]["status"], "PAID");
    let stale = step(&app, "owen", &e, "LOST", json!({})).await;
    assert_eq!(only_code(&stale), "CONFLICT", "a stale version: {stale}");
    let finished = step(&app, "owen", &won, "WRITTEN_OFF", json!({})).await;
    assert!(
        finished["errors"][0]["message"].as_str().unwrap().ends_with("allowed: none: it is finished"),
        "{finished}"
    );

    assert_eq!(
        history_kinds(&app, &e["id"]).await,
        [
            "escalated by owen",
            "transitioned by owen",
            "transitioned by owen",
            "transitioned by olga",
            "transitioned by owen"
        ]
    );
    let appeals = app
        .gql(
            "owen",
            "query($id: ID!) { escalation(id: $id) { appeals { level sent sentOn filedBy { sub } } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    let levels: Vec<&str> = appeals["data"]["escalation"]["appeals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["LEVEL_1", "LEVEL_2"], "{appeals}");
    let events: Vec<String> = app
        .sql("SELECT action FROM audit_event WHERE resource_type = 'escalation' AND outcome = 'allowed' ORDER BY seq")
        .await
        .iter()
        .map(|r| r.try_get::<String>("", "action").unwrap())
        .collect();
    assert_eq!(events, ["create", "transition", "transition", "transition", "transition"]);
});

both!(bad_escalation_input_gets_its_code_and_changes_nothing, |app| {
    let (denial, _) = unescalated(&app, 0).await.remove(0);
    let unknown = app.gql("owen", ESCALATE, json!({ "d": uuid::Uuid::now_v7(), "r": "Appeal it" })).await;
    assert_eq!(only_code(&unknown), "NOT_FOUND");
    let blank = app.gql("owen", ESCALATE, json!({ "d": denial, "r": "   " })).await;
    assert_eq!(only_code(&blank), "BAD_USER_INPUT");
    let e = escalate(&app, "owen", &denial).await;
    let again = app.gql("olga", ESCALATE, json!({ "d": denial, "r": "Appeal it too" })).await;
    assert_eq!(only_code(&again), "CONFLICT", "{again}");
    assert!(again["errors"][0]["message"].as_str().unwrap().contains("already escalated (open)"));

    let skip = step(&app, "owen", &e, "WON", json!({ "cents": 100 })).await;
    assert_eq!(only_code(&skip), "BAD_USER_INPUT");
    assert!(skip["errors"][0]["message"].as_str().unwrap().contains("allowed: in_review, written_off"), "{skip}");
    let e = moved(&step(&app, "owen", &e, "IN_REVIEW", json!({})).await);
    let no_letter = step(&app, "owen", &e, "APPEALED", json!({})).await;
    assert_eq!(only_code(&no_letter), "BAD_USER_INPUT");
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    let future =
        step(&app, "owen", &e, "APPEALED", json!({ "appeal": { "sent": "Letter", "sentOn": tomorrow } })).await;
    assert_eq!(only_code(&future), "BAD_USER_INPUT");
    let not_a_date =
        step(&app, "owen", &e, "APPEALED", json!({ "appeal": { "sent": "Letter", "sentOn": "next week" } })).await;
    assert_eq!(only_code(&not_a_date), "BAD_USER_INPUT", "{not_a_date}");
    let queue_filter = app
        .gql("owen", "{ escalations(filter: { deadlineBefore: \"soon\" }) { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(only_code(&queue_filter), "BAD_USER_INPUT", "{queue_filter}");
    let assign_cx = app
        .gql("owen", "mutation($id: ID!, $v: Int!) { assignEscalation(id: $id, expectedVersion: $v, assignee: \"alice\") { version } }", json!({ "id": e["id"], "v": e["version"] }))
        .await;
    assert_eq!(only_code(&assign_cx), "BAD_USER_INPUT", "escalations go to ops: {assign_cx}");
    assert_eq!(
        history_kinds(&app, &e["id"]).await,
        ["escalated by owen", "transitioned by owen"],
        "nothing half-written"
    );
    let id: uuid::Uuid = e["id"].as_str().unwrap().parse().unwrap();
    let appeals = entities::appeal::Entity::find()
        .filter(entities::appeal::Column::EscalationId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(appeals, 0);
});

both!(two_staff_escalating_one_denial_at_once_exactly_one_wins, |app| {
    let (denial, _) = unescalated(&app, 0).await.remove(0);
    let mut answers = Vec::new();
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            app.gql("owen", ESCALATE, json!({ "d": denial, "r": "First to it" })),
            app.gql("olga", ESCALATE, json!({ "d": denial, "r": "Second to it" }))
        );
        answers.extend([a, b]);
    }
    let won = answers.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(won, 1, "{answers:#?}");
    assert!(answers.iter().filter(|b| !b["errors"].is_null()).all(|b| only_code(b) == "CONFLICT"), "{answers:?}");
    let denial: uuid::Uuid = denial.parse().unwrap();
    let rows = entities::escalation::Entity::find()
        .filter(entities::escalation::Column::DenialId.eq(denial))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
});

both!(a_large_write_off_waits_for_a_second_ops_member, |app| {
    let (denial, _) = unescalated(&app, 50_000).await.remove(0);
    let e = escalate(&app, "owen", &denial).await;
    let asked = moved(&step(&app, "owen", &e, "WRITTEN_OFF", json!({})).await);
    assert_eq!(asked["status"], "OPEN", "not yet written off: {asked}");
    assert_eq!(asked["pendingWriteOff"]["requestedBy"], "owen");
    let queue: Vec<Value> = app.gql("olga", QUEUE, json!({})).await["data"]["pendingApprovals"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["resourceId"] == e["id"])
        .collect();
    assert_eq!(queue.len(), 1, "olga's approvals queue shows it");
    let request = &queue[0];
    assert_eq!(request["kind"], "write_off");
    let own = app.gql("owen", APPROVE, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(only_code(&own), "FORBIDDEN", "nobody approves their own: {own}");
    let cx = app.gql("alice", APPROVE, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(only_code(&cx), "FORBIDDEN", "a second member of ops, not of another team");
    let done = app.gql("olga", APPROVE, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(done["data"]["approve"], json!({ "status": "APPROVED", "decidedBy": "olga" }), "{done}");
    let now = app
        .gql(
            "owen",
            "query($id: ID!) { escalation(id: $id) { status closedAt pendingWriteOff { id } claim { status } } }",
            json!({ "id": e["id"] }),
        )
        .await;
    let now = &now["data"]["escalation"];
    assert_eq!(
        (now["status"].as_str(), now["claim"]["status"].as_str()),
        (Some("WRITTEN_OFF"), Some("WRITTEN_OFF")),
        "{now}"
    );
    assert!(now["pendingWriteOff"].is_null() && now["closedAt"].is_string());
    assert_eq!(
        history_kinds(&app, &e["id"]).await,
        ["escalated by owen", "write_off_requested by owen", "written_off_approved by olga"]
    );
});

both!(a_move_withdraws_the_write_off_waiting_on_the_escalation, |app| {
    let (denial, _) = unescalated(&app, 50_000).await.remove(0);
    let e = escalate(&app, "owen", &denial).await;
    let asked = moved(&step(&app, "owen", &e, "WRITTEN_OFF", json!({})).await);
    let request = asked["pendingWriteOff"].clone();
    // owen changes course: the escalation goes to review, and the write-off it waited on
    // could never be approved now, so the move withdraws it from the queue.
    let reviewed = moved(&step(&app, "owen", &e, "IN_REVIEW", json!({})).await);
    assert!(reviewed["pendingWriteOff"].is_null(), "{reviewed}");
    let queue = app.gql("olga", QUEUE, json!({})).await;
    assert!(!queue.to_string().contains(request["id"].as_str().unwrap()), "gone from the queue: {queue}");
    let withdrawn = app
        .gql(
            "olga",
            "{ pendingApprovals(filter: { status: WITHDRAWN }) { edges { node { id decidedBy decisionNote } } } }",
            json!({}),
        )
        .await;
    let node = withdrawn["data"]["pendingApprovals"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["id"] == request["id"])
        .unwrap_or_else(|| panic!("{withdrawn}"));
    assert_eq!(node["decidedBy"], "owen");
    assert!(node["decisionNote"].as_str().unwrap().contains("moved to in_review"), "{node}");
    let late = app.gql("olga", APPROVE, json!({ "id": request["id"], "v": request["version"] })).await;
    assert_eq!(only_code(&late), "CONFLICT", "{late}");
    let status = app.gql("owen", "query($id: ID!) { escalation(id: $id) { status } }", json!({ "id": e["id"] })).await;
    assert_eq!(status["data"]["escalation"]["status"], "IN_REVIEW", "nothing written off");
});

both!(a_small_write_off_takes_one_person, |app| {
    let small = unescalated(&app, 0).await.into_iter().find(|(_, billed)| *billed < 50_000).unwrap();
    let e = escalate(&app, "owen", &small.0).await;
    let done = moved(&step(&app, "owen", &e, "WRITTEN_OFF", json!({})).await);
    assert_eq!((done["status"].as_str(), done["claim"]["status"].as_str()), (Some("WRITTEN_OFF"), Some("WRITTEN_OFF")));
    assert!(done["pendingWriteOff"].is_null());
});

both!(the_denial_list_explains_codes_and_puts_the_soonest_deadline_first, |app| {
    let body = app
        .gql("owen", "{ denials(first: 50, filter: { open: true }) { edges { node { id carcGroup carcCode carcDescription rarcCode rarcDescription deniedCents payer appealDeadline daysLeft } } pageInfo { hasNextPage endCursor } } }", json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let nodes: Vec<&Value> = body["data"]["denials"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
    assert!(nodes.len() > 5);
    let deadlines: Vec<&str> = nodes.iter().map(|n| n["appealDeadline"].as_str().unwrap()).collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "{deadlines:?}");
    assert!(nodes.iter().all(|n| n["carcDescription"].is_string()));
    assert!(nodes.iter().filter(|n| n["rarcCode"].is_string()).all(|n| n["rarcDescription"].is_string()));
    let today = chrono::Utc::now().date_naive();
    for n in &nodes {
        let deadline: chrono::NaiveDate = n["appealDeadline"].as_str().unwrap().parse().unwrap();
        assert_eq!(n["daysLeft"].as_i64().unwrap(), (deadline - today).num_days());
    }
    // The next page carries on from the cursor.
    let after = body["data"]["denials"]["pageInfo"]["endCursor"].clone();
    let next = app
        .gql("owen", "query($a: String) { denials(first: 5, after: $a, filter: { open: true }) { edges { node { appealDeadline } } } }", json!({ "a": after }))
        .await;
    let first_next = next["data"]["denials"]["edges"][0]["node"]["appealDeadline"].as_str().unwrap_or("9999");
    assert!(first_next >= *deadlines.last().unwrap(), "{next}");
    // The deadline filter, and the payer filter.
    let cut = deadlines[deadlines.len() / 2];
    let before = app
        .gql("owen", "query($d: NaiveDate!) { denials(first: 100, filter: { deadlineBefore: $d }) { edges { node { appealDeadline } } } }", json!({ "d": cut }))
        .await;
    assert!(
        before["data"]["denials"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["appealDeadline"].as_str().unwrap() < cut)
    );
    let aetna = app
        .gql("owen", "{ denials(first: 100, filter: { payer: \"Aetna\" }) { edges { node { payer } } } }", json!({}))
        .await;
    assert!(
        aetna["data"]["denials"]["edges"].as_array().unwrap().iter().all(|e| e["node"]["payer"] == "Aetna"),
        "{aetna}"
    );
});

both!(the_queue_filters_sorts_and_its_summary_adds_up_in_sql, |app| {
    let body = app
        .gql("owen", "{ escalations(first: 100, filter: { status: [OPEN, IN_REVIEW, APPEALED], minAmount: 30000 }) { edges { node { status amountAtStake appealDeadline daysLeft payer } } } }", json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let nodes: Vec<&Value> =
        body["data"]["escalations"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
    assert!(!nodes.is_empty());
    assert!(nodes.iter().all(|n| n["amountAtStake"].as_i64().unwrap() >= 30_000));
    let deadlines: Vec<&str> = nodes.iter().map(|n| n["appealDeadline"].as_str().unwrap()).collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]));

    let summary = app
        .gql("owen", "{ escalationSummary(from: \"2024-01-01\") { byStatus { key count deniedCents recoveredCents } byPayer { key count } byCarcGroup { key count } appealedCents recoveredCents recoveryRate } }", json!({}))
        .await;
    assert!(summary["errors"].is_null(), "{summary}");
    let s = &summary["data"]["escalationSummary"];
    let total: i64 = s["byStatus"].as_array().unwrap().iter().map(|g| g["count"].as_i64().unwrap()).sum();
    let rows = app.sql("SELECT COUNT(*) AS n FROM escalation").await;
    assert_eq!(total, rows[0].try_get::<i64>("", "n").unwrap());
    let by_payer: i64 = s["byPayer"].as_array().unwrap().iter().map(|g| g["count"].as_i64().unwrap()).sum();
    assert_eq!(by_payer, total);
    let won = app.sql("SELECT CAST(COALESCE(SUM(recovered_cents), 0) AS BIGINT) AS r FROM escalation").await;
    assert_eq!(s["recoveredCents"].as_i64().unwrap(), won[0].try_get::<i64>("", "r").unwrap());
    let rate = s["recoveryRate"].as_f64().unwrap();
    let expected = s["recoveredCents"].as_f64().unwrap() / s["appealedCents"].as_f64().unwrap();
    assert!((rate - expected).abs() < 1e-9 && rate > 0.0 && rate <= 1.0, "{s}");

    let backwards = app
        .gql("owen", "{ escalationSummary(from: \"2026-02-01\", to: \"2026-01-01\") { recoveryRate } }", json!({}))
        .await;
    assert_eq!(only_code(&backwards), "BAD_USER_INPUT");
    let medical = app.gql("maya", "{ escalationSummary { recoveryRate } }", json!({})).await;
    assert_eq!(only_code(&medical), "FORBIDDEN");
});

both!(an_amount_filter_is_a_recorded_billing_disclosure, |app| {
    let body = app
        .gql("alice", "{ escalations(first: 3, filter: { minAmount: 1 }) { edges { node { id } } } }", json!({}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let returned = body["data"]["escalations"]["edges"].as_array().unwrap().len();
    let recorded = app
        .sql("SELECT COUNT(*) AS n FROM audit_event WHERE actor = 'alice' AND phi_classes = 'billing' AND reason LIKE '%amount >= 1%'")
        .await;
    assert_eq!(recorded[0].try_get::<i64>("", "n").unwrap(), returned as i64);
});

both!(a_win_recovers_at_most_what_the_payer_left_unpaid, |app| {
    // A claim the payer paid in part and denied the rest of.
    let (denial, billed) = unescalated(&app, 2).await.remove(0);
    let denial_id: uuid::Uuid = denial.parse().unwrap();
    let row = entities::denial::Entity::find_by_id(denial_id).one(&app.db).await.unwrap().unwrap();
    let paid = billed / 2;
    let denied = billed - paid;
    use sea_orm::sea_query::Expr;
    entities::claim::Entity::update_many()
        .col_expr(entities::claim::Column::PaidCents, Expr::value(paid))
        .filter(entities::claim::Column::Id.eq(row.claim_id))
        .exec(&app.db)
        .await
        .unwrap();
    entities::denial::Entity::update_many()
        .col_expr(entities::denial::Column::DeniedCents, Expr::value(denied))
        .filter(entities::denial::Column::Id.eq(denial_id))
        .exec(&app.db)
        .await
        .unwrap();

    let e = escalate(&app, "owen", &denial).await;
    let e = moved(&step(&app, "owen", &e, "IN_REVIEW", json!({})).await);
    let e = moved(&step(&app, "owen", &e, "APPEALED", appeal("Letter and session notes")).await);
    // The whole bill would make the claim paid half again: refused, nothing written.
    for cents in [billed, denied + 1] {
        let body = step(&app, "owen", &e, "WON", json!({ "cents": cents })).await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{cents}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&format!("the payer left unpaid ({denied})")), "{message}");
    }
    let won = moved(&step(&app, "owen", &e, "WON", json!({ "cents": denied })).await);
    assert_eq!(won["claim"], json!({ "status": "PAID", "paidCents": billed, "billedCents": billed }), "{won}");
});

both!(an_escalation_has_one_write_off_waiting_at_a_time, |app| {
    let (denial, _) = unescalated(&app, 50_000).await.remove(0);
    let e = escalate(&app, "owen", &denial).await;
    let first = moved(&step(&app, "owen", &e, "WRITTEN_OFF", json!({})).await);
    // Another member, another note: the same write-off, so it waits behind the first.
    let mut vars = json!({ "id": e["id"], "v": e["version"], "to": "WRITTEN_OFF", "note": "Not worth an appeal" });
    let second = app.gql("olga", MOVE, vars.clone()).await;
    assert_eq!(only_code(&second), "CONFLICT", "{second}");
    let message = second["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(first["pendingWriteOff"]["id"].as_str().unwrap()), "names the waiting one: {message}");

    // Two at once on another escalation: one waits, the other is told.
    let (denial, _) = unescalated(&app, 50_000).await.remove(0);
    let e = escalate(&app, "owen", &denial).await;
    vars["id"] = e["id"].clone();
    vars["v"] = e["version"].clone();
    let (a, b) = tokio::join!(app.gql("owen", MOVE, vars.clone()), app.gql("olga", MOVE, vars.clone()));
    let refused: Vec<String> = [&a, &b].iter().filter(|x| !x["errors"].is_null()).map(|x| only_code(x)).collect();
    assert_eq!(refused, ["CONFLICT"], "{a} {b}");
    let waiting_in_db = entities::pending_approval::Entity::find()
        .filter(
            entities::pending_approval::Column::ResourceId.eq(e["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap()),
        )
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(waiting_in_db, 1, "one write-off waits: {a} {b}");
});

const CLAIMS: &str = "query($after: String, $order: ClaimOrder) { claims(first: 50, after: $after, orderBy: $order) {
    edges { node { id appealDeadline daysLeft } } pageInfo { hasNextPage endCursor } } }";

/// Every claim, page after page, in the list's order: (id, appeal deadline).
async fn every_claim(app: &TestApp, who: &str, order: &str) -> Vec<(String, Option<chrono::NaiveDate>)> {
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = app.gql(who, CLAIMS, json!({ "after": after, "order": order })).await;
        assert!(page["errors"].is_null(), "{page}");
        let claims = &page["data"]["claims"];
        for edge in claims["edges"].as_array().unwrap() {
            let node = &edge["node"];
            let deadline = node["appealDeadline"].as_str().map(|d| d.parse::<chrono::NaiveDate>().unwrap());
            let days_left = deadline.map(|d| (d - chrono::Utc::now().date_naive()).num_days());
            assert_eq!(node["daysLeft"].as_i64(), days_left, "{node}");
            seen.push((node["id"].as_str().unwrap().to_owned(), deadline));
        }
        if claims["pageInfo"]["hasNextPage"] != true {
            return seen;
        }
        after = claims["pageInfo"]["endCursor"].clone();
    }
}

async fn claim_deadline(app: &TestApp, claim: &str) -> Option<String> {
    let body = app.gql("owen", "query($c: ID!) { claim(id: $c) { appealDeadline } }", json!({ "c": claim })).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["claim"]["appealDeadline"].as_str().map(str::to_owned)
}

both!(claims_come_soonest_appeal_deadline_first_and_the_deadline_follows_the_escalation, |app| {
    let listed = every_claim(&app, "owen", "DEADLINE").await;
    let total = app.sql("SELECT COUNT(*) AS n FROM claim").await[0].try_get::<i64>("", "n").unwrap();
    assert_eq!(listed.len() as i64, total, "each claim once, across pages");
    let with = listed.iter().take_while(|(_, d)| d.is_some()).count();
    assert!(with > 0 && with < listed.len(), "the demo data has claims with and without a deadline");
    assert!(listed[with..].iter().all(|(_, d)| d.is_none()), "claims with a deadline come first");
    let deadlines: Vec<_> = listed[..with].iter().map(|(_, d)| d.unwrap()).collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "soonest first");
    let rest: Vec<&String> = listed[with..].iter().map(|(id, _)| id).collect();
    assert!(rest.windows(2).all(|w| w[0] > w[1]), "then newest first");
    let newest: Vec<String> = every_claim(&app, "owen", "NEWEST").await.into_iter().map(|(id, _)| id).collect();
    assert!(newest.windows(2).all(|w| w[0] > w[1]) && newest.len() == listed.len());

    // A denial's claim carries its deadline; an appeal moves it; an outcome clears it.
    let (denial, billed) = unescalated(&app, 0).await.remove(0);
    let denial_id: uuid::Uuid = denial.parse().unwrap();
    let row = entities::denial::Entity::find_by_id(denial_id).one(&app.db).await.unwrap().unwrap();
    let claim = row.claim_id.to_string();
    assert_eq!(claim_deadline(&app, &claim).await, Some(row.appeal_deadline.to_string()));
    let e = escalate(&app, "owen", &denial).await;
    let e = moved(&step(&app, "owen", &e, "IN_REVIEW", json!({})).await);
    let e = moved(&step(&app, "owen", &e, "APPEALED", appeal("Letter and session notes")).await);
    assert_ne!(e["appealDeadline"].as_str(), Some(row.appeal_deadline.to_string().as_str()));
    assert_eq!(claim_deadline(&app, &claim).await.as_deref(), e["appealDeadline"].as_str(), "the appeal's deadline");
    moved(&step(&app, "owen", &e, "WON", json!({ "cents": billed })).await);
    assert_eq!(claim_deadline(&app, &claim).await, None, "nothing left to appeal");
    let after = every_claim(&app, "owen", "DEADLINE").await;
    let with_after = after.iter().take_while(|(_, d)| d.is_some()).count();
    assert_eq!(with_after, with - 1);
    assert!(after.iter().position(|(id, _)| *id == claim).unwrap() >= with_after, "it left the deadline section");

    // The order reads denials: a role without `denial · read` cannot sort by them.
    let removed = app
        .gql(
            "adam",
            "mutation { removePolicyRule(role: \"cx\", resource: \"denial\", action: \"read\") { version } }",
            json!({}),
        )
        .await;
    assert!(removed["errors"].is_null(), "{removed}");
    let refused = app.gql("alice", CLAIMS, json!({ "after": null, "order": "DEADLINE" })).await;
    assert_eq!(only_code(&refused), "FORBIDDEN", "{refused}");
    let newest = app
        .gql("alice", "{ claims(first: 2, orderBy: NEWEST) { edges { node { id appealDeadline } } } }", json!({}))
        .await;
    assert!(newest["data"]["claims"]["edges"][0]["node"]["id"].is_string(), "{newest}");
    assert!(
        codes(&newest).iter().all(|c| c == "FORBIDDEN") && !codes(&newest).is_empty(),
        "the deadline field is refused: {newest}"
    );
});

both!(the_seeds_claim_deadlines_are_what_the_service_computes, |app| {
    // The seed writes each claim's deadline as it generates the escalation; the service
    // computes it in SQL after every move. The two must agree on every claim.
    let claims = entities::claim::Entity::find().all(&app.db).await.unwrap();
    let (mut dated, mut undated_with_denial) = (0, 0);
    for claim in &claims {
        let computed = tools::ops::claim_service::claim_deadline(&app.db, claim.id).await.unwrap();
        assert_eq!(claim.appeal_deadline, computed, "claim {}", claim.id);
        match claim.appeal_deadline {
            Some(_) => dated += 1,
            None if claim.status != entities::claim::ClaimStatus::Paid
                && claim.status != entities::claim::ClaimStatus::Submitted
                && claim.status != entities::claim::ClaimStatus::PartiallyPaid =>
            {
                undated_with_denial += 1
            }
            None => {}
        }
    }
    assert!(dated > 0 && undated_with_denial > 0, "both kinds in the demo data: {dated} {undated_with_denial}");
});
