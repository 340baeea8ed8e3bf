//! Saved replies with `{{placeholders}}`, rendered for a ticket. A placeholder of a PHI class
//! the agent may not read is never filled: it renders as `[withheld]`, is listed as refused,
//! and the refusal is on the audit record.

use super::ticket_service as service;
use crate::directory::lookup_service::{find_patient, find_provider};
use crate::kit::parse_id;
use crate::kit::{Allow, ApiError, ApiResult, AuditAction, Audited, Event, Gql, access, db};
use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{Datelike, Utc};
use entities::reply_macro;
use policies::{Action, Labels, PhiClass, Resource};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// What a placeholder may name, and the PHI class it discloses.
const PLACEHOLDERS: &[(&str, Option<PhiClass>)] = &[
    ("ticket.subject", Some(PhiClass::Correspondence)),
    ("ticket.id", None),
    ("agent.name", None),
    ("provider.name", None),
    ("patient.firstName", Some(PhiClass::Contact)),
    ("patient.lastName", Some(PhiClass::Contact)),
    ("patient.name", Some(PhiClass::Contact)),
    ("patient.memberIdLast4", None),
    ("patient.birthYear", None),
    ("patient.dateOfBirth", Some(PhiClass::Identity)),
    ("patient.memberId", Some(PhiClass::Identity)),
];

const WITHHELD: &str = "[withheld]";

/// A desk's saved replies are a curated set: more than this is refused at creation.
pub const MAX_MACROS: usize = 100;

/// The text split into literal runs and placeholder names, in order.
fn parse(body: &str) -> ApiResult<Vec<(String, Option<String>)>> {
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        let (literal, tail) = rest.split_at(start);
        let end = tail.find("}}").ok_or_else(|| ApiError::BadUserInput("a `{{` has no closing `}}`".into()))?;
        let name = tail[2..end].trim().to_owned();
        if !PLACEHOLDERS.iter().any(|(known, _)| *known == name) {
            let known: Vec<&str> = PLACEHOLDERS.iter().map(|(k, _)| *k).collect();
            return Err(ApiError::BadUserInput(format!(
                "unknown placeholder {{{{{name}}}}}; known: {}",
                known.join(", ")
            )));
        }
        parts.push((literal.to_owned(), Some(name)));
        rest = &tail[end + 2..];
    }
    parts.push((rest.to_owned(), None));
    Ok(parts)
}

pub struct ReplyMacro(reply_macro::Model);

#[Object]
impl ReplyMacro {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The placeholders it uses, in order.
    async fn placeholders(&self) -> Vec<String> {
        parse(&self.0.body).map(|p| p.into_iter().filter_map(|(_, name)| name).collect()).unwrap_or_default()
    }
}

#[derive(SimpleObject)]
pub struct RenderedMacro {
    pub text: String,
    /// Placeholders left unfilled because the agent may not read what they name.
    pub refused_placeholders: Vec<String>,
}

#[derive(Default)]
pub struct MacroQuery;

