//! What one request disclosed and was refused, collected while it runs and turned into audit
//! events before its response leaves.

use super::{NewEvent, Outcome};
use chrono::{DateTime, Utc};
use policies::{Action, PhiClass, Resource};
use std::collections::BTreeMap;
use std::sync::Mutex;
use uuid::Uuid;

/// One fact of a request.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A PHI value of `patient` that the response carries, or (`matched`: the term) a record
    /// that a search or filter on its PHI returned; `why`, what else the record should say
    /// about it (compliance naming the patient in their accounting).
    Disclosure {
        patient: Uuid,
        resource: Resource,
        resource_id: Uuid,
        class: PhiClass,
        break_glass: bool,
        matched: Option<String>,
        why: Option<String>,
    },
    /// A refused access, with why when it was not the policy (a limit, a purpose).
    Denial { resource: Resource, action: Action, patient: Option<Uuid>, reason: Option<String> },
    /// A read that is not PHI but is itself worth recording (e.g. reading the audit trail),
    /// with what it asked where that belongs on the record (a search's term).
    Read { action: &'static str, resource: Resource, patient: Option<Uuid>, reason: Option<String> },
}

/// Who acted, under which policy, for what purpose: shared by every event of a request.
#[derive(Clone, Debug)]
pub struct EventBase {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_roles: String,
    pub policy_version: String,
    pub request_id: String,
    pub client_request_id: Option<String>,
    pub purpose: Option<String>,
}

impl EventBase {
    /// Who acts outside any request (the command line's operator, a test): `actor`, no
    /// roles or policy version, a fresh run id.
    pub fn operator(actor: impl Into<String>) -> Self {
        EventBase {
            at: Utc::now(),
            actor: actor.into(),
            actor_roles: String::new(),
            policy_version: String::new(),
            request_id: Uuid::now_v7().to_string(),
            client_request_id: None,
            purpose: None,
        }
    }

    pub fn event(
        &self,
        action: &str,
        resource: &str,
        resource_id: Option<String>,
        patient_id: Option<Uuid>,
    ) -> NewEvent {
        NewEvent {
            occurred_at: self.at,
            actor: self.actor.clone(),
            actor_roles: self.actor_roles.clone(),
            action: action.to_owned(),
            resource_type: resource.to_owned(),
            resource_id,
            patient_id,
            phi_classes: String::new(),
            outcome: Outcome::Allowed,
            reason: None,
            purpose: self.purpose.clone(),
            policy_version: self.policy_version.clone(),
            request_id: self.request_id.clone(),
            client_request_id: self.client_request_id.clone(),
        }
    }
}

/// One event per disclosed record: patient, resource, record id, by break-glass.
type DisclosureKey = (Uuid, Resource, Uuid, bool);

#[derive(Default)]
pub struct Recorder {
    entries: Mutex<Vec<Entry>>,
}

impl Recorder {
    pub fn record(&self, entry: Entry) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.push(entry);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.lock().map(|e| e.is_empty()).unwrap_or(true)
    }

    /// Everything recorded so far, as events: one per disclosed record (with every class it
    /// disclosed), one per distinct refusal. Leaves the recorder empty.
    pub fn drain(&self, base: &EventBase) -> Vec<NewEvent> {
        let entries = self.entries.lock().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default();
        let mut disclosures: BTreeMap<DisclosureKey, (Vec<PhiClass>, Vec<String>)> = BTreeMap::new();
        let mut denials: Vec<(Resource, Action, Option<Uuid>, Option<String>)> = Vec::new();
        let mut events = Vec::new();
        for entry in entries {
            match entry {
                Entry::Disclosure { patient, resource, resource_id, class, break_glass, matched, why } => {
                    let (classes, terms) =
                        disclosures.entry((patient, resource, resource_id, break_glass)).or_default();
                    if !classes.contains(&class) {
                        classes.push(class);
                    }
                    let matched = matched.map(|t| format!("matched {class} search {t:?}"));
                    for term in matched.into_iter().chain(why) {
                        if !terms.contains(&term) {
                            terms.push(term);
                        }
                    }
                }
                Entry::Denial { resource, action, patient, reason } => {
                    let denial = (resource, action, patient, reason);
                    if !denials.contains(&denial) {
                        denials.push(denial);
                    }
                }
                Entry::Read { action, resource, patient, reason } => {
                    let mut event = base.event(action, resource.as_str(), None, patient);
                    event.reason = reason;
                    events.push(event);
                }
            }
        }
        for ((patient, resource, resource_id, break_glass), (mut classes, terms)) in disclosures {
            classes.sort();
            let mut event = base.event("read", resource.as_str(), Some(resource_id.to_string()), Some(patient));
            event.phi_classes = classes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",");
            event.outcome = if break_glass { Outcome::BreakGlass } else { Outcome::Allowed };
            event.reason = (!terms.is_empty()).then(|| terms.join("; "));
            events.push(event);
        }
        for (resource, action, patient, reason) in denials {
            let mut event = base.event(action.as_str(), resource.as_str(), None, patient);
            event.reason = reason;
            if let Some(class) = PhiClass::ALL.iter().find(|c| c.action() == action) {
                event.phi_classes = class.as_str().to_owned();
            }
            event.outcome = Outcome::Denied;
            events.push(event);
        }
        events
    }
}
