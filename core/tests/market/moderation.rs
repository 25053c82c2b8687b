//! Moderation and account state: admins, demoted admins, disabled accounts.

use super::*;

#[tokio::test]
async fn moderation_needs_an_admin_and_is_audited() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let fan = w.user("fan").await;
    let (id, path) = w.agent(&owner, "risky", def("Risky")).await;
    let (_, fine) = w.agent(&owner, "fine", def("Fine")).await;
    w.install(&fan, &path).await;
    w.install(&fan, &fine).await;
    w.rate(&fan, &path, 1).await;
    let market = w.mart.market();
    let admin_service = w.mart.admin();
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };

    // Not an admin: forbidden, even for the owner.
    assert_eq!(code(admin_service.moderate_agent(&owner, &path, unlist.clone()).await), ErrorCode::Forbidden);
    let review = market.reviews(&path, ListReviews::default()).await.unwrap().items[0].id;
    assert_eq!(code(admin_service.delete_review(&fan, review).await), ErrorCode::Forbidden);

    let agent = admin_service.moderate_agent(&admin, &path, unlist).await.unwrap();
    assert_eq!(agent.status, AgentStatus::Unlisted);
    assert_eq!(market.list(None, ListAgents::default()).await.unwrap().items.len(), 1);

    let deprecate = Moderation { status: AgentStatus::Deprecated, status_message: Some("Replaced by fine".into()) };
    admin_service.moderate_agent(&admin, &path, deprecate).await.unwrap();
    let page = market.list(None, ListAgents::default()).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[1].slug, "risky", "deprecated last");
    assert_eq!(page.items[1].status_message.as_deref(), Some("Replaced by fine"));

    let draft = Moderation { status: AgentStatus::Draft, status_message: None };
    assert_eq!(fields(admin_service.moderate_agent(&admin, &path, draft).await), ["status"]);
    let long = Moderation { status: AgentStatus::Listed, status_message: Some("x".repeat(501)) };
    assert_eq!(fields(admin_service.moderate_agent(&admin, &path, long).await), ["status_message"]);

    admin_service.delete_review(&admin, review).await.unwrap();
    assert_eq!(market.detail(None, &path).await.unwrap().rating.count, 0);
    assert_eq!(code(admin_service.delete_review(&admin, review).await), ErrorCode::NotFound);

    let delete = Moderation { status: AgentStatus::Deleted, status_message: None };
    admin_service.moderate_agent(&admin, &path, delete.clone()).await.unwrap();
    assert_eq!(code(market.detail(None, &path).await), ErrorCode::NotFound);
    assert_eq!(market.detail(Some(&fan), &path).await.unwrap().status, AgentStatus::Deleted);
    assert_eq!(code(admin_service.moderate_agent(&admin, &path, delete).await), ErrorCode::Conflict);

    // Audit records: acted by the admin, about the owner (agent) or the author (review).
    let status = w.audit(actions::AGENT_STATUS_CHANGED).await;
    assert_eq!(status.len(), 2);
    assert!(status.iter().all(|r| r.actor == Some(admin.user_id) && r.subject == Some(owner.user_id)));
    let deleted = w.audit(actions::AGENT_DELETED).await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].target.as_deref(), Some(format!("agent:{id}").as_str()));
    let removed = w.audit(actions::REVIEW_REMOVED).await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].subject, Some(fan.user_id));
    assert_eq!(removed[0].target.as_deref(), Some(format!("review:{review}").as_str()));
}

#[tokio::test]
async fn a_disabled_account_cannot_act() {
    let w = world();
    let owner = w.user("owner").await;
    let fan = w.user("fan").await;
    let (_, path) = w.agent(&owner, "tool", def("Tool")).await;
    let now = w.clock.now();
    w.store.set_disabled(fan.user_id, true, now, &AuditRecord::new(now, actions::USER_DISABLED)).await.unwrap();
    let market = w.mart.market();
    assert_eq!(code(market.install(&fan, &path, InstallRequest::default()).await), ErrorCode::Forbidden);
    assert_eq!(market.detail(None, &path).await.unwrap().install_count, 0);
}

#[tokio::test]
async fn a_demoted_admin_cannot_moderate() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let (_, path) = w.agent(&owner, "tool", def("Tool")).await;
    let now = w.clock.now();
    w.store.set_role(admin.user_id, Role::User, now, &AuditRecord::new(now, actions::ROLE_CHANGED)).await.unwrap();
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };
    // The principal still says admin, the account no longer is one.
    assert_eq!(code(w.mart.admin().moderate_agent(&admin, &path, unlist).await), ErrorCode::Forbidden);
    assert_eq!(w.mart.market().detail(None, &path).await.unwrap().status, AgentStatus::Listed);
}

