//! What importing costs.
//!
//! - An 835 (the default, WARD_INGEST_FILE=835): a file of WARD_INGEST_CLAIMS claims (default
//!   100,000, about 50 MB) in sets of 1,000, every claim matched to one of ward's: most paid
//!   with a contractual adjustment, one in seven denied (CO-50 with its RARC, so a denial and
//!   its deadline are written), one in twenty with deductible and coinsurance.
//! - The directory (WARD_INGEST_FILE=ndjson): WARD_INGEST_LINES lines (default 100,000), in
//!   blocks of a hundred as a practice-management export runs: a provider, 30 patients, 39
//!   appointments and 30 care records of about 600 characters each, every line new.
//!
//! `cargo bench -p api --bench ingest` (WARD_INGEST_DB=sqlite or postgres, TEST_POSTGRES_URL;
//! WARD_INGEST_ROUNDS, default 3; WARD_INGEST_KEEP=1 keeps each round's database, to look
//! into). Each round imports the file into a fresh database of its own (migrated, seeded, the claims added), through the same service as `POST /ingest/x12`
//! or `/ingest/ndjson`, and reports the whole import's time (digest, reading, writing) as
//! claims or lines a second, and how far the process's resident memory rose above where it
//! stood before (its peak, reset first). The report gives the median and the range of the rounds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, Set};
use std::io::Write;
use std::time::Instant;
use uuid::Uuid;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn amount(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The claim number of the `i`th claim.
fn number(i: usize) -> String {
    format!("BEN-2026-{i:07}")
}

/// One claim as a payer writes it (two service lines, about 500 bytes), with its paid amount.
fn claim(out: &mut Vec<String>, i: usize) -> i64 {
    let line = 10_000;
    // Each line's paid amount, its adjustments, and its remark.
    let (paid, adjustments, remark): (i64, Vec<String>, Option<&str>) = match i % 20 {
        0 => (5_750, vec!["CAS*CO*45*20.00".into(), "CAS*PR*1*15.00**2*7.50".into()], None),
        n if n % 7 == 3 => (0, vec!["CAS*CO*50*100.00".into()], Some("LQ*HE*N115")),
        _ => (8_000, vec!["CAS*CO*45*20.00".into()], None),
    };
    out.push(format!("CLP*{}*1*{}*{}**12*NWH26{i:08}*11*1", number(i), amount(2 * line), amount(2 * paid)));
    out.push("NM1*QC*1*SYNTHETIC*PATIENT*J***MI*NWH100200300".into());
    out.push("NM1*82*1*OKAFOR*MORGAN****XX*1987654328".into());
    out.push("DTM*050*20261105".into());
    for (n, code) in [(1, "90837:95"), (2, "90785")] {
        out.push(format!("SVC*HC:{code}*{}*{}**1", amount(line), amount(paid)));
        out.push("DTM*472*20261102".into());
        out.extend(adjustments.iter().cloned());
        out.push(format!("REF*6R*{}-{n}", number(i)));
        match remark {
            Some(remark) => out.push(remark.into()),
            None => out.push(format!("AMT*B6*{}", amount(8_000))),
        }
    }
    2 * paid
}

/// The whole interchange: `claims` claims in sets of 1,000.
fn interchange(claims: usize, path: &std::path::Path) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        file,
        "ISA*00*          *00*          *ZZ*NWHPERA        *ZZ*WARDBH01       *261201*0930*^*00501*000000777*0*P*:~"
    )
    .unwrap();
    writeln!(file, "GS*HP*NWHPERA*WARDBH01*20261201*0930*777*X*005010X221A1~").unwrap();
    let sets = claims.div_ceil(1_000);
    for set in 0..sets {
        let mut body = Vec::new();
        let mut paid = 0;
        for i in set * 1_000..((set + 1) * 1_000).min(claims) {
            paid += claim(&mut body, i);
        }
        let control = format!("{:04}", set + 1);
        let mut segments = vec![
            format!("ST*835*{control}"),
            format!("BPR*I*{}*C*ACH*CCP*01*999999992*DA*1*1999999999**01*888888884*DA*2*20261201", amount(paid)),
            format!("TRN*1*EFT-BENCH-{set}*1999999999"),
            "DTM*405*20261201".into(),
            "N1*PR*NORTHWIND HEALTH PLAN".into(),
            "N3*PO BOX 9000".into(),
            "N4*SPRINGFIELD*IL*627089000".into(),
            "N1*PE*WARD BEHAVIORAL HEALTH GROUP*XX*1234567893".into(),
            "LX*1".into(),
        ];
        segments.extend(body);
        let count = segments.len() + 1;
        segments.push(format!("SE*{count}*{control}"));
        for segment in segments {
            writeln!(file, "{segment}~").unwrap();
        }
    }
    writeln!(file, "GE*{sets}*777~\nIEA*1*000000777~").unwrap();
}

