//! Administration: every call needs an admin principal.
//!
//! - `users`: audit trail queries, disabling users, roles (owned by the auth work).
//! - `moderation`: unlisting/deleting agents, removing reviews (owned by the market work).

use std::sync::Arc;

use crate::context::Inner;

mod moderation;
mod users;

/// Audit trail, user management and moderation; every call needs an admin principal.
#[derive(Clone)]
pub struct AdminService {
    pub(crate) inner: Arc<Inner>,
}
