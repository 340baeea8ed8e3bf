//! GraphQL enums that mirror a data enum variant for variant, with conversions both ways:
//! entities know nothing of GraphQL, so each tool declares the GraphQL face it serves.

/// `mirror_enum!(GqlName = EntityEnum { A, B })` declares `GqlName` and both `From`s.
#[macro_export]
macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident = $entity:ident { $($v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
        pub enum $name { $($v),+ }
        impl From<$entity> for $name {
            fn from(v: $entity) -> Self { match v { $($entity::$v => $name::$v),+ } }
        }
        impl From<$name> for $entity {
            fn from(v: $name) -> Self { match v { $($name::$v => $entity::$v),+ } }
        }
    };
}

pub use crate::mirror_enum;
