//! Data in over HTTP: `POST /ingest/x12` from a service account, on the demo data's own
//! claims. Remittances pay, deny and reverse claims by their numbers; a set that breaks a
//! rule writes nothing; the same remittance twice changes nothing; a hostile file is refused
//! by position, quoting nothing; and only a service account with `integration` may send.

use crate::helpers::*;
use crate::{both, each_backend};
use serde_json::{Value, json};
use std::time::Duration;

/// A cents amount as X12 writes it.
fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// An interchange of 835 sets, each given as its segments between ST and SE.
pub fn interchange(sets: &[Vec<String>]) -> String {
    let mut out = String::from(
        "ISA*00*          *00*          *ZZ*NWHPERA        *ZZ*WARDBH01       *261201*0930*^*00501*000000042*0*P*:~\n\
         GS*HP*NWHPERA*WARDBH01*20261201*0930*42*X*005010X221A1~\n",
    );
    for (i, set) in sets.iter().enumerate() {
        let control = format!("{:04}", i + 1);
        out.push_str(&format!("ST*835*{control}~\n"));
        for segment in set {
            out.push_str(segment);
            out.push_str("~\n");
        }
        out.push_str(&format!("SE*{}*{control}~\n", set.len() + 2));
    }
    out.push_str(&format!("GE*{}*42~\nIEA*1*000000042~\n", sets.len()));
    out
}

/// A set's header: the payment of `total` cents under trace `trace`, paid 2026-12-01.
pub fn header(total: i64, trace: &str) -> Vec<String> {
    vec![
        format!("BPR*I*{}*C*ACH*CCP*01*999999992*DA*1*1999999999**01*888888884*DA*2*20261201", amount(total)),
        format!("TRN*1*{trace}*1999999999"),
        "N1*PR*NORTHWIND HEALTH PLAN".into(),
        "N1*PE*WARD BEHAVIORAL HEALTH*XX*1234567893".into(),
        "LX*1".into(),
    ]
}

/// One claim paid `paid` of `charge` on one line, the rest adjusted `group`-`reason`.
pub fn claim(
    number: &str,
    status: &str,
    charge: i64,
    paid: i64,
    group: &str,
    reason: &str,
    remark: Option<&str>,
) -> Vec<String> {
    let mut out = vec![
        format!("CLP*{number}*{status}*{}*{}**12*ICN{}", amount(charge), amount(paid), number.len()),
        format!("SVC*HC:90837:95*{}*{}**1", amount(charge), amount(paid)),
        "DTM*472*20261120".into(),
    ];
    if charge != paid {
        out.push(format!("CAS*{group}*{reason}*{}", amount(charge - paid)));
    }
    if let Some(remark) = remark {
        out.push(format!("LQ*HE*{remark}"));
    }
    out
}

/// `n` claims awaiting payment: (id, number, billed cents).
async fn submitted(app: &TestApp, n: usize) -> Vec<(uuid::Uuid, String, i64)> {
    let rows = app
        .sql(&format!(
            "SELECT id, claim_number, billed_cents FROM claim WHERE status = 'submitted' ORDER BY claim_number LIMIT {n}"
        ))
        .await;
    let claims: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "id").unwrap(),
                r.try_get("", "claim_number").unwrap(),
                r.try_get("", "billed_cents").unwrap(),
            )
        })
        .collect();
    assert_eq!(claims.len(), n, "the demo data has claims awaiting payment");
    claims
}

/// A service account holding `integration`, with its token, once the server's policy says so.
pub async fn service_account(app: &TestApp, name: &str) -> String {
    let by = tools::kit::audit::recorder::EventBase::operator("cli:test");
    let token = tools::admin::service_account_service::create(&app.db, name, policies::Role::Integration, &by)
        .await
        .expect("create the service account");
    for _ in 0..200 {
        let (_, body) = app.post(Some(&token), &json!({ "query": "{ me { roles } }" })).await;
        if body["data"]["me"]["roles"] == json!(["integration"]) {
            return token;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server never took the service account's role");
}

/// Policy re-read every 100 ms, so a service account made beside the server is in force soon.
pub async fn ingest_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |c| c.policy_refresh = Duration::from_millis(100))
        .await
        .unwrap_or_else(|| panic!("{backend:?} is unreachable"))
}

pub async fn send(
    app: &TestApp,
    token: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    send_to(app, "/ingest/x12", token, content_type, body).await
}

