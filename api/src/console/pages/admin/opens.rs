//! What a role opens, in words an admin deciding on it reads: the guarded permissions its
//! rules hold (patient data, the audit trail, the powers over access and over four-eyes
//! changes), from the policy in force, never from a list kept apart from it.

use policies::{Action, Resource};
use serde::Deserialize;

/// One rule of `policy { permissions }`.
#[derive(Deserialize, Clone)]
pub struct Rule {
    pub role: String,
    pub resource: String,
    pub action: String,
}

/// The guarded permission a rule holds, in words (`None`: not guarded, or a name this
/// console does not know).
fn guarded_words(rule: &Rule) -> Option<&'static str> {
    let resource: Resource = rule.resource.parse().ok()?;
    let action: Action = rule.action.parse().ok()?;
    if !resource.is_guarded(action) {
        return None;
    }
    Some(match (resource, action) {
        (Resource::Patient, Action::Contact) => "patients' contact details (name, email, phone)",
        (Resource::Patient, Action::Identity) => "patients' identity (date of birth, member id)",
        (Resource::Claim, Action::Billing) => "claims' billing (procedure codes, amounts, payments)",
        (Resource::Claim, Action::Clinical) => "claims' diagnosis codes",
        (Resource::CareRecord, Action::Clinical) => "care records' clinical notes and diagnoses",
        (Resource::CareRecord, Action::Read) => "which care records each patient has",
        (Resource::CareRecord, Action::Edit) => "editing care records, and approving amendments",
        (Resource::CareReview, Action::Read) => "care reviews and the flags they raise",
        (Resource::Ticket, Action::Correspondence) => "what patients wrote in tickets",
        (Resource::Escalation, Action::Transition) => "moving escalations on, and approving write-offs",
        (Resource::Audit, Action::Read) => "the audit trail: who saw which patient",
        (Resource::BreakGlass, Action::Request) => "emergency access to any patient's restricted data",
        (Resource::BreakGlass, Action::Review) => "reviewing others' emergency access",
        (Resource::Staff, Action::Manage) => "granting and revoking roles, deactivating staff",
        (Resource::Policy, Action::Edit) => "changing what every role may do",
        (Resource::Authorization, Action::Read) => "patients' authorizations on file (who has psychotherapy notes)",
        (Resource::Authorization, Action::Create) => {
            "recording patients' authorizations, which open psychotherapy notes"
        }
        _ => "a guarded permission",
    })
}

/// What `role` opens that only four eyes may open, in words, in the policy's order.
pub fn guarded_by(rules: &[Rule], role: &str) -> Vec<&'static str> {
    let mut words: Vec<&'static str> =
        rules.iter().filter(|r| r.role.eq_ignore_ascii_case(role)).filter_map(guarded_words).collect();
    words.dedup();
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(role: &str, resource: &str, action: &str) -> Rule {
        Rule { role: role.into(), resource: resource.into(), action: action.into() }
    }

    #[test]
    fn only_guarded_permissions_are_named_and_only_the_roles() {
        let rules = [
            rule("cx", "ticket", "read"),
            rule("cx", "patient", "contact"),
            rule("ops", "escalation", "transition"),
            rule("cx", "nonsense", "read"),
        ];
        assert_eq!(guarded_by(&rules, "cx"), ["patients' contact details (name, email, phone)"]);
        assert_eq!(guarded_by(&rules, "ops"), ["moving escalations on, and approving write-offs"]);
        assert!(guarded_by(&rules, "compliance").is_empty());
    }
}