/// The directory export: `lines` lines in blocks of a hundred.
fn directory(lines: usize, path: &std::path::Path) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let note = "Session focused on sleep and worry. Reviewed the sleep diary: onset latency down from about \
        an hour to forty minutes. Practised worry postponement and a wind-down routine; client reports using \
        the routine four nights of seven. Discussed a work conflict and rehearsed an assertive reply. Mood \
        described as better most days. No suicidal ideation, intent or plan; safety plan unchanged. GAD-7 \
        today 11 (14 at intake). Plan: continue weekly CBT, add graded exposure to the avoided meetings.";
    for n in 0..lines {
        let (block, at) = (n / 100, n % 100);
        let line = match at {
            0 => {
                let base = format!("2{:08}", block);
                let npi = format!("{base}{}", x12::claims::npi_check_digit(&base).unwrap());
                serde_json::json!({ "type": "provider", "externalId": format!("D-{block}"), "npi": npi,
                    "firstName": "Morgan", "lastName": "Okafor", "credential": "LCSW", "specialty": "Psychotherapy",
                    "state": "NY", "email": format!("d{block}@providers.example.com") })
            }
            1..=30 => serde_json::json!({ "type": "patient", "externalId": format!("P-{block}-{at}"),
                "firstName": "Alex", "lastName": "Rivera", "email": format!("p{n}@example.com"),
                "phone": "(212) 555-0142", "dateOfBirth": "1985-04-12", "payer": "Northwind Health Plan",
                "memberId": format!("NWH{n:09}"), "state": "NY" }),
            31..=69 => serde_json::json!({ "type": "appointment", "externalId": format!("A-{block}-{at}"),
                "patientExternalId": format!("P-{block}-{}", (at - 31) % 30 + 1), "providerExternalId": format!("D-{block}"),
                "startsAt": "2026-11-09T14:00:00-05:00", "durationMinutes": 53, "kind": "therapy",
                "status": "completed", "cptCode": "90837" }),
            _ => serde_json::json!({ "type": "care_record", "externalId": format!("N-{block}-{at}"),
                "patientExternalId": format!("P-{block}-{}", at - 69), "providerExternalId": format!("D-{block}"),
                "appointmentExternalId": format!("A-{block}-{}", at - 69 + 30), "kind": "progress_note",
                "body": note, "diagnosisCodes": ["F41.1", "G47.00"], "writtenAt": "2026-11-09T15:10:00-05:00" }),
        };
        writeln!(file, "{line}").unwrap();
    }
}

/// The claims the file pays, beside the demo data's (its first patient's and provider's).
async fn add_claims(db: &DatabaseConnection, claims: usize) {
    let model = entities::claim::Entity::find().one(db).await.unwrap().expect("the demo data has claims");
    let now = chrono::Utc::now();
    for start in (0..claims).step_by(1_000) {
        let rows: Vec<entities::claim::ActiveModel> = (start..(start + 1_000).min(claims))
            .map(|i| entities::claim::ActiveModel {
                id: Set(Uuid::now_v7()),
                claim_number: Set(number(i)),
                patient_id: Set(model.patient_id),
                provider_id: Set(model.provider_id),
                appointment_id: Set(None),
                payer: Set(model.payer.clone()),
                service_date: Set(model.service_date),
                billed_cents: Set(20_000),
                allowed_cents: Set(None),
                paid_cents: Set(0),
                status: Set(entities::claim::ClaimStatus::Submitted),
                diagnosis_codes: Set(model.diagnosis_codes.clone()),
                procedure_codes: Set("90837".into()),
                appeal_deadline: Set(None),
                submitted_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                security_labels: Set(String::new()),
            })
            .collect();
        entities::claim::Entity::insert_many(rows).exec_without_returning(db).await.unwrap();
    }
}

