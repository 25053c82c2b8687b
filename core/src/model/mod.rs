//! Plain data types shared by the services and the storage traits.
//!
//! Every type here is owned, `Clone`, and serde-serializable, so that it can
//! cross into Python and JavaScript and be stored by any backend.

pub mod agent;
pub mod audit;
pub mod market;
pub mod names;
pub mod session;
pub mod user;

pub use agent::*;
pub use audit::*;
pub use market::*;
pub use names::*;
pub use session::*;
pub use user::*;

use serde::{Deserialize, Serialize};

/// One page of a list, with the opaque cursor of the next page.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", schemars(rename = "{T}Page"))]
pub struct Page<T> {
    /// The items of this page, in the requested order.
    pub items: Vec<T>,
    /// Pass this back as `cursor` to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Maps every item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// Information about the calling client, recorded with sessions and audit records.
///
/// All fields are optional and supplied by the host (the HTTP adapter fills
/// them from the request). `client_key` scopes login throttling: failures from
/// one client key do not slow down the account owner on another.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    /// The client's IP address, as text.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// A stable key for the client (e.g. the IP, or a device cookie) used by login throttling.
    pub client_key: Option<String>,
}

impl ClientInfo {
    /// Client info with only an IP, which also serves as the throttling key.
    pub fn from_ip(ip: impl Into<String>) -> Self {
        let ip = ip.into();
        Self { client_key: Some(ip.clone()), ip: Some(ip), user_agent: None }
    }

    /// True when the client can be told apart from others: it has a
    /// non-blank [`client_key`](Self::client_key) or [`ip`](Self::ip), the
    /// two things login throttling keys a client by.
    pub fn is_known(&self) -> bool {
        [&self.client_key, &self.ip].into_iter().flatten().any(|v| !v.trim().is_empty())
    }

    /// Fails closed for callers that do not know who their client is: `Ok`
    /// when [`is_known`](Self::is_known), else `validation_failed` with one
    /// field error, field `client`, code `required`.
    ///
    /// The core itself accepts unknown clients (it then applies only the
    /// account-wide login budget); the bindings call this on login, refresh
    /// and forgot-password so that a host which forgets to pass the
    /// address gets an error at once rather than throttling that quietly
    /// treats all its users as one anonymous client.
    ///
    /// ```
    /// use agentmart_core::{ClientInfo, ErrorCode};
    /// assert!(ClientInfo::from_ip("203.0.113.7").require_known().is_ok());
    /// let keyed = ClientInfo { client_key: Some("device-42".into()), ..Default::default() };
    /// assert!(keyed.require_known().is_ok());
    /// let err = ClientInfo { ip: Some("  ".into()), ..Default::default() }.require_known().unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::ValidationFailed);
    /// assert_eq!((err.field_errors()[0].field.as_str(), err.field_errors()[0].code.as_str()), ("client", "required"));
    /// ```
    pub fn require_known(&self) -> crate::Result<&Self> {
        if self.is_known() {
            Ok(self)
        } else {
            Err(crate::Error::invalid(
                "client",
                "required",
                "pass the client's `ip` or an explicit `client_key` (login throttling keys clients by them)",
            ))
        }
    }
}

/// Limit and cursor of a list request.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Page size, default 20, at most 100.
    #[cfg_attr(feature = "schema", schemars(range(min = 1, max = crate::model::MAX_PAGE_SIZE)))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Largest allowed page size.
pub const MAX_PAGE_SIZE: u32 = 100;