/// Sends `body` to an ingest route: (status, the answer's JSON).
pub async fn send_to(
    app: &TestApp,
    route: &str,
    token: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, Value) {
    let mut request = app.client.post(app.url(route)).header("content-type", content_type).body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn count(app: &TestApp, table: &str) -> i64 {
    app.sql(&format!("SELECT COUNT(*) AS n FROM {table}")).await[0].try_get("", "n").unwrap()
}

/// (paid cents, status, appeal deadline) of a claim.
async fn claim_row(app: &TestApp, id: uuid::Uuid) -> (i64, String, Option<chrono::NaiveDate>) {
    use sea_orm::EntityTrait;
    let claim = entities::claim::Entity::find_by_id(id).one(&app.db).await.unwrap().expect("the claim");
    let status = match claim.status {
        entities::claim::ClaimStatus::PartiallyPaid => "partially_paid".to_owned(),
        other => format!("{other:?}").to_lowercase(),
    };
    (claim.paid_cents, status, claim.appeal_deadline)
}

each_backend!(a_remittance_pays_denies_and_reverses_claims_by_their_numbers, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "claims-system").await;
    let claims = submitted(&app, 2).await;
    let ((paid_id, paid_no, paid_charge), (denied_id, denied_no, denied_charge)) =
        (claims[0].clone(), claims[1].clone());
    let first_paid = paid_charge * 8 / 10;
    let mut first = header(first_paid + 8_000, "EFT-1");
    first.extend(claim(&paid_no, "1", paid_charge, first_paid, "CO", "45", None));
    first.extend(claim(&denied_no, "1", denied_charge, 0, "CO", "50", Some("N115")));
    first.extend(claim("CLM-2099-0000001", "1", 10_000, 8_000, "CO", "45", None));
    // The payer reprocesses the paid claim: a reversal, then the correction.
    let corrected = paid_charge - 1_000;
    let mut second = header(corrected - first_paid, "CHK-2");
    second.extend(claim(&paid_no, "22", -paid_charge, -first_paid, "CO", "45", None));
    second.extend(claim(&paid_no, "1", paid_charge, corrected, "CO", "45", None));
    let file = interchange(&[first, second]);

    let (status, body) = send(&app, Some(&token), "application/edi-x12", file.clone()).await;
    assert_eq!(status, 200, "{body}");
    let report = &body["data"]["importRun"]["report"];
    assert_eq!(body["data"]["importRun"]["status"], "imported", "{body}");
    assert_eq!(
        (report["created"].as_i64(), report["updated"].as_i64(), report["unmatched"].as_i64()),
        (Some(4), Some(2), Some(1)),
        "{body}"
    );

    let (paid, state, deadline) = claim_row(&app, paid_id).await;
    assert_eq!((paid, state.as_str(), deadline), (corrected, "paid", None), "undone and redone, never doubled");
    let (paid, state, deadline) = claim_row(&app, denied_id).await;
    assert_eq!((paid, state.as_str()), (0, "denied"));
    let denials = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entities::denial::Entity::find()
            .filter(entities::denial::Column::ClaimId.eq(denied_id))
            .all(&app.db)
            .await
            .unwrap()
    };
    assert_eq!(denials.len(), 1, "{denials:?}");
    let denial = &denials[0];
    let denial_deadline = denial.appeal_deadline;
    assert_eq!((denial.carc_group.as_str(), denial.carc_code.as_str()), ("CO", "50"));
    assert_eq!(denial.rarc_code.as_deref(), Some("N115"));
    assert_eq!(denial.denied_cents, denied_charge);
    assert_eq!(deadline, Some(denial_deadline), "the claim's derived deadline is its new denial's");
    assert!(denial_deadline > chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());

    // The denial is on ops' queue at once.
    let queue = app
        .gql(
            "owen",
            "{ denials(first: 100, filter: { carcCode: \"50\" }) { edges { node { claim { claimNumber } } } } }",
            json!({}),
        )
        .await;
    assert!(queue.to_string().contains(&denied_no), "{queue}");
    let unmatched = app.sql("SELECT claim_number, match_state FROM claim_payment WHERE claim_id IS NULL").await;
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].try_get::<String>("", "match_state").unwrap(), "unmatched");

    // One audited event for the run, naming the file's digest and the counts.
    let events =
        app.sql("SELECT actor, reason FROM audit_event WHERE action = 'import' AND resource_type = 'ingest'").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].try_get::<String>("", "actor").unwrap(), "service.claims-system");
    let reason: String = events[0].try_get("", "reason").unwrap();
    assert!(
        reason.contains(&tools::kit::secrets::sha256_hex(file.as_bytes())) && reason.contains("unmatched 1"),
        "{reason}"
    );

    // The same file again, and the same remittances in another file: nothing changes.
    let payments = count(&app, "claim_payment").await;
    let (status, again) = send(&app, Some(&token), "application/edi-x12", file.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert!(again["data"]["importRun"]["report"]["alreadyImported"].is_string(), "{again}");
    let (_, other) = send(&app, Some(&token), "application/edi-x12", file.replace("~\n", "~")).await;
    assert_eq!(other["data"]["importRun"]["report"]["unchanged"], 5, "{other}");
    assert_eq!(count(&app, "claim_payment").await, payments);
    assert_eq!(claim_row(&app, paid_id).await.0, corrected);
});

