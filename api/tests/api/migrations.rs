//! Every migration runs up and down on both databases; the schema keeps its invariants.

use crate::each_backend;
use crate::helpers::*;
use entities::escalation;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database, EntityTrait};

async fn tables(app_db: &sea_orm::DatabaseConnection, backend: Backend) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    };
    let rows = app_db.query_all_raw(Statement::from_string(app_db.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "t").unwrap()).collect()
}

const TABLES: [&str; 30] = [
    "appeal",
    "appointment",
    "audit_event",
    "break_glass_grant",
    "care_record",
    "care_record_revision",
    "care_review",
    "claim",
    "claim_adjustment",
    "claim_payment",
    "console_session",
    "denial",
    "directory_change",
    "escalation",
    "escalation_event",
    "import_file",
    "patient",
    "patient_permission",
    "payer",
    "pending_approval",
    "policy_rule",
    "provider",
    "remittance",
    "reply_macro",
    "service_account",
    "service_payment",
    "staff",
    "ticket",
    "ticket_comment",
    "ticket_event",
];

each_backend!(every_migration_runs_up_down_and_up_again, |backend| {
    let Some(db) = empty_db(backend).await else { panic!("{backend:?} is unreachable") };
    let conn = Database::connect(&db.url).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    let mut expected: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    expected.push("seaql_migrations".into());
    expected.sort();
    assert_eq!(tables(&conn, backend).await, expected, "{backend:?}");

    Migrator::down(&conn, None).await.unwrap();
    assert_eq!(tables(&conn, backend).await, vec!["seaql_migrations".to_string()], "{backend:?}");

    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(tables(&conn, backend).await.len(), TABLES.len() + 1, "{backend:?}");
    conn.close().await.ok();
});

crate::both!(a_denial_has_at_most_one_unfinished_escalation, |app| {
    use sea_orm::{ColumnTrait, QueryFilter};
    let existing = escalation::Entity::find()
        .filter(escalation::Column::Status.eq(escalation::EscalationStatus::InReview))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo data has escalations in review");
    let now = chrono::Utc::now();
    let another = |status| escalation::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        denial_id: Set(existing.denial_id),
        status: Set(status),
        opened_by: Set(existing.opened_by),
        assignee_id: Set(None),
        summary: Set("second".into()),
        appeal_deadline: Set(existing.appeal_deadline),
        appeal_level: Set(None),
        recovered_cents: Set(None),
        written_off_cents: Set(None),
        write_off_group: Set(None),
        write_off_code: Set(None),
        closed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    assert!(another(escalation::EscalationStatus::Open).insert(&app.db).await.is_err());
    assert!(another(escalation::EscalationStatus::Appealed).insert(&app.db).await.is_err());
    assert!(another(escalation::EscalationStatus::Lost).insert(&app.db).await.is_ok());
});

crate::both!(foreign_keys_hold, |app| {
    let bogus = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let ticket = entities::ticket::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        subject: Set("x".into()),
        description: Set("x".into()),
        channel: Set(entities::ticket::TicketChannel::Email),
        priority: Set(entities::ticket::TicketPriority::Low),
        status: Set(entities::ticket::TicketStatus::Open),
        patient_id: Set(Some(bogus)),
        provider_id: Set(None),
        appointment_id: Set(None),
        claim_id: Set(None),
        assignee_id: Set(None),
        created_by: Set(bogus),
        sla_due_at: Set(now),
        resolved_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        security_labels: Set(String::new()),
    };
    assert!(ticket.insert(&app.db).await.is_err(), "a ticket of an unknown patient is refused");
});

crate::both!(the_ops_workflow_migration_keeps_what_existing_escalations_meant, |app| {
    use escalation::EscalationStatus::*;
    use sea_orm::{ColumnTrait, ConnectionTrait, PaginatorTrait, QueryFilter};
    let count = |status: &'static str| {
        let db = app.db.clone();
        async move {
            let sql = format!("SELECT COUNT(*) AS n FROM escalation WHERE status = '{status}'");
            let rows = db.query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
            rows[0].try_get::<i64>("", "n").unwrap()
        }
    };
    let (in_review, won, lost) = (count("in_review").await, count("won").await, count("lost").await);
    assert!(in_review > 0 && won > 0, "the demo data has escalations in review and won: {in_review} {won}");
    // Back to the old statuses (undoing the later migrations on the way): in review was
    // "escalated", an outcome was "resolved".
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let ops = names.iter().position(|n| n == "m20261126_000012_ops_workflow").unwrap();
    // One connection for the schema changes: with several, SQLite may run a statement on a
    // connection that has not yet seen the previous statement's DDL.
    let mut options = sea_orm::ConnectOptions::new(app.test_db.url.clone());
    options.max_connections(1);
    let single = Database::connect(options).await.unwrap();
    Migrator::down(&single, Some((names.len() - ops) as u32)).await.unwrap();
    assert_eq!(count("escalated").await, in_review);
    assert_eq!(count("resolved").await, won + lost);
    assert_eq!(count("in_review").await, 0);
    // And forward again: "resolved" reads as won (the old table had no lost).
    Migrator::up(&single, None).await.unwrap();
    assert_eq!(count("in_review").await, in_review);
    assert_eq!(count("won").await, won + lost);
    let appealed_without_level = escalation::Entity::find()
        .filter(escalation::Column::Status.eq(Appealed))
        .filter(escalation::Column::AppealLevel.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(appealed_without_level, 0, "an old appeal is a first-level appeal");
});

