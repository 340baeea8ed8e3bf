//! Compliance in Chromium: who read a patient, break-glass verdicts and emergency access, the audit log.

use super::Chrome;
use crate::both;
use crate::helpers::*;
use fantoccini::Locator;
use serde_json::json;

both!(compliance_finds_a_patient_by_name_and_hands_over_an_accounting_that_names_everyone, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 1).await.patient;
    let person = {
        use sea_orm::EntityTrait;
        entities::patient::Entity::find_by_id(patient).one(&app.db).await.unwrap().unwrap()
    };
    let read = "query($p: ID!) { patient(id: $p) { name email } }";
    // Alice looks at the patient three times in a day: one line of the accounting, counted.
    for _ in 0..3 {
        let body = app.gql("alice", read, json!({ "p": patient })).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    chrome.sign_in("cora").await;
    chrome.wait_text("Audit log").await;
    chrome.screenshot("compliance-audit").await;
    chrome.open("/compliance/patient").await;
    // As a privacy officer types a name: its start, in any case.
    let typed = format!("{} {}", &person.first_name[..3].to_lowercase(), &person.last_name[..2].to_lowercase());
    chrome.fill("input#q", &typed).await;
    chrome.click("//button[text()='Find']").await;
    chrome.wait_text(&person.date_of_birth.format("%Y-%m-%d").to_string()).await;
    let name = format!("{} {}", person.first_name, person.last_name);
    // By member id, or by date of birth, as the patient gives them on the phone.
    for term in [person.member_id.clone(), person.date_of_birth.format("%Y-%m-%d").to_string()] {
        chrome.open("/compliance/patient").await;
        chrome.fill("input#q", &term).await;
        chrome.click("//button[text()='Find']").await;
        chrome.wait_text("Patients found").await;
        let found =
            chrome.client.find(Locator::Css("table[aria-label='Patients found']")).await.unwrap().text().await.unwrap();
        assert!(found.contains(&name), "{term} finds {name}: {found}");
    }
    chrome.click(&format!("//table[@aria-label='Patients found']//a[text()='{name}']")).await;
    chrome.wait_text("Accounting of disclosures").await;
    let page = chrome.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(page.contains(&name) && page.contains(&person.member_id), "the patient, named: {page}");
    assert!(page.contains("Prepared by Cora Lindqvist, Privacy Officer"), "{page}");
    let disclosures =
        chrome.client.find(Locator::Css("section[aria-labelledby='disc-h']")).await.unwrap().text().await.unwrap();
    assert!(disclosures.contains("Alice Moreno"), "alice's read is listed, by her name: {disclosures}");
    assert!(disclosures.contains("3 times that day"), "repeats collapse into one line: {disclosures}");
    assert!(!disclosures.contains("contact,"), "in words, not classes: {disclosures}");
    let href =
        chrome.client.find(Locator::LinkText("Download as CSV")).await.unwrap().attr("href").await.unwrap().unwrap();
    let csv = chrome.download(&href).await;
    chrome.close().await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with(&format!("Accounting of disclosures of,{name},")), "{csv}");
    assert!(csv.contains("Prepared by,\"Cora Lindqvist, Privacy Officer\""), "{csv}");
    assert!(csv.lines().any(|l| l.contains(",alice,") && l.contains("contact") && l.contains(",3,")), "{csv}");
    // The search itself is on the record, with what was typed.
    let searched = app
        .sql(&format!("SELECT COUNT(*) AS n FROM audit_event WHERE actor = 'cora' AND action = 'audit.patient_lookup' AND reason LIKE '%{}%'", typed.replace('\'', "")))
        .await[0]
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(searched, 1);
});

