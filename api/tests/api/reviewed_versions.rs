//! Records say what was reviewed, through the API: a completed review names the version it
//! scored (and refuses to score one changed under the reviewer), a version after a sign-off
//! is not the one signed off, diffs carry diagnosis codes, an amendment shows the diff it
//! would apply and every decision on it stays on the record; the provider ranking rests on
//! a configured minimum of reviews and can show the reviews behind each score.

use crate::both;
use crate::each_backend;
use crate::helpers::*;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

const START: &str = "mutation($r: ID!) { startCareReview(careRecordId: $r) { id version } }";
const COMPLETE: &str = "mutation($id: ID!, $v: Int!, $read: Int) {
    completeCareReview(id: $id, expectedVersion: $v, input: { score: 4, findings: \"Goals are measurable\", recordVersion: $read }) {
        status recordVersion } }";
const EDIT: &str = "mutation($id: ID!, $v: Int!, $body: String, $codes: [String!], $why: String!) {
    editCareRecord(id: $id, expectedVersion: $v, input: { body: $body, diagnosisCodes: $codes }, reason: $why) {
        version pendingAmendment { diff { change text } codeChanges { change code } approval { id version } } } }";
const RECORD: &str = "query($id: ID!) { careRecord(id: $id) { version signedOff signedOffVersion diagnosisCodes
    revisions { edges { node { id version } } }
    amendments { reason approval { status decisionNote requester { displayName } decider { displayName } } } } }";
const REVIEW: &str = "query($id: ID!) { careReview(id: $id) { recordVersion scoredVersion { version current revisionId body diagnosisCodes } } }";

fn ok<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body["errors"].is_null(), "{body}");
    &body["data"][field]
}

/// A demo record nobody reviewed or edited.
pub async fn fresh_record(app: &TestApp) -> entities::care_record::Model {
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
        .find(|r| !reviewed.contains(&r.id) && !edited.contains(&r.id))
        .unwrap()
}

/// milo reviews `record` at its version 1 and signs it off; the review's id.
pub async fn sign_off(app: &TestApp, record: Uuid) -> String {
    let started = app.gql("milo", START, json!({ "r": record })).await;
    let review = ok(&started, "startCareReview").clone();
    let done = app.gql("milo", COMPLETE, json!({ "id": review["id"], "v": review["version"], "read": 1 })).await;
    assert_eq!(ok(&done, "completeCareReview")["recordVersion"], 1);
    review["id"].as_str().unwrap().to_owned()
}

