//! The directory in over HTTP: `POST /ingest/ndjson` from the practice-management system's
//! service account. Records are upserted by external id (a change makes a new version and
//! a history entry, a care record's new text a revision); a bad line refuses its batch of
//! 1,000 by line and field, quoting nothing; a batch stands or falls whole; and
//! `ward import directory` takes the shipped sample.

use crate::each_backend;
use crate::helpers::*;
use crate::ingest::{claim, claims_837, count, header, ingest_app, interchange, send_to, service_account};
use entities::{care_record, care_record_revision, directory_change, patient, provider, staff};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const NDJSON: &str = "application/x-ndjson";

fn npi(base: &str) -> String {
    format!("{base}{}", x12::claims::npi_check_digit(base).unwrap())
}

fn provider_line(key: &str, npi: &str) -> Value {
    json!({ "type": "provider", "externalId": key, "npi": npi, "firstName": "Jo", "lastName": "Lee",
            "credential": "LCSW", "specialty": "Psychotherapy", "state": "NY", "email": "jo.lee@providers.example.com" })
}

fn patient_line(key: &str, email: &str) -> Value {
    json!({ "type": "patient", "externalId": key, "firstName": "Ada", "lastName": "Quill", "email": email,
            "phone": "(212) 555-0100", "dateOfBirth": "1990-04-01", "payer": "Aetna", "memberId": "W900000001", "state": "NY" })
}

fn appointment_line(key: &str, patient: &str, provider: &str) -> Value {
    json!({ "type": "appointment", "externalId": key, "patientExternalId": patient, "providerExternalId": provider,
            "startsAt": "2026-11-30T15:00:00-05:00", "durationMinutes": 53, "kind": "therapy", "status": "completed",
            "cptCode": "90837" })
}

fn note_line(key: &str, patient: &str, provider: &str, appointment: &str, body: &str) -> Value {
    json!({ "type": "care_record", "externalId": key, "patientExternalId": patient, "providerExternalId": provider,
            "appointmentExternalId": appointment, "kind": "progress_note", "body": body, "diagnosisCodes": ["F41.1"],
            "writtenAt": "2026-11-30T16:00:00-05:00" })
}