both!(compliance_finds_a_break_glass_access_unjustified_only_with_a_note, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let chart = crate::fixtures::chart(&app, 0).await;
    let opened = app
        .gql("alice", "mutation($p: ID!, $why: String!) { requestBreakGlass(patientId: $p, reason: $why) { id } }",
            json!({ "p": chart.patient, "why": "Patient in crisis on the phone; the on-call clinician asked for the safety plan" }))
        .await;
    let id = opened["data"]["requestBreakGlass"]["id"].as_str().expect("a grant").to_owned();
    chrome.sign_in("cora").await;
    chrome.open("/compliance/break-glass").await;
    let form = format!("//form[@action='/compliance/break-glass/{id}/review']");
    let row = chrome.client.find(Locator::XPath(&format!("//tr[.{form}]"))).await.unwrap().text().await.unwrap();
    assert!(row.contains("Alice Moreno") && !row.contains("alice"), "who opened it, by name: {row}");
    // Neither verdict is the easy one: both buttons look alike.
    let style = "const [j, u] = ['JUSTIFIED', 'UNJUSTIFIED'].map(v => getComputedStyle(document.querySelector(`form[action$='/review'] button[value='${v}']`)));
        return ['backgroundColor', 'color', 'fontWeight', 'fontSize', 'borderTopWidth'].map(p => [j[p], u[p]]);";
    let pairs = chrome.client.execute(style, vec![]).await.unwrap();
    for pair in pairs.as_array().unwrap() {
        assert_eq!(pair[0], pair[1], "Justified and Unjustified carry equal weight: {pairs}");
    }
    chrome.click(&format!("{form}//button[@value='UNJUSTIFIED']")).await;
    chrome.wait_text("must say why").await;
    chrome.open("/compliance/break-glass").await;
    chrome
        .fill(&format!("input#note-{id}"), "No call on record at that time; the ticket was closed a week before")
        .await;
    chrome.click(&format!("{form}//button[@value='UNJUSTIFIED']")).await;
    chrome.wait_text("Verdict recorded.").await;
    // The patient's accounting tells both: the opening with its reason, and the verdict.
    chrome.open(&format!("/compliance/patients/{}", chart.patient)).await;
    let disclosures =
        chrome.client.find(Locator::Css("section[aria-labelledby='disc-h']")).await.unwrap().text().await.unwrap();
    for said in [
        "Opened emergency access to your",
        "Their reason: Patient in crisis on the phone",
        "Reviewed the emergency access Alice Moreno opened: found it unjustified",
        "Their note: No call on record at that time",
    ] {
        assert!(disclosures.contains(said), "{said:?} in {disclosures}");
    }
    chrome.close().await;
    let grant = {
        use sea_orm::EntityTrait;
        let id: uuid::Uuid = id.parse().unwrap();
        entities::break_glass_grant::Entity::find_by_id(id).one(&app.db).await.unwrap().expect("the grant")
    };
    assert_eq!(grant.review_status, entities::break_glass_grant::BreakGlassReviewStatus::Unjustified);
    assert!(grant.review_note.unwrap_or_default().starts_with("No call on record"));
});

both!(emergency_access_shows_what_it_opened_until_when_and_ends_at_a_click, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let ticket = crate::tickets::create_ticket(&app, patient, "URGENT").await["id"].as_str().unwrap().to_owned();
    chrome.sign_in("alice").await;
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    let card = chrome.client.find(Locator::Css("section[aria-labelledby='patient-h']")).await.unwrap();
    let said = card.text().await.unwrap();
    // (The badge is set in capitals by the stylesheet.)
    let lower = said.to_lowercase();
    assert!(
        lower.contains("restricted: not for your role") && said.contains("Restricted means your role may not see it"),
        "{said}"
    );
    chrome.click("//summary[text()='Emergency access (break-glass)']").await;
    chrome.fill("textarea#bg-reason", "The patient is in crisis on the phone and asked for the safety plan").await;
    chrome.click("//button[text()='Open emergency access']").await;
    chrome.wait_text("Emergency access opened").await;
    let card = chrome.client.find(Locator::Css("section[aria-labelledby='patient-h']")).await.unwrap();
    let said = card.text().await.unwrap();
    assert!(said.contains("Emergency access is open for this patient until"), "{said}");
    assert!(said.contains("due in") && said.contains("shown only because of it"), "{said}");
    let birth =
        chrome.client.find(Locator::XPath("//dt[text()='Date of birth']/following-sibling::dd[1]")).await.unwrap();
    assert!(birth.text().await.unwrap().to_lowercase().contains("emergency access"), "the value it opened is marked");
    chrome.click("//button[text()='End access now']").await;
    chrome.wait_text("Emergency access ended").await;
    let birth =
        chrome.client.find(Locator::XPath("//dt[text()='Date of birth']/following-sibling::dd[1]")).await.unwrap();
    assert!(birth.text().await.unwrap().to_lowercase().contains("restricted"), "closed again at once");
    let open = app.sql("SELECT id FROM break_glass_grant WHERE ended_at IS NULL").await;
    assert!(open.is_empty(), "the grant ended in the database too");
    // Asking on a resolved ticket warns before anything is sent.
    let resolve = "mutation($id: ID!) { transitionTicket(id: $id, expectedVersion: 1, to: RESOLVED) { version } }";
    assert!(app.gql("alice", resolve, json!({ "id": ticket })).await["errors"].is_null());
    chrome.open(&format!("/cx/tickets/{ticket}")).await;
    chrome.click("//summary[text()='Emergency access (break-glass)']").await;
    chrome.wait_text("This ticket is resolved: emergency access is for a patient you are helping now").await;
    chrome.close().await;
});

