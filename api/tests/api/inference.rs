//! No inference channel: a search or filter that matches on PHI discloses what it matched,
//! and no field a role may read determines one it may not (billing is one class; ticket
//! text is correspondence). Each read is on the audit record.

use crate::both;
use crate::fixtures::chart;
use crate::helpers::*;
use entities::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

async fn events_of(app: &TestApp, actor: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Actor.eq(actor))
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
}

async fn remove_rule(app: &TestApp, role: &str, resource: &str, action: &str) {
    let body = app
        .gql(
            "adam",
            "mutation($r: String!, $res: String!, $a: String!) { removePolicyRule(role: $r, resource: $res, action: $a) { version } }",
            json!({ "r": role, "res": resource, "a": action }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

both!(a_patient_search_selecting_only_ids_discloses_the_contact_class_it_matched, |app| {
    let chart = chart(&app, 0).await;
    let email = entities::patient::Entity::find_by_id(chart.patient).one(&app.db).await.unwrap().unwrap().email;
    let term = email.split('@').next().unwrap().to_owned();
    let body = app
        .gql("alice", "query($s: String!) { patients(search: $s) { edges { node { id } } } }", json!({ "s": term }))
        .await;
    let ids: Vec<String> = body["data"]["patients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&chart.patient.to_string()), "{body}");
    let events = events_of(&app, "alice").await;
    for id in &ids {
        let event = events
            .iter()
            .find(|e| e.patient_id.map(|p| p.to_string()).as_deref() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("no disclosure of {id}: {events:?}"));
        assert_eq!(event.phi_classes, "contact");
        assert_eq!(event.outcome, "allowed");
        assert!(event.reason.as_deref().unwrap_or_default().contains(&term), "the term is on record: {event:?}");
    }
});

both!(an_empty_search_result_discloses_nothing_and_aliases_each_count, |app| {
    let body = app
        .gql(
            "alice",
            "{ a: patients(search: \"zzzzqqq\") { edges { node { id } } } b: patients(search: \"zzzzqqx\") { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert!(events_of(&app, "alice").await.iter().all(|e| e.patient_id.is_none()));
});

both!(a_ticket_text_filter_discloses_the_correspondence_of_every_ticket_it_returns, |app| {
    let chart = chart(&app, 0).await;
    let ticket = crate::tickets::create_ticket(&app, chart.patient, "NORMAL").await;
    let body =
        app.gql("maya", "{ tickets(filter: { text: \"video session\" }) { edges { node { id } } } }", json!({})).await;
    let returned = body["data"]["tickets"]["edges"].as_array().unwrap();
    assert!(returned.iter().any(|e| e["node"]["id"] == ticket["id"]), "{body}");
    let events = events_of(&app, "maya").await;
    let event = events
        .iter()
        .find(|e| e.resource_id.as_deref() == ticket["id"].as_str())
        .unwrap_or_else(|| panic!("no disclosure of the ticket: {events:?}"));
    assert_eq!((event.phi_classes.as_str(), event.patient_id), ("correspondence", Some(chart.patient)));
    assert!(event.reason.as_deref().unwrap_or_default().contains("video session"));
});

both!(cx_reads_billing_but_not_diagnoses_and_every_billing_read_is_a_disclosure, |app| {
    let chart = chart(&app, 0).await;
    let body = app
        .gql(
            "alice",
            "query($c: ID!) { claim(id: $c) { claimNumber status billedCents paidCents procedureCodes diagnosisCodes denials { deniedCents } } }",
            json!({ "c": chart.claim }),
        )
        .await;
    let claim = &body["data"]["claim"];
    assert!(claim["procedureCodes"].is_array() && claim["billedCents"].is_number(), "{body}");
    assert!(claim["diagnosisCodes"].is_null());
    assert_eq!(only_code(&body), "FORBIDDEN");
    let events = events_of(&app, "alice").await;
    let billing = events.iter().find(|e| e.outcome == "allowed" && e.resource_type == "claim").unwrap();
    assert_eq!((billing.phi_classes.as_str(), billing.patient_id), ("billing", Some(chart.patient)));
    assert!(events.iter().any(|e| e.outcome == "denied" && e.phi_classes == "clinical"));
});

both!(without_billing_no_amount_status_or_procedure_reveals_it, |app| {
    let chart = chart(&app, 0).await;
    remove_rule(&app, "cx", "claim", "billing").await;
    let body = app
        .gql(
            "alice",
            "query($c: ID!) { claim(id: $c) { claimNumber status billedCents allowedCents paidCents procedureCodes denials { deniedCents } } }",
            json!({ "c": chart.claim }),
        )
        .await;
    let claim = &body["data"]["claim"];
    assert!(claim["claimNumber"].is_string(), "{body}");
    for field in ["status", "billedCents", "allowedCents", "paidCents", "procedureCodes"] {
        assert!(claim[field].is_null(), "{field} stays closed: {body}");
    }
    assert!(codes(&body).iter().all(|c| c == "FORBIDDEN"));
});

both!(ticket_text_is_correspondence_read_on_the_record, |app| {
    let chart = chart(&app, 0).await;
    let ticket = crate::tickets::create_ticket(&app, chart.patient, "NORMAL").await;
    let comment = app
        .gql(
            "alice",
            "mutation($t: ID!) { addTicketComment(ticketId: $t, body: \"Patient says the new dose helps\") { id } }",
            json!({ "t": ticket["id"] }),
        )
        .await;
    assert!(comment["errors"].is_null(), "{comment}");
    let read = "query($t: ID!) { ticket(id: $t) { status subject description comments { edges { node { body } } } } }";
    let body = app.gql("owen", read, json!({ "t": ticket["id"] })).await;
    assert!(body["errors"].is_null() && body["data"]["ticket"]["subject"].is_string(), "{body}");
    let events = events_of(&app, "owen").await;
    let event = events.iter().find(|e| e.resource_id.as_deref() == ticket["id"].as_str()).unwrap();
    assert_eq!((event.phi_classes.as_str(), event.patient_id), ("correspondence", Some(chart.patient)));

    remove_rule(&app, "ops", "ticket", "correspondence").await;
    let body = app.gql("owen", read, json!({ "t": ticket["id"] })).await;
    let t = &body["data"]["ticket"];
    assert_eq!(t["status"], "OPEN", "{body}");
    assert!(t["subject"].is_null() && t["description"].is_null() && t["comments"].is_null(), "{body}");
});