crate::both!(requests_already_waiting_twice_keep_the_oldest_when_one_may_wait, |app| {
    use entities::pending_approval::{self, ApprovalStatus};
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let one_waiting = names.iter().position(|n| n == "m20261126_000020_one_waiting_change").unwrap();
    let mut options = sea_orm::ConnectOptions::new(app.test_db.url.clone());
    options.max_connections(1);
    let single = Database::connect(options).await.unwrap();
    Migrator::down(&single, Some((names.len() - one_waiting) as u32)).await.unwrap();

    // Before the index, two write-offs of one escalation could wait side by side.
    // Only the columns that stood then: later migrations add others the entities know.
    let (escalation_id, escalation_version): (uuid::Uuid, i32) = escalation::Entity::find()
        .select_only()
        .columns([escalation::Column::Id, escalation::Column::Version])
        .into_tuple()
        .one(&single)
        .await
        .unwrap()
        .unwrap();
    let owen: uuid::Uuid = entities::staff::Entity::find()
        .select_only()
        .column(entities::staff::Column::Id)
        .filter(entities::staff::Column::Sub.eq("owen"))
        .into_tuple()
        .one(&single)
        .await
        .unwrap()
        .unwrap();
    let mut ids = Vec::new();
    for note in ["Not worth an appeal", "Below the cost of appealing"] {
        let id = uuid::Uuid::now_v7();
        let now = chrono::Utc::now();
        // Inserted without RETURNING: the entity names columns later migrations add.
        let row = pending_approval::ActiveModel {
            id: Set(id),
            kind: Set("write_off".into()),
            resource_type: Set("escalation".into()),
            resource_id: Set(escalation_id),
            team: Set("ops".into()),
            requested_by: Set(owen),
            reason: Set(note.into()),
            payload: Set(
                serde_json::json!({ "escalationId": escalation_id, "to": "written_off", "note": note, "targetVersion": escalation_version }),
            ),
            status: Set(ApprovalStatus::Pending),
            decided_by: Set(None),
            decided_at: Set(None),
            decision_note: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            // Columns of later migrations stay out of the insert.
            ..Default::default()
        };
        pending_approval::Entity::insert(row).exec_without_returning(&single).await.unwrap();
        ids.push(id);
    }
    Migrator::up(&single, None).await.unwrap();
    let rows = pending_approval::Entity::find()
        .filter(pending_approval::Column::Id.is_in(ids.clone()))
        .order_by_asc(pending_approval::Column::Id)
        .all(&single)
        .await
        .unwrap();
    assert_eq!(rows[0].status, ApprovalStatus::Pending, "the oldest keeps waiting");
    assert_eq!(rows[1].status, ApprovalStatus::Rejected);
    assert!(rows[1].decision_note.as_deref().unwrap().starts_with("Superseded"), "{:?}", rows[1]);
    assert_eq!((rows[1].decided_by, rows[1].version), (None, 2));
});