both!(compliance_searches_the_audit_log_by_name_action_and_days_with_a_count, |app| {
    let Some(chrome) = Chrome::start(&app).await else { return };
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    for _ in 0..3 {
        let read = app.gql("alice", "query($p: ID!) { patient(id: $p) { name } }", json!({ "p": patient })).await;
        assert!(read["errors"].is_null(), "{read}");
    }
    let today = chrono::Utc::now().date_naive();
    chrome.sign_in("cora").await;
    chrome.open(&format!("/compliance/audit?actorName=ali&action=read&from={today}&to={today}")).await;
    let said = chrome.wait_text("match this search").await;
    let expected = app.sql("SELECT seq FROM audit_event WHERE actor = 'alice' AND action = 'read'").await.len();
    assert!(expected >= 3, "alice's reads are on the trail");
    assert!(said.contains(&format!("{expected} events match this search")), "the count is the search's: {expected}");
    let who = chrome.client.find_all(Locator::XPath("//table//tbody/tr/td[3]")).await.unwrap();
    assert_eq!(who.len(), expected);
    for cell in who {
        assert!(cell.text().await.unwrap().starts_with("Alice Moreno"), "by her name's start, in any case");
    }
    assert_eq!(chrome.value("select#action").await, "read", "the action is chosen from a list");
    let yesterday = today.pred_opt().unwrap();
    chrome.open(&format!("/compliance/audit?actorName=ali&to={yesterday}")).await;
    chrome.wait_text("No events match this search.").await;
    chrome.close().await;
});

both!(compliance_records_an_authorization_that_opens_a_psychotherapy_note_and_revokes_it, |app| {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let Some(chrome) = Chrome::start(&app).await else { return };
    // A patient with a psychotherapy note and no authorization on file.
    let authorized: Vec<uuid::Uuid> = entities::patient_permission::Entity::find()
        .filter(entities::patient_permission::Column::Kind.eq("authorization"))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|a| a.patient_id)
        .collect();
    let note = entities::care_record::Entity::find()
        .filter(entities::care_record::Column::Kind.eq("psychotherapy_note"))
        .filter(entities::care_record::Column::PatientId.is_not_in(authorized))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has a psychotherapy note without an authorization");
    chrome.sign_in("maya").await;
    chrome.open(&format!("/medical/records/{}", note.id)).await;
    chrome.wait_text("restricted: psychotherapy note").await;
    chrome.sign_out().await;

    chrome.sign_in("cora").await;
    chrome.open(&format!("/compliance/patients/{}", note.patient_id)).await;
    chrome.wait_text("Authorizations on file").await;
    // Refused without a purpose: what was typed and ticked stays.
    let form = "//form[contains(@action, '/authorizations')]";
    chrome.click(&format!("{form}//input[@name='teams' and @value='medical']")).await;
    set_days(&chrome, "authorize").await;
    chrome.fill("textarea#authorize-document", "Release of psychotherapy notes, signed form PA-3001").await;
    chrome.click("//button[text()='Record authorization']").await;
    chrome.wait_text("names at least one: treatment, payment or operations").await;
    assert_eq!(
        chrome.value("textarea#authorize-document").await,
        "Release of psychotherapy notes, signed form PA-3001"
    );
    chrome.click(&format!("{form}//input[@name='purposes' and @value='TREATMENT']")).await;
    chrome.click("//button[text()='Record authorization']").await;
    chrome.wait_text("Authorization recorded").await;
    chrome.wait_text("the patient's authorization, for treatment").await;
    chrome.sign_out().await;

    chrome.sign_in("maya").await;
    chrome.open(&format!("/medical/records/{}", note.id)).await;
    chrome.wait_text(&note.body.lines().next().unwrap()[..40]).await;
    chrome.sign_out().await;

    chrome.sign_in("cora").await;
    chrome.open(&format!("/compliance/patients/{}", note.patient_id)).await;
    chrome
        .fill("form[action^='/compliance/authorizations/'] input[name='reason']", "The patient revoked it in writing")
        .await;
    chrome.click("//form[starts-with(@action, '/compliance/authorizations/')]//button[text()='Revoke']").await;
    chrome.wait_text("Authorization revoked").await;
    chrome.sign_out().await;
    chrome.sign_in("maya").await;
    chrome.open(&format!("/medical/records/{}", note.id)).await;
    chrome.wait_text("restricted: psychotherapy note").await;
    chrome.close().await;
});

