//! The CX ticket desk through the real server.

use crate::both;
use crate::fixtures::chart;
use crate::helpers::*;
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateTicketInput!) { createTicket(input: $input) {
    id status priority version slaDueAt slaBreached createdAt history { edges { node { kind actor { sub } changes } } } } }";

pub async fn create_ticket(app: &TestApp, patient: uuid::Uuid, priority: &str) -> Value {
    let input = json!({ "subject": "Cannot join my video session", "description": "The link says expired.", "channel": "CHAT", "priority": priority, "patientId": patient });
    let body = app.gql("alice", CREATE, json!({ "input": input })).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["createTicket"].clone()
}

async fn ticket_count(app: &TestApp) -> usize {
    app.sql("SELECT id FROM ticket").await.len()
}

both!(a_new_ticket_is_open_with_an_sla_from_its_priority_and_a_history, |app| {
    let chart = chart(&app, 0).await;
    let ticket = create_ticket(&app, chart.patient, "URGENT").await;
    assert_eq!((ticket["status"].as_str(), ticket["version"].as_i64()), (Some("OPEN"), Some(1)));
    let created = chrono::DateTime::parse_from_rfc3339(ticket["createdAt"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(ticket["slaDueAt"].as_str().unwrap()).unwrap();
    assert_eq!((due - created).num_minutes(), 4 * 60);
    assert_eq!(ticket["slaBreached"], false);
    assert_eq!(ticket["history"]["edges"][0]["node"]["kind"], "created");
    assert_eq!(ticket["history"]["edges"][0]["node"]["actor"]["sub"], "alice");
});

both!(bad_tickets_are_refused_and_store_nothing, |app| {
    let chart = chart(&app, 0).await;
    let before = ticket_count(&app).await;
    let cases = [
        json!({ "subject": "x", "description": "", "channel": "EMAIL", "patientId": "01900000-0000-7000-8000-0000000000aa" }),
        json!({ "subject": "   ", "description": "", "channel": "EMAIL", "patientId": chart.patient }),
        json!({ "subject": "x", "description": "", "channel": "EMAIL" }),
        json!({ "subject": "x".repeat(201), "description": "", "channel": "EMAIL", "patientId": chart.patient }),
        json!({ "subject": "x", "description": "y".repeat(40_000), "channel": "EMAIL", "patientId": chart.patient }),
        json!({ "subject": "x", "description": "", "channel": "FAX", "patientId": chart.patient }),
    ];
    for input in cases {
        let body = app.gql("alice", CREATE, json!({ "input": input })).await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{body}");
    }
    let megabyte = json!({ "query": CREATE, "variables": { "input": { "subject": "x", "description": "y".repeat(1 << 20), "channel": "EMAIL", "patientId": chart.patient } } });
    let (status, body) = app.post(Some(&app.token("alice")), &megabyte).await;
    assert_eq!((status, only_code(&body)), (413, "LIMIT_EXCEEDED".to_owned()));
    assert_eq!(ticket_count(&app).await, before);
});

const TRANSITION: &str = "mutation($id: ID!, $v: Int!, $to: TicketStatus!) { transitionTicket(id: $id, expectedVersion: $v, to: $to) { status version resolvedAt } }";

both!(transitions_follow_the_table_and_name_the_allowed_moves, |app| {
    let chart = chart(&app, 0).await;
    let id = create_ticket(&app, chart.patient, "NORMAL").await["id"].clone();
    let refused = app.gql("alice", TRANSITION, json!({ "id": id, "v": 1, "to": "CLOSED" })).await;
    assert_eq!(only_code(&refused), "BAD_USER_INPUT");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains("allowed: pending, resolved"), "{refused}");
    let mut version = 1;
    for to in ["PENDING", "OPEN", "RESOLVED", "CLOSED"] {
        let body = app.gql("alice", TRANSITION, json!({ "id": id, "v": version, "to": to })).await;
        assert_eq!(body["data"]["transitionTicket"]["status"], to, "{body}");
        version += 1;
    }
    let body = app.gql("alice", TRANSITION, json!({ "id": id, "v": version, "to": "OPEN" })).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("none: it is final"));
    let history = app
        .gql(
            "alice",
            "query($id: ID!) { ticket(id: $id) { resolvedAt history { edges { node { kind changes } } } } }",
            json!({ "id": id }),
        )
        .await;
    let kinds: Vec<&str> = history["data"]["ticket"]["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["node"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "transitioned", "transitioned", "transitioned", "transitioned"]);
    assert!(history["data"]["ticket"]["resolvedAt"].is_string());
});

const ASSIGN: &str = "mutation($id: ID!, $v: Int!, $to: String) { assignTicket(id: $id, expectedVersion: $v, assignee: $to) { version assignee { sub } } }";

both!(tickets_go_only_to_active_cx_agents, |app| {
    let chart = chart(&app, 0).await;
    let id = create_ticket(&app, chart.patient, "HIGH").await["id"].clone();
    for (who, why) in [("dan", "deactivated"), ("owen", "not in the cx team"), ("mallory", "not a staff member")] {
        let body = app.gql("alice", ASSIGN, json!({ "id": id, "v": 1, "to": who })).await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{who}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains(why), "{body}");
    }
    let body = app.gql("alice", ASSIGN, json!({ "id": id, "v": 1, "to": "alice" })).await;
    assert_eq!(body["data"]["assignTicket"]["assignee"]["sub"], "alice");
    let mine = app
        .gql("alice", "{ tickets(filter: { assignee: \"me\" }, first: 100) { edges { node { id } } } }", json!({}))
        .await;
    assert!(mine["data"]["tickets"]["edges"].as_array().unwrap().iter().any(|e| e["node"]["id"] == id));
    let body = app.gql("alice", ASSIGN, json!({ "id": id, "v": 2, "to": null })).await;
    assert!(body["data"]["assignTicket"]["assignee"].is_null(), "{body}");
});