each_backend!(a_set_that_breaks_a_rule_writes_nothing_and_the_other_sets_stand, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "claims-system").await;
    let claims = submitted(&app, 2).await;
    let mut broken = header(claims[0].2 + 1, "EFT-BAD");
    broken.extend(claim(&claims[0].1, "1", claims[0].2, claims[0].2, "CO", "45", None));
    let mut sound = header(claims[1].2, "EFT-GOOD");
    sound.extend(claim(&claims[1].1, "1", claims[1].2, claims[1].2, "CO", "45", None));
    let (status, body) = send(&app, Some(&token), "application/edi-x12", interchange(&[broken, sound])).await;
    assert_eq!(status, 200, "one set stood: {body}");
    assert_eq!(body["data"]["importRun"]["status"], "partial");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(
        body["errors"][0]["message"],
        "segment 4 (BPR), element BPR02: BPR02 is not the sum of CLP04 less the PLB adjustments"
    );
    assert_eq!(claim_row(&app, claims[0].0).await.1, "submitted", "nothing of the refused set was written");
    assert_eq!(claim_row(&app, claims[1].0).await.1, "paid");
    assert_eq!(count(&app, "remittance").await, 1);
    let runs = app.sql("SELECT status, refused, report FROM import_file").await;
    assert_eq!(runs[0].try_get::<String>("", "status").unwrap(), "partial");
    assert!(runs[0].try_get::<String>("", "report").unwrap().contains("BPR02"), "the refusal waits in the report");
});

each_backend!(hostile_files_are_refused_by_position_quoting_nothing_and_writing_nothing, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "claims-system").await;
    let claims = submitted(&app, 1).await;
    let (number, charge) = (claims[0].1.clone(), claims[0].2);
    let mut set = header(charge, "EFT-H");
    set.extend(claim(&number, "1", charge, charge, "CO", "45", None));
    let good = interchange(&[set]);
    let clp = format!("CLP*{number}*1*{}*", amount(charge));
    let secret = "RIVERA-ALEX-1985";
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("a short ISA", b"ISA*00*  *00*".to_vec()),
        ("colliding delimiters", good.replacen("*^*00501", "*:*00501", 1).into_bytes()),
        ("no segment terminator", good.trim_end().trim_end_matches('~').as_bytes().to_vec()),
        (
            "a 10 MB element",
            good.replacen("N1*PR*NORTHWIND HEALTH PLAN", &format!("N1*PR*{}", "N".repeat(10 << 20)), 1).into_bytes(),
        ),
        (
            "a million empty segments",
            good.replacen("LX*1~", &format!("LX*1~{}", "~".repeat(1_000_000)), 1).into_bytes(),
        ),
        ("non-UTF-8 bytes", good.replacen("NORTHWIND", "NORTH\u{e9}WIND", 1).into_bytes()),
        ("1e9999", good.replacen(&clp, &format!("CLP*{number}*1*1e9999*"), 1).into_bytes()),
        ("NaN", good.replacen(&clp, &format!("CLP*{number}*1*NaN*"), 1).into_bytes()),
        ("-0", good.replacen(&clp, &format!("CLP*{number}*1*-0*"), 1).into_bytes()),
        ("20251399", good.replacen("DTM*472*20261120", "DTM*472*20251399", 1).into_bytes()),
        (
            "a CLP01 twice",
            good.replacen("LX*1~", &format!("LX*1~{}~", claim(&number, "1", 1, 1, "CO", "45", None).join("~")), 1)
                .into_bytes(),
        ),
        ("an ST without its SE", good.replacen("SE*", "ST*835*0002~SE*", 1).into_bytes()),
        (
            "a GS inside a GS",
            good.replacen("ST*835", "GS*HP*A*B*20261201*0930*43*X*005010X221A1~ST*835", 1).into_bytes(),
        ),
        ("a value that must not come back", good.replacen(&clp, &format!("CLP*{number}*1*{secret}*"), 1).into_bytes()),
    ];
    for (what, bytes) in cases {
        let (status, body) = send(&app, Some(&token), "application/edi-x12", bytes).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{what}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("segment "), "{what}: the position comes first: {message}");
        assert!(
            !body.to_string().contains(secret) && !body.to_string().contains(&number),
            "{what}: quotes nothing: {body}"
        );
    }
    assert_eq!(count(&app, "remittance").await, 0, "nothing of any was written");
    assert_eq!(count(&app, "claim_payment").await, 0);
    assert_eq!(claim_row(&app, claims[0].0).await.1, "submitted");
});