/// Sets a card's first and last day (a date field takes the day as its value: typing into one
/// follows the browser's locale).
async fn set_days(chrome: &Chrome, form: &str) {
    let today = chrono::Utc::now().date_naive();
    for (field, day) in [("valid-from", today), ("valid-until", today + chrono::Duration::days(90))] {
        let set = "document.querySelector(arguments[0]).value = arguments[1]";
        let selector = format!("#{form}-{field}");
        chrome.client.execute(set, vec![json!(selector), json!(day.to_string())]).await.unwrap();
    }
}

both!(compliance_records_a_part2_consent_that_opens_a_record_with_its_notice_and_a_restriction, |app| {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let Some(chrome) = Chrome::start(&app).await else { return };
    // The demo's Part 2 patient who gave no consent.
    let program = entities::provider::Entity::find()
        .filter(entities::provider::Column::Part2Program.eq(true))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo has a Part 2 program");
    let consented: Vec<uuid::Uuid> = entities::patient_permission::Entity::find()
        .filter(entities::patient_permission::Column::Kind.eq("part2_consent"))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|c| c.patient_id)
        .collect();
    let record = entities::care_record::Entity::find()
        .filter(entities::care_record::Column::ProviderId.eq(program.id))
        .filter(entities::care_record::Column::PatientId.is_not_in(consented))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a Part 2 record without a consent");
    chrome.sign_in("maya").await;
    chrome.open(&format!("/medical/records/{}", record.id)).await;
    chrome.wait_text("Restricted: substance-use disorder record (42 CFR Part 2)").await;
    chrome.sign_out().await;

    chrome.sign_in("cora").await;
    chrome.open(&format!("/compliance/patients/{}", record.patient_id)).await;
    chrome.wait_text("Part 2 consents on file").await;
    let form = "//form[contains(@action, '/consents')]";
    chrome.click(&format!("{form}//input[@name='covers' and @value='sud_part2']")).await;
    chrome.click(&format!("{form}//input[@name='teams' and @value='medical']")).await;
    chrome.click(&format!("{form}//input[@name='purposes' and @value='TREATMENT']")).await;
    set_days(&chrome, "consent").await;
    chrome.fill("textarea#consent-document", "Part 2 consent for treatment, signed form SUD-3100").await;
    chrome.click("//button[text()='Record consent']").await;
    chrome.wait_text("Consent recorded").await;
    chrome.wait_text("the patient's Part 2 consent, for treatment").await;
    chrome.sign_out().await;

    chrome.sign_in("maya").await;
    chrome.open(&format!("/medical/records/{}", record.id)).await;
    chrome.wait_text("42 CFR part 2 prohibits unauthorized use or disclosure of these records.").await;
    chrome.wait_text(&record.body[..40]).await;
    chrome.sign_out().await;

    chrome.sign_in("cora").await;
    chrome.open(&format!("/compliance/patients/{}", record.patient_id)).await;
    chrome
        .fill("form[action^='/compliance/consents/'] input[name='reason']", "The patient revoked it in writing")
        .await;
    chrome.click("//form[starts-with(@action, '/compliance/consents/')]//button[text()='Revoke']").await;
    chrome.wait_text("Consent revoked").await;

    // A restriction holds at once; lifting it waits for a second member.
    let form = "//form[contains(@action, '/restrictions')]";
    chrome.click(&format!("{form}//input[@name='covers' and @value='restricted']")).await;
    chrome.click(&format!("{form}//input[@name='purposes' and @value='PAYMENT']")).await;
    set_days(&chrome, "restrict").await;
    chrome.fill("textarea#restrict-document", "Paid out of pocket; asked in writing that the plan not be told").await;
    chrome.click("//button[text()='Record restriction']").await;
    chrome.wait_text("Restriction recorded").await;
    chrome
        .fill("form[action^='/compliance/restrictions/'] input[name='reason']", "The patient withdrew the request")
        .await;
    chrome.click("//button[text()='Ask to lift']").await;
    chrome.wait_text("waits for a second compliance member").await;
    chrome.close().await;
});
