//! Who may do what in ward: roles, resources, actions and the PHI classes they disclose.

mod authorizer;
pub mod explain;
mod names;
mod policy;

pub use authorizer::{Authorizer, Decision, PolicySnapshot};
pub use explain::{Explanation, explain};
pub use names::{Action, PhiClass, Resource, Role, UnknownName};
pub use policy::{Grant, Permission, PolicyError, PolicySet};

/// The casbin model (request, policy, role definition, matcher).
pub const MODEL: &str = include_str!("../model.conf");

/// The baseline policy loaded into an empty policy store: the access table of docs/ARCHITECTURE.md.
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
}
