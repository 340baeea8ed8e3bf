//! Psychotherapy notes (45 CFR 164.501, 164.508(a)(2)): a care record of kind
//! `psychotherapy_note` is its own class. No role and no break-glass reads it; it opens only
//! under the patient's authorization on file, naming the reader's team and purpose, within its
//! period, and each read is a disclosure on the record carrying the authorization's id.

use crate::fixtures::{Chart, chart, grant_approved};
use crate::helpers::*;
use crate::{both, each_backend};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const READ: &str = "query($r: ID!) {
    careRecord(id: $r) { kind createdAt provider { id } body diagnosisCodes revisions { edges { node { body } } } }
}";

const RECORD: &str = "mutation($input: AuthorizationInput!) {
    recordAuthorization(input: $input) { id covers teams purposes validFrom validUntil inForce recordedBy { sub } }
}";

/// Chart `nth`'s care record, made a psychotherapy note with one revision behind it.
async fn note(app: &TestApp, nth: usize) -> Chart {
    let chart = chart(app, nth).await;
    let edit = app
        .gql(
            "maya",
            "mutation($r: ID!) { editCareRecord(id: $r, expectedVersion: 1, input: { body: \"An earlier text of the session.\" }, reason: \"Corrected the session summary\") { version } }",
            json!({ "r": chart.care_record }),
        )
        .await;
    assert!(edit["errors"].is_null(), "{edit}");
    make_note(app, Some(chart.care_record)).await;
    chart
}

/// Makes record `id` (or every record) a psychotherapy note.
async fn make_note(app: &TestApp, id: Option<uuid::Uuid>) {
    use entities::care_record::{Column, Entity};
    let mut update = Entity::update_many().col_expr(Column::Kind, Expr::value("psychotherapy_note"));
    if let Some(id) = id {
        update = update.filter(Column::Id.eq(id));
    }
    update.exec(&app.db).await.unwrap();
}

/// The audit events about record `id` (or patient `patient`) that disclosed or refused the
/// psychotherapy notes class.
async fn note_events(app: &TestApp, outcome: &str, patient: uuid::Uuid) -> Vec<entities::audit_event::Model> {
    use entities::audit_event::{Column, Entity};
    Entity::find()
        .filter(Column::Outcome.eq(outcome))
        .filter(Column::PhiClasses.eq("psychotherapy_notes"))
        .filter(Column::PatientId.eq(patient))
        .all(&app.db)
        .await
        .unwrap()
}

