//! 42 CFR Part 2: the values of a record labelled `sud_part2` disclose only under the
//! patient's consent on file (covering the label or the value's class, naming the reader or
//! their team and the purpose the request states, within its period), or in a medical
//! emergency (break-glass, 42 CFR 2.51). Every response carrying one has the 42 CFR 2.32
//! notice in `extensions.redisclosureNotice`, and each such disclosure is on the record with
//! the consent's id. Claims of a Part 2 program with a substance-use diagnosis, and that
//! program's care records, are labelled by themselves at ingest.

use crate::console::Browser;
use crate::fixtures::{self, Chart};
use crate::helpers::*;
use crate::ingest::{claims_837, ingest_app, send, send_to, service_account};
use crate::{both, each_backend};
use entities::{audit_event, care_record, claim, provider, ticket};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tools::kit::on_file::consents::REDISCLOSURE_NOTICE;

const CLAIM: &str = "query($c: ID!) { claim(id: $c) { claimNumber payer billedCents paidCents diagnosisCodes } }";

const RECORD: &str = "mutation($input: PermissionInput!) {
    recordConsent(input: $input) { id kind covers teams staff { sub } purposes inForce recordedBy { sub } }
}";

/// Labels claim `id` `sud_part2`, as a Part 2 program's substance-use claim is.
async fn label_claim(app: &TestApp, id: uuid::Uuid) {
    claim::Entity::update_many()
        .col_expr(claim::Column::SecurityLabels, Expr::value("sud_part2"))
        .filter(claim::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn label_record(app: &TestApp, id: uuid::Uuid) {
    care_record::Entity::update_many()
        .col_expr(care_record::Column::SecurityLabels, Expr::value("sud_part2"))
        .filter(care_record::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

/// POSTs `query` as `sub` to `url`, stating `purpose` when given.
async fn ask(app: &TestApp, url: &str, sub: &str, query: &str, variables: Value, purpose: Option<&str>) -> Value {
    let mut request =
        app.client.post(url).bearer_auth(app.token(sub)).json(&json!({ "query": query, "variables": variables }));
    if let Some(purpose) = purpose {
        request = request.header("x-ward-purpose", purpose);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn read_claim(app: &TestApp, sub: &str, chart: &Chart, purpose: Option<&str>) -> Value {
    ask(app, &app.url("/graphql"), sub, CLAIM, json!({ "c": chart.claim }), purpose).await
}

fn claim_purpose(chart: &Chart) -> String {
    format!("claim:{}", chart.claim)
}

fn consent(chart: &Chart, covers: &[&str], teams: &[&str], staff: &[&str], purposes: &[&str]) -> Value {
    let today = chrono::Utc::now().date_naive();
    json!({ "input": {
        "patientId": chart.patient,
        "covers": covers,
        "teams": teams,
        "staff": staff,
        "purposes": purposes,
        "validFrom": (today - chrono::Duration::days(1)).to_string(),
        "validUntil": (today + chrono::Duration::days(180)).to_string(),
        "document": "Consent to disclose substance-use disorder records (42 CFR 2.31), signed form SUD-4410",
    }})
}

async fn record_consent(app: &TestApp, variables: Value) -> Value {
    let body = app.gql("cora", RECORD, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["recordConsent"].clone()
}

async fn revoke_consent(app: &TestApp, id: &Value) -> Value {
    app.gql(
        "cora",
        "mutation($id: ID!) { revokeConsent(id: $id, reason: \"The patient revoked the consent in writing\") { inForce revokedAt } }",
        json!({ "id": id }),
    )
    .await
}

/// Every error of the response is `FORBIDDEN` with the label `sud_part2`.
fn refused_as_part2(body: &Value) {
    let errors = body["errors"].as_array().unwrap_or_else(|| panic!("refused: {body}"));
    assert!(!errors.is_empty(), "{body}");
    for error in errors {
        assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{body}");
        assert_eq!(error["extensions"]["label"], "sud_part2", "{body}");
    }
}

async fn events(app: &TestApp, patient: uuid::Uuid, outcome: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::PatientId.eq(patient))
        .filter(audit_event::Column::Outcome.eq(outcome))
        .all(&app.db)
        .await
        .unwrap()
}

both!(a_part2_value_opens_only_under_a_consent_with_the_notice_and_the_consent_on_the_record, |app| {
    let chart = fixtures::chart(&app, 0).await;
    let before = read_claim(&app, "owen", &chart, Some(&claim_purpose(&chart))).await;
    assert!(before["errors"].is_null() && before["extensions"]["redisclosureNotice"].is_null(), "{before}");
    label_claim(&app, chart.claim).await;

    // Labelled, with no consent on file: the claim is there, its PHI is not.
    let body = read_claim(&app, "owen", &chart, Some(&claim_purpose(&chart))).await;
    let claim = &body["data"]["claim"];
    assert!(claim["claimNumber"].is_string() && claim["payer"].is_string(), "{body}");
    assert!(claim["billedCents"].is_null() && claim["paidCents"].is_null() && claim["diagnosisCodes"].is_null());
    refused_as_part2(&body);
    assert!(body["extensions"]["redisclosureNotice"].is_null(), "nothing of Part 2 was disclosed: {body}");
    assert!(
        events(&app, chart.patient, "denied").await.iter().any(|e| e
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("42 CFR Part 2")),
        "the refusal is on the record"
    );

    // A consent for ops, for payment, covering the billing class only.
    let recorded = record_consent(&app, consent(&chart, &["billing"], &["ops"], &[], &["PAYMENT"])).await;
    assert_eq!(recorded["kind"], "PART2_CONSENT", "{recorded}");
    assert_eq!(recorded["inForce"], true, "{recorded}");
    let unstated = read_claim(&app, "owen", &chart, None).await;
    refused_as_part2(&unstated);
    assert!(unstated["errors"][0]["message"].as_str().unwrap().contains("purpose"), "{unstated}");

    let body = read_claim(&app, "owen", &chart, Some(&claim_purpose(&chart))).await;
    let claim = &body["data"]["claim"];
    assert!(claim["billedCents"].is_i64() && claim["paidCents"].is_i64(), "billing opens: {body}");
    assert!(claim["diagnosisCodes"].is_null(), "the consent does not cover the clinical class: {body}");
    assert_eq!(body["extensions"]["redisclosureNotice"], REDISCLOSURE_NOTICE, "{body}");
    let consent_id = recorded["id"].as_str().unwrap();
    let disclosed = events(&app, chart.patient, "allowed").await;
    assert!(
        disclosed.iter().any(|e| e.phi_classes == "billing"
            && e.reason.as_deref().is_some_and(|r| r.contains(&format!("under consent {consent_id}")))),
        "the disclosure carries the consent's id: {disclosed:?}"
    );

    // Revoked: the next request opens nothing.
    let revoked = revoke_consent(&app, &recorded["id"]).await;
    assert_eq!(revoked["data"]["revokeConsent"]["inForce"], false, "{revoked}");
    let after = read_claim(&app, "owen", &chart, Some(&claim_purpose(&chart))).await;
    assert!(after["data"]["claim"]["billedCents"].is_null(), "{after}");
    refused_as_part2(&after);
    let again = revoke_consent(&app, &recorded["id"]).await;
    assert_eq!(only_code(&again), "CONFLICT", "{again}");
});

both!(a_consent_names_its_recipients_by_team_or_by_name_and_its_purposes, |app| {
    let chart = fixtures::chart(&app, 0).await;
    label_claim(&app, chart.claim).await;
    record_consent(&app, consent(&chart, &["sud_part2"], &[], &["olga"], &["PAYMENT"])).await;
    let olga = read_claim(&app, "olga", &chart, Some(&claim_purpose(&chart))).await;
    assert!(olga["errors"].is_null(), "named, she reads every value it covers: {olga}");
    assert!(olga["data"]["claim"]["diagnosisCodes"].is_array(), "{olga}");
    let owen = read_claim(&app, "owen", &chart, Some(&claim_purpose(&chart))).await;
    refused_as_part2(&owen);

    // A consent for treatment does not open a value to a request for payment.
    let other = fixtures::chart(&app, 1).await;
    label_claim(&app, other.claim).await;
    record_consent(&app, consent(&other, &["sud_part2"], &["ops"], &[], &["TREATMENT"])).await;
    let body = read_claim(&app, "owen", &other, Some(&claim_purpose(&other))).await;
    refused_as_part2(&body);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("payment"), "{body}");
});

both!(what_a_consent_names_is_checked_when_it_is_recorded, |app| {
    let chart = fixtures::chart(&app, 0).await;
    let bad = [
        consent(&chart, &["psychotherapy_notes"], &["ops"], &[], &["PAYMENT"]),
        consent(&chart, &[], &["ops"], &[], &["PAYMENT"]),
        consent(&chart, &["sud_part2"], &[], &[], &["PAYMENT"]),
        consent(&chart, &["sud_part2"], &["admin"], &[], &["PAYMENT"]),
        consent(&chart, &["sud_part2"], &[], &["nobody-here"], &["PAYMENT"]),
        consent(&chart, &["sud_part2"], &["ops"], &[], &[]),
    ];
    for variables in bad {
        let body = app.gql("cora", RECORD, variables.clone()).await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{variables} -> {body}");
    }
    let mut backwards = consent(&chart, &["sud_part2"], &["ops"], &[], &["PAYMENT"]);
    backwards["input"]["validUntil"] = json!("2020-01-01");
    assert_eq!(only_code(&app.gql("cora", RECORD, backwards).await), "BAD_USER_INPUT");
    let by_cx = app.gql("alice", RECORD, consent(&chart, &["sud_part2"], &["cx"], &[], &["PAYMENT"])).await;
    assert_eq!(only_code(&by_cx), "FORBIDDEN", "{by_cx}");
    let listed =
        app.gql("cora", "query($p: ID!) { consents(patientId: $p) { id } }", json!({ "p": chart.patient })).await;
    assert_eq!(listed["data"]["consents"], json!([]), "nothing refused was written: {listed}");

    // An authorization is not a consent: revoking one by this name finds nothing.
    let today = chrono::Utc::now().date_naive();
    let authorization = app
        .gql(
            "cora",
            "mutation($input: AuthorizationInput!) { recordAuthorization(input: $input) { id } }",
            json!({ "input": { "patientId": chart.patient, "teams": ["medical"], "purposes": ["TREATMENT"],
                    "validFrom": today.to_string(), "validUntil": (today + chrono::Duration::days(30)).to_string(),
                    "document": "Authorization PA-1" } }),
        )
        .await;
    let id = &authorization["data"]["recordAuthorization"]["id"];
    assert_eq!(only_code(&revoke_consent(&app, id).await), "NOT_FOUND");
});

each_backend!(a_revoked_consent_opens_nothing_on_any_instance_from_the_next_request, |backend| {
    let Some(first) = spawn_app(backend).await else { panic!("{backend:?} is unreachable") };
    let second = api::App::build(test_config(&first.test_db.url)).await.unwrap();
    let second_url = format!("http://{}/graphql", second.address());
    tokio::spawn(second.run_until(std::future::pending()));
    let chart = fixtures::chart(&first, 0).await;
    label_claim(&first, chart.claim).await;
    let recorded = record_consent(&first, consent(&chart, &["sud_part2"], &["ops"], &[], &["PAYMENT"])).await;
    let purpose = claim_purpose(&chart);
    let on_second = ask(&first, &second_url, "owen", CLAIM, json!({ "c": chart.claim }), Some(&purpose)).await;
    assert!(on_second["errors"].is_null(), "{on_second}");
    assert_eq!(on_second["extensions"]["redisclosureNotice"], REDISCLOSURE_NOTICE, "{on_second}");
    let revoked = revoke_consent(&first, &recorded["id"]).await;
    assert!(revoked["errors"].is_null(), "{revoked}");
    let on_second = ask(&first, &second_url, "owen", CLAIM, json!({ "c": chart.claim }), Some(&purpose)).await;
    refused_as_part2(&on_second);
});

/// Asks for break-glass on `chart`'s patient as `sub`; answers the purpose that names it.
async fn break_glass(app: &TestApp, sub: &str, chart: &Chart) -> String {
    let grant = app
        .gql(
            sub,
            "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Patient in crisis, the care team needs the last note now\") { id } }",
            json!({ "p": chart.patient }),
        )
        .await;
    format!("break_glass:{}", grant["data"]["requestBreakGlass"]["id"].as_str().unwrap_or_else(|| panic!("{grant}")))
}

both!(an_emergency_opens_a_part2_record_to_medical_and_a_support_queues_grant_does_not, |app| {
    let chart = fixtures::chart(&app, 0).await;
    label_record(&app, chart.care_record).await;
    let body_of = |sub: &'static str, purpose: String| {
        let app = &app;
        async move {
            let query = "query($r: ID!) { careRecord(id: $r) { body } }";
            ask(app, &app.url("/graphql"), sub, query, json!({ "r": chart.care_record }), Some(&purpose)).await
        }
    };
    // Medical, by role and with no consent: refused; under a grant (42 CFR 2.51): open.
    refused_as_part2(&body_of("maya", format!("care_record:{}", chart.care_record)).await);
    let purpose = break_glass(&app, "maya", &chart).await;
    let body = body_of("maya", purpose).await;
    assert!(body["data"]["careRecord"]["body"].is_string(), "{body}");
    assert_eq!(body["extensions"]["redisclosureNotice"], REDISCLOSURE_NOTICE, "{body}");
    let disclosed = events(&app, chart.patient, "allowed").await;
    assert!(
        disclosed.iter().any(|e| e.reason.as_deref().is_some_and(|r| r.contains("medical emergency (42 CFR 2.51)"))),
        "{disclosed:?}"
    );
    // A support agent's grant reaches the clinical record, not a Part 2 one.
    let purpose = break_glass(&app, "alice", &chart).await;
    refused_as_part2(&body_of("alice", purpose).await);
});

both!(a_ticket_about_a_part2_claim_takes_its_label, |app| {
    let chart = fixtures::chart(&app, 0).await;
    label_claim(&app, chart.claim).await;
    let created = app
        .gql(
            "alice",
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }",
            json!({ "input": { "subject": "Question about a bill", "description": "The patient asks about the counselling bill",
                    "channel": "PHONE", "priority": "NORMAL", "patientId": chart.patient, "claimId": chart.claim } }),
        )
        .await;
    assert!(created["errors"].is_null(), "{created}");
    let id = created["data"]["createTicket"]["id"].as_str().unwrap();
    let row = ticket::Entity::find_by_id(uuid::Uuid::parse_str(id).unwrap()).one(&app.db).await.unwrap().unwrap();
    assert_eq!(row.security_labels, "sud_part2");
    let body = ask(
        &app,
        &app.url("/graphql"),
        "alice",
        "query($t: ID!) { ticket(id: $t) { subject description } }",
        json!({ "t": id }),
        Some(&format!("ticket:{id}")),
    )
    .await;
    assert!(body["data"]["ticket"]["description"].is_null(), "{body}");
    refused_as_part2(&body);
});

/// The demo's Part 2 program.
async fn program(app: &TestApp) -> provider::Model {
    provider::Entity::find()
        .filter(provider::Column::Part2Program.eq(true))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a program")
}

each_backend!(an_837p_from_a_part2_program_labels_its_substance_use_claims_and_no_other, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "claims-system").await;
    let program = program(&app).await;
    let row = &app.sql("SELECT p.member_id, v.npi FROM patient p, provider v WHERE v.part2_program = false ORDER BY p.id, v.id LIMIT 1").await[0];
    let (member, npi): (String, String) = (row.try_get("", "member_id").unwrap(), row.try_get("", "npi").unwrap());
    let with_codes = |file: String, codes: &str| file.replace("HI*ABK:F4310*ABF:F411", codes);
    let file = with_codes(
        claims_837(&[("CLM-2099-0000101", &member, &program.npi, 15_000), ("CLM-2099-0000102", &member, &npi, 15_000)]),
        "HI*ABK:F1020*ABF:F411",
    );
    let (status, body) = send(&app, Some(&token), "application/edi-x12", file).await;
    assert_eq!(status, 200, "{body}");
    let nicotine =
        with_codes(claims_837(&[("CLM-2099-0000103", &member, &program.npi, 15_000)]), "HI*ABK:F17210*ABF:F411");
    let (status, body) = send(&app, Some(&token), "application/edi-x12", nicotine).await;
    assert_eq!(status, 200, "{body}");
    let labels = |number: &'static str| {
        let db = app.db.clone();
        async move {
            claim::Entity::find()
                .filter(claim::Column::ClaimNumber.eq(number))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .security_labels
        }
    };
    assert_eq!(labels("CLM-2099-0000101").await, "sud_part2", "a program's substance-use claim");

    // A claim first sent with other codes, a ticket written about it, then the codes the
    // program billed: the ticket takes the label with the claim.
    let first = claims_837(&[("CLM-2099-0000104", &member, &program.npi, 15_000)]);
    assert_eq!(send(&app, Some(&token), "application/edi-x12", first.clone()).await.0, 200);
    let claim_id = claim::Entity::find()
        .filter(claim::Column::ClaimNumber.eq("CLM-2099-0000104"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let ticket = app
        .gql(
            "alice",
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }",
            json!({ "input": { "subject": "A bill", "description": "The patient asks about a bill", "channel": "PHONE",
                    "patientId": claim_id.patient_id, "claimId": claim_id.id } }),
        )
        .await["data"]["createTicket"]["id"]
        .as_str()
        .unwrap()
        .parse::<uuid::Uuid>()
        .unwrap();
    let relabelled = with_codes(first, "HI*ABK:F1120*ABF:F411");
    assert_eq!(send(&app, Some(&token), "application/edi-x12", relabelled).await.0, 200);
    assert_eq!(labels("CLM-2099-0000104").await, "sud_part2");
    let row = ticket::Entity::find_by_id(ticket).one(&app.db).await.unwrap().unwrap();
    assert_eq!(row.security_labels, "sud_part2", "the ticket about it takes the label");
    assert_eq!(labels("CLM-2099-0000102").await, "", "the same codes from a provider that is no program");
    assert_eq!(labels("CLM-2099-0000103").await, "", "nicotine is not a Part 2 disorder");
});

each_backend!(a_part2_programs_care_records_and_the_labels_a_line_sends_are_written_at_import, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    let npi = |base: &str| format!("{base}{}", x12::claims::npi_check_digit(base).unwrap());
    let provider = |key: &str, npi: &str, program: bool| {
        json!({ "type": "provider", "externalId": key, "npi": npi, "firstName": "Jo", "lastName": "Lee",
                "credential": "LADC", "specialty": "Counselling", "state": "NY", "email": format!("{key}@providers.example.com"),
                "part2Program": program })
    };
    let note = |key: &str, provider: &str| {
        json!({ "type": "care_record", "externalId": key, "patientExternalId": "P2-PATIENT", "providerExternalId": provider,
                "kind": "progress_note", "body": "Counselling session.", "diagnosisCodes": ["F10.20"],
                "writtenAt": "2026-11-30T16:00:00-05:00" })
    };
    let lines = [
        provider("P2-PROGRAM", &npi("291000901"), true),
        provider("P2-OTHER", &npi("291000902"), false),
        json!({ "type": "patient", "externalId": "P2-PATIENT", "firstName": "Ada", "lastName": "Quill", "email": "ada.q@example.com",
                "phone": "(212) 555-0100", "dateOfBirth": "1990-04-01", "payer": "Aetna", "memberId": "W900000091", "state": "NY" }),
        note("P2-NOTE-1", "P2-PROGRAM"),
        note("P2-NOTE-2", "P2-OTHER"),
        // A session the patient paid for themselves, restricted by the sending system.
        json!({ "type": "appointment", "externalId": "P2-SELF-PAID", "patientExternalId": "P2-PATIENT",
                "providerExternalId": "P2-OTHER", "startsAt": "2026-11-30T15:00:00-05:00", "durationMinutes": 53,
                "kind": "therapy", "status": "completed", "cptCode": "90837", "securityLabels": ["restricted"] }),
    ];
    let file: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let (status, body) = send_to(&app, "/ingest/ndjson", Some(&token), "application/x-ndjson", file).await;
    assert_eq!(status, 200, "{body}");
    let labels = |key: &'static str| {
        let db = app.db.clone();
        async move {
            care_record::Entity::find()
                .filter(care_record::Column::ExternalId.eq(key))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .security_labels
        }
    };
    assert_eq!(labels("P2-NOTE-1").await, "sud_part2");
    assert_eq!(labels("P2-NOTE-2").await, "");
    let session = entities::appointment::Entity::find()
        .filter(entities::appointment::Column::ExternalId.eq("P2-SELF-PAID"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.security_labels, "restricted");
});