both!(only_a_service_account_with_integration_may_send_and_it_reads_nothing_back, |app| {
    let file = interchange(&[header(0, "EFT-0")]);
    let (status, body) = send(&app, None, "application/edi-x12", file.clone()).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (401, Some("UNAUTHENTICATED")));
    let (status, body) = send(&app, Some(&app.token("maya")), "application/edi-x12", file.clone()).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].as_str()),
        (403, Some("FORBIDDEN")),
        "staff send nothing in"
    );
    let refused = app.sql("SELECT actor FROM audit_event WHERE outcome = 'denied' AND resource_type = 'ingest'").await;
    assert_eq!(refused.len(), 1, "the refusal is on the audit trail");
    let (status, _) = send(&app, Some(&app.token("service.claims-system")), "application/edi-x12", file.clone()).await;
    assert_eq!(status, 401, "a JWT never signs in as a service account");
    let (status, body) = send(&app, Some("ward_sa_forged"), "application/edi-x12", file.clone()).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = send(&app, Some(&app.token("owen")), "application/json", "{}").await;
    assert_eq!(status, 415, "{body}");
});

each_backend!(a_service_account_reads_no_phi_and_a_revoked_one_is_out_at_once, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "pm-system").await;
    let (_, body) = app
        .post(Some(&token), &json!({ "query": "{ patients(first: 5) { edges { node { name dateOfBirth } } } }" }))
        .await;
    assert_eq!(only_code(&body), "FORBIDDEN", "{body}");
    assert!(body["data"].is_null() || body["data"]["patients"].is_null(), "{body}");
    let by = tools::kit::audit::recorder::EventBase::operator("cli:test");
    tools::admin::service_account_service::revoke(&app.db, "pm-system", &by).await.unwrap();
    let (status, body) = send(&app, Some(&token), "application/edi-x12", interchange(&[])).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (401, Some("UNAUTHENTICATED")), "{body}");
});

each_backend!(a_file_over_the_ingest_limit_is_refused_before_it_is_read, |backend| {
    let app = spawn_app_with(backend, |c| {
        c.policy_refresh = Duration::from_millis(100);
        c.limits.max_ingest_bytes = 4_096;
    })
    .await
    .unwrap_or_else(|| panic!("{backend:?} is unreachable"));
    let token = service_account(&app, "claims-system").await;
    let (status, body) = send(&app, Some(&token), "application/edi-x12", "~".repeat(5_000)).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (413, Some("LIMIT_EXCEEDED")), "{body}");
    assert_eq!(count(&app, "import_file").await, 0, "not even landed");
});

