//! The medical tool through the real server: edits that keep revisions and their diffs,
//! four eyes on amending a signed-off record, reviews (one open per record, never of one's
//! own edit), provider quality in SQL, sampling, and every path to a care record closed to
//! the teams that may not read one.

use crate::both;
use crate::helpers::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

const EDIT: &str = "mutation($id: ID!, $v: Int!, $body: String, $codes: [String!], $why: String!) {
    editCareRecord(id: $id, expectedVersion: $v, input: { body: $body, diagnosisCodes: $codes }, reason: $why) {
        id version body diagnosisCodes signedOff pendingAmendment { body reason approval { id version kind } }
    } }";
const START: &str = "mutation($r: ID!) { startCareReview(careRecordId: $r) { id status version reviewer { sub } } }";
const COMPLETE: &str = "mutation($id: ID!, $v: Int!, $score: Int!, $flags: [String!]!) {
    completeCareReview(id: $id, expectedVersion: $v, input: { score: $score, findings: \"Plan lacks measurable goals\", flags: $flags }) {
        status score flags findings reviewer { sub } } }";
const APPROVE: &str = "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v, note: \"Read both versions\") { status decidedBy } }";

/// Care records of the demo data that no review touched, oldest first.
async fn unreviewed(app: &TestApp) -> Vec<entities::care_record::Model> {
    let reviewed: Vec<Uuid> =
        entities::care_review::Entity::find().all(&app.db).await.unwrap().iter().map(|r| r.care_record_id).collect();
    let edited: Vec<Uuid> = entities::care_record_revision::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.care_record_id)
        .collect();
    entities::care_record::Entity::find()
        .order_by_asc(entities::care_record::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| !reviewed.contains(&r.id) && !edited.contains(&r.id))
        .collect()
}

async fn edit(app: &TestApp, who: &str, id: Uuid, version: i64, body: &str, why: &str) -> Value {
    app.gql(who, EDIT, json!({ "id": id, "v": version, "body": body, "why": why })).await
}

fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body["errors"].is_null(), "{body}");
    &body["data"][field]
}

