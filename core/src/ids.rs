//! Typed identifiers. All ids are UUIDv7 (time-ordered) and travel as strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Error;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            /// The 16 big-endian bytes (order-preserving).
            pub fn to_bytes(&self) -> [u8; 16] {
                *self.0.as_bytes()
            }
            /// Rebuilds an id from its 16 bytes.
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| Error::MalformedRequest(format!("`{s}` is not a valid {} id", $what)))
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// Identifies a user account.
    UserId, "user"
);
id_type!(
    /// Identifies a login session (one refresh-token family).
    SessionId, "session"
);
id_type!(
    /// Identifies an agent (stable across versions, handle and slug changes).
    AgentId, "agent"
);
id_type!(
    /// Identifies a review (a rating with optional title and body).
    ReviewId, "review"
);
id_type!(
    /// Identifies an audit record; ordering follows time.
    AuditId, "audit record"
);