#[tokio::test]
async fn an_admin_moderation_locks_the_owner_out_until_an_admin_lists_it() {
    use agentmart_core::agents::{PublishRequest, StatusChange};
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let (id, path) = w.agent(&owner, "risky", def("Risky")).await;
    let agents = w.mart.agents();
    let admin_service = w.mart.admin();
    let relist = || StatusChange { status: AgentStatus::Listed, status_message: None };

    // Before any moderation the owner changes the status freely, and the
    // owner's view shows no lock.
    let mine = agents.set_status(&owner, &path, StatusChange { status: AgentStatus::Unlisted, ..relist() }).await;
    assert_eq!(mine.unwrap().moderation, None);
    agents.set_status(&owner, &path, relist()).await.unwrap();

    w.clock.advance(Duration::minutes(5));
    let at = w.clock.now();
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: Some("spam reports".into()) };
    let moderated = admin_service.moderate_agent(&admin, &path, unlist).await.unwrap();
    let lock = moderated.moderation.clone().expect("an admin's unlisting sets the lock");
    assert!(lock.locked_by_admin);
    assert_eq!(lock.at, at);
    assert_eq!(lock.reason.as_deref(), Some("spam reports"));

    // The owner cannot lift it, with any status, and nothing changes.
    for status in [AgentStatus::Listed, AgentStatus::Deprecated, AgentStatus::Unlisted] {
        let change = StatusChange { status, status_message: Some("please".into()) };
        assert_eq!(code(agents.set_status(&owner, &path, change).await), ErrorCode::ModerationLocked);
    }
    // Nor through the owner's route as an administrator: the admin route decides.
    assert_eq!(code(agents.set_status(&admin, &path, relist()).await), ErrorCode::ModerationLocked);
    // Nor by publishing a new version.
    let published = agents.publish(&owner, &path, PublishRequest { version: "1.1.0".into(), changelog: None }).await;
    assert_eq!(published.unwrap().version.to_string(), "1.1.0");
    let stored = w.store.get_agent(id).await.unwrap().unwrap();
    assert_eq!(stored.status, AgentStatus::Unlisted);
    assert_eq!(stored.status_message.as_deref(), Some("spam reports"));
    assert_eq!(stored.moderation.as_ref(), Some(&lock));
    assert!(w.mart.market().list(None, ListAgents::default()).await.unwrap().items.is_empty());

    // The owner sees why.
    let mine = agents.my_agents(&owner).await.unwrap();
    assert_eq!(mine[0].moderation.as_ref(), Some(&lock));

    // An admin's deprecation keeps a lock (with the new time and message).
    w.clock.advance(Duration::minutes(5));
    let deprecate = Moderation { status: AgentStatus::Deprecated, status_message: None };
    let deprecated = admin_service.moderate_agent(&admin, &path, deprecate).await.unwrap();
    assert_eq!(deprecated.moderation.as_ref().map(|l| (l.at, l.reason.clone())), Some((w.clock.now(), None)));
    assert_eq!(code(agents.set_status(&owner, &path, relist()).await), ErrorCode::ModerationLocked);

    // Only an admin listing the agent again lifts the lock; then the owner decides again.
    let listed = admin_service
        .moderate_agent(&admin, &path, Moderation { status: AgentStatus::Listed, status_message: None })
        .await
        .unwrap();
    assert_eq!(listed.moderation, None);
    let unlisted = agents.set_status(&owner, &path, StatusChange { status: AgentStatus::Unlisted, ..relist() });
    assert_eq!(unlisted.await.unwrap().status, AgentStatus::Unlisted);
}

#[tokio::test]
async fn an_owner_may_delete_a_moderated_agent_and_the_lock_stays() {
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let (id, path) = w.agent(&owner, "risky", def("Risky")).await;
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };
    w.mart.admin().moderate_agent(&admin, &path, unlist).await.unwrap();
    w.mart.agents().delete(&owner, &path).await.unwrap();
    let stored = w.store.get_agent(id).await.unwrap().unwrap();
    assert_eq!(stored.status, AgentStatus::Deleted);
    assert!(stored.moderation.is_some());

    // An admin's delete locks too: the stored state says an admin decided.
    let (other, other_path) = w.agent(&owner, "other", def("Other")).await;
    let delete = Moderation { status: AgentStatus::Deleted, status_message: Some("malware".into()) };
    w.mart.admin().moderate_agent(&admin, &other_path, delete).await.unwrap();
    let stored = w.store.get_agent(other).await.unwrap().unwrap();
    assert_eq!(stored.moderation.and_then(|l| l.reason).as_deref(), Some("malware"));
}

