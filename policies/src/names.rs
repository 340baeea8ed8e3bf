//! The closed vocabularies of the policy: roles, PHI classes, resources and actions.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName { kind: stringify!($name), name: s.to_owned() }),
                }
            }
        }
    };
}

named_enum!(
    /// A team. A staff member may hold several.
    Role {
        Cx => "cx",
        Ops => "ops",
        Medical => "medical",
        Compliance => "compliance",
        Admin => "admin",
        // A machine identity (a service account): sends files to ingest, reads nothing back.
        Integration => "integration",
    }
);

named_enum!(
    /// Classes of protected health information, each granted separately (minimum necessary).
    PhiClass {
        Contact => "contact",
        Identity => "identity",
        Clinical => "clinical",
        Billing => "billing",
        Correspondence => "correspondence",
        // The body of a therapist's psychotherapy note (45 CFR 164.501): held by no role and
        // opened by no break-glass, only by the patient's authorization on file.
        PsychotherapyNotes => "psychotherapy_notes",
    }
);

named_enum!(
    /// Security labels a record carries (as FHIR's `meta.security` does): what hides it
    /// beyond the PHI classes, named in a refusal's `extensions.label`.
    SecurityLabel {
        PsychotherapyNote => "psychotherapy_note",
        SudPart2 => "sud_part2",
        Restricted => "restricted",
    }
);

named_enum!(
    /// Why PHI is used or disclosed, in HIPAA's terms (45 CFR 164.506): what an
    /// authorization or consent names, and what a request's stated purpose amounts to.
    UsePurpose {
        Treatment => "treatment",
        Payment => "payment",
        Operations => "operations",
    }
);

named_enum!(
    /// What a rule is about.
    Resource {
        Patient => "patient",
        Provider => "provider",
        Appointment => "appointment",
        Ticket => "ticket",
        Claim => "claim",
        Denial => "denial",
        Escalation => "escalation",
        CareRecord => "care_record",
        CareReview => "care_review",
        Audit => "audit",
        BreakGlass => "break_glass",
        Staff => "staff",
        Policy => "policy",
        // The ingest path: `create` sends files in, `read` lists the runs and their reports,
        // `update` resolves what a run left to people (unmatched remittance lines).
        Ingest => "ingest",
        // A patient's authorizations on file: `read` lists them, `create` records one,
        // `update` revokes one.
        Authorization => "authorization",
        // A patient's 42 CFR Part 2 consents on file: `read` lists them, `create` records
        // one, `update` revokes one.
        Consent => "consent",
        // A patient's restrictions (45 CFR 164.522): `read` lists them, `create` records
        // one, `update` asks to lift one (or, as a second member, approves the lift).
        Restriction => "restriction",
        // The security labels of records: `create` adds one, `update` asks to remove one
        // (or, as a second member, approves the removal).
        Label => "label",
    }
);

named_enum!(
    /// What a rule allows. PHI classes are actions on the resource that holds them.
    Action {
        Read => "read",
        Contact => "contact",
        Identity => "identity",
        Clinical => "clinical",
        Billing => "billing",
        Correspondence => "correspondence",
        PsychotherapyNotes => "psychotherapy_notes",
        Comment => "comment",
        Create => "create",
        Update => "update",
        Assign => "assign",
        Transition => "transition",
        Edit => "edit",
        Complete => "complete",
        Request => "request",
        Review => "review",
        Manage => "manage",
    }
);

impl Resource {
    /// The actions that mean something on this resource; a rule naming another is refused.
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Resource::Patient => &[Read, Contact, Identity],
            Resource::Provider | Resource::Appointment | Resource::Denial | Resource::Audit => &[Read],
            Resource::Ticket => &[Read, Correspondence, Comment, Create, Update, Assign, Transition],
            Resource::Claim => &[Read, Billing, Clinical],
            Resource::Escalation => &[Read, Create, Assign, Transition],
            Resource::CareRecord => &[Read, Clinical, Edit],
            Resource::CareReview => &[Read, Create, Complete],
            Resource::BreakGlass => &[Request, Review],
            Resource::Staff => &[Read, Manage],
            Resource::Policy => &[Read, Edit],
            Resource::Ingest | Resource::Authorization | Resource::Consent | Resource::Restriction => {
                &[Read, Create, Update]
            }
            Resource::Label => &[Create, Update],
        }
    }
}