both!(an_edit_never_overwrites_and_revisions_diff_line_by_line, |app| {
    let record = unreviewed(&app).await.remove(0);
    let first = format!("{}\nAddendum: client agreed to the plan.", record.body);
    let saved = edit(&app, "maya", record.id, 1, &first, "Added the client's agreement to the plan").await;
    assert_eq!(ok(&saved, "editCareRecord")["version"], 2);
    let second = first.replace("agreed to", "declined");
    let saved = edit(&app, "milo", record.id, 2, &second, "Corrected: the client declined the plan").await;
    assert_eq!(ok(&saved, "editCareRecord")["body"], second);

    // A stale version: CONFLICT, and what is stored stays as it was.
    let stale =
        edit(&app, "maya", record.id, 2, "Something else entirely", "Working from an old copy of the note").await;
    assert_eq!(only_code(&stale), "CONFLICT", "{stale}");
    let short = edit(&app, "maya", record.id, 3, "x", "typo").await;
    assert_eq!(only_code(&short), "BAD_USER_INPUT");
    assert!(short["errors"][0]["message"].as_str().unwrap().contains("at least 10 characters"));
    let codes = app
        .gql(
            "maya",
            EDIT,
            json!({ "id": record.id, "v": 3, "codes": ["F41.1", "banana"], "why": "Updating the diagnosis codes" }),
        )
        .await;
    assert_eq!(only_code(&codes), "BAD_USER_INPUT", "{codes}");
    let missing = edit(&app, "maya", Uuid::now_v7(), 1, "text", "Editing a record that is not there").await;
    assert_eq!(only_code(&missing), "NOT_FOUND");

    let body = app
        .gql("maya", "query($id: ID!) { careRecord(id: $id) { version body revisions { edges { node { id version reason body editor { sub } } } } } }", json!({ "id": record.id }))
        .await;
    let now = ok(&body, "careRecord");
    assert_eq!((now["version"].as_i64(), now["body"].as_str()), (Some(3), Some(second.as_str())), "nothing lost");
    let revisions: Vec<&Value> = now["revisions"]["edges"].as_array().unwrap().iter().map(|e| &e["node"]).collect();
    assert_eq!(revisions.len(), 2);
    assert_eq!((revisions[0]["version"].as_i64(), revisions[0]["editor"]["sub"].as_str()), (Some(2), Some("milo")));
    assert_eq!(revisions[1]["body"], record.body, "the first revision keeps the original text");

    let diff = app
        .gql("maya", "query($id: ID!, $a: ID!, $b: ID) { careRecord(id: $id) { diff(fromRevision: $a, toRevision: $b) { change text } } }", json!({ "id": record.id, "a": revisions[1]["id"], "b": revisions[0]["id"] }))
        .await;
    let lines = ok(&diff, "careRecord")["diff"].as_array().unwrap().clone();
    let changed: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["change"] != "EQUAL")
        .map(|l| (l["change"].as_str().unwrap().to_owned(), l["text"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(changed, [("INSERT".to_owned(), "Addendum: client agreed to the plan.".to_owned())], "{lines:?}");
    let to_now = app
        .gql(
            "maya",
            "query($id: ID!, $a: ID!) { careRecord(id: $id) { diff(fromRevision: $a) { change text } } }",
            json!({ "id": record.id, "a": revisions[0]["id"] }),
        )
        .await;
    let to_now = ok(&to_now, "careRecord")["diff"].as_array().unwrap().clone();
    assert!(to_now.iter().any(|l| l["change"] == "DELETE" && l["text"] == "Addendum: client agreed to the plan."));
    assert!(to_now.iter().any(|l| l["change"] == "INSERT" && l["text"] == "Addendum: client declined the plan."));

    // A diff between revisions of different records is refused.
    let other = unreviewed(&app).await.into_iter().find(|r| r.id != record.id).unwrap();
    let theirs =
        edit(&app, "maya", other.id, 1, &format!("{}\nLate entry.", other.body), "Adding a late entry to the note")
            .await;
    assert!(theirs["errors"].is_null(), "{theirs}");
    let other_revision: Uuid = entities::care_record_revision::Entity::find()
        .filter(entities::care_record_revision::Column::CareRecordId.eq(other.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let across = app
        .gql("maya", "query($id: ID!, $a: ID!, $b: ID) { careRecord(id: $id) { diff(fromRevision: $a, toRevision: $b) { text } } }", json!({ "id": record.id, "a": revisions[1]["id"], "b": other_revision }))
        .await;
    assert_eq!(only_code(&across), "BAD_USER_INPUT", "{across}");
});

both!(a_signed_off_record_is_amended_only_with_a_second_medical_member, |app| {
    let record = unreviewed(&app).await.remove(0);
    let started = app.gql("milo", START, json!({ "r": record.id })).await;
    let review = ok(&started, "startCareReview").clone();
    let done =
        app.gql("milo", COMPLETE, json!({ "id": review["id"], "v": review["version"], "score": 4, "flags": [] })).await;
    assert_eq!(ok(&done, "completeCareReview")["status"], "COMPLETED");

    let text = format!("{}\nCorrection: session was 60 minutes.", record.body);
    let asked = edit(&app, "maya", record.id, 1, &text, "Session length was recorded wrongly").await;
    let asked = ok(&asked, "editCareRecord").clone();
    assert_eq!((asked["version"].as_i64(), asked["signedOff"].as_bool()), (Some(1), Some(true)), "unchanged: {asked}");
    assert_eq!(asked["pendingAmendment"]["body"], text.as_str());
    let approval = asked["pendingAmendment"]["approval"].clone();
    assert_eq!(approval["kind"], "care_record_amend");

    // The approvals queue never carries the clinical text.
    let queue = app
        .gql(
            "milo",
            "{ pendingApprovals(filter: { status: PENDING }) { edges { node { id change reason } } } }",
            json!({}),
        )
        .await;
    let queued = queue.to_string();
    assert!(queued.contains(approval["id"].as_str().unwrap()) && !queued.contains("60 minutes"), "{queue}");

    let own = app.gql("maya", APPROVE, json!({ "id": approval["id"], "v": approval["version"] })).await;
    assert_eq!(only_code(&own), "FORBIDDEN");
    let ops = app.gql("owen", APPROVE, json!({ "id": approval["id"], "v": approval["version"] })).await;
    assert_eq!(only_code(&ops), "FORBIDDEN", "a second member of the medical team");
    let approved = app.gql("milo", APPROVE, json!({ "id": approval["id"], "v": approval["version"] })).await;
    assert_eq!(ok(&approved, "approve")["status"], "APPROVED");
    let now = app
        .gql("maya", "query($id: ID!) { careRecord(id: $id) { version body revisions { edges { node { editor { sub } approvedBy { sub } } } } } }", json!({ "id": record.id }))
        .await;
    let now = ok(&now, "careRecord");
    assert_eq!((now["version"].as_i64(), now["body"].as_str()), (Some(2), Some(text.as_str())));
    let revision = &now["revisions"]["edges"][0]["node"];
    assert_eq!(
        (revision["editor"]["sub"].as_str(), revision["approvedBy"]["sub"].as_str()),
        (Some("maya"), Some("milo"))
    );
});

both!(reviews_open_once_score_from_one_to_five_and_never_of_ones_own_edit, |app| {
    let records = unreviewed(&app).await;
    let record = &records[0];
    let started = app.gql("maya", START, json!({ "r": record.id })).await;
    let review = ok(&started, "startCareReview").clone();
    assert_eq!((review["status"].as_str(), review["reviewer"]["sub"].as_str()), (Some("IN_REVIEW"), Some("maya")));
    let second = app.gql("milo", START, json!({ "r": record.id })).await;
    assert_eq!(only_code(&second), "CONFLICT");

    for (score, flags) in [(0, json!([])), (6, json!([])), (3, json!(["sloppy"]))] {
        let body = app
            .gql(
                "maya",
                COMPLETE,
                json!({ "id": review["id"], "v": review["version"], "score": score, "flags": flags }),
            )
            .await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{score} {flags}: {body}");
    }
    let not_theirs =
        app.gql("milo", COMPLETE, json!({ "id": review["id"], "v": review["version"], "score": 3, "flags": [] })).await;
    assert_eq!(only_code(&not_theirs), "FORBIDDEN");
    let done = app
        .gql("maya", COMPLETE, json!({ "id": review["id"], "v": review["version"], "score": 2, "flags": ["missing_treatment_goals", "late_note"] }))
        .await;
    let done = ok(&done, "completeCareReview");
    assert_eq!(
        (done["score"].as_i64(), done["flags"].clone()),
        (Some(2), json!(["missing_treatment_goals", "late_note"]))
    );
    let again = app.gql("maya", COMPLETE, json!({ "id": review["id"], "v": 3, "score": 3, "flags": [] })).await;
    assert_eq!(only_code(&again), "CONFLICT");

    // Nobody reviews a record they edited: refused and on the record.
    let mine = &records[1];
    let edited =
        edit(&app, "maya", mine.id, 1, &format!("{}\nAddendum.", mine.body), "Adding an addendum to the note").await;
    assert!(edited["errors"].is_null());
    let own = app.gql("maya", START, json!({ "r": mine.id })).await;
    assert_eq!(only_code(&own), "FORBIDDEN", "{own}");
    let refused = app.sql("SELECT COUNT(*) AS n FROM audit_event WHERE actor = 'maya' AND resource_type = 'care_review' AND outcome = 'denied'").await;
    assert_eq!(refused[0].try_get::<i64>("", "n").unwrap(), 1);

    // The queue's filters.
    let queue = app
        .gql("cora", "{ careReviews(first: 100, filter: { flag: \"missing_treatment_goals\", scoreBelow: 3 }) { edges { node { id score flags } } } }", json!({}))
        .await;
    let nodes = ok(&queue, "careReviews")["edges"].as_array().unwrap().clone();
    assert!(nodes.iter().any(|n| n["node"]["id"] == review["id"]), "compliance reads reviews");
    assert!(nodes.iter().all(|n| n["node"]["score"].as_i64().unwrap() < 3));
    assert!(nodes.iter().all(|n| n["node"]["flags"].as_array().unwrap().contains(&json!("missing_treatment_goals"))));
    let unknown_flag =
        app.gql("maya", "{ careReviews(filter: { flag: \"sloppy\" }) { edges { node { id } } } }", json!({})).await;
    assert_eq!(only_code(&unknown_flag), "BAD_USER_INPUT");
});

both!(two_reviewers_starting_one_record_at_once_open_one_review, |app| {
    let record = unreviewed(&app).await.remove(0);
    let (a, b) = tokio::join!(
        app.gql("maya", START, json!({ "r": record.id })),
        app.gql("milo", START, json!({ "r": record.id }))
    );
    let codes: Vec<String> = [&a, &b].iter().filter(|x| !x["errors"].is_null()).map(|x| only_code(x)).collect();
    assert_eq!(codes, ["CONFLICT"], "{a} {b}");
    let open = entities::care_review::Entity::find()
        .filter(entities::care_review::Column::CareRecordId.eq(record.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(open, 1);
});

both!(provider_quality_is_the_sql_of_completed_reviews, |app| {
    let ranking = app
        .gql("maya", "{ providerQualityRanking(from: \"2024-01-01\", first: 100) { providerId reviews averageScore notes lateNotes lateNoteShare flagCounts { flag count } provider { npi } } }", json!({}))
        .await;
    let ranked = ok(&ranking, "providerQualityRanking").as_array().unwrap().clone();
    assert!(ranked.len() >= 3, "the demo data reviews several providers");
    let averages: Vec<f64> = ranked.iter().map(|p| p["averageScore"].as_f64().unwrap()).collect();
    assert!(averages.windows(2).all(|w| w[0] <= w[1]), "lowest first: {averages:?}");
    assert!(averages.first() < averages.last(), "providers differ: {averages:?}");
    let late: i64 = ranked.iter().map(|p| p["lateNotes"].as_i64().unwrap()).sum();
    assert!(late > 0, "late notes are counted");
    // Recompute one provider's figures from the rows.
    let top = &ranked[0];
    let provider: Uuid = top["providerId"].as_str().unwrap().parse().unwrap();
    let records: Vec<Uuid> = entities::care_record::Entity::find()
        .filter(entities::care_record::Column::ProviderId.eq(provider))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    let reviews: Vec<entities::care_review::Model> = entities::care_review::Entity::find()
        .filter(entities::care_review::Column::CareRecordId.is_in(records))
        .filter(entities::care_review::Column::Status.eq(entities::care_review::CareReviewStatus::Completed))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(top["reviews"].as_i64().unwrap(), reviews.len() as i64);
    let average = reviews.iter().map(|r| f64::from(r.score.unwrap())).sum::<f64>() / reviews.len() as f64;
    assert!((top["averageScore"].as_f64().unwrap() - average).abs() < 1e-9);
    let late = reviews.iter().filter(|r| r.flags.split(',').any(|f| f == "late_note")).count() as i64;
    let flagged = top["flagCounts"].as_array().unwrap().iter().find(|f| f["flag"] == "late_note").unwrap()["count"]
        .as_i64()
        .unwrap();
    assert_eq!(flagged, late);
    assert!(top["notes"].as_i64().unwrap() > 0 && top["lateNotes"].as_i64().unwrap() <= top["notes"].as_i64().unwrap());

    let one = app
        .gql(
            "maya",
            "query($p: ID!) { providerQuality(providerId: $p, from: \"2024-01-01\") { reviews averageScore } }",
            json!({ "p": provider }),
        )
        .await;
    assert_eq!(ok(&one, "providerQuality")["reviews"], top["reviews"]);
    let backwards = app
        .gql("maya", "{ providerQualityRanking(from: \"2026-02-01\", to: \"2026-01-01\") { reviews } }", json!({}))
        .await;
    assert_eq!(only_code(&backwards), "BAD_USER_INPUT");
});

both!(sampling_opens_reviews_of_records_never_reviewed, |app| {
    let body = app.gql("milo", "{ s: __typename }", json!({})).await;
    assert!(body["errors"].is_null());
    let sampled = app
        .gql(
            "milo",
            "mutation { sampleForReview(size: 7) { id status reviewer { sub } careRecord { id } } }",
            json!({}),
        )
        .await;
    let sampled = ok(&sampled, "sampleForReview").as_array().unwrap().clone();
    assert_eq!(sampled.len(), 7);
    let mut records: Vec<&str> = sampled.iter().map(|r| r["careRecord"]["id"].as_str().unwrap()).collect();
    records.sort_unstable();
    records.dedup();
    assert_eq!(records.len(), 7, "distinct records");
    for review in &sampled {
        assert_eq!((review["status"].as_str(), review["reviewer"]["sub"].as_str()), (Some("PENDING"), Some("milo")));
        let record: Uuid = review["careRecord"]["id"].as_str().unwrap().parse().unwrap();
        let reviews = entities::care_review::Entity::find()
            .filter(entities::care_review::Column::CareRecordId.eq(record))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(reviews, 1, "never reviewed before");
    }
    let provider: Uuid = unreviewed(&app).await[0].provider_id;
    let theirs = app
        .gql(
            "maya",
            "mutation($p: ID!) { sampleForReview(size: 2, providerId: $p) { careRecord { provider { id } } } }",
            json!({ "p": provider }),
        )
        .await;
    for review in ok(&theirs, "sampleForReview").as_array().unwrap() {
        assert_eq!(review["careRecord"]["provider"]["id"], provider.to_string());
    }
    for size in [0, 51] {
        let body =
            app.gql("maya", "mutation($n: Int!) { sampleForReview(size: $n) { id } }", json!({ "n": size })).await;
        assert_eq!(only_code(&body), "BAD_USER_INPUT", "{size}");
    }
    let events = app.sql("SELECT COUNT(*) AS n FROM audit_event WHERE action = 'sample' AND actor = 'milo'").await;
    assert_eq!(events[0].try_get::<i64>("", "n").unwrap(), 7, "one event per review opened");
});

both!(every_path_to_a_care_record_is_closed_to_cx_and_ops, |app| {
    let chart = crate::fixtures::chart(&app, 0).await;
    let ticket = crate::tickets::create_ticket(&app, chart.patient, "NORMAL").await["id"].clone();
    let escalation: Uuid = app.sql("SELECT id FROM escalation ORDER BY id LIMIT 1").await[0].try_get("", "id").unwrap();
    let review: Uuid = app.sql("SELECT id FROM care_review ORDER BY id LIMIT 1").await[0].try_get("", "id").unwrap();
    let paths = [
        (
            "patient",
            "query($p: ID!) { patient(id: $p) { careRecords { edges { node { body } } } } }",
            json!({ "p": chart.patient }),
        ),
        (
            "ticket",
            "query($t: ID!) { ticket(id: $t) { patient { careRecords { edges { node { body } } } } } }",
            json!({ "t": ticket }),
        ),
        (
            "claim",
            "query($c: ID!) { claim(id: $c) { patient { careRecords { edges { node { body } } } } } }",
            json!({ "c": chart.claim }),
        ),
        (
            "escalation",
            "query($e: ID!) { escalation(id: $e) { patient { careRecords { edges { node { body } } } } } }",
            json!({ "e": escalation }),
        ),
        ("review", "query($r: ID!) { careReview(id: $r) { careRecord { body } findings } }", json!({ "r": review })),
        ("careRecord", "query($id: ID!) { careRecord(id: $id) { body } }", json!({ "id": chart.care_record })),
        ("careRecords", "{ careRecords(first: 5) { edges { node { body } } } }", json!({})),
    ];
    for who in ["alice", "owen"] {
        for (path, query, vars) in &paths {
            let body = app.gql(who, query, vars.clone()).await;
            let text = body.to_string();
            assert!(codes(&body).contains(&"FORBIDDEN".to_owned()), "{who} via {path}: {body}");
            assert!(
                !text.contains("S: ") && !text.contains("Reason for referral") && !text.contains("Problem:"),
                "{who} via {path} leaked: {text}"
            );
        }
    }
    // Compliance reads reviews, never a record or what a review quotes of it.
    let body = app
        .gql(
            "cora",
            "query($r: ID!) { careReview(id: $r) { score status careRecord { body } findings } }",
            json!({ "r": review }),
        )
        .await;
    assert!(body["data"]["careReview"]["status"].is_string(), "{body}");
    assert!(
        body["data"]["careReview"]["careRecord"].is_null() && body["data"]["careReview"]["findings"].is_null(),
        "{body}"
    );
});

both!(break_glass_lists_one_patients_records_and_no_others, |app| {
    let chart = crate::fixtures::chart(&app, 0).await;
    let other = crate::fixtures::chart(&app, 1).await;
    let list = "query($p: ID) { careRecords(first: 50, filter: { patientId: $p }) { edges { node { id body } } } }";
    let before = app.gql("alice", list, json!({ "p": chart.patient })).await;
    assert_eq!(only_code(&before), "FORBIDDEN");
    let grant = app
        .gql("alice", "mutation($p: ID!) { requestBreakGlass(patientId: $p, reason: \"Patient in crisis on the phone, need the plan\") { id } }", json!({ "p": chart.patient }))
        .await;
    assert!(grant["errors"].is_null(), "{grant}");
    let opened = app.gql("alice", list, json!({ "p": chart.patient })).await;
    let nodes = ok(&opened, "careRecords")["edges"].as_array().unwrap().clone();
    assert!(!nodes.is_empty() && nodes.iter().all(|n| n["node"]["body"].is_string()), "{opened}");
    let others = app.gql("alice", list, json!({ "p": other.patient })).await;
    assert_eq!(only_code(&others), "FORBIDDEN");
    let everyone = app.gql("alice", list, json!({ "p": null })).await;
    assert_eq!(only_code(&everyone), "FORBIDDEN");
    let medical = app
        .gql(
            "maya",
            "{ careRecords(first: 3, filter: { kind: TREATMENT_PLAN, unreviewed: true }) { edges { node { kind } } } }",
            json!({}),
        )
        .await;
    assert!(
        ok(&medical, "careRecords")["edges"].as_array().unwrap().iter().all(|n| n["node"]["kind"] == "treatment_plan")
    );
});

both!(the_review_queue_of_several_statuses_pages_newest_first_each_review_once, |app| {
    // Open a few more reviews so both statuses span several pages.
    for record in unreviewed(&app).await.into_iter().take(4) {
        let started = app.gql("maya", START, json!({ "r": record.id })).await;
        ok(&started, "startCareReview");
    }
    use entities::care_review::{CareReviewStatus, Column, Entity};
    let expected: Vec<String> = Entity::find()
        .filter(Column::Status.is_in([CareReviewStatus::Pending, CareReviewStatus::InReview]))
        .order_by_desc(Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert!(expected.len() > 6, "the demo data has too few open reviews: {}", expected.len());
    // A status named twice still lists each review once.
    const QUEUE: &str = "query($after: String) { careReviews(first: 3, after: $after, filter: { status: [IN_REVIEW, PENDING, IN_REVIEW] }) {
        edges { node { id status } } pageInfo { hasNextPage endCursor } } }";
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = app.gql("maya", QUEUE, json!({ "after": after })).await;
        let reviews = ok(&page, "careReviews");
        for edge in reviews["edges"].as_array().unwrap() {
            assert_ne!(edge["node"]["status"], "COMPLETED");
            seen.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if reviews["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = reviews["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, expected);
});

both!(a_signed_off_record_has_one_amendment_waiting_at_a_time, |app| {
    let record = unreviewed(&app).await.remove(0);
    let review = app.gql("milo", START, json!({ "r": record.id })).await;
    let review = ok(&review, "startCareReview").clone();
    let done =
        app.gql("milo", COMPLETE, json!({ "id": review["id"], "v": review["version"], "score": 4, "flags": [] })).await;
    ok(&done, "completeCareReview");

    let first =
        edit(&app, "maya", record.id, 1, &format!("{}\nCorrection one.", record.body), "First correction of the note")
            .await;
    let waiting = ok(&first, "editCareRecord")["pendingAmendment"]["approval"]["id"].as_str().unwrap().to_owned();
    // A different amendment of the same version waits behind the first: refused, naming it.
    let second =
        edit(&app, "maya", record.id, 1, &format!("{}\nCorrection two.", record.body), "Second correction of the note")
            .await;
    assert_eq!(only_code(&second), "CONFLICT", "{second}");
    assert!(second["errors"][0]["message"].as_str().unwrap().contains(&waiting), "{second}");
    let pending = entities::pending_approval::Entity::find()
        .filter(entities::pending_approval::Column::ResourceId.eq(record.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(pending, 1);
});

both!(a_reviewer_does_not_edit_the_record_under_their_review, |app| {
    // Editing it would leave a review nobody may complete: not its reviewer (who now edited
    // the record), not anyone else (it is the reviewer's), and no second review may open.
    let record = unreviewed(&app).await.remove(0);
    let started = app.gql("maya", START, json!({ "r": record.id })).await;
    let review = ok(&started, "startCareReview").clone();
    let text = format!("{}\nAddendum by the reviewer.", record.body);
    let refused = edit(&app, "maya", record.id, 1, &text, "Fixing the note while reviewing it").await;
    assert_eq!(only_code(&refused), "FORBIDDEN", "{refused}");
    assert!(refused["errors"][0]["message"].as_str().unwrap().contains(review["id"].as_str().unwrap()), "{refused}");
    let recorded = app
        .sql("SELECT COUNT(*) AS n FROM audit_event WHERE actor = 'maya' AND resource_type = 'care_record' AND action = 'edit' AND outcome = 'denied'")
        .await;
    assert_eq!(recorded[0].try_get::<i64>("", "n").unwrap(), 1, "the refusal is on the record");
    // Someone else may still correct it, and the reviewer completes the review as before.
    let other = edit(&app, "milo", record.id, 1, &text, "Adding the addendum the reviewer found").await;
    assert_eq!(ok(&other, "editCareRecord")["version"], 2);
    let done =
        app.gql("maya", COMPLETE, json!({ "id": review["id"], "v": review["version"], "score": 3, "flags": [] })).await;
    assert_eq!(ok(&done, "completeCareReview")["status"], "COMPLETED");
});

both!(diffs_are_priced_so_a_query_cannot_pile_them_up, |app| {
    // A diff is CPU work on up to two 64,000-character texts; aliases asking for it again
    // and again in one query are refused before anything runs.
    let record = unreviewed(&app).await.remove(0);
    let saved =
        edit(&app, "maya", record.id, 1, &format!("{}\nAddendum.", record.body), "Adding an addendum to the note")
            .await;
    assert!(saved["errors"].is_null(), "{saved}");
    let revision = entities::care_record_revision::Entity::find()
        .filter(entities::care_record_revision::Column::CareRecordId.eq(record.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let one = app
        .gql(
            "maya",
            "query($id: ID!, $a: ID!) { careRecord(id: $id) { diff(fromRevision: $a) { change } } }",
            json!({ "id": record.id, "a": revision }),
        )
        .await;
    assert!(ok(&one, "careRecord")["diff"].as_array().unwrap().len() > 1, "one diff answers");
    let many: String = (0..10).map(|i| format!("d{i}: diff(fromRevision: $a) {{ change }} ")).collect();
    let piled = app
        .gql(
            "maya",
            &format!("query($id: ID!, $a: ID!) {{ careRecord(id: $id) {{ {many} }} }}"),
            json!({ "id": record.id, "a": revision }),
        )
        .await;
    assert_eq!(only_code(&piled), "LIMIT_EXCEEDED", "{piled}");
    let listed = app
        .gql(
            "maya",
            "query($a: ID!) { careRecords(first: 20) { edges { node { diff(fromRevision: $a) { change } } } } }",
            json!({ "a": revision }),
        )
        .await;
    assert_eq!(only_code(&listed), "LIMIT_EXCEEDED", "{listed}");
});

both!(a_sampled_review_is_started_before_it_is_completed, |app| {
    // The review's table: pending → in_review → completed. The draw is random, and a record
    // maya edited would refuse her for that instead: draw until one she did not edit.
    let maya = entities::staff::Entity::find()
        .filter(entities::staff::Column::Sub.eq("maya"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut review = Value::Null;
    for _ in 0..20 {
        let sampled = app
            .gql("milo", "mutation { sampleForReview(size: 1) { id status version careRecord { id } } }", json!({}))
            .await;
        let drawn = ok(&sampled, "sampleForReview")[0].clone();
        let record: Uuid = drawn["careRecord"]["id"].as_str().unwrap().parse().unwrap();
        if !tools::medical::care_record_service::edited_by(&app.db, record, maya).await.unwrap() {
            review = drawn;
            break;
        }
    }
    assert!(!review.is_null(), "every draw was a record maya edited");
    assert_eq!(review["status"], "PENDING");
    let skipped =
        app.gql("milo", COMPLETE, json!({ "id": review["id"], "v": review["version"], "score": 4, "flags": [] })).await;
    assert_eq!(only_code(&skipped), "BAD_USER_INPUT", "{skipped}");
    let message = skipped["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("pending") && message.contains("allowed: in_review"), "{message}");

    // It waits for milo: maya cannot take it.
    let record = review["careRecord"]["id"].clone();
    let taken = app.gql("maya", START, json!({ "r": record })).await;
    assert_eq!(only_code(&taken), "CONFLICT", "{taken}");
    assert!(taken["errors"][0]["message"].as_str().unwrap().contains("milo"), "{taken}");
    // milo starts it: the same review, now in review.
    let started = app.gql("milo", START, json!({ "r": record })).await;
    let started = ok(&started, "startCareReview").clone();
    assert_eq!((started["id"].clone(), started["status"].as_str()), (review["id"].clone(), Some("IN_REVIEW")));
    let done = app
        .gql("milo", COMPLETE, json!({ "id": started["id"], "v": started["version"], "score": 4, "flags": [] }))
        .await;
    assert_eq!(ok(&done, "completeCareReview")["status"], "COMPLETED");
    let again = app.gql("milo", START, json!({ "r": record })).await;
    assert_eq!(ok(&again, "startCareReview")["status"], "IN_REVIEW", "a completed review leaves room for the next");
});