each_backend!(ward_import_835_takes_the_shipped_sample_once_and_names_what_it_refused, |backend| {
    let app = ingest_app(backend).await;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/data/samples/sample-835.edi");
    let run = |file: String| {
        let url = app.test_db.url.clone();
        async move { ward().args(["import", "835", "--database-url", &url, &file]).output().await.unwrap() }
    };
    let first = run(sample.to_owned()).await;
    let said = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(first.status.success(), "{said} {}", String::from_utf8_lossy(&first.stderr));
    assert!(said.contains(": imported (run "), "{said}");
    let counted = |name: &str| -> u32 {
        said.split(&format!("{name} ")).nth(1).and_then(|rest| rest.split(',').next()).unwrap().trim().parse().unwrap()
    };
    assert_eq!(counted("created") + counted("unmatched"), 7, "every claim payment recorded or kept: {said}");
    let again = run(sample.to_owned()).await;
    assert!(String::from_utf8_lossy(&again.stdout).contains("imported before"), "{again:?}");

    let broken = std::env::temp_dir().join(format!("ward-broken-{}.835", uuid::Uuid::now_v7()));
    let text = std::fs::read_to_string(sample).unwrap().replacen("BPR*I*415*", "BPR*I*416*", 1).replacen(
        "EFT20260318A01",
        "EFT-OTHER",
        1,
    );
    std::fs::write(&broken, text).unwrap();
    let refused = run(broken.display().to_string()).await;
    let said = String::from_utf8_lossy(&refused.stdout);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("set 0001 refused: segment 4 (BPR), element BPR02"), "{said}");
    std::fs::remove_file(&broken).ok();
});

/// An 837P interchange of one set: `claims` as (claim number, member id, NPI, charge cents).
pub fn claims_837(claims: &[(&str, &str, &str, i64)]) -> String {
    let mut body: Vec<String> = vec![
        "BHT*0019*00*B1*20261201*0930*CH".into(),
        "NM1*41*2*WARD BEHAVIORAL HEALTH*****46*WARDBH01".into(),
        "NM1*40*2*NORTHWIND HEALTH PLAN*****46*NWHP1".into(),
        "HL*1**20*1".into(),
        "NM1*85*2*WARD BEHAVIORAL HEALTH*****XX*1234567893".into(),
    ];
    for (i, (number, member, npi, charge)) in claims.iter().enumerate() {
        body.push(format!("HL*{}*1*22*0", i + 2));
        body.push("SBR*P*18*GROUP1******CI".into());
        body.push(format!("NM1*IL*1*SYNTHETIC*PATIENT****MI*{member}"));
        body.push("NM1*PR*2*NORTHWIND HEALTH PLAN*****PI*NWHP1".into());
        body.push(format!("CLM*{number}*{}***11:B:1*Y*A*Y*Y", amount(*charge)));
        body.push("HI*ABK:F4310*ABF:F411".into());
        body.push(format!("NM1*82*1*SYNTHETIC*PROVIDER****XX*{npi}"));
        body.push("LX*1".into());
        body.push(format!("SV1*HC:90837:95*{}*UN*1***1:2", amount(*charge)));
        body.push("DTP*472*D8*20261120".into());
    }
    let mut out = String::from(
        "ISA*00*          *00*          *ZZ*WARDBH01       *ZZ*NWHP837        *261201*0930*^*00501*000000043*0*P*:~\n\
         GS*HC*WARDBH01*NWHP837*20261201*0930*43*X*005010X222A1~\nST*837*0001*005010X222A1~\n",
    );
    for segment in &body {
        out.push_str(segment);
        out.push_str("~\n");
    }
    out.push_str(&format!("SE*{}*0001~\nGE*1*43~\nIEA*1*000000043~\n", body.len() + 2));
    out
}

