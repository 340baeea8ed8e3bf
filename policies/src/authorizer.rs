//! The Authorizer: the policy in force, swapped whole on every change.
//!
//! Requests take a snapshot when they start and decide every field against it, so one request
//! sees one policy version. Decisions read an immutable snapshot: no lock on the request path;
//! an edit builds a new snapshot and swaps it in atomically.

use crate::names::{Action, Resource, Role};
use crate::policy::{Permission, PolicySet};
use arc_swap::ArcSwap;
use std::sync::Arc;

/// One version of the policy.
#[derive(Debug)]
pub struct PolicySnapshot {
    set: PolicySet,
    version: String,
}

/// The outcome of one decision, with the permission that allowed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub permission: Option<Permission>,
}

impl PolicySnapshot {
    pub fn new(set: PolicySet) -> Self {
        let version = set.version();
        PolicySnapshot { set, version }
    }

    /// SHA-256 of the rules: what the audit trail records with every decision.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn set(&self) -> &PolicySet {
        &self.set
    }

    pub fn roles_of(&self, sub: &str) -> &[Role] {
        self.set.roles_of(sub)
    }

    /// May a holder of `roles` do `action` on `resource`?
    pub fn decide(&self, roles: &[Role], resource: Resource, action: Action) -> Decision {
        let permission = self.set.permission_for(roles, resource, action);
        Decision { allowed: permission.is_some(), permission }
    }

    /// May staff member `sub` do `action` on `resource`, by the roles this policy grants them?
    pub fn decide_for(&self, sub: &str, resource: Resource, action: Action) -> Decision {
        self.decide(self.roles_of(sub), resource, action)
    }
}

pub struct Authorizer {
    current: ArcSwap<PolicySnapshot>,
}

impl Authorizer {
    pub fn new(set: PolicySet) -> Self {
        Authorizer { current: ArcSwap::from_pointee(PolicySnapshot::new(set)) }
    }

    /// The policy in force now.
    pub fn snapshot(&self) -> Arc<PolicySnapshot> {
        self.current.load_full()
    }

    /// Puts `set` in force. Returns whether the version changed.
    pub fn replace(&self, set: PolicySet) -> bool {
        let next = PolicySnapshot::new(set);
        let changed = next.version() != self.current.load().version();
        if changed {
            self.current.store(Arc::new(next));
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Grant;

    #[test]
    fn a_replaced_policy_is_in_force_for_new_snapshots_only() {
        let authorizer = Authorizer::new(PolicySet::baseline().unwrap());
        let before = authorizer.snapshot();
        assert!(before.decide(&[Role::Cx], Resource::Patient, Action::Contact).allowed);

        let without_cx_contact = before
            .set()
            .permissions()
            .copied()
            .filter(|p| !(p.role == Role::Cx && p.action == Action::Contact))
            .collect::<Vec<_>>();
        assert!(authorizer.replace(PolicySet::new(without_cx_contact, [])));
        assert!(!authorizer.snapshot().decide(&[Role::Cx], Resource::Patient, Action::Contact).allowed);
        assert!(before.decide(&[Role::Cx], Resource::Patient, Action::Contact).allowed, "old snapshot unchanged");
    }

    #[test]
    fn decisions_follow_the_grants_of_the_snapshot() {
        let grants = [Grant::parse("alice", "cx").unwrap()];
        let snapshot =
            PolicySnapshot::new(PolicySet::new(PolicySet::baseline().unwrap().permissions().copied(), grants));
        let decision = snapshot.decide_for("alice", Resource::Ticket, Action::Create);
        assert_eq!(decision.permission.map(|p| p.role), Some(Role::Cx));
        assert!(!snapshot.decide_for("alice", Resource::CareRecord, Action::Clinical).allowed);
        assert!(!snapshot.decide_for("mallory", Resource::Patient, Action::Read).allowed);
    }
}