both!(the_demo_holds_a_part2_program_its_records_and_consents, |app| {
    let program = program(&app).await;
    let claims = claim::Entity::find().filter(claim::Column::ProviderId.eq(program.id)).all(&app.db).await.unwrap();
    assert!(claims.len() >= 3 && claims.iter().all(|c| c.security_labels == "sud_part2"), "{claims:?}");
    let records =
        care_record::Entity::find().filter(care_record::Column::ProviderId.eq(program.id)).all(&app.db).await.unwrap();
    assert!(!records.is_empty() && records.iter().all(|r| r.security_labels == "sud_part2"));
    let consents = app
        .gql(
            "cora",
            "query($p: ID!) { consents(patientId: $p) { inForce revokedAt } }",
            json!({ "p": claims[0].patient_id }),
        )
        .await;
    assert_eq!(consents["data"]["consents"][0]["inForce"], true, "{consents}");
    let revoked = app
        .gql(
            "cora",
            "query($p: ID!) { consents(patientId: $p) { inForce revokedAt } }",
            json!({ "p": claims[1].patient_id }),
        )
        .await;
    assert!(revoked["data"]["consents"][0]["revokedAt"].is_string(), "{revoked}");

    // On the console: medical opens the first patient's note under the consent, with the
    // notice; the third patient gave none, and the page says why the note is withheld.
    let mut browser = Browser::new(&app);
    browser.sign_in("maya").await;
    let of = |patient: uuid::Uuid| records.iter().find(|r| r.patient_id == patient).unwrap().id;
    let (status, html, _) = browser.get(&format!("/medical/records/{}", of(claims[0].patient_id))).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-redisclosure") && html.contains(REDISCLOSURE_NOTICE), "{html}");
    assert!(html.contains("relapse-prevention plan"), "the note opens: {html}");
    let (status, html, _) = browser.get(&format!("/medical/records/{}", of(claims[2].patient_id))).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-refused-label=\"sud_part2\""), "{html}");
    assert!(!html.contains("data-redisclosure") && !html.contains("Intake, Harbor Recovery"), "{html}");
});

