//! Published versions: semver ordering, immutability, installed definitions.

use super::*;

#[tokio::test]
async fn versions_must_rise_by_semver_including_prereleases() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    for v in ["0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-rc.1", "1.0.0"] {
        w.tick();
        agents.publish(&alice, &r, publish_req(v)).await.unwrap_or_else(|e| panic!("{v}: {e}"));
    }
    let cases = [
        ("1.0.0", ErrorCode::VersionExists),
        ("1.0.0-beta", ErrorCode::VersionExists),
        ("1.0.0-rc.2", ErrorCode::ValidationFailed),
        ("0.9.5", ErrorCode::ValidationFailed),
        ("1.0.0+build.1", ErrorCode::ValidationFailed),
        ("v1.1.0", ErrorCode::ValidationFailed),
    ];
    for (v, code) in cases {
        let err = agents.publish(&alice, &r, publish_req(v)).await.unwrap_err();
        assert_eq!(err.code(), code, "{v}");
    }
    let err = agents.publish(&alice, &r, publish_req("1.0.0-rc.2")).await.unwrap_err();
    assert_eq!(fields(&err), set(&[("version", "not_increasing")]));
    let err = agents.publish(&alice, &r, publish_req("1.0.0+build.1")).await.unwrap_err();
    assert_eq!(fields(&err), set(&[("version", "invalid_format")]));
    // A version string over 64 characters never reaches the store (SECURITY.md), nor names one.
    let long = format!("2.0.0-{}", "a".repeat(59));
    let err = agents.publish(&alice, &r, publish_req(&long)).await.unwrap_err();
    assert_eq!(fields(&err), set(&[("version", "too_long")]));
    let err = agents.version(None, &r, &long).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedRequest);

    agents.publish(&alice, &r, publish_req("1.0.1-alpha")).await.unwrap();
    let listed: Vec<String> =
        agents.versions(None, &r).await.unwrap().into_iter().map(|v| v.version.to_string()).collect();
    assert_eq!(listed, ["1.0.1-alpha", "1.0.0", "1.0.0-rc.1", "1.0.0-beta", "1.0.0-alpha.1", "1.0.0-alpha", "0.9.0"]);
}

#[tokio::test]
async fn published_versions_are_immutable() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let v1 = agents.publish(&alice, &r, publish_req("1.0.0")).await.unwrap();
    w.tick();
    agents
        .update_draft(
            &alice,
            &r,
            DraftPatch {
                name: Some("Summarizer Pro".into()),
                system_prompt: Some("New prompt".into()),
                icon_url: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let still = agents.version(Some(&alice), &r, "1.0.0").await.unwrap();
    assert_eq!(still, v1);
    assert_eq!(still.definition.name, "Summarizer");
    assert_eq!(still.definition.icon_url.as_deref(), Some("https://cdn.example/icon.png"));
    assert_eq!(agents.card(None, &r, None).await.unwrap().name, "Summarizer");

    let v2 = agents.publish(&alice, &r, publish_req("1.1.0")).await.unwrap();
    assert_eq!(v2.definition.name, "Summarizer Pro");
    assert_eq!(v2.definition.system_prompt.as_deref(), Some("New prompt"));
    assert_eq!(v2.definition.icon_url, None);
    assert_eq!(agents.version(Some(&alice), &r, "1.0.0").await.unwrap(), v1);
    assert_eq!(agents.card(None, &r, None).await.unwrap().name, "Summarizer Pro");
    assert_eq!(agents.card(None, &r, Some("1.0.0")).await.unwrap().name, "Summarizer");
    assert_eq!(agents.version(None, &r, "not-semver").await.unwrap_err().code(), ErrorCode::MalformedRequest);
    assert_eq!(agents.version(None, &r, "3.0.0").await.unwrap_err().code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn installed_definition_serves_the_pinned_or_latest_version_even_after_delete() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let bob = w.user("bob", Role::User).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    let created = create(&w, &alice, "summarizer", full_definition()).await;
    agents.publish(&alice, &r, publish_req("1.0.0")).await.unwrap();
    agents
        .update_draft(&alice, &r, DraftPatch { system_prompt: Some("v2 prompt".into()), ..Default::default() })
        .await
        .unwrap();
    agents.publish(&alice, &r, publish_req("2.0.0")).await.unwrap();

    assert_eq!(agents.installed_definition(&bob, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    let audit = AuditRecord::new(Utc::now(), actions::AGENT_INSTALLED);
    w.store.install(bob.user_id, created.id, None, Utc::now(), &audit).await.unwrap();
    let latest: AgentVersion = agents.installed_definition(&bob, &r).await.unwrap();
    assert_eq!((latest.version.to_string(), latest.definition.system_prompt.as_str()), ("2.0.0".into(), "v2 prompt"));

    let pin = semver::Version::new(1, 0, 0);
    w.store.install(bob.user_id, created.id, Some(&pin), Utc::now(), &audit).await.unwrap();
    let pinned = agents.installed_definition(&bob, &r).await.unwrap();
    assert_eq!(pinned.version, pin);
    assert_eq!(pinned.definition.system_prompt, full_definition().system_prompt);

    agents.delete(&alice, &r).await.unwrap();
    assert_eq!(agents.installed_definition(&bob, &r).await.unwrap().version, pin);
}
