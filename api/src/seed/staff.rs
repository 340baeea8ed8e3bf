//! The demo staff: one member per role, a deactivated agent, and a second ops, medical and
//! admin member for four-eyes approvals.

use entities::{policy_rule, staff};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

pub struct DemoStaff {
    pub sub: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub roles: &'static [&'static str],
    pub active: bool,
}

pub const DEMO_STAFF: &[DemoStaff] = &[
    DemoStaff { sub: "alice", name: "Alice Moreno", title: "Patient Support Agent", roles: &["cx"], active: true },
    DemoStaff { sub: "owen", name: "Owen Becker", title: "Claims Specialist", roles: &["ops"], active: true },
    DemoStaff {
        sub: "maya",
        name: "Dr. Maya Okafor",
        title: "Clinical Quality Reviewer",
        roles: &["medical"],
        active: true,
    },
    DemoStaff { sub: "cora", name: "Cora Lindqvist", title: "Privacy Officer", roles: &["compliance"], active: true },
    DemoStaff { sub: "adam", name: "Adam Reyes", title: "Systems Administrator", roles: &["admin"], active: true },
    DemoStaff { sub: "dan", name: "Dan Whitfield", title: "Patient Support Agent", roles: &["cx"], active: false },
    DemoStaff { sub: "olga", name: "Olga Novak", title: "Senior Claims Specialist", roles: &["ops"], active: true },
    DemoStaff { sub: "milo", name: "Dr. Milo Tanaka", title: "Medical Director", roles: &["medical"], active: true },
    DemoStaff { sub: "ada", name: "Ada Lindgren", title: "Systems Administrator", roles: &["admin"], active: true },
];

/// Inserts the demo staff and their role grants; returns the rows written.
pub async fn insert_demo_staff(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0);
    let mut rows = 0;
    for (i, member) in DEMO_STAFF.iter().enumerate() {
        let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | (i as u128 + 1));
        staff::Entity::insert(staff::ActiveModel {
            id: Set(id),
            sub: Set(member.sub.to_owned()),
            display_name: Set(member.name.to_owned()),
            title: Set(Some(member.title.to_owned())),
            email: Set(format!("{}@ward.example.com", member.sub)),
            active: Set(member.active),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(db)
        .await?;
        rows += 1;
        for role in member.roles {
            policy_rule::Entity::insert(policy_rule::ActiveModel {
                ptype: Set("g".into()),
                v0: Set(member.sub.to_owned()),
                v1: Set((*role).to_owned()),
                v2: Set(String::new()),
                v3: Set(String::new()),
                v4: Set(String::new()),
                v5: Set(String::new()),
                ..Default::default()
            })
            .exec_without_returning(db)
            .await?;
            rows += 1;
        }
    }
    Ok(rows)
}

/// Saved replies the demo desk starts with.
pub async fn insert_demo_macros(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0);
    let alice = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
    let macros = [
        (
            "Greeting",
            "Hi {{patient.firstName}},\n\nThanks for reaching out about \"{{ticket.subject}}\". I'm looking into it now.\n\n{{agent.name}}",
        ),
        (
            "Identity check",
            "To confirm it's you: is your date of birth {{patient.dateOfBirth}} and your member id {{patient.memberId}}?",
        ),
        (
            "Masked identity check",
            "Please confirm your birth year ({{patient.birthYear}}) and the last four of your member id (•••• {{patient.memberIdLast4}}).",
        ),
    ];
    for (i, (name, body)) in macros.iter().enumerate() {
        entities::reply_macro::Entity::insert(entities::reply_macro::ActiveModel {
            id: Set(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0001_0000 | i as u128)),
            name: Set((*name).to_owned()),
            body: Set((*body).to_owned()),
            created_by: Set(alice),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(macros.len() as u64)
}
