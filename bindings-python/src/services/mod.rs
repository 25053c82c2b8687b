//! The four service classes: `Auth`, `Agents`, `Market`, `Admin`.
//!
//! Every method extracts its arguments while holding the GIL, then runs the
//! core call through [`crate::shared::Shared::run`] with the GIL released.

use std::str::FromStr;

use agentmart_core::{AgentRef, ClientInfo, Error, Result};

pub(crate) mod admin;
pub(crate) mod agents;
pub(crate) mod auth;
pub(crate) mod market;

/// Parses an `owner/slug` agent path.
pub(crate) fn agent_ref(path: &str) -> Result<AgentRef> {
    path.parse()
}

/// Parses an id (user, session, agent, review).
pub(crate) fn parse_id<T: FromStr<Err = Error>>(id: &str) -> Result<T> {
    id.parse()
}

/// Who is calling, for throttling and the audit trail.
pub(crate) fn client(ip: Option<String>, user_agent: Option<String>, client_key: Option<String>) -> ClientInfo {
    ClientInfo { ip, user_agent, client_key }
}