both!(a_review_names_the_version_it_scored_and_an_amendment_after_it_is_not_that_version, |app| {
    let record = fresh_record(&app).await;
    let review = sign_off(&app, record.id).await;
    let scored = app.gql("maya", REVIEW, json!({ "id": review })).await;
    assert_eq!(ok(&scored, "careReview")["scoredVersion"]["current"], true, "{scored}");

    let text = format!("{}\nAddendum: PHQ-9 repeated, score 12.", record.body);
    let asked = app
        .gql("maya", EDIT, json!({ "id": record.id, "v": 1, "body": text, "codes": ["F33.1", "F41.1"], "why": "Added the repeated PHQ-9" }))
        .await;
    let pending = ok(&asked, "editCareRecord")["pendingAmendment"].clone();
    assert!(
        pending["diff"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["change"] == "INSERT" && l["text"] == "Addendum: PHQ-9 repeated, score 12."),
        "the diff it would apply: {pending}"
    );
    let added: Vec<&Value> =
        pending["codeChanges"].as_array().unwrap().iter().filter(|c| c["change"] != "EQUAL").collect();
    assert!(!added.is_empty(), "the codes it would change: {pending}");
    let approval = &pending["approval"];
    let approved = app
        .gql(
            "milo",
            "mutation($id: ID!, $v: Int!) { approve(id: $id, expectedVersion: $v) { status } }",
            json!({ "id": approval["id"], "v": approval["version"] }),
        )
        .await;
    assert_eq!(ok(&approved, "approve")["status"], "APPROVED");

    let now = app.gql("maya", RECORD, json!({ "id": record.id })).await;
    let now = ok(&now, "careRecord");
    assert_eq!(
        (now["version"].as_i64(), now["signedOffVersion"].as_i64()),
        (Some(2), Some(1)),
        "version 2 was not signed off: {now}"
    );
    assert_eq!(now["signedOff"], true, "a further amendment still needs four eyes");
    assert_eq!(now["amendments"][0]["approval"]["status"], "APPROVED");
    assert_eq!(now["amendments"][0]["approval"]["decider"]["displayName"], "Dr. Milo Tanaka");
    assert_eq!(now["amendments"][0]["reason"], "Added the repeated PHQ-9");
    let revision = now["revisions"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();

    let scored = app.gql("maya", REVIEW, json!({ "id": review })).await;
    let scored = &ok(&scored, "careReview")["scoredVersion"];
    assert_eq!((scored["version"].as_i64(), scored["current"].as_bool()), (Some(1), Some(false)), "{scored}");
    assert_eq!(scored["revisionId"], revision.as_str(), "compare from the version scored");
    assert_eq!(scored["body"], record.body.as_str(), "the words the reviewer scored");
    assert_eq!(scored["diagnosisCodes"], json!(record.diagnosis_codes.split(',').collect::<Vec<_>>()));

    let since = app
        .gql(
            "maya",
            "query($id: ID!, $r: ID!) { careRecord(id: $id) { codeChanges(fromRevision: $r) { change code } } }",
            json!({ "id": record.id, "r": revision }),
        )
        .await;
    let changes = ok(&since, "careRecord")["codeChanges"].as_array().unwrap().clone();
    let kept: Vec<&str> = record.diagnosis_codes.split(',').collect();
    for change in &changes {
        let code = change["code"].as_str().unwrap();
        let expected = match (kept.contains(&code), ["F33.1", "F41.1"].contains(&code)) {
            (true, true) => "EQUAL",
            (true, false) => "DELETE",
            _ => "INSERT",
        };
        assert_eq!(change["change"], expected, "{code}: {changes:?}");
    }
    assert!(changes.iter().any(|c| c["code"] == "F33.1"), "{changes:?}");
});

both!(a_rejected_amendment_stays_in_the_records_history_with_its_note, |app| {
    let record = fresh_record(&app).await;
    sign_off(&app, record.id).await;
    let asked = app
        .gql(
            "maya",
            EDIT,
            json!({ "id": record.id, "v": 1, "body": "Rewritten entirely", "why": "Rewrote the whole note" }),
        )
        .await;
    let approval = ok(&asked, "editCareRecord")["pendingAmendment"]["approval"].clone();
    let rejected = app
        .gql("milo", "mutation($id: ID!, $v: Int!) { reject(id: $id, expectedVersion: $v, note: \"The original wording is the clinical record\") { status } }", json!({ "id": approval["id"], "v": approval["version"] }))
        .await;
    assert_eq!(ok(&rejected, "reject")["status"], "REJECTED");
    let now = app.gql("maya", RECORD, json!({ "id": record.id })).await;
    let now = ok(&now, "careRecord");
    assert_eq!(now["version"], 1, "nothing changed");
    let decided = &now["amendments"][0]["approval"];
    assert_eq!(
        (decided["status"].as_str(), decided["decisionNote"].as_str(), decided["requester"]["displayName"].as_str()),
        (Some("REJECTED"), Some("The original wording is the clinical record"), Some("Dr. Maya Okafor"))
    );
});

both!(a_review_of_a_record_changed_while_it_was_read_is_refused, |app| {
    let record = fresh_record(&app).await;
    let started = app.gql("milo", START, json!({ "r": record.id })).await;
    let review = ok(&started, "startCareReview").clone();
    let edited = app
        .gql("maya", EDIT, json!({ "id": record.id, "v": 1, "body": format!("{}\nLate addendum.", record.body), "why": "Added a late addendum" }))
        .await;
    assert_eq!(ok(&edited, "editCareRecord")["version"], 2);
    let stale = app.gql("milo", COMPLETE, json!({ "id": review["id"], "v": review["version"], "read": 1 })).await;
    assert_eq!(only_code(&stale), "CONFLICT", "{stale}");
    assert!(stale["errors"][0]["message"].as_str().unwrap().contains("version 2"), "{stale}");
    let still = entities::care_review::Entity::find_by_id(review["id"].as_str().unwrap().parse::<Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((still.status, still.record_version), (entities::care_review::CareReviewStatus::InReview, None));
    let read_again = app.gql("milo", COMPLETE, json!({ "id": review["id"], "v": review["version"], "read": 2 })).await;
    assert_eq!(ok(&read_again, "completeCareReview")["recordVersion"], 2);
});

/// The whole ranking (ranked, and too few to rank) from the demo's first day.
async fn ranking(app: &TestApp, unranked: bool) -> Vec<Value> {
    let query = "query($u: Boolean!) { providerQualityRanking(from: \"2024-01-01\", first: 200, unranked: $u) { providerId reviews reviewsToRank ranked } }";
    let body = app.gql("maya", query, json!({ "u": unranked })).await;
    ok(&body, "providerQualityRanking").as_array().unwrap().clone()
}

each_backend!(the_ranking_ranks_none_on_fewer_reviews_than_the_configured_minimum, |backend| {
    let app = spawn_app_with(backend, |config| config.quality_ranking_minimum = tools::medical::RankingMinimum(3))
        .await
        .unwrap();
    let (ranked, too_few) = (ranking(&app, false).await, ranking(&app, true).await);
    assert!(!ranked.is_empty() && !too_few.is_empty(), "the demo has both: {ranked:?} {too_few:?}");
    for p in &ranked {
        assert_eq!((p["reviewsToRank"].as_i64(), p["ranked"].as_bool()), (Some(3), Some(true)));
        assert!(p["reviews"].as_i64().unwrap() >= 3, "{p}");
    }
    let counts: Vec<i64> = too_few.iter().map(|p| p["reviews"].as_i64().unwrap()).collect();
    assert!(counts.iter().all(|n| (1..3).contains(n)), "{counts:?}");
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "most reviews first: {counts:?}");

    // The reviews behind one provider's score, by the filter the drill-down pages with.
    let provider = &ranked[0]["providerId"];
    let reviews = app
        .gql(
            "maya",
            "query($p: ID!) { careReviews(filter: { providerId: $p, completedFrom: \"2024-01-01\" }, first: 100) { edges { node { status } } } }",
            json!({ "p": provider }),
        )
        .await;
    let edges = ok(&reviews, "careReviews")["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len() as i64, ranked[0]["reviews"].as_i64().unwrap(), "the reviews the score rests on");
    assert!(edges.iter().all(|e| e["node"]["status"] == "COMPLETED"));
    let backwards = app
        .gql("maya", "{ careReviews(filter: { completedFrom: \"2026-02-01\", completedTo: \"2026-01-01\" }) { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(only_code(&backwards), "BAD_USER_INPUT");
});

/// Every page of `rankedProviders`, one provider at a time: (the nodes in order, each page's
/// `totalCount`).
async fn ranked_pages(app: &TestApp, unranked: bool) -> (Vec<Value>, Vec<i64>) {
    let query = "query($u: Boolean!, $after: String) { rankedProviders(from: \"2024-01-01\", unranked: $u, first: 1, after: $after) {
        edges { node { rank providerId reviews ranked } } pageInfo { hasNextPage endCursor } totalCount } }";
    let (mut nodes, mut totals, mut after) = (Vec::new(), Vec::new(), Value::Null);
    loop {
        let body = app.gql("maya", query, json!({ "u": unranked, "after": after })).await;
        let page = ok(&body, "rankedProviders");
        nodes.extend(page["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()));
        totals.push(page["totalCount"].as_i64().unwrap());
        if page["pageInfo"]["hasNextPage"] != true {
            return (nodes, totals);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

each_backend!(the_ranking_pages_with_a_count_and_neither_repeats_nor_skips, |backend| {
    let app = spawn_app_with(backend, |config| config.quality_ranking_minimum = tools::medical::RankingMinimum(3))
        .await
        .unwrap();
    for unranked in [false, true] {
        let whole = ranking(&app, unranked).await;
        let (paged, totals) = ranked_pages(&app, unranked).await;
        assert!(whole.len() > 1, "more than one page to walk: {whole:?}");
        let ids = |list: &[Value]| list.iter().map(|p| p["providerId"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&paged), ids(&whole), "the same providers in the same order, each once");
        assert!(totals.iter().all(|t| *t == whole.len() as i64), "every page counts them all: {totals:?}");
        let ranks: Vec<Value> = paged.iter().map(|p| p["rank"].clone()).collect();
        let expected: Vec<Value> = (1..=paged.len()).map(|r| if unranked { Value::Null } else { json!(r) }).collect();
        assert_eq!(ranks, expected, "ranks count on across pages; the unranked have none");
    }
    let forged = app.gql("maya", "{ rankedProviders(after: \"bm90LWEtcGxhY2U\") { totalCount } }", json!({})).await;
    assert_eq!(only_code(&forged), "BAD_USER_INPUT", "{forged}");
    let too_many = app.gql("maya", "{ rankedProviders(first: 1000) { totalCount } }", json!({})).await;
    assert_eq!(only_code(&too_many), "LIMIT_EXCEEDED", "{too_many}");
    let refused = app.gql("alice", "{ rankedProviders { totalCount } }", json!({})).await;
    assert_eq!(only_code(&refused), "FORBIDDEN", "{refused}");
});

both!(a_date_at_the_end_of_the_calendar_is_refused_in_words_not_a_dead_request, |app| {
    // chrono's last day: a day after it does not exist, and adding one used to panic.
    for (who, query) in [
        ("maya", "{ rankedProviders(to: \"+262142-12-31\") { totalCount } }"),
        ("maya", "{ providerQualityRanking(from: \"2024-01-01\", to: \"+262142-12-31\") { reviews } }"),
        ("maya", "{ careReviews(filter: { completedTo: \"+262142-12-31\" }) { totalCount } }"),
        ("maya", "{ careRecords(filter: { to: \"+262142-12-31\" }) { totalCount } }"),
        ("owen", "{ escalationSummary(to: \"+262142-12-31\") { recoveryRate } }"),
        ("maya", "{ rankedProviders(to: \"-262143-01-01\") { totalCount } }"),
    ] {
        let answer = app.gql(who, query, json!({})).await;
        assert_eq!(only_code(&answer), "BAD_USER_INPUT", "{query}: {answer}");
    }
    let patient = crate::fixtures::chart(&app, 0).await.patient;
    let report = "query($p: ID!) { accountingReport(patientId: $p, to: \"+262142-12-31\") { patientName } }";
    let answer = app.gql("cora", report, json!({ "p": patient })).await;
    assert_eq!(only_code(&answer), "BAD_USER_INPUT", "{answer}");
    // The server lives on.
    let alive = app.gql("maya", "{ rankedProviders(first: 1) { totalCount } }", json!({})).await;
    assert!(alive["errors"].is_null(), "{alive}");
});