#[Object]
impl MacroQuery {
    /// Saved replies, by name (at most [`MAX_MACROS`]).
    #[graphql(
        guard = "Allow(Resource::Ticket, Action::Read)",
        complexity = "crate::kit::pagination::list_complexity(MAX_MACROS, child_complexity)"
    )]
    async fn macros(&self, ctx: &Context<'_>) -> Gql<Vec<ReplyMacro>> {
        let rows = reply_macro::Entity::find()
            .order_by_asc(reply_macro::Column::Name)
            .limit(MAX_MACROS as u64)
            .all(db(ctx)?)
            .await?;
        Ok(rows.into_iter().map(ReplyMacro).collect())
    }

    /// A saved reply filled in for a ticket, with only what the agent may read.
    #[graphql(guard = "Allow(Resource::Ticket, Action::Read)")]
    async fn render_macro(&self, ctx: &Context<'_>, ticket_id: ID, macro_id: ID) -> Gql<RenderedMacro> {
        let db = db(ctx)?;
        let access = access(ctx)?;
        let ticket = service::find(db, parse_id(&ticket_id, "ticket")?).await?;
        let macro_id = parse_id(&macro_id, "macro")?;
        let saved = reply_macro::Entity::find_by_id(macro_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("macro {macro_id}")))?;
        let parts = parse(&saved.body)?;
        let uses = |prefix: &str| parts.iter().any(|(_, name)| name.as_deref().is_some_and(|n| n.starts_with(prefix)));
        // A relation the agent may not read leaves its placeholders withheld; the refusal
        // is on the record like any other.
        let patient = match ticket.patient_id {
            Some(id) if uses("patient.") => match access.require_about(Resource::Patient, Action::Read, Some(id)) {
                Ok(_) => find_patient(db, id).await?,
                Err(_) => None,
            },
            _ => None,
        };
        let provider = match ticket.provider_id {
            Some(id) if uses("provider.") => match access.require(Resource::Provider, Action::Read) {
                Ok(_) => find_provider(db, id).await?,
                Err(_) => None,
            },
            _ => None,
        };
        let mut text = String::new();
        let mut refused = Vec::new();
        for (literal, name) in parts {
            text.push_str(&literal);
            let Some(name) = name else { continue };
            let class = PLACEHOLDERS.iter().find(|(k, _)| *k == name).and_then(|(_, c)| *c);
            // A labelled ticket's provider would name the program: it is the ticket's text then.
            let labelled = !Labels::parse(&ticket.security_labels).is_empty();
            let class = if name == "provider.name" && labelled { Some(PhiClass::Correspondence) } else { class };
            let checked = match (class, &patient) {
                (Some(PhiClass::Correspondence), _) => super::ticket::check_correspondence(access, db, &ticket).await,
                (Some(class), Some(p)) => {
                    access.disclose(db, p.id, (Resource::Patient, p.id, Labels::NONE), class).await
                }
                _ => Ok(()),
            };
            if checked.is_err() {
                text.push_str(WITHHELD);
                refused.push(name);
                continue;
            }
            let value = match (name.as_str(), &patient, &provider) {
                ("ticket.subject", _, _) => Some(ticket.subject.clone()),
                ("ticket.id", _, _) => Some(ticket.id.to_string()),
                ("agent.name", _, _) => Some(access.principal().display_name.clone()),
                ("provider.name", _, Some(v)) => Some(format!("{} {}, {}", v.first_name, v.last_name, v.credential)),
                ("patient.firstName", Some(p), _) => Some(p.first_name.clone()),
                ("patient.lastName", Some(p), _) => Some(p.last_name.clone()),
                ("patient.name", Some(p), _) => Some(format!("{} {}", p.first_name, p.last_name)),
                ("patient.memberIdLast4", Some(p), _) => {
                    Some(p.member_id.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect())
                }
                ("patient.birthYear", Some(p), _) => Some(p.date_of_birth.year().to_string()),
                ("patient.dateOfBirth", Some(p), _) => Some(p.date_of_birth.to_string()),
                ("patient.memberId", Some(p), _) => Some(p.member_id.clone()),
                _ => None,
            };
            match value {
                Some(value) => text.push_str(&value),
                None => {
                    text.push_str(WITHHELD);
                    refused.push(name);
                }
            }
        }
        if !refused.is_empty() {
            let error = async_graphql::Error::from(ApiError::Forbidden(format!(
                "placeholders withheld: {}",
                refused.join(", ")
            )));
            ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
        }
        Ok(RenderedMacro { text, refused_placeholders: refused })
    }
}

#[derive(Default)]
pub struct MacroMutation;

#[Object]
impl MacroMutation {
    /// Saves a reply; every `{{placeholder}}` must be one the desk knows.
    #[graphql(guard = "Allow(Resource::Ticket, Action::Create)")]
    async fn create_macro(&self, ctx: &Context<'_>, name: String, body: String) -> Gql<ReplyMacro> {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ApiError::BadUserInput("a macro name is 1 to 100 characters".into()).into());
        }
        if body.chars().count() > service::MAX_TEXT_CHARS {
            return Err(ApiError::BadUserInput(format!(
                "a macro body is at most {} characters",
                service::MAX_TEXT_CHARS
            ))
            .into());
        }
        parse(&body)?;
        let change = Audited::begin(ctx, Some((Resource::Ticket, Action::Create))).await?;
        let txn = change.txn();
        if reply_macro::Entity::find().filter(reply_macro::Column::Name.eq(name.as_str())).one(txn).await?.is_some() {
            return Err(ApiError::Conflict(format!("a macro named {name:?} exists already")).into());
        }
        if reply_macro::Entity::find().count(txn).await? >= MAX_MACROS as u64 {
            return Err(ApiError::BadUserInput(format!("the desk keeps at most {MAX_MACROS} saved replies")).into());
        }
        let now = Utc::now();
        let saved = reply_macro::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name),
            body: Set(body),
            created_by: Set(change.actor()),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(txn)
        .await?;
        change.commit(Event::new(AuditAction::MacroCreate, saved.id)).await?;
        Ok(ReplyMacro(saved))
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn placeholders_parse_and_unknown_ones_are_refused() {
        let parts = parse("Hi {{ patient.firstName }}, re {{ticket.subject}}.").unwrap();
        let names: Vec<_> = parts.iter().filter_map(|(_, n)| n.clone()).collect();
        assert_eq!(names, ["patient.firstName", "ticket.subject"]);
        assert!(parse("{{patient.ssn}}").is_err());
        assert!(parse("{{patient.name").is_err());
    }
}
