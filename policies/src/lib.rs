//! Who may do what in ward: roles, resources, actions and the PHI classes they disclose.

mod authorizer;
pub mod explain;
pub mod labels;
mod names;
mod policy;

pub use authorizer::{Authorizer, Decision, PolicySnapshot};
pub use explain::{Explanation, explain};
pub use labels::Labels;
pub use names::{Action, PhiClass, Resource, Role, SecurityLabel, UnknownName, UsePurpose};
pub use policy::{Grant, Permission, PolicyError, PolicySet};

/// The casbin model (request, policy, role definition, matcher).
pub const MODEL: &str = include_str!("../model.conf");

/// The baseline policy: the access table of docs/ARCHITECTURE.md, as the migrations write it
/// into a new store (a test holds the two together).
pub const BASELINE_POLICY: &str = include_str!("../policy.csv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn baseline_policy_names_only_known_roles() {
        for line in BASELINE_POLICY.lines().filter(|l| l.starts_with("p,")) {
            let role = line.split(',').nth(1).map(str::trim).unwrap_or_default();
            assert!(role.parse::<Role>().is_ok(), "unknown role in {line:?}");
        }
    }

    #[test]
    fn every_phi_class_and_every_power_over_access_is_guarded() {
        for class in PhiClass::ALL {
            for resource in class.resources() {
                assert!(resource.is_guarded(class.action()), "{resource} {}", class.action());
            }
        }
        for (resource, action) in [
            (Resource::CareRecord, Action::Read),
            (Resource::CareRecord, Action::Edit),
            (Resource::CareReview, Action::Read),
            (Resource::Escalation, Action::Transition),
            (Resource::Audit, Action::Read),
            (Resource::BreakGlass, Action::Request),
            (Resource::BreakGlass, Action::Review),
            (Resource::Staff, Action::Manage),
            (Resource::Policy, Action::Edit),
        ] {
            assert!(resource.is_guarded(action), "{resource} {action}");
        }
        for (resource, action) in [
            (Resource::Ticket, Action::Create),
            (Resource::Patient, Action::Read),
            (Resource::Staff, Action::Read),
            (Resource::Escalation, Action::Create),
        ] {
            assert!(!resource.is_guarded(action), "{resource} {action}");
        }
    }
}