#[tokio::test]
async fn a_demoted_admin_is_refused_on_every_admin_path() {
    use agentmart_core::auth::AdminUserUpdate;
    let w = world();
    let owner = w.user("owner").await;
    let admin = w.user_with_role("admin", Role::Admin).await;
    let fan = w.user("fan").await;
    let (_, path) = w.agent(&owner, "tool", def("Tool")).await;
    let (_, draft) = w.draft(&owner, "secret", def("Secret")).await;
    w.install(&fan, &path).await;
    w.rate(&fan, &path, 1).await;
    let review = w.mart.market().reviews(&path, ListReviews::default()).await.unwrap().items[0].id;
    let admin_service = w.mart.admin();

    // While an admin, every path works.
    admin_service.audit(&admin, AuditFilter::default(), PageRequest::default()).await.unwrap();
    w.mart.agents().draft(&admin, &draft).await.unwrap();
    w.mart.market().usage(&admin, &path, UsageQuery::default()).await.unwrap();

    let now = w.clock.now();
    w.store.set_role(admin.user_id, Role::User, now, &AuditRecord::new(now, actions::ROLE_CHANGED)).await.unwrap();
    // The principal still says admin; the stored account does not.
    let forbidden = ErrorCode::Forbidden;
    assert_eq!(code(admin_service.audit(&admin, AuditFilter::default(), PageRequest::default()).await), forbidden);
    let promote = AdminUserUpdate { role: Some(Role::Admin), disabled: None };
    assert_eq!(code(admin_service.update_user(&admin, admin.user_id, promote).await), forbidden);
    let disable = AdminUserUpdate { role: None, disabled: Some(true) };
    assert_eq!(code(admin_service.update_user(&admin, fan.user_id, disable).await), forbidden);
    assert_eq!(code(admin_service.revoke_user_sessions(&admin, fan.user_id).await), forbidden);
    let unlist = Moderation { status: AgentStatus::Unlisted, status_message: None };
    assert_eq!(code(admin_service.moderate_agent(&admin, &path, unlist).await), forbidden);
    assert_eq!(code(admin_service.delete_review(&admin, review).await), forbidden);
    // The paths where an admin may act for an owner treat them as anyone else.
    assert_eq!(code(w.mart.agents().draft(&admin, &draft).await), ErrorCode::NotFound);
    assert_eq!(code(w.mart.agents().delete(&admin, &path).await), ErrorCode::NotFound);
    assert_eq!(code(w.mart.market().usage(&admin, &path, UsageQuery::default()).await), forbidden);
    assert_eq!(code(w.mart.market().detail(Some(&admin), &draft).await), ErrorCode::NotFound);

    // Nothing changed.
    let stored = w.store.get_user(fan.user_id).await.unwrap().unwrap();
    assert!(!stored.disabled);
    assert_eq!(w.store.get_user(admin.user_id).await.unwrap().unwrap().role, Role::User);
    assert_eq!(w.mart.market().detail(None, &path).await.unwrap().status, AgentStatus::Listed);
    assert_eq!(w.mart.market().detail(None, &path).await.unwrap().rating.count, 1);
}

#[tokio::test]
async fn granting_admin_needs_a_verified_email_unless_forced() {
    let w = world();
    let verified = w.user("verified").await;
    let profile = w.mart.admin().grant_admin_by_email("Verified@example.com", false).await.unwrap();
    assert_eq!((profile.id, profile.role), (verified.user_id, Role::Admin));

    let now = w.clock.now();
    let record = UserRecord {
        id: UserId::new(),
        email: Some("fresh@example.com".parse().unwrap()),
        email_verified: false,
        handle: "fresh".parse().unwrap(),
        display_name: None,
        bio: None,
        avatar_url: None,
        role: Role::User,
        disabled: false,
        password_hash: None,
        external_id: None,
        created_at: now,
        updated_at: now,
    };
    w.store.create_user(&record, &AuditRecord::new(now, actions::USER_REGISTERED)).await.unwrap();
    assert_eq!(code(w.mart.admin().grant_admin_by_email("fresh@example.com", false).await), ErrorCode::Conflict);
    assert_eq!(w.store.get_user(record.id).await.unwrap().unwrap().role, Role::User, "nothing changed");
    assert!(w.audit(actions::ROLE_CHANGED).await.iter().all(|r| r.subject != Some(record.id)));
    let forced = w.mart.admin().grant_admin_by_email("fresh@example.com", true).await.unwrap();
    assert_eq!(forced.role, Role::Admin);
    assert_eq!(code(w.mart.admin().grant_admin_by_email("nobody@example.com", true).await), ErrorCode::NotFound);
}