/// Resident memory now, and at its peak since the last reset, in KiB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds this process has used (user and system, all threads).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

async fn fresh_database(postgres: bool, admin_url: &str) -> (String, DatabaseConnection) {
    let name = format!("ward_ingest_{}", Uuid::now_v7().simple());
    let url = if postgres {
        let admin = Database::connect(admin_url).await.expect("PostgreSQL at TEST_POSTGRES_URL");
        admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
        let base = admin_url.rsplit_once('/').map_or(admin_url, |(server, _)| server);
        format!("{base}/{name}")
    } else {
        format!("sqlite://{}?mode=rwc", std::env::temp_dir().join(format!("{name}.db")).display())
    };
    let config = api::config::DatabaseConfig {
        url: url.clone(),
        max_connections: None,
        acquire_timeout: std::time::Duration::from_secs(10).into(),
    };
    let db = api::db::connect(&config, std::time::Duration::from_secs(600)).await.unwrap();
    api::db::migrate(&db).await.unwrap();
    api::seed::seed(&db, &api::seed::SeedOptions::default()).await.unwrap();
    (name, db)
}

#[tokio::main]
async fn main() {
    let ndjson = std::env::var("WARD_INGEST_FILE").is_ok_and(|kind| kind == "ndjson");
    let claims =
        if ndjson { env_or("WARD_INGEST_LINES", 100_000usize) } else { env_or("WARD_INGEST_CLAIMS", 100_000usize) };
    let unit = if ndjson { "lines" } else { "claims" };
    let rounds = env_or("WARD_INGEST_ROUNDS", 3usize).max(1);
    let postgres = std::env::var("WARD_INGEST_DB").is_ok_and(|db| db == "postgres");
    let admin_url =
        std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let file = std::env::temp_dir().join(format!("ward-bench-{}.{unit}", Uuid::now_v7().simple()));
    if ndjson {
        directory(claims, &file);
    } else {
        interchange(claims, &file);
    }
    let bytes = std::fs::metadata(&file).unwrap().len();
    println!("{claims} {unit}, {:.1} MB, on {}", bytes as f64 / 1e6, if postgres { "PostgreSQL" } else { "SQLite" });
    let sender = tools::kit::audit::recorder::EventBase::operator("cli:bench");
    let (mut rates, mut growths) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        let (name, db) = fresh_database(postgres, &admin_url).await;
        if !ndjson {
            add_claims(&db, claims).await;
        }
        // Reset the peak, so it is this import's.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let (before, _) = rss();
        let (started, cpu) = (Instant::now(), cpu_seconds());
        let (run, report) = if ndjson {
            tools::ingest::directory::import_directory(&db, &file, &sender).await.unwrap()
        } else {
            tools::ingest::remittance_import::import_835(&db, &file, &sender).await.unwrap()
        };
        let seconds = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let (_, peak) = rss();
        assert_eq!((run.status.as_str(), report.created as usize), ("imported", claims), "{report:?}");
        let rate = claims as f64 / seconds;
        let growth = peak.saturating_sub(before) as f64 / 1024.0;
        println!(
            "round {round}: {seconds:.2} s, {rate:.0} {unit}/s, resident memory +{growth:.1} MiB, ward's CPU {cpu:.2} s"
        );
        rates.push(rate);
        growths.push(growth);
        db.close().await.ok();
        if std::env::var_os("WARD_INGEST_KEEP").is_some() {
            println!("kept the database {name}");
        } else if postgres {
            let admin = Database::connect(&admin_url).await.unwrap();
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await.ok();
        } else {
            let _ = std::fs::remove_file(std::env::temp_dir().join(format!("{name}.db")));
        }
    }
    let sorted = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v
    };
    let (rates, growths) = (sorted(rates), sorted(growths));
    println!(
        "median {:.0} {unit}/s (range {:.0}-{:.0}); resident memory +{:.1} MiB median (range {:.1}-{:.1})",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1],
        growths[growths.len() / 2],
        growths[0],
        growths[growths.len() - 1]
    );
    let _ = std::fs::remove_file(&file);
}