async fn read_as(app: &TestApp, sub: &str, record: uuid::Uuid, purpose: Option<&str>) -> Value {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(app.token(sub))
        .json(&json!({ "query": READ, "variables": { "r": record } }));
    if let Some(purpose) = purpose {
        request = request.header("x-ward-purpose", purpose);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Every refusal of the response is `FORBIDDEN` with `extensions.label`.
fn refused_as_labelled(body: &Value) {
    let errors = body["errors"].as_array().unwrap_or_else(|| panic!("refused: {body}"));
    assert!(!errors.is_empty(), "{body}");
    for error in errors {
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
        assert_eq!(error["extensions"]["label"], "psychotherapy_note", "{body}");
    }
}

fn authorization(chart: &Chart, teams: &[&str], purposes: &[&str], days: (i64, i64)) -> Value {
    let today = chrono::Utc::now().date_naive();
    json!({ "input": {
        "patientId": chart.patient,
        "teams": teams,
        "purposes": purposes,
        "validFrom": (today + chrono::Duration::days(days.0)).to_string(),
        "validUntil": (today + chrono::Duration::days(days.1)).to_string(),
        "document": "Authorization for release of psychotherapy notes, signed by the patient, scan PA-2291",
    }})
}

async fn record(app: &TestApp, sub: &str, variables: Value) -> Value {
    let body = app.gql(sub, RECORD, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["recordAuthorization"].clone()
}

both!(a_psychotherapy_note_shows_that_it_exists_and_nothing_of_what_it_says, |app| {
    let chart = note(&app, 0).await;
    let body = read_as(&app, "maya", chart.care_record, None).await;
    let record = &body["data"]["careRecord"];
    assert_eq!(record["kind"], "psychotherapy_note", "medical sees that it exists: {body}");
    assert!(record["createdAt"].is_string() && record["provider"]["id"].is_string(), "{body}");
    assert!(record["body"].is_null() && record["diagnosisCodes"].is_null(), "{body}");
    assert!(record["revisions"].is_null(), "an earlier text is the note too: {body}");
    refused_as_labelled(&body);
    assert!(!note_events(&app, "denied", chart.patient).await.is_empty(), "the refusal is on the record");
});

both!(break_glass_does_not_open_a_psychotherapy_note, |app| {
    let chart = note(&app, 0).await;
    let grant = app
        .gql("maya", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Patient in crisis, need the full clinical picture now\") { id } }", json!({ "p": chart.patient }))
        .await;
    let purpose = format!("break_glass:{}", grant["data"]["requestBreakGlass"]["id"].as_str().unwrap());
    let body = read_as(&app, "maya", chart.care_record, Some(&purpose)).await;
    assert!(body["data"]["careRecord"]["body"].is_null(), "{body}");
    refused_as_labelled(&body);
});

both!(a_psychotherapy_note_is_neither_edited_nor_reviewed_nor_sampled, |app| {
    let chart = note(&app, 0).await;
    let edit = app
        .gql("maya", "mutation($r: ID!) { editCareRecord(id: $r, expectedVersion: 2, input: { body: \"x\" }, reason: \"Trying to overwrite the note\") { version } }", json!({ "r": chart.care_record }))
        .await;
    refused_as_labelled(&edit);
    let review = app
        .gql(
            "milo",
            "mutation($r: ID!) { startCareReview(careRecordId: $r) { id } }",
            json!({ "r": chart.care_record }),
        )
        .await;
    refused_as_labelled(&review);
    make_note(&app, None).await;
    let sampled = app.gql("milo", "mutation { sampleForReview(size: 5) { id } }", json!({})).await;
    assert_eq!(sampled["data"]["sampleForReview"], json!([]), "{sampled}");
});

both!(an_authorization_opens_a_note_to_its_team_and_purpose_and_each_read_names_it, |app| {
    let chart = note(&app, 0).await;
    let purpose = format!("care_record:{}", chart.care_record);
    let granted = record(&app, "cora", authorization(&chart, &["medical"], &["TREATMENT"], (-1, 30))).await;
    assert_eq!(granted["covers"], json!(["psychotherapy_notes"]));
    assert_eq!((granted["inForce"].clone(), granted["recordedBy"]["sub"].clone()), (json!(true), json!("cora")));
    let id = granted["id"].as_str().unwrap().to_owned();

    let read = read_as(&app, "maya", chart.care_record, Some(&purpose)).await;
    assert!(read["errors"].is_null(), "{read}");
    assert!(read["data"]["careRecord"]["body"].is_string());
    assert!(read["data"]["careRecord"]["revisions"]["edges"][0]["node"]["body"].is_string());
    let events = note_events(&app, "allowed", chart.patient).await;
    assert_eq!(events.len(), 1, "one disclosure of the note");
    assert_eq!(events[0].resource_id, Some(chart.care_record.to_string()));
    let reason = events[0].reason.clone().unwrap_or_default();
    assert!(reason.contains(&id), "the disclosure names the authorization: {reason}");

    let unstated = read_as(&app, "maya", chart.care_record, None).await;
    refused_as_labelled(&unstated);
    assert!(unstated["errors"][0]["message"].as_str().unwrap().contains("purpose"), "{unstated}");

    let other_team = read_as(&app, "owen", chart.care_record, Some(&format!("claim:{}", chart.claim))).await;
    assert!(
        other_team["data"]["careRecord"].is_null() || other_team["data"]["careRecord"]["body"].is_null(),
        "{other_team}"
    );

    let claim_purpose = read_as(&app, "maya", chart.care_record, Some(&format!("claim:{}", chart.claim))).await;
    assert!(claim_purpose["data"]["careRecord"].is_null() || claim_purpose["data"]["careRecord"]["body"].is_null());

    let revoked = app
        .gql("cora", "mutation($id: ID!) { revokeAuthorization(id: $id, reason: \"The patient revoked it in writing\") { inForce revokedBy { sub } revokeReason } }", json!({ "id": id }))
        .await;
    assert_eq!(revoked["data"]["revokeAuthorization"]["inForce"], false, "{revoked}");
    refused_as_labelled(&read_as(&app, "maya", chart.care_record, Some(&purpose)).await);
    let again = app
        .gql(
            "cora",
            "mutation($id: ID!) { revokeAuthorization(id: $id, reason: \"Revoking it a second time\") { inForce } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(only_code(&again), "CONFLICT", "{again}");
});

both!(an_authorization_outside_its_period_opens_nothing, |app| {
    let chart = note(&app, 0).await;
    let purpose = format!("care_record:{}", chart.care_record);
    let expired = record(&app, "cora", authorization(&chart, &["medical"], &["TREATMENT"], (-60, -1))).await;
    assert_eq!(expired["inForce"], false);
    let future = record(&app, "cora", authorization(&chart, &["medical"], &["TREATMENT"], (2, 30))).await;
    assert_eq!(future["inForce"], false);
    refused_as_labelled(&read_as(&app, "maya", chart.care_record, Some(&purpose)).await);
    let listed = app
        .gql("cora", "query($p: ID!) { authorizations(patientId: $p) { id inForce } }", json!({ "p": chart.patient }))
        .await;
    assert_eq!(listed["data"]["authorizations"].as_array().map(Vec::len), Some(2), "{listed}");
});

both!(an_authorization_opens_one_patients_notes_only, |app| {
    let chart = note(&app, 0).await;
    let other = note(&app, 1).await;
    record(&app, "cora", authorization(&chart, &["medical"], &["TREATMENT"], (0, 30))).await;
    let body = read_as(&app, "maya", other.care_record, Some(&format!("care_record:{}", other.care_record))).await;
    refused_as_labelled(&body);
});

both!(nobody_reads_a_note_under_an_authorization_they_recorded, |app| {
    let chart = note(&app, 0).await;
    grant_approved(&app, "maya", "compliance").await;
    record(&app, "maya", authorization(&chart, &["medical"], &["TREATMENT"], (0, 30))).await;
    let body = read_as(&app, "maya", chart.care_record, Some(&format!("care_record:{}", chart.care_record))).await;
    refused_as_labelled(&body);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("recorded"), "{body}");
    assert!(
        read_as(&app, "milo", chart.care_record, Some(&format!("care_record:{}", chart.care_record))).await["errors"]
            .is_null()
    );
});

each_backend!(a_bad_authorization_is_refused_in_words_and_nothing_is_stored, |backend| {
    let Some(app) = spawn_app(backend).await else { panic!("{backend:?} is unreachable") };
    let chart = chart(&app, 0).await;
    let stored =
        || async { app.sql("SELECT count(*) AS n FROM patient_permission").await[0].try_get::<i64>("", "n").unwrap() };
    let before = stored().await;
    let cases = [
        ("cora", authorization(&chart, &[], &["TREATMENT"], (0, 30)), "BAD_USER_INPUT"),
        ("cora", authorization(&chart, &["medical"], &[], (0, 30)), "BAD_USER_INPUT"),
        ("cora", authorization(&chart, &["wizards"], &["TREATMENT"], (0, 30)), "BAD_USER_INPUT"),
        ("cora", authorization(&chart, &["integration"], &["TREATMENT"], (0, 30)), "BAD_USER_INPUT"),
        ("cora", authorization(&chart, &["medical"], &["TREATMENT"], (5, 1)), "BAD_USER_INPUT"),
        ("maya", authorization(&chart, &["medical"], &["TREATMENT"], (0, 30)), "FORBIDDEN"),
        ("owen", authorization(&chart, &["medical"], &["TREATMENT"], (0, 30)), "FORBIDDEN"),
    ];
    for (sub, variables, code) in cases {
        let body = app.gql(sub, RECORD, variables.clone()).await;
        assert_eq!(only_code(&body), code, "{backend:?} {sub} {variables}: {body}");
    }
    let mut short = authorization(&chart, &["medical"], &["TREATMENT"], (0, 30));
    short["input"]["document"] = json!("  ");
    assert_eq!(only_code(&app.gql("cora", RECORD, short).await), "BAD_USER_INPUT");
    let mut unknown = authorization(&chart, &["medical"], &["TREATMENT"], (0, 30));
    unknown["input"]["patientId"] = json!("01900000-0000-7000-8000-0000000000aa");
    assert_eq!(only_code(&app.gql("cora", RECORD, unknown).await), "NOT_FOUND");
    assert_eq!(stored().await, before, "{backend:?}: nothing is stored");
    let listed =
        app.gql("maya", "query($p: ID!) { authorizations(patientId: $p) { id } }", json!({ "p": chart.patient })).await;
    assert_eq!(only_code(&listed), "FORBIDDEN");
});

both!(the_demo_data_shows_a_note_opened_by_an_authorization_and_one_kept_closed_by_a_lapsed_one, |app| {
    use entities::{care_record, patient_permission};
    let on_file = patient_permission::Entity::find()
        .filter(patient_permission::Column::Kind.eq("authorization"))
        .all(&app.db)
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let in_force: Vec<_> = on_file.iter().filter(|a| a.valid_from <= today && today <= a.valid_until).collect();
    let lapsed: Vec<_> = on_file.iter().filter(|a| a.valid_until < today).collect();
    assert_eq!((in_force.len(), lapsed.len()), (1, 1), "{on_file:?}");
    for (authorization, opens) in [(in_force[0], true), (lapsed[0], false)] {
        let note = care_record::Entity::find()
            .filter(care_record::Column::PatientId.eq(authorization.patient_id))
            .filter(care_record::Column::Kind.eq("psychotherapy_note"))
            .one(&app.db)
            .await
            .unwrap()
            .expect("the patient has a psychotherapy note");
        let body = read_as(&app, "maya", note.id, Some(&format!("care_record:{}", note.id))).await;
        assert_eq!(body["data"]["careRecord"]["body"].is_string(), opens, "{body}");
    }
    let notes = care_record::Entity::find()
        .filter(care_record::Column::Kind.eq("psychotherapy_note"))
        .all(&app.db)
        .await
        .unwrap();
    assert!(notes.len() > 2, "more notes than authorizations: most stay closed");
});

both!(a_review_of_a_record_that_became_a_psychotherapy_note_hides_what_it_found, |app| {
    let chart = chart(&app, 0).await;
    let started = app
        .gql(
            "milo",
            "mutation($r: ID!) { startCareReview(careRecordId: $r) { id version } }",
            json!({ "r": chart.care_record }),
        )
        .await;
    let review = started["data"]["startCareReview"].clone();
    let done = app
        .gql(
            "milo",
            "mutation($id: ID!, $v: Int!) { completeCareReview(id: $id, expectedVersion: $v, input: { score: 2, findings: \"The note says the client fears her ex-partner\" }) { id } }",
            json!({ "id": review["id"], "v": review["version"] }),
        )
        .await;
    assert!(done["errors"].is_null(), "{done}");
    // The practice-management system re-files the record as a psychotherapy note.
    make_note(&app, Some(chart.care_record)).await;
    let body = app
        .gql("maya", "query($id: ID!) { careReview(id: $id) { score findings } }", json!({ "id": review["id"] }))
        .await;
    assert!(body["data"]["careReview"]["findings"].is_null(), "the findings quote the note: {body}");
    refused_as_labelled(&body);
});

both!(an_authorization_opens_a_note_only_to_a_reader_of_care_records_by_role, |app| {
    let chart = note(&app, 0).await;
    record(&app, "cora", authorization(&chart, &["cx"], &["TREATMENT"], (0, 30))).await;
    let grant = app
        .gql("alice", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Patient in crisis, need the full clinical picture now\") { id } }", json!({ "p": chart.patient }))
        .await;
    let purpose = format!("break_glass:{}", grant["data"]["requestBreakGlass"]["id"].as_str().unwrap());
    let body = read_as(&app, "alice", chart.care_record, Some(&purpose)).await;
    assert!(body["data"]["careRecord"]["body"].is_null(), "break-glass reaches the record, not the note: {body}");
    refused_as_labelled(&body);
    let report = app
        .gql(
            "cora",
            "query($p: ID!) { accessReport(patientId: $p) { entries { phiClass sub via } } }",
            json!({ "p": chart.patient }),
        )
        .await;
    let notes: Vec<&Value> = report["data"]["accessReport"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["phiClass"] == "PSYCHOTHERAPY_NOTES")
        .collect();
    assert!(notes.is_empty(), "the report agrees: nobody reads it: {notes:?}");
});

both!(the_access_report_lists_only_purposes_a_reader_can_state, |app| {
    let chart = note(&app, 0).await;
    // Medical reads no claims, so it can state no payment purpose: nobody reads under this.
    record(&app, "cora", authorization(&chart, &["medical"], &["PAYMENT"], (0, 30))).await;
    assert_eq!(note_entries(&app, chart.patient).await, Vec::<Value>::new());
    let read = read_as(&app, "maya", chart.care_record, Some(&format!("care_record:{}", chart.care_record))).await;
    refused_as_labelled(&read);
    record(&app, "cora", authorization(&chart, &["medical"], &["TREATMENT", "PAYMENT"], (0, 30))).await;
    let listed = note_entries(&app, chart.patient).await;
    assert!(!listed.is_empty() && listed.iter().all(|e| e["purposes"] == json!(["treatment"])), "{listed:?}");
});

/// The access report's entries for the patient's psychotherapy notes.
async fn note_entries(app: &TestApp, patient: uuid::Uuid) -> Vec<Value> {
    let body = app
        .gql(
            "cora",
            "query($p: ID!) { accessReport(patientId: $p) { entries { phiClass sub purposes } } }",
            json!({ "p": patient }),
        )
        .await;
    let entries = body["data"]["accessReport"]["entries"].as_array().cloned().unwrap_or_default();
    entries.into_iter().filter(|e| e["phiClass"] == "PSYCHOTHERAPY_NOTES").collect()
}