each_backend!(an_837p_creates_and_updates_claims_of_known_patients_and_invents_no_one, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "claims-system").await;
    let row = &app.sql("SELECT p.member_id, v.npi FROM patient p, provider v ORDER BY p.id, v.id LIMIT 1").await[0];
    let (member, npi): (String, String) = (row.try_get("", "member_id").unwrap(), row.try_get("", "npi").unwrap());
    let number_where = |condition: &str| {
        format!(
            "SELECT c.claim_number FROM claim c JOIN patient p ON p.id = c.patient_id \
             WHERE p.member_id {condition} '{member}' ORDER BY c.claim_number LIMIT 1"
        )
    };
    let existing: String = app.sql(&number_where("=")).await[0].try_get("", "claim_number").unwrap();
    let anothers: String = app.sql(&number_where("<>")).await[0].try_get("", "claim_number").unwrap();
    let file = claims_837(&[
        ("CLM-2099-0000001", &member, &npi, 20_000),
        (&existing, &member, &npi, 31_400),
        ("CLM-2099-0000002", "NOBODY-KNOWN", &npi, 10_000),
        // A number ward holds for another patient: that claim is not moved to this one.
        (&anothers, &member, &npi, 20_000),
    ]);
    let (status, body) = send(&app, Some(&token), "application/edi-x12", file.clone()).await;
    assert_eq!(status, 200, "{body}");
    let report = &body["data"]["importRun"]["report"];
    assert_eq!(
        (report["created"].as_i64(), report["updated"].as_i64(), report["unmatched"].as_i64()),
        (Some(1), Some(1), Some(2)),
        "{body}"
    );
    assert!(
        report["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("another patient's claim")),
        "{body}"
    );
    let still = app.sql(&format!("SELECT c.claim_number FROM claim c JOIN patient p ON p.id = c.patient_id WHERE p.member_id <> '{member}' AND c.claim_number = '{anothers}'")).await;
    assert_eq!(still.len(), 1, "the other patient's claim stays theirs");
    assert!(!body.to_string().contains("NOBODY-KNOWN"), "the report names positions, not values: {body}");
    let created = app
        .sql("SELECT billed_cents, status, diagnosis_codes FROM claim WHERE claim_number = 'CLM-2099-0000001'")
        .await;
    assert_eq!(created[0].try_get::<i64>("", "billed_cents").unwrap(), 20_000);
    assert_eq!(created[0].try_get::<String>("", "status").unwrap(), "submitted");
    assert_eq!(
        created[0].try_get::<String>("", "diagnosis_codes").unwrap(),
        "F43.10,F41.1",
        "codes as ward stores them"
    );
    assert!(
        app.sql("SELECT id FROM claim WHERE claim_number = 'CLM-2099-0000002'").await.is_empty(),
        "no patient invented"
    );
    let updated = app.sql(&format!("SELECT billed_cents, version FROM claim WHERE claim_number = '{existing}'")).await;
    assert_eq!(updated[0].try_get::<i64>("", "billed_cents").unwrap(), 31_400);
    // The same claims in another file: nothing changes.
    let (_, again) = send(&app, Some(&token), "application/edi-x12", file.replace("~\n", "~")).await;
    assert_eq!(again["data"]["importRun"]["report"]["unchanged"], 2, "{again}");
    // A claim that does not add up refuses its set: nothing of it is written.
    let broken = claims_837(&[("CLM-2099-0000003", &member, &npi, 20_000)]).replacen(
        "CLM*CLM-2099-0000003*200.00",
        "CLM*CLM-2099-0000003*201.00",
        1,
    );
    let (status, body) = send(&app, Some(&token), "application/edi-x12", broken).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("CLM02 is not the sum"), "{body}");
    assert!(app.sql("SELECT id FROM claim WHERE claim_number = 'CLM-2099-0000003'").await.is_empty());
});

each_backend!(an_837p_void_is_never_read_as_the_claim_it_cancels, |backend| {
    let app = ingest_app(backend).await;
    let token = service_account(&app, "claims-system").await;
    let row = &app
        .sql(
            "SELECT p.member_id, v.npi, c.claim_number, c.billed_cents FROM claim c \
             JOIN patient p ON p.id = c.patient_id JOIN provider v ON v.id = c.provider_id \
             ORDER BY c.claim_number LIMIT 1",
        )
        .await[0];
    let (member, npi): (String, String) = (row.try_get("", "member_id").unwrap(), row.try_get("", "npi").unwrap());
    let (number, billed): (String, i64) =
        (row.try_get("", "claim_number").unwrap(), row.try_get("", "billed_cents").unwrap());
    // CLM05-3 = 8: the claims system voids the claim it sent; the void repeats the claim.
    let void = claims_837(&[(&number, &member, &npi, billed + 100)]).replace("***11:B:1*", "***11:B:8*");
    let (status, body) = send(&app, Some(&token), "application/edi-x12", void).await;
    assert_eq!(status, 200, "{body}");
    let report = &body["data"]["importRun"]["report"];
    assert_eq!((report["created"].as_i64(), report["updated"].as_i64()), (Some(0), Some(0)), "{body}");
    assert!(report["notes"][0].as_str().unwrap().contains("a void (CLM05-3 8)"), "{body}");
    let after = app.sql(&format!("SELECT billed_cents FROM claim WHERE claim_number = '{number}'")).await;
    assert_eq!(after[0].try_get::<i64>("", "billed_cents").unwrap(), billed, "the void did not rewrite the claim");
});

