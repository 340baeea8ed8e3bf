//! A policy: permissions (`p`: role may do action on resource) and grants (`g`: staff holds role).

use crate::names::{Action, PhiClass, Resource, Role, UnknownName};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// `p, role, resource, action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    pub role: Role,
    pub resource: Resource,
    pub action: Action,
}

/// `g, sub, role`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    pub sub: String,
    pub role: Role,
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p, {}, {}, {}", self.role, self.resource, self.action)
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "g, {}, {}", self.sub, self.role)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    #[error("{action} is not an action on {resource}; it allows: {allowed}")]
    ActionNotOnResource { resource: Resource, action: Action, allowed: String },
    #[error("no rule grants {0}: it opens only under the patient's authorization on file (recordAuthorization)")]
    AuthorizationOnly(Action),
    #[error("a staff subject must be 1 to 128 letters, digits, '.', '_', '-' or '@', got {0:?}")]
    BadSubject(String),
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
}

impl Permission {
    /// Parses and checks a permission from its three names.
    pub fn parse(role: &str, resource: &str, action: &str) -> Result<Self, PolicyError> {
        let role: Role = role.trim().parse()?;
        let resource: Resource = resource.trim().parse()?;
        let action: Action = action.trim().parse()?;
        if PhiClass::ALL.iter().any(|class| class.by_authorization_only() && class.action() == action) {
            return Err(PolicyError::AuthorizationOnly(action));
        }
        if !resource.actions().contains(&action) {
            let allowed = resource.actions().iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ");
            return Err(PolicyError::ActionNotOnResource { resource, action, allowed });
        }
        Ok(Permission { role, resource, action })
    }
}

impl Grant {
    pub fn parse(sub: &str, role: &str) -> Result<Self, PolicyError> {
        let sub = sub.trim();
        let valid = !sub.is_empty()
            && sub.len() <= 128
            && sub.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
        if !valid {
            return Err(PolicyError::BadSubject(sub.to_owned()));
        }
        Ok(Grant { sub: sub.to_owned(), role: role.trim().parse()? })
    }
}

/// Every rule of a policy, indexed for decisions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySet {
    permissions: BTreeSet<Permission>,
    grants: BTreeSet<Grant>,
    roles_by_sub: HashMap<String, Vec<Role>>,
}

impl PolicySet {
    pub fn new(permissions: impl IntoIterator<Item = Permission>, grants: impl IntoIterator<Item = Grant>) -> Self {
        let permissions: BTreeSet<Permission> = permissions.into_iter().collect();
        let grants: BTreeSet<Grant> = grants.into_iter().collect();
        let mut roles_by_sub: HashMap<String, Vec<Role>> = HashMap::new();
        for grant in &grants {
            roles_by_sub.entry(grant.sub.clone()).or_default().push(grant.role);
        }
        PolicySet { permissions, grants, roles_by_sub }
    }

    /// The baseline: `policy.csv`, no grants.
    pub fn baseline() -> Result<Self, PolicyError> {
        Self::parse_csv(crate::BASELINE_POLICY)
    }

    /// Parses casbin's CSV policy format (`p, role, resource, action` / `g, sub, role`).
    pub fn parse_csv(text: &str) -> Result<Self, PolicyError> {
        let mut permissions = Vec::new();
        let mut grants = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let wrap = |err: PolicyError| PolicyError::Line { line: i + 1, reason: err.to_string() };
            match fields.as_slice() {
                ["p", role, resource, action] => {
                    permissions.push(Permission::parse(role, resource, action).map_err(wrap)?)
                }
                ["g", sub, role] => grants.push(Grant::parse(sub, role).map_err(wrap)?),
                _ => {
                    return Err(PolicyError::Line {
                        line: i + 1,
                        reason: "expected `p, role, resource, action` or `g, sub, role`".into(),
                    });
                }
            }
        }
        Ok(Self::new(permissions, grants))
    }

    pub fn permissions(&self) -> impl Iterator<Item = &Permission> {
        self.permissions.iter()
    }

    pub fn grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter()
    }

    /// The roles `sub` holds, in role order.
    pub fn roles_of(&self, sub: &str) -> &[Role] {
        self.roles_by_sub.get(sub).map(Vec::as_slice).unwrap_or_default()
    }

    /// The permission that allows one of `roles` to do `action` on `resource`, if any.
    pub fn permission_for(&self, roles: &[Role], resource: Resource, action: Action) -> Option<Permission> {
        roles.iter().map(|&role| Permission { role, resource, action }).find(|p| self.permissions.contains(p))
    }

    /// The policy in casbin's CSV format, permissions then grants, each sorted: its canonical form.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for p in &self.permissions {
            out.push_str(&p.to_string());
            out.push('\n');
        }
        for g in &self.grants {
            out.push_str(&g.to_string());
            out.push('\n');
        }
        out
    }

    /// SHA-256 of the canonical form: the same rules always give the same version.
    pub fn version(&self) -> String {
        let digest = Sha256::digest(self.to_csv().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_parses_and_has_a_stable_version() {
        let baseline = PolicySet::baseline().unwrap();
        assert!(baseline.permissions().count() > 40);
        assert_eq!(baseline.version(), PolicySet::parse_csv(&baseline.to_csv()).unwrap().version());
        assert_eq!(baseline.version().len(), 64);
    }

    #[test]
    fn a_rule_change_changes_the_version() {
        let baseline = PolicySet::baseline().unwrap();
        let mut permissions: Vec<Permission> = baseline.permissions().copied().collect();
        permissions.pop();
        assert_ne!(PolicySet::new(permissions, []).version(), baseline.version());
    }

    #[test]
    fn unknown_names_and_meaningless_pairs_are_refused() {
        assert!(Permission::parse("root", "patient", "read").is_err());
        assert!(Permission::parse("cx", "patients", "read").is_err());
        assert!(Permission::parse("cx", "patient", "clinical").is_err());
        assert!(Permission::parse("cx", "patient", "read'; DROP TABLE staff; --").is_err());
        assert!(Grant::parse("alice\nadmin", "cx").is_err());
        assert!(Grant::parse("", "cx").is_err());
        assert!(PolicySet::parse_csv("p, cx, patient").is_err());
    }
}