impl PhiClass {
    /// The action that discloses this class.
    pub fn action(self) -> Action {
        match self {
            PhiClass::Contact => Action::Contact,
            PhiClass::Identity => Action::Identity,
            PhiClass::Clinical => Action::Clinical,
            PhiClass::Billing => Action::Billing,
            PhiClass::Correspondence => Action::Correspondence,
            PhiClass::PsychotherapyNotes => Action::PsychotherapyNotes,
        }
    }

    /// The resources whose values carry this class: where it is checked and disclosed.
    /// The access report and break-glass derive from this one table.
    pub fn resources(self) -> &'static [Resource] {
        match self {
            PhiClass::Contact | PhiClass::Identity => &[Resource::Patient],
            PhiClass::Clinical => &[Resource::CareRecord, Resource::Claim],
            PhiClass::PsychotherapyNotes => &[Resource::CareRecord],
            PhiClass::Billing => &[Resource::Claim],
            PhiClass::Correspondence => &[Resource::Ticket],
        }
    }

    /// Whether a break-glass grant opens this class of its patient (emergency care needs who
    /// the patient is and their clinical picture, not their bills or tickets).
    /// Psychotherapy notes are not: HIPAA keeps them out of even treatment without the
    /// patient's authorization, and an emergency is treated from the clinical record.
    pub fn opened_by_break_glass(self) -> bool {
        matches!(self, PhiClass::Identity | PhiClass::Clinical)
    }

    /// Whether only a patient's authorization on file opens this class: no rule grants it
    /// (a rule naming it is refused), so no role reads it by default.
    pub fn by_authorization_only(self) -> bool {
        self == PhiClass::PsychotherapyNotes
    }

    /// The security label a refusal of this class names, where it has one.
    pub fn label(self) -> Option<SecurityLabel> {
        match self {
            PhiClass::PsychotherapyNotes => Some(SecurityLabel::PsychotherapyNote),
            _ => None,
        }
    }
}

impl Resource {
    /// Whether `action` on this resource opens what only four eyes may open: a PHI class;
    /// clinical records themselves (which care records a patient has, of what kind, and the
    /// flags a review raised on them, such as a missing safety plan); the audit trail;
    /// emergency access (requesting break-glass opens identity and clinical of any patient;
    /// reviewing it ends or excuses another's); the powers that approve four-eyes changes
    /// (editing care records approves amendments, moving escalations approves write-offs); or
    /// the power to change who holds any of these (staff management, policy editing). A rule
    /// that adds one is applied only with a second admin's approval.
    pub fn is_guarded(self, action: Action) -> bool {
        let phi = PhiClass::ALL.iter().any(|class| class.action() == action && class.resources().contains(&self));
        phi || matches!(
            (self, action),
            (Resource::CareRecord, Action::Read | Action::Edit)
                | (Resource::CareReview, Action::Read)
                | (Resource::Escalation, Action::Transition)
                | (Resource::Audit, Action::Read)
                | (Resource::BreakGlass, Action::Request | Action::Review)
                | (Resource::Staff, Action::Manage)
                | (Resource::Policy, Action::Edit)
                | (Resource::Authorization | Resource::Consent, Action::Read | Action::Create)
                | (Resource::Restriction | Resource::Label, Action::Update)
        )
    }
}

/// A name that is not one of the known roles, PHI classes, resources or actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {}: {:?}", self.kind.to_lowercase(), self.name)
    }
}

impl std::error::Error for UnknownName {}