each_backend!(a_migration_that_fails_leaves_nothing_half_applied, |backend| {
    let Some(db) = empty_db(backend).await else { panic!("{backend:?} is unreachable") };
    // A table in the way of a migration halfway through the list (the ops workflow's
    // `appeal`, created after that migration has already added `payer`).
    let conn = Database::connect(&db.url).await.unwrap();
    use sea_orm::ConnectionTrait;
    conn.execute_unprepared("CREATE TABLE appeal (id INTEGER)").await.unwrap();
    let failed = ward().args(["migrate", "--database-url", &db.url]).output().await.unwrap();
    assert!(!failed.status.success(), "{backend:?}");
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(said.contains("appeal"), "{backend:?}: the error names what is in the way: {said}");
    assert_eq!(tables(&conn, backend).await, ["appeal"], "{backend:?}: nothing of the run is left");

    // Once the table is out of the way, the same command migrates the database whole.
    conn.execute_unprepared("DROP TABLE appeal").await.unwrap();
    let again = ward().args(["migrate", "--database-url", &db.url]).output().await.unwrap();
    assert!(again.status.success(), "{backend:?}: {}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(tables(&conn, backend).await.len(), TABLES.len() + 1, "{backend:?}");
    conn.close().await.ok();
});

/// What ward of 2026-11-25 wrote into an empty store when it first started: `policy.csv` as
/// it read then (before the billing and correspondence classes were carved out).
const FIRST_BASELINE: [(&str, &str, &str); 50] = [
    ("cx", "patient", "read"),
    ("ops", "patient", "read"),
    ("medical", "patient", "read"),
    ("cx", "patient", "contact"),
    ("ops", "patient", "contact"),
    ("medical", "patient", "contact"),
    ("ops", "patient", "identity"),
    ("medical", "patient", "identity"),
    ("cx", "provider", "read"),
    ("ops", "provider", "read"),
    ("medical", "provider", "read"),
    ("cx", "appointment", "read"),
    ("ops", "appointment", "read"),
    ("medical", "appointment", "read"),
    ("cx", "ticket", "read"),
    ("ops", "ticket", "read"),
    ("medical", "ticket", "read"),
    ("cx", "ticket", "comment"),
    ("ops", "ticket", "comment"),
    ("medical", "ticket", "comment"),
    ("cx", "ticket", "create"),
    ("cx", "ticket", "update"),
    ("cx", "ticket", "assign"),
    ("cx", "ticket", "transition"),
    ("cx", "claim", "read"),
    ("ops", "claim", "read"),
    ("cx", "denial", "read"),
    ("ops", "denial", "read"),
    ("ops", "claim", "clinical"),
    ("cx", "escalation", "read"),
    ("ops", "escalation", "read"),
    ("ops", "escalation", "create"),
    ("ops", "escalation", "assign"),
    ("ops", "escalation", "transition"),
    ("medical", "care_record", "read"),
    ("medical", "care_record", "clinical"),
    ("medical", "care_record", "edit"),
    ("medical", "care_review", "read"),
    ("compliance", "care_review", "read"),
    ("medical", "care_review", "create"),
    ("medical", "care_review", "complete"),
    ("compliance", "audit", "read"),
    ("cx", "break_glass", "request"),
    ("ops", "break_glass", "request"),
    ("medical", "break_glass", "request"),
    ("compliance", "break_glass", "review"),
    ("admin", "staff", "read"),
    ("admin", "staff", "manage"),
    ("admin", "policy", "read"),
    ("admin", "policy", "edit"),
];

async fn permissions(conn: &sea_orm::DatabaseConnection) -> std::collections::BTreeSet<String> {
    let set = tools::kit::policy_store::load(conn).await.unwrap();
    set.permissions().map(|p| p.to_string()).collect()
}

fn baseline() -> std::collections::BTreeSet<String> {
    policies::PolicySet::baseline().unwrap().permissions().map(|p| p.to_string()).collect()
}

each_backend!(the_migrations_write_exactly_policy_csv_into_a_new_store, |backend| {
    let Some(db) = empty_db(backend).await else { panic!("{backend:?} is unreachable") };
    let conn = Database::connect(&db.url).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(permissions(&conn).await, baseline(), "{backend:?}: a change to policy.csv ships as a migration");
    conn.close().await.ok();
});

each_backend!(an_upgraded_store_holds_the_baseline_and_keeps_its_runtime_edits, |backend| {
    use sea_orm::ConnectionTrait;
    let Some(db) = empty_db(backend).await else { panic!("{backend:?} is unreachable") };
    let conn = Database::connect(&db.url).await.unwrap();
    Migrator::up(&conn, Some(1)).await.unwrap();
    let insert = |(role, resource, action): (&str, &str, &str)| {
        format!(
            "INSERT INTO policy_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('p', '{role}', '{resource}', '{action}', '', '', '')"
        )
    };
    for rule in FIRST_BASELINE {
        conn.execute_unprepared(&insert(rule)).await.unwrap();
    }
    // Runtime edits an admin made on that deployment: one rule added, one removed.
    conn.execute_unprepared(&insert(("ops", "care_review", "read"))).await.unwrap();
    conn.execute_unprepared("DELETE FROM policy_rule WHERE v0 = 'cx' AND v1 = 'appointment' AND v2 = 'read'")
        .await
        .unwrap();

    Migrator::up(&conn, None).await.unwrap();
    let mut expected = baseline();
    expected.insert("p, ops, care_review, read".into());
    expected.remove("p, cx, appointment, read");
    assert_eq!(permissions(&conn).await, expected, "{backend:?}");
    conn.close().await.ok();
});
