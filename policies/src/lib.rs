//! Who may do what in ward: roles, resources, actions and the PHI classes they disclose.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The casbin model (request, policy, role definition, matcher).
pub const MODEL: &str = include_str!("../model.conf");

/// The baseline policy loaded into an empty policy store: DESIGN.md's access table.
pub const BASELINE_POLICY: &str = include_str!("../policy.csv");

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
    }
);

named_enum!(
    /// Classes of protected health information, each granted separately (minimum necessary).
    PhiClass {
        Contact => "contact",
        Identity => "identity",
        Clinical => "clinical",
    }
);

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