fn ndjson(lines: &[Value]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

async fn patient_by_key(app: &TestApp, key: &str) -> patient::Model {
    patient::Entity::find().filter(patient::Column::ExternalId.eq(key)).one(&app.db).await.unwrap().expect(key)
}

async fn report_of(app: &TestApp, token: &str, file: String) -> Value {
    let (status, body) = send_to(app, "/ingest/ndjson", Some(token), NDJSON, file).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["importRun"].clone()
}

fn counts(run: &Value) -> [i64; 4] {
    let r = &run["report"];
    ["created", "updated", "unchanged", "refused"].map(|k| r[k].as_i64().unwrap_or(-1))
}

each_backend!(the_directory_is_upserted_by_external_id_with_versions_history_and_revisions, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    let d = npi("291000101");
    let first = ndjson(&[
        provider_line("D-1", &d),
        patient_line("P-1", "ada@example.com"),
        appointment_line("A-1", "P-1", "D-1"),
        note_line("N-1", "P-1", "D-1", "A-1", "Session 4. Worry lower; practised postponement."),
    ]);
    let run = report_of(&app, &token, first.clone()).await;
    assert_eq!((run["status"].as_str(), counts(&run)), (Some("imported"), [4, 0, 0, 0]), "{run}");
    assert_eq!(
        run["report"]["batches"],
        json!([{ "firstLine": 1, "lastLine": 4, "outcome": "imported", "records": 4 }])
    );
    let ada = patient_by_key(&app, "P-1").await;
    assert_eq!((ada.email.as_str(), ada.version), ("ada@example.com", 1));
    let note = care_record::Entity::find()
        .filter(care_record::Column::ExternalId.eq("N-1"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the note");
    assert_eq!((note.patient_id, note.created_at.to_rfc3339().as_str()), (ada.id, "2026-11-30T21:00:00+00:00"));

    let again = report_of(&app, &token, first).await;
    assert_eq!(again["id"], run["id"], "the same bytes are the same run: {again}");
    assert!(again["report"]["alreadyImported"].is_string(), "{again}");

    // The practice-management system changes the patient's email and the note's text.
    let second = ndjson(&[
        provider_line("D-1", &d),
        patient_line("P-1", "ada.quill@example.com"),
        appointment_line("A-1", "P-1", "D-1"),
        note_line("N-1", "P-1", "D-1", "A-1", "Session 4. Worry lower; practised postponement. Sleep improving."),
    ]);
    let changed = report_of(&app, &token, second).await;
    assert_eq!(counts(&changed), [0, 2, 2, 0], "{changed}");
    let run_id: uuid::Uuid = changed["id"].as_str().unwrap().parse().unwrap();
    let ada = patient_by_key(&app, "P-1").await;
    assert_eq!((ada.email.as_str(), ada.version), ("ada.quill@example.com", 2));
    let history = directory_change::Entity::find()
        .filter(directory_change::Column::RecordId.eq(ada.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!((history[0].fields.as_str(), history[0].version, history[0].import_file_id), ("email", 2, run_id));
    let previous: Value = serde_json::from_str(&history[0].previous).unwrap();
    assert_eq!(previous, json!({ "email": "ada@example.com" }));

    the_note_was_revised(&app, note.id, &changed).await;

    // One audited event a run, naming the file, never what it held.
    let events = app
        .sql(
            "SELECT reason FROM audit_event WHERE action = 'import' AND actor = 'service.practice-system' ORDER BY seq",
        )
        .await;
    let reasons: Vec<String> = events.iter().map(|r| r.try_get("", "reason").unwrap()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[2].contains("created 0, updated 2, unchanged 2"), "{reasons:?}");
    // (Not "ada" alone: a run's random id can spell it.)
    assert!(reasons.iter().all(|r| !r.contains("ada@") && !r.contains("Quill")), "{reasons:?}");
});

/// The note the second file changed: at version 2, what it said kept as a revision by the
/// sending account and run, which the medical team sees as an edit's.
async fn the_note_was_revised(app: &TestApp, id: uuid::Uuid, changed: &Value) {
    let run_id: uuid::Uuid = changed["id"].as_str().unwrap().parse().unwrap();
    let note = care_record::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(note.version, 2);
    assert!(note.body.ends_with("Sleep improving."));
    let revisions = care_record_revision::Entity::find()
        .filter(care_record_revision::Column::CareRecordId.eq(id))
        .order_by_asc(care_record_revision::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let account = staff::Entity::find()
        .filter(staff::Column::Sub.eq("service.practice-system"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revisions.len(), 1);
    let revision = &revisions[0];
    assert_eq!(
        (revision.replaced_version, revision.editor_id, revision.import_file_id),
        (1, Some(account.id), Some(run_id))
    );
    assert_eq!(revision.old_body, "Session 4. Worry lower; practised postponement.");

    // The medical team sees the revision as an edit's, with who made it.
    let query = "query($id: ID!) { careRecord(id: $id) { version revisions(first: 5) { edges { node {
        version body reason editor { sub } importRun } } } } }";
    let seen = app.gql("maya", query, json!({ "id": id.to_string() })).await;
    let node = &seen["data"]["careRecord"]["revisions"]["edges"][0]["node"];
    assert_eq!(seen["data"]["careRecord"]["version"], 2, "{seen}");
    assert_eq!((node["version"].as_i64(), node["editor"]["sub"].as_str()), (Some(1), Some("service.practice-system")));
    assert!(node["reason"].as_str().unwrap().contains("practice-management system"), "{seen}");
    assert_eq!(node["importRun"], changed["id"], "{seen}");
}

each_backend!(a_bad_line_refuses_its_batch_by_line_and_field_and_quotes_nothing, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    let mut lines: Vec<Value> =
        (1..=1_500).map(|n| patient_line(&format!("P-B-{n}"), &format!("p{n}@example.com"))).collect();
    lines[1_199]["dateOfBirth"] = json!("Ada's birthday");
    lines[1_299]["ssn"] = json!("078-05-1120");
    let run = report_of(&app, &token, ndjson(&lines)).await;
    assert_eq!((run["status"].as_str(), counts(&run)), (Some("partial"), [1_000, 0, 0, 1]), "{run}");
    let batches = &run["report"]["batches"];
    assert_eq!(batches[0]["outcome"], "imported");
    assert_eq!(
        batches[1],
        json!({ "firstLine": 1001, "lastLine": 1500, "outcome": "refused", "records": 500, "problems": [
            "line 1200, field `dateOfBirth`: not a date (YYYY-MM-DD)",
            "line 1300: 1 field(s) this type does not have (see the schema of each type)",
        ] })
    );
    let text = run.to_string();
    assert!(!text.contains("Ada's") && !text.contains("078-05") && !text.contains("ssn"), "{text}");
    let written = app.sql("SELECT COUNT(*) AS n FROM patient WHERE external_id LIKE 'P-B-%'").await;
    assert_eq!(written[0].try_get::<i64>("", "n").unwrap(), 1_000, "nothing of the refused batch was written");

    // A line that names a patient ward does not hold refuses its batch, written or not.
    let file = ndjson(&[
        patient_line("P-C-1", "c1@example.com"),
        provider_line("D-C-1", &npi("291000202")),
        appointment_line("A-C-1", "P-NOBODY", "D-C-1"),
    ]);
    let (status, body) = send_to(&app, "/ingest/ndjson", Some(&token), NDJSON, file).await;
    assert_eq!((status, body["data"]["importRun"]["status"].as_str()), (400, Some("refused")), "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "line 3, field `patientExternalId`: no patient in ward has this external id"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let c1 = patient::Entity::find().filter(patient::Column::ExternalId.eq("P-C-1")).one(&app.db).await.unwrap();
    assert!(c1.is_none(), "its batch's patient was rolled back with it");
});

each_backend!(a_provider_ward_knows_by_npi_takes_the_directorys_key, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    let known = provider::Entity::find().one(&app.db).await.unwrap().expect("a demo provider");
    assert_eq!(known.external_id, None);
    let run = report_of(&app, &token, ndjson(&[provider_line("D-KNOWN", &known.npi)])).await;
    assert_eq!(counts(&run), [0, 1, 0, 0], "the same person, not a second provider: {run}");
    let adopted = provider::Entity::find_by_id(known.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!((adopted.external_id.as_deref(), adopted.version), (Some("D-KNOWN"), known.version + 1));

    let (status, clash) =
        send_to(&app, "/ingest/ndjson", Some(&token), NDJSON, ndjson(&[provider_line("D-OTHER", &known.npi)])).await;
    assert_eq!(status, 400, "{clash}");
    assert_eq!(
        clash["data"]["importRun"]["report"]["batches"][0]["problems"],
        json!(["line 1, field `npi`: another provider in ward holds this NPI"]),
        "{clash}"
    );
});

each_backend!(only_an_integration_account_sends_ndjson_and_as_ndjson, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    let file = ndjson(&[patient_line("P-X", "x@example.com")]);
    let (status, body) = send_to(&app, "/ingest/ndjson", Some(&token), "application/json", file.clone()).await;
    assert_eq!((status, only_code(&body)), (415, "BAD_USER_INPUT".to_owned()), "{body}");
    let (status, _) = send_to(&app, "/ingest/ndjson", None, NDJSON, file.clone()).await;
    assert_eq!(status, 401);
    let (status, body) = send_to(&app, "/ingest/ndjson", Some(&app.token("alice")), NDJSON, file.clone()).await;
    assert_eq!((status, only_code(&body)), (403, "FORBIDDEN".to_owned()), "{body}");
    // Ops may send claims and remittances, but the directory and notes come from the
    // practice-management system alone: a person would rewrite records their role cannot edit.
    let (status, body) = send_to(&app, "/ingest/ndjson", Some(&app.token("owen")), NDJSON, file.clone()).await;
    assert_eq!((status, only_code(&body)), (403, "FORBIDDEN".to_owned()), "{body}");
    // No person's role sends it: medical, compliance and admin are refused as cx and ops are.
    for person in ["maya", "cora", "adam"] {
        let (status, body) = send_to(&app, "/ingest/ndjson", Some(&app.token(person)), NDJSON, file.clone()).await;
        assert_eq!((status, only_code(&body)), (403, "FORBIDDEN".to_owned()), "{person}: {body}");
    }
    // A signed JWT naming the service account's subject is not the account's token, and a
    // deactivated member is no one.
    for sub in ["service.practice-system", "dan"] {
        let (status, body) = send_to(&app, "/ingest/ndjson", Some(&app.token(sub)), NDJSON, file.clone()).await;
        assert_eq!((status, only_code(&body)), (401, "UNAUTHENTICATED".to_owned()), "{sub}: {body}");
    }
    assert_eq!(count(&app, "import_file").await, 0, "nothing landed");
    let hostile = [
        "{\"type\":\"patient\",\"externalId\":\"P-H\",\"durationMinutes\":1e9999}\n".to_owned(),
        format!("{}\n", "x".repeat(1024 * 1024 + 5)),
        "\u{feff}{\"type\":\"patient\"}\n".to_owned(),
        "\n".repeat(100_000),
    ]
    .concat();
    let mut bytes = hostile.into_bytes();
    bytes.extend_from_slice(b"{\"type\":\"patient\",\"externalId\":\"\xff\xfe\"}\n");
    let (status, body) = send_to(&app, "/ingest/ndjson", Some(&token), NDJSON, bytes).await;
    assert_eq!(status, 400, "{body}");
    let problems = &body["data"]["importRun"]["report"]["batches"][0]["problems"];
    assert_eq!(
        problems,
        &json!([
            "line 1: not JSON (column 61)",
            "line 2: longer than 1048576 bytes",
            "line 3: not JSON (column 1)",
            "line 100004: not JSON (column 33)",
        ]),
        "{body}"
    );
});