/// The ids a connection's edges hold.
fn ids(connection: &Value) -> Vec<String> {
    connection["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()).collect()
}

both!(a_filter_on_phi_neither_matches_nor_confirms_a_part2_record, |app| {
    let chart = fixtures::chart(&app, 0).await;
    let status = read_claim_with(&app, "owen", &chart, "status").await["data"]["claim"]["status"].clone();
    assert!(status.is_string(), "{status}");
    let by_status = "query($p: ID!, $s: [ClaimStatus!]) { claims(filter: { patientId: $p, status: $s }, first: 50) { edges { node { id } } } }";
    let vars = json!({ "p": chart.patient, "s": [status] });
    let before = app.gql("owen", by_status, vars.clone()).await;
    assert!(ids(&before["data"]["claims"]).contains(&chart.claim.to_string()), "{before}");

    // A ticket about the claim, found by a word of its text.
    let created = app
        .gql(
            "alice",
            "mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }",
            json!({ "input": { "subject": "Question about the zephyrine invoice", "description": "The patient asks about a bill",
                    "channel": "PHONE", "priority": "NORMAL", "patientId": chart.patient, "claimId": chart.claim } }),
        )
        .await;
    let ticket = created["data"]["createTicket"]["id"].as_str().unwrap().to_owned();
    let search = "{ tickets(filter: { text: \"zephyrine\" }) { edges { node { id } } } }";
    assert_eq!(ids(&app.gql("alice", search, json!({})).await["data"]["tickets"]), vec![ticket.clone()]);

    label_claim(&app, chart.claim).await;
    ticket::Entity::update_many()
        .col_expr(ticket::Column::SecurityLabels, Expr::value("sud_part2"))
        .filter(ticket::Column::Id.eq(uuid::Uuid::parse_str(&ticket).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    // Neither a match nor a refusal: the filter does not see the labelled claim at all.
    let after = app.gql("owen", by_status, vars.clone()).await;
    assert!(after["errors"].is_null(), "a refusal would confirm the match: {after}");
    assert!(!ids(&after["data"]["claims"]).contains(&chart.claim.to_string()), "{after}");
    let found = app.gql("alice", search, json!({})).await;
    assert!(found["errors"].is_null() && ids(&found["data"]["tickets"]).is_empty(), "{found}");

    // The claim's provider would name the program: it is the claim's clinical value now.
    let provider = read_claim_with(&app, "owen", &chart, "provider { id }").await;
    assert!(provider["data"]["claim"]["provider"].is_null(), "{provider}");
    refused_as_part2(&provider);
});

async fn read_claim_with(app: &TestApp, sub: &str, chart: &Chart, fields: &str) -> Value {
    let query = format!("query($c: ID!) {{ claim(id: $c) {{ {fields} }} }}");
    ask(app, &app.url("/graphql"), sub, &query, json!({ "c": chart.claim }), Some(&claim_purpose(chart))).await
}

both!(at_most_twenty_consents_stand_at_once_and_an_ended_one_makes_room, |app| {
    let chart = fixtures::chart(&app, 0).await;
    let mut first = Value::Null;
    for n in 0..tools::kit::on_file::MAX_PER_PATIENT {
        let recorded = record_consent(&app, consent(&chart, &["billing"], &["ops"], &[], &["PAYMENT"])).await;
        if n == 0 {
            first = recorded["id"].clone();
        }
    }
    let over = app.gql("cora", RECORD, consent(&chart, &["billing"], &["ops"], &[], &["PAYMENT"])).await;
    assert_eq!(only_code(&over), "LIMIT_EXCEEDED", "{over}");
    assert!(revoke_consent(&app, &first).await["errors"].is_null());
    record_consent(&app, consent(&chart, &["billing"], &["ops"], &[], &["PAYMENT"])).await;
});

both!(an_escalation_summary_leaves_a_labelled_claim_out_and_an_amount_refusal_says_nothing, |app| {
    let escalation =
        entities::escalation::Entity::find().one(&app.db).await.unwrap().expect("the demo has escalations");
    let denial = entities::denial::Entity::find_by_id(escalation.denial_id).one(&app.db).await.unwrap().unwrap();
    let day = escalation.created_at.date_naive().to_string();
    let summary = "query($d: NaiveDate) { escalationSummary(from: $d, to: $d) { byStatus { count deniedCents } } }";
    let total = |body: Value| -> (i64, i64) {
        let groups =
            body["data"]["escalationSummary"]["byStatus"].as_array().unwrap_or_else(|| panic!("{body}")).clone();
        groups
            .iter()
            .fold((0, 0), |(n, c), g| (n + g["count"].as_i64().unwrap(), c + g["deniedCents"].as_i64().unwrap()))
    };
    label_claim(&app, denial.claim_id).await;
    // What the day's escalations add up to without the labelled claim (the summary is
    // cached a while, so it is asked once, after the label).
    let mut expected = (0, 0);
    for other in entities::escalation::Entity::find().all(&app.db).await.unwrap() {
        let held = entities::denial::Entity::find_by_id(other.denial_id).one(&app.db).await.unwrap().unwrap();
        let claim = claim::Entity::find_by_id(held.claim_id).one(&app.db).await.unwrap().unwrap();
        if other.created_at.date_naive() == escalation.created_at.date_naive() && claim.security_labels.is_empty() {
            expected = (expected.0 + 1, expected.1 + held.denied_cents);
        }
    }
    let after = total(app.gql("owen", summary, json!({ "d": day })).await);
    assert_eq!(after, expected, "the labelled claim is out of the sums");

    // Writing off more than the balance would answer the balance: refused before, by label.
    let body = app
        .gql(
            "owen",
            "mutation($id: ID!, $v: Int!) { transitionEscalation(id: $id, expectedVersion: $v, to: WRITTEN_OFF, note: \"Past timely filing\", writeOff: { amountCents: 900000000000, adjustmentGroup: CO, adjustmentCode: \"29\" }) { id } }",
            json!({ "id": escalation.id, "v": escalation.version }),
        )
        .await;
    refused_as_part2(&body);
    assert!(!body.to_string().contains(&denial.denied_cents.to_string()), "{body}");
});
