//! Small helpers every service uses: audit records, permission checks, page
//! sizes and resolving `owner/slug` paths. Crate-private.

use crate::context::Inner;
use crate::error::{Error, Result};
use crate::model::{
    Agent, AgentRef, AuditRecord, ClientInfo, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Principal, Role, UserRecord,
};

impl Inner {
    /// A new audit record stamped now, acted by the principal, about `subject`.
    pub(crate) fn audit(&self, action: &str, actor: Option<&Principal>) -> AuditRecord {
        AuditRecord::new(self.clock.now(), action).actor(actor.map(|p| p.user_id))
    }

    /// A new anonymous audit record with the client's IP.
    pub(crate) fn audit_from_client(&self, action: &str, client: &ClientInfo) -> AuditRecord {
        AuditRecord::new(self.clock.now(), action).ip(client.ip.clone())
    }

    /// Resolves `owner/slug` to the owner and the agent (deleted agents included;
    /// callers decide what a deleted agent means for them), or `not_found`.
    /// An `owner` or `slug` over its length cap or holding a control character
    /// is a validation error (see [`crate::text::check_segment`]), not a lookup.
    pub(crate) async fn resolve_agent(&self, agent: &AgentRef) -> Result<(UserRecord, Agent)> {
        let errors: Vec<_> = [("owner", &agent.owner), ("slug", &agent.slug)]
            .into_iter()
            .filter_map(|(name, value)| crate::text::check_segment(name, value))
            .collect();
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        let not_found = || Error::NotFound(format!("agent `{agent}`"));
        let handle = crate::model::Handle::lookup(&agent.owner).ok_or_else(not_found)?;
        let owner = self.store.find_user_by_handle(&handle).await?.ok_or_else(not_found)?;
        let slug = crate::model::Slug::lookup(&agent.slug).ok_or_else(not_found)?;
        let found = self.store.find_agent(owner.id, &slug).await?.ok_or_else(not_found)?;
        Ok((owner, found))
    }

    /// Checks the acting user still exists and is not disabled. Principals are
    /// minted by trusted code, but a user may have been disabled since.
    pub(crate) async fn active_user(&self, principal: &Principal) -> Result<UserRecord> {
        match self.store.get_user(principal.user_id).await? {
            Some(user) if !user.disabled => Ok(user),
            Some(_) => Err(Error::Forbidden("the account is disabled".into())),
            None => Err(Error::Unauthenticated),
        }
    }

    /// The caller's stored account when the principal claims the
    /// administrator role *and* the stored account still has it and is
    /// active: `forbidden` otherwise. Every administrator path goes through
    /// this (or [`Inner::still_admin`]), so a principal minted before a
    /// demotion or a disabling is refused at once, not when its token ends.
    pub(crate) async fn stored_admin(&self, principal: &Principal) -> Result<UserRecord> {
        require_admin(principal)?;
        let user = self.active_user(principal).await?;
        if user.role == Role::Admin { Ok(user) } else { Err(Error::Forbidden("administrator role required".into())) }
    }

    /// True when the principal claims the administrator role and its stored
    /// account is active and still has it (for paths where an administrator
    /// sees or may do more than others, and a non-admin is not an error).
    pub(crate) async fn still_admin(&self, principal: &Principal) -> Result<bool> {
        if !principal.is_admin() {
            return Ok(false);
        }
        Ok(self.store.get_user(principal.user_id).await?.is_some_and(|u| !u.disabled && u.role == Role::Admin))
    }
}

/// `forbidden` unless the principal is an administrator.
pub(crate) fn require_admin(principal: &Principal) -> Result<()> {
    if principal.is_admin() { Ok(()) } else { Err(Error::Forbidden("administrator role required".into())) }
}

/// The page size to use: default 20, 1..=100, otherwise a validation error on `limit`.
pub(crate) fn page_limit(limit: Option<u32>) -> Result<u32> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(_) => Err(Error::invalid("limit", "out_of_range", format!("limit must be between 1 and {MAX_PAGE_SIZE}"))),
    }
}