each_backend!(ward_import_directory_takes_the_shipped_sample, |backend| {
    let app = ingest_app(backend).await;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/data/samples/sample-directory.ndjson");
    let url = app.test_db.url.clone();
    let out = ward().args(["import", "directory", "--database-url", &url, sample]).output().await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{said} {}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("created 9, updated 0, unchanged 0, unmatched 0, refused 0"), "{said}");
    let alex = patient_by_key(&app, "PM-PAT-0001").await;
    assert_eq!(alex.member_id, "NWH100200300", "the sample 837P's subscriber");

    // The sample 837P's claims then find their patients: the subscriber by member id, the
    // dependent (who has no member id of their own in 5010) by the record number in REF*EA.
    let claims = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/data/samples/sample-837p.edi");
    let out = ward().args(["import", "837", "--database-url", &url, claims]).output().await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("created 3, updated 0, unchanged 0, unmatched 0, refused 0"), "{said}");
    let jordan = patient_by_key(&app, "PM-PAT-0002").await;
    let dependent = entities::claim::Entity::find()
        .filter(entities::claim::Column::ClaimNumber.eq("CLM-2026-9000103"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the dependent's claim");
    assert_eq!(dependent.patient_id, jordan.id);
});

each_backend!(an_appointment_or_note_is_never_moved_to_another_patient, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    let d = npi("291000303");
    let first = ndjson(&[
        provider_line("D-M", &d),
        patient_line("P-M1", "m1@example.com"),
        patient_line("P-M2", "m2@example.com"),
        appointment_line("A-M", "P-M1", "D-M"),
        note_line("N-M", "P-M1", "D-M", "A-M", "Session 1. Intake for low mood."),
    ]);
    assert_eq!(counts(&report_of(&app, &token, first).await), [5, 0, 0, 0]);
    for line in [appointment_line("A-M", "P-M2", "D-M"), {
        let mut note = note_line("N-M", "P-M2", "D-M", "A-M", "Session 1. Intake for low mood.");
        note.as_object_mut().unwrap().remove("appointmentExternalId");
        note
    }] {
        let (status, body) = send_to(&app, "/ingest/ndjson", Some(&token), NDJSON, ndjson(&[line])).await;
        assert_eq!(status, 400, "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("line 1, field `patientExternalId`: this "), "{message}");
        assert!(message.ends_with("is another patient's in ward; it is not moved"), "{message}");
    }
    let m1 = patient_by_key(&app, "P-M1").await;
    let note = care_record::Entity::find()
        .filter(care_record::Column::ExternalId.eq("N-M"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((note.patient_id, note.version), (m1.id, 1), "the note stays its patient's");
});

each_backend!(every_import_waits_its_turn_behind_other_writers_and_is_never_lost_to_them, |backend| {
    // SQLite in WAL: a transaction begun deferred that reads and then writes fails at once
    // (SQLITE_BUSY_SNAPSHOT, no busy wait) when another connection commits in between, such
    // as a console session's last-use update. Another writer commits all through these
    // imports (the directory, an 837P, an 835): each must wait its turn and be written.
    use sea_orm::ConnectionTrait;
    use std::sync::atomic::{AtomicBool, Ordering};
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    app.db.execute_unprepared("CREATE TABLE other_writer (n INTEGER)").await.unwrap();
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, done) = (app.db.clone(), done.clone());
        tokio::spawn(async move {
            let mut writes = 0_u64;
            while !done.load(Ordering::Relaxed) {
                db.execute_unprepared("INSERT INTO other_writer (n) VALUES (1)").await.unwrap();
                writes += 1;
                tokio::task::yield_now().await;
            }
            writes
        })
    };
    for round in 0..3 {
        let lines: Vec<Value> = (1..=2_500)
            .map(|n| patient_line(&format!("P-W-{round}-{n}"), &format!("w{round}.{n}@example.com")))
            .collect();
        let run = report_of(&app, &token, ndjson(&lines)).await;
        assert_eq!((run["status"].as_str(), counts(&run)), (Some("imported"), [2_500, 0, 0, 0]), "{run}");
    }
    let row = &app.sql("SELECT p.member_id, v.npi FROM patient p, provider v ORDER BY p.id, v.id LIMIT 1").await[0];
    let (member, npi): (String, String) = (row.try_get("", "member_id").unwrap(), row.try_get("", "npi").unwrap());
    let numbers: Vec<String> = (1..=600).map(|n| format!("CLM-2098-{n:07}")).collect();
    let claims: Vec<(&str, &str, &str, i64)> = numbers.iter().map(|n| (n.as_str(), &*member, &*npi, 20_000)).collect();
    let (status, body) = send_to(&app, "/ingest/x12", Some(&token), "application/edi-x12", claims_837(&claims)).await;
    assert_eq!((status, body["data"]["importRun"]["report"]["created"].as_i64()), (200, Some(600)), "{body}");
    let mut set = header(600 * 15_000, "EFT-W");
    for number in &numbers {
        set.extend(claim(number, "1", 20_000, 15_000, "CO", "45", None));
    }
    let (status, body) = send_to(&app, "/ingest/x12", Some(&token), "application/edi-x12", interchange(&[set])).await;
    assert_eq!((status, body["data"]["importRun"]["status"].as_str()), (200, Some("imported")), "{body}");
    done.store(true, Ordering::Relaxed);
    assert!(writer.await.unwrap() > 0, "the other writer wrote all along");
    assert_eq!(count(&app, "patient WHERE external_id LIKE 'P-W-%'").await, 7_500);
    assert_eq!(count(&app, "claim WHERE claim_number LIKE 'CLM-2098-%' AND paid_cents = 15000").await, 600);
});