both!(ops_import_a_file_on_the_console_and_work_what_no_claim_matched, |app| {
    use crate::console::Browser;
    let claims = submitted(&app, 2).await;
    let mut set = header(claims[0].2 + 10_000, "EFT-DESK");
    set.extend(claim(&claims[0].1, "1", claims[0].2, claims[0].2, "CO", "45", None));
    set.extend(claim("CLM-2O26-0000042", "1", 10_000, 10_000, "CO", "45", None));
    set.extend(claim("CLM-2099-7777777", "1", 5_000, 0, "CO", "50", None));
    let file = interchange(&[set]);
    let file_bytes = file.replace("header", "");
    let (number, other) = (claims[0].1.clone(), claims[1].1.clone());

    let mut cx = Browser::new(&app);
    cx.sign_in("alice").await;
    let csrf = cx.csrf().await;
    let (status, _) = cx
        .post_multipart(
            "/ops/imports/upload",
            &[("csrf", None, csrf.as_bytes()), ("file", Some("era.835"), file_bytes.as_bytes())],
        )
        .await;
    assert_eq!(status, 403, "cx send nothing in");
    assert_eq!(count(&app, "import_file").await, 0);

    let mut ops = Browser::new(&app);
    ops.sign_in("owen").await;
    let csrf = ops.csrf().await;
    let (status, _) =
        ops.post_multipart("/ops/imports/upload", &[("file", Some("era.835"), file_bytes.as_bytes())]).await;
    assert_eq!(status, 403, "no CSRF token, no import");
    let (status, location) = ops
        .post_multipart(
            "/ops/imports/upload",
            &[("csrf", None, csrf.as_bytes()), ("file", Some("era.835"), file_bytes.as_bytes())],
        )
        .await;
    assert_eq!((status, location.as_str()), (303, "/ops/imports?done=imported"));
    assert_eq!(claim_row(&app, claims[0].0).await.1, "paid");
    let (status, html, _) = ops.get("/ops/imports?done=imported").await;
    assert_eq!(status, 200);
    assert!(html.contains("File imported") && html.contains("x12_835 · imported") && html.contains("owen"), "{html}");
    assert!(html.contains("CLM-2O26-0000042") && html.contains("CLM-2099-7777777"), "the unmatched lines wait");
    assert!(!html.contains(&number), "a matched claim is not on the unmatched queue");

    let lines = app
        .sql("SELECT id, claim_number FROM claim_payment WHERE match_state = 'unmatched' ORDER BY claim_number")
        .await;
    let typo: uuid::Uuid = lines
        .iter()
        .find(|r| r.try_get::<String>("", "claim_number").unwrap() == "CLM-2O26-0000042")
        .unwrap()
        .try_get("", "id")
        .unwrap();
    let stray: uuid::Uuid = lines
        .iter()
        .find(|r| r.try_get::<String>("", "claim_number").unwrap() == "CLM-2099-7777777")
        .unwrap()
        .try_get("", "id")
        .unwrap();
    let (status, _, headers) =
        ops.post(&format!("/ops/imports/unmatched/{typo}/match"), &[("csrf", &csrf), ("claimNumber", &other)]).await;
    assert_eq!(status, 303, "{headers:?}");
    assert_eq!(claim_row(&app, claims[1].0).await.0, 10_000, "the payment acts on the claim it was matched to");
    let (status, html, _) =
        ops.post(&format!("/ops/imports/unmatched/{stray}/dismiss"), &[("csrf", &csrf), ("note", "short")]).await;
    assert_eq!(status, 400, "a dismissal says why");
    assert!(html.contains("at least 10 characters"), "{html}");
    let (status, _, _) = ops
        .post(
            &format!("/ops/imports/unmatched/{stray}/dismiss"),
            &[("csrf", &csrf), ("note", "not a claim of ours at all")],
        )
        .await;
    assert_eq!(status, 303);
    assert!(app.sql("SELECT id FROM claim_payment WHERE match_state = 'unmatched'").await.is_empty());
    let events =
        app.sql("SELECT action FROM audit_event WHERE resource_type = 'ingest' AND actor = 'owen' ORDER BY seq").await;
    let actions: Vec<String> = events.iter().map(|e| e.try_get("", "action").unwrap()).collect();
    assert_eq!(actions, ["import", "match_remittance", "dismiss_remittance"]);
});

both!(an_upload_whose_other_fields_are_huge_is_refused_without_holding_them, |app| {
    use crate::console::Browser;
    let mut ops = Browser::new(&app);
    ops.sign_in("owen").await;
    let huge = vec![b'a'; 8 << 20];
    let (status, body) =
        ops.post_multipart("/ops/imports/upload", &[("csrf", None, &huge), ("file", Some("x.835"), b"ISA")]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(count(&app, "import_file").await, 0);
});
