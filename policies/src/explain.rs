//! casbin as the reference: it loads the model and the rules and explains a decision.
//!
//! The request path decides on the compiled [`PolicySet`] (a hash lookup per role); casbin
//! evaluates the matcher for every rule, which is exact but linear in the rules. Tests check
//! the two agree on every cell; `ward policy check` uses casbin to name the deciding rule.

use crate::names::{Action, Resource};
use crate::policy::PolicySet;
use casbin::{CoreApi, DefaultModel, Enforcer, MgmtApi, RbacApi, StringAdapter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub allowed: bool,
    /// The rule that allowed it, as `p, role, resource, action`.
    pub rule: Option<String>,
}

/// A casbin enforcer loaded with `set`.
pub async fn enforcer(set: &PolicySet) -> Result<Enforcer, casbin::Error> {
    let model = DefaultModel::from_str(crate::MODEL).await?;
    Enforcer::new(model, StringAdapter::new(set.to_csv())).await
}

/// Asks casbin whether `sub` may do `action` on `resource`, and which rule decided.
pub async fn explain(
    set: &PolicySet,
    sub: &str,
    resource: Resource,
    action: Action,
) -> Result<Explanation, casbin::Error> {
    let enforcer = enforcer(set).await?;
    let allowed = enforcer.enforce((sub, resource.as_str(), action.as_str()))?;
    // The matcher is `g(sub, role) && obj && act`: the deciding rule is a permission of one of
    // the subject's roles.
    let rule = if allowed {
        let mut roles = enforcer.get_roles_for_user(sub, None);
        roles.sort();
        roles.into_iter().find_map(|role| {
            let rule = vec![role.clone(), resource.as_str().to_owned(), action.as_str().to_owned()];
            enforcer.has_policy(rule).then(|| format!("p, {role}, {resource}, {action}"))
        })
    } else {
        None
    };
    Ok(Explanation { allowed, rule })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Role;
    use crate::policy::Grant;

    /// Every role alone, for every resource and action: the compiled decision is casbin's.
    #[tokio::test]
    async fn compiled_decisions_agree_with_casbin_on_every_cell() {
        let grants = Role::ALL.iter().map(|r| Grant::parse(&format!("staff-{r}"), r.as_str()).unwrap());
        let set = PolicySet::new(PolicySet::baseline().unwrap().permissions().copied(), grants);
        let enforcer = enforcer(&set).await.unwrap();
        let snapshot = crate::PolicySnapshot::new(set);
        for role in Role::ALL {
            let sub = format!("staff-{role}");
            for resource in Resource::ALL {
                for action in Action::ALL {
                    let casbin = enforcer.enforce((sub.as_str(), resource.as_str(), action.as_str())).unwrap();
                    let compiled = snapshot.decide_for(&sub, *resource, *action).allowed;
                    assert_eq!(compiled, casbin, "{role} {resource} {action}");
                }
            }
        }
    }

    #[tokio::test]
    async fn explain_names_the_deciding_rule() {
        let set = PolicySet::new(
            PolicySet::baseline().unwrap().permissions().copied(),
            [Grant::parse("owen", "ops").unwrap()],
        );
        let yes = explain(&set, "owen", Resource::Claim, Action::Clinical).await.unwrap();
        assert_eq!(yes, Explanation { allowed: true, rule: Some("p, ops, claim, clinical".into()) });
        let no = explain(&set, "owen", Resource::CareRecord, Action::Clinical).await.unwrap();
        assert_eq!(no, Explanation { allowed: false, rule: None });
    }
}