/// SQLite: a database whose write lock another holds past the busy timeout answers
/// `UNAVAILABLE` (try again), not `INTERNAL`; nothing is half-written, and the same file sent
/// again is imported whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_locked_past_the_busy_timeout_is_unavailable_and_the_file_can_be_sent_again() {
    use sea_orm::{ConnectionTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let app = ingest_app(Backend::Sqlite).await;
    let token = service_account(&app, "practice-system").await;
    let file = ndjson(
        &(1..=1_500).map(|n| patient_line(&format!("P-L-{n}"), &format!("l{n}@example.com"))).collect::<Vec<_>>(),
    );
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    let holder = app.db.begin_with_options(options).await.unwrap();
    holder.execute_unprepared("CREATE TABLE lock_holder (n INTEGER)").await.unwrap();
    let (status, body) = send_to(&app, "/ingest/ndjson", Some(&token), NDJSON, file.clone()).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (503, Some("UNAVAILABLE")), "{body}");
    holder.rollback().await.unwrap();
    assert_eq!(count(&app, "patient WHERE external_id LIKE 'P-L-%'").await, 0, "nothing half-written");
    let run = report_of(&app, &token, file).await;
    assert_eq!((run["status"].as_str(), counts(&run)), (Some("imported"), [1_500, 0, 0, 0]), "{run}");
}