both!(an_assignment_history_names_both_assignees_by_sub_and_the_people_it_names, |app| {
    let chart = chart(&app, 0).await;
    let id = create_ticket(&app, chart.patient, "HIGH").await["id"].clone();
    // A second active CX agent: dan, back from leave.
    app.sql("UPDATE staff SET active = true WHERE sub = 'dan'").await;
    for (v, to) in [(1, json!("alice")), (2, json!("dan")), (3, Value::Null)] {
        let body = app.gql("alice", ASSIGN, json!({ "id": id, "v": v, "to": to })).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    // As stored, not only as answered: the earlier assignee by sub.
    let stored: Vec<Value> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let id: uuid::Uuid = id.as_str().unwrap().parse().unwrap();
        entities::ticket_event::Entity::find()
            .filter(entities::ticket_event::Column::TicketId.eq(id))
            .filter(entities::ticket_event::Column::Kind.eq("assigned"))
            .order_by_asc(entities::ticket_event::Column::Id)
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.changes["assignee"].clone())
            .collect()
    };
    assert_eq!(stored, [json!([null, "alice"]), json!(["alice", "dan"]), json!(["dan", null])]);
    let q = "query($id: ID!) { ticket(id: $id) { history { edges { node { kind changes people { sub displayName } } } } } }";
    let body = app.gql("alice", q, json!({ "id": id })).await;
    let assigned: Vec<&Value> = body["data"]["ticket"]["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["kind"] == "assigned")
        .collect();
    assert_eq!(assigned.len(), 3, "{body}");
    assert_eq!(assigned[0]["changes"]["assignee"], json!([null, "alice"]));
    assert_eq!(assigned[1]["changes"]["assignee"], json!(["alice", "dan"]));
    assert_eq!(assigned[2]["changes"]["assignee"], json!(["dan", null]));
    let alice = json!({ "sub": "alice", "displayName": "Alice Moreno" });
    let dan = json!({ "sub": "dan", "displayName": "Dan Whitfield" });
    assert_eq!(assigned[0]["people"], json!([alice]));
    assert_eq!(assigned[1]["people"], json!([alice, dan]), "each named once, in the order named");
    assert_eq!(assigned[2]["people"], json!([dan]));
    let created = body["data"]["ticket"]["history"]["edges"][0]["node"].clone();
    assert_eq!(created["people"], json!([]), "a change that names nobody names nobody: {created}");
});