each_backend!(a_psychotherapy_note_is_never_refiled_as_another_kind_nor_a_record_as_one, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "practice-system").await;
    let d = npi("291000404");
    let mut therapist_only = note_line("N-P", "P-P", "D-P", "A-P", "Process note: transference noticed.");
    therapist_only["kind"] = json!("psychotherapy_note");
    let first = ndjson(&[
        provider_line("D-P", &d),
        patient_line("P-P", "pp@example.com"),
        appointment_line("A-P", "P-P", "D-P"),
        therapist_only.clone(),
        note_line("N-Q", "P-P", "D-P", "A-P", "Session 1. Intake for low mood."),
    ]);
    assert_eq!(counts(&report_of(&app, &token, first).await), [5, 0, 0, 0]);
    let mut refiled = therapist_only;
    refiled["kind"] = json!("progress_note");
    let mut becomes = note_line("N-Q", "P-P", "D-P", "A-P", "Session 1. Intake for low mood.");
    becomes["kind"] = json!("psychotherapy_note");
    for line in [refiled, becomes] {
        let (status, body) = send_to(&app, "/ingest/ndjson", Some(&token), NDJSON, ndjson(&[line])).await;
        assert_eq!(status, 400, "{backend:?}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("line 1, field `kind`: "), "{message}");
        assert!(!message.contains("transference"), "quotes nothing: {message}");
    }
    let kinds: Vec<String> = care_record::Entity::find()
        .filter(care_record::Column::ExternalId.is_in(["N-P", "N-Q"]))
        .order_by_asc(care_record::Column::ExternalId)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, ["psychotherapy_note", "progress_note"], "{backend:?}: neither was re-filed");
});