both!(two_agents_editing_at_once_one_wins_the_other_conflicts_nothing_lost, |app| {
    let chart = chart(&app, 0).await;
    let id = create_ticket(&app, chart.patient, "LOW").await["id"].clone();
    let update = "mutation($id: ID!, $s: String!) { updateTicket(id: $id, expectedVersion: 1, input: { subject: $s }) { subject version } }";
    let (a, b) = tokio::join!(
        app.gql("alice", update, json!({ "id": id, "s": "First agent's subject" })),
        app.gql("alice", update, json!({ "id": id, "s": "Second agent's subject" })),
    );
    let outcomes = [codes(&a), codes(&b)];
    assert_eq!(outcomes.iter().filter(|c| c.is_empty()).count(), 1, "exactly one wins: {a} {b}");
    assert_eq!(
        outcomes.iter().filter(|c| *c == &vec!["CONFLICT".to_owned()]).count(),
        1,
        "the other conflicts: {a} {b}"
    );
    let winner = if codes(&a).is_empty() { &a } else { &b };
    let stored = app
        .gql(
            "alice",
            "query($id: ID!) { ticket(id: $id) { subject version history { edges { node { kind } } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(stored["data"]["ticket"]["subject"], winner["data"]["updateTicket"]["subject"]);
    assert_eq!(stored["data"]["ticket"]["version"], 2);
    let updates = stored["data"]["ticket"]["history"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["node"]["kind"] == "updated")
        .count();
    assert_eq!(updates, 1);
});

both!(raising_the_priority_moves_the_sla_and_the_queue_is_soonest_first, |app| {
    let chart = chart(&app, 0).await;
    let ticket = create_ticket(&app, chart.patient, "LOW").await;
    let body = app
        .gql("alice", "mutation($id: ID!) { updateTicket(id: $id, expectedVersion: 1, input: { priority: URGENT }) { slaDueAt createdAt } }", json!({ "id": ticket["id"] }))
        .await;
    let t = &body["data"]["updateTicket"];
    let due = chrono::DateTime::parse_from_rfc3339(t["slaDueAt"].as_str().unwrap()).unwrap();
    let created = chrono::DateTime::parse_from_rfc3339(t["createdAt"].as_str().unwrap()).unwrap();
    assert_eq!((due - created).num_hours(), 4);

    let mut dues = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .gql("owen", "query($a: String) { tickets(first: 40, after: $a) { edges { node { slaDueAt } } pageInfo { hasNextPage endCursor } } }", json!({ "a": after }))
            .await;
        let tickets = &page["data"]["tickets"];
        dues.extend(
            tickets["edges"].as_array().unwrap().iter().map(|e| e["node"]["slaDueAt"].as_str().unwrap().to_owned()),
        );
        if tickets["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = tickets["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(dues.len(), ticket_count(&app).await, "every ticket once");
    let parsed: Vec<_> = dues.iter().map(|d| chrono::DateTime::parse_from_rfc3339(d).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "soonest SLA first");
});

both!(the_queue_filters_by_status_priority_patient_breach_and_text, |app| {
    let chart = chart(&app, 0).await;
    let ticket = create_ticket(&app, chart.patient, "HIGH").await;
    let id = ticket["id"].clone();
    let q = |filter: &str| {
        format!(
            "{{ tickets(filter: {filter}, first: 100) {{ edges {{ node {{ id status priority slaBreached }} }} }} }}"
        )
    };
    let ids = |body: &Value| -> Vec<Value> {
        body["data"]["tickets"]["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].clone()).collect()
    };
    let body = app
        .gql("alice", &q(&format!("{{ patientId: \"{}\", priority: HIGH, status: [OPEN] }}", chart.patient)), json!({}))
        .await;
    assert!(ids(&body).contains(&id), "{body}");
    assert!(
        body["data"]["tickets"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["priority"] == "HIGH" && e["node"]["status"] == "OPEN")
    );
    let body = app.gql("alice", &q("{ text: \"VIDEO session\" }"), json!({})).await;
    assert!(ids(&body).contains(&id));
    assert!(!ids(&app.gql("alice", &q("{ text: \"%%\" }"), json!({})).await).contains(&id));

    assert!(!ids(&app.gql("alice", &q("{ slaBreached: true }"), json!({})).await).contains(&id));
    app.sql("UPDATE ticket SET sla_due_at = created_at WHERE status = 'open'").await;
    let breached = app.gql("alice", &q("{ slaBreached: true, status: [OPEN] }"), json!({})).await;
    assert!(ids(&breached).contains(&id));
    assert!(breached["data"]["tickets"]["edges"].as_array().unwrap().iter().all(|e| e["node"]["slaBreached"] == true));
    let unassigned = app.gql("alice", &q("{ assignee: \"unassigned\" }"), json!({})).await;
    assert!(ids(&unassigned).contains(&id));
    let bad = app.gql("alice", &q("{ text: \"a\" }"), json!({})).await;
    assert_eq!(only_code(&bad), "BAD_USER_INPUT");
});

both!(comments_and_relations_follow_each_readers_access, |app| {
    let chart = chart(&app, 0).await;
    let id = create_ticket(&app, chart.patient, "NORMAL").await["id"].clone();
    let comment = "mutation($id: ID!, $b: String!, $i: Boolean) { addTicketComment(ticketId: $id, body: $b, internal: $i) { author { sub } internal } }";
    assert_eq!(
        app.gql("maya", comment, json!({ "id": id, "b": "Clinically fine to reschedule.", "i": true })).await["data"]["addTicketComment"]
            ["author"]["sub"],
        "maya"
    );
    assert_eq!(
        app.gql("alice", comment, json!({ "id": id, "b": "Sent a new link." })).await["data"]["addTicketComment"]["internal"],
        false
    );
    assert_eq!(only_code(&app.gql("alice", comment, json!({ "id": id, "b": "   " })).await), "BAD_USER_INPUT");
    assert_eq!(only_code(&app.gql("cora", comment, json!({ "id": id, "b": "hello" })).await), "FORBIDDEN");
    let body = app
        .gql(
            "alice",
            "query($id: ID!) { ticket(id: $id) { comments { edges { node { body internal } } } patient { name memberId } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"]["ticket"]["comments"]["edges"].as_array().unwrap().len(), 2);
    assert!(body["data"]["ticket"]["patient"]["name"].is_string());
    assert!(body["data"]["ticket"]["patient"]["memberId"].is_null(), "cx: no identity through a ticket either");
    assert_eq!(only_code(&body), "FORBIDDEN");
});

const RENDER: &str = "query($t: ID!, $m: ID!) { renderMacro(ticketId: $t, macroId: $m) { text refusedPlaceholders } }";

async fn macro_id(app: &TestApp, name: &str) -> Value {
    let body = app.gql("alice", "{ macros { id name } }", json!({})).await;
    body["data"]["macros"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap()["id"].clone()
}

both!(macros_fill_what_the_agent_may_read_and_withhold_the_rest, |app| {
    let chart = chart(&app, 0).await;
    let ticket = create_ticket(&app, chart.patient, "NORMAL").await;
    let patient = app
        .gql(
            "owen",
            "query($p: ID!) { patient(id: $p) { firstName dateOfBirth memberId } }",
            json!({ "p": chart.patient }),
        )
        .await;
    let p = &patient["data"]["patient"];

    let greeting = app.gql("alice", RENDER, json!({ "t": ticket["id"], "m": macro_id(&app, "Greeting").await })).await;
    let text = greeting["data"]["renderMacro"]["text"].as_str().unwrap();
    assert!(
        text.contains(p["firstName"].as_str().unwrap())
            && text.contains("Cannot join my video session")
            && text.contains("Alice Moreno"),
        "{text}"
    );
    assert!(greeting["errors"].is_null());

    let identity =
        app.gql("alice", RENDER, json!({ "t": ticket["id"], "m": macro_id(&app, "Identity check").await })).await;
    let rendered = &identity["data"]["renderMacro"];
    assert_eq!(rendered["refusedPlaceholders"], json!(["patient.dateOfBirth", "patient.memberId"]));
    let text = rendered["text"].as_str().unwrap();
    assert!(
        text.contains("[withheld]")
            && !text.contains(p["dateOfBirth"].as_str().unwrap())
            && !text.contains(p["memberId"].as_str().unwrap()),
        "{text}"
    );
    assert_eq!(only_code(&identity), "FORBIDDEN");
    let denials = app
        .sql("SELECT seq FROM audit_event WHERE actor = 'alice' AND outcome = 'denied' AND action = 'identity'")
        .await;
    assert!(!denials.is_empty(), "the refusal is on record");

    let filled =
        app.gql("owen", RENDER, json!({ "t": ticket["id"], "m": macro_id(&app, "Identity check").await })).await;
    assert!(filled["data"]["renderMacro"]["text"].as_str().unwrap().contains(p["memberId"].as_str().unwrap()));

    let masked = app
        .gql("alice", RENDER, json!({ "t": ticket["id"], "m": macro_id(&app, "Masked identity check").await }))
        .await;
    assert!(masked["errors"].is_null(), "{masked}");
    let bad = app
        .gql(
            "alice",
            "mutation { createMacro(name: \"SSN\", body: \"Your SSN is {{patient.ssn}}\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(only_code(&bad), "BAD_USER_INPUT");
});
