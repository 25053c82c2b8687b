//! The builder (`Agentmart::agents()`) through its public API, on the
//! in-memory reference store.

use std::collections::BTreeSet;
use std::sync::Arc;

use agentmart_core::agents::{
    AgentDraftView, CreateAgent, DEFAULT_MODEL, DraftPatch, PLACEHOLDER_INPUT, PreviewRequest, PublishRequest,
    StatusChange, validate_definition,
};
use agentmart_core::storage::{AuditStore, InstallStore, PublishVersion, Store, UserStore};
use agentmart_core::testing::MemoryStore;
use agentmart_core::{
    AgentDefinition, AgentRef, AgentStatus, AgentVersion, Agentmart, AuditFilter, AuditRecord, ChatRequest,
    ChatResponse, Config, ErrorCode, ManualClock, ModelProvider, ModelSettings, Principal, Role, Skill, UserId,
    UserRecord, actions,
};
use chrono::{TimeZone, Utc};
use serde_json::json;

struct World {
    mart: Agentmart,
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
}

fn world_with(provider: Option<Arc<dyn ModelProvider>>) -> World {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()));
    let mut config = Config::for_tests();
    config.public_base_url = "https://mart.example/base/".into();
    let dyn_store: Arc<dyn Store> = store.clone();
    let mut builder = Agentmart::builder(dyn_store, config).clock(clock.clone());
    if let Some(p) = provider {
        builder = builder.model_provider(p);
    }
    World { mart: builder.build().unwrap(), store, clock }
}

fn world() -> World {
    world_with(None)
}

impl World {
    async fn user(&self, handle: &str, role: Role) -> Principal {
        let now = Utc::now();
        let record = UserRecord {
            id: UserId::new(),
            email: Some(format!("{handle}@example.com")),
            email_verified: true,
            handle: handle.into(),
            display_name: None,
            bio: None,
            avatar_url: None,
            role,
            disabled: false,
            password_hash: None,
            external_id: None,
            created_at: now,
            updated_at: now,
        };
        self.store.create_user(&record, &AuditRecord::new(now, actions::USER_LINKED)).await.unwrap();
        Principal { user_id: record.id, session_id: None, role }
    }

    fn tick(&self) {
        self.clock.advance(chrono::Duration::seconds(1));
    }
}

/// A complete, publishable definition.
fn full_definition() -> AgentDefinition {
    AgentDefinition {
        name: "Summarizer".into(),
        tagline: "Short summaries".into(),
        description: "Summarizes long documents into a few bullet points.".into(),
        system_prompt: "You summarize text. Be brief.".into(),
        skills: vec![Skill {
            id: "summarize".into(),
            name: "Summarize".into(),
            description: "Summarize a document".into(),
            tags: vec!["text".into()],
            examples: vec!["Summarize this article".into()],
        }],
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/markdown".into()],
        input_schema: None,
        output_schema: None,
        conversation_starters: vec!["Summarize my notes".into()],
        model: Some(ModelSettings { name: "gpt-4.1".into(), temperature: Some(0.2), max_tokens: Some(800) }),
        category: Some("writing".into()),
        tags: vec!["summary".into(), "writing".into()],
        icon_url: Some("https://cdn.example/icon.png".into()),
        documentation_url: Some("https://docs.example/summarizer".into()),
    }
}

async fn create(w: &World, p: &Principal, slug: &str, definition: AgentDefinition) -> AgentDraftView {
    w.mart.agents().create(p, CreateAgent { slug: slug.into(), definition }).await.unwrap()
}

fn publish_req(version: &str) -> PublishRequest {
    PublishRequest { version: version.into(), changelog: None }
}

fn fields(err: &agentmart_core::Error) -> BTreeSet<(String, String)> {
    err.field_errors().iter().map(|e| (e.field.clone(), e.code.clone())).collect()
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect()
}

#[tokio::test]
async fn validation_names_every_failing_field_at_once() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let mut d = full_definition();
    d.name = "   ".into();
    d.tagline = "t".repeat(101);
    d.description = "bad\u{7}bell".into();
    d.skills = vec![
        Skill { id: "ok".into(), name: "A\nB".into(), ..Default::default() },
        Skill { id: "ok".into(), name: "B".into(), ..Default::default() },
        Skill {
            id: "Bad Id".into(),
            name: "".into(),
            description: "d".repeat(1001),
            tags: std::iter::once("x".repeat(33)).chain(std::iter::repeat_n("t".to_string(), 10)).collect(),
            examples: vec![String::new()],
        },
    ];
    d.input_modes = vec!["text/plain".into(), "application/x-evil".into(), "text/plain".into()];
    d.input_schema = Some(json!("not an object"));
    d.conversation_starters = vec!["s".into(); 7];
    d.model = Some(ModelSettings { name: "m".into(), temperature: Some(2.5), max_tokens: Some(0) });
    d.category = Some("Not A Slug".into());
    d.tags = vec!["ok".into(), "ok".into(), "UPPER".into()];
    d.icon_url = Some("javascript:alert(1)".into());
    d.documentation_url = Some(format!("https://example.com/{}", "a".repeat(2048)));

    let err = w.mart.agents().create(&alice, CreateAgent { slug: "-bad".into(), definition: d }).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    let got = fields(&err);
    let want = set(&[
        ("slug", "invalid_format"),
        ("name", "required"),
        ("tagline", "too_long"),
        ("description", "invalid_format"),
        ("skills[0].name", "invalid_format"),
        ("skills[1].id", "duplicate"),
        ("skills[2].id", "invalid_format"),
        ("skills[2].name", "required"),
        ("skills[2].description", "too_long"),
        // An over-long list is refused as a whole; its items are not looked at (issue 10 item 5).
        ("skills[2].tags", "too_many"),
        ("skills[2].examples[0]", "required"),
        ("input_modes[1]", "invalid_choice"),
        ("input_modes[2]", "duplicate"),
        ("input_schema", "invalid_format"),
        ("conversation_starters", "too_many"),
        ("model.temperature", "out_of_range"),
        ("model.max_tokens", "out_of_range"),
        ("category", "invalid_format"),
        ("tags[1]", "duplicate"),
        ("tags[2]", "invalid_format"),
        ("icon_url", "invalid_format"),
        ("documentation_url", "too_long"),
    ]);
    assert_eq!(got.difference(&want).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "unexpected errors");
    assert_eq!(want.difference(&got).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "missing errors");
    // Nothing was created.
    assert!(w.mart.agents().my_agents(&alice).await.unwrap().is_empty());
}

#[test]
fn publish_requirements_are_separate_from_limits() {
    let mut d = AgentDefinition { name: "Json bot".into(), ..Default::default() };
    assert!(validate_definition(&d, false).is_empty());
    d.input_modes = vec!["application/json".into()];
    d.output_modes = vec!["application/json".into()];
    assert!(validate_definition(&d, false).is_empty());
    let codes: Vec<_> = validate_definition(&d, true).into_iter().map(|e| (e.field, e.code)).collect();
    assert_eq!(
        codes,
        vec![
            ("system_prompt".to_string(), "required".to_string()),
            ("input_schema".into(), "required".into()),
            ("output_schema".into(), "required".into()),
        ]
    );
    d.system_prompt = "p".into();
    d.input_schema = Some(json!({"type": "object"}));
    d.output_schema = Some(json!({"$schema": "https://json-schema.org/draft/2020-12/schema"}));
    assert!(validate_definition(&d, true).is_empty());
    d.output_schema = Some(json!({"title": "no type"}));
    assert_eq!(validate_definition(&d, true)[0].code, "invalid_format");
}

#[tokio::test]
async fn slugs_are_checked_and_unique_per_owner() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let bob = w.user("bob", Role::User).await;
    let agents = w.mart.agents();
    for bad in ["a", "", "Upper", "with_underscore", &"x".repeat(64)] {
        let err =
            agents.create(&alice, CreateAgent { slug: bad.into(), definition: full_definition() }).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationFailed, "slug {bad:?}");
        assert_eq!(err.field_errors()[0].field, "slug");
    }
    create(&w, &alice, "summarizer", full_definition()).await;
    let err = agents
        .create(&alice, CreateAgent { slug: "summarizer".into(), definition: full_definition() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SlugTaken);
    // Another owner may use the same slug.
    create(&w, &bob, "summarizer", full_definition()).await;
    // A deleted agent keeps its slug reserved.
    agents.delete(&alice, &AgentRef::new("alice", "summarizer")).await.unwrap();
    let err = agents
        .create(&alice, CreateAgent { slug: "summarizer".into(), definition: full_definition() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::SlugTaken);
}

#[tokio::test]
async fn create_edit_preview_publish_flow() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");

    // A draft may start incomplete; warnings say what publishing needs.
    let created =
        create(&w, &alice, "summarizer", AgentDefinition { name: "  Summarizer ".into(), ..Default::default() }).await;
    assert_eq!(created.status, AgentStatus::Draft);
    assert_eq!(created.definition.name, "Summarizer", "single-line fields are trimmed");
    let warned: BTreeSet<_> = created.warnings.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(warned, BTreeSet::from(["system_prompt", "input_modes", "output_modes"]));

    // Publishing the incomplete draft fails with every problem, the bad version included.
    let err = agents
        .publish(&alice, &r, PublishRequest { version: "1.0".into(), changelog: Some("c".repeat(2001)) })
        .await
        .unwrap_err();
    assert_eq!(
        fields(&err),
        set(&[
            ("version", "invalid_format"),
            ("changelog", "too_long"),
            ("system_prompt", "required"),
            ("input_modes", "required"),
            ("output_modes", "required"),
        ])
    );

    // Edit the draft to completion.
    w.tick();
    let full = full_definition();
    let patch = DraftPatch {
        system_prompt: Some(full.system_prompt.clone()),
        input_modes: Some(full.input_modes.clone()),
        output_modes: Some(full.output_modes.clone()),
        skills: Some(full.skills.clone()),
        conversation_starters: Some(full.conversation_starters.clone()),
        model: Some(full.model.clone()),
        category: Some(Some("writing".into())),
        ..Default::default()
    };
    let edited = agents.update_draft(&alice, &r, patch).await.unwrap();
    assert!(edited.warnings.is_empty(), "{:?}", edited.warnings);
    assert!(edited.updated_at > created.updated_at);

    // An invalid edit changes nothing.
    let err = agents
        .update_draft(&alice, &r, DraftPatch { name: Some(String::new()), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(fields(&err), set(&[("name", "required")]));
    assert_eq!(agents.draft(&alice, &r).await.unwrap(), edited);

    // Preview: the exact chat request, the first starter as the default input.
    let preview = agents.preview(&alice, &r, PreviewRequest::default()).await.unwrap();
    assert_eq!(
        serde_json::to_value(&preview.chat_request).unwrap(),
        json!({
            "model": "gpt-4.1",
            "messages": [
                {"role": "system", "content": "You summarize text. Be brief."},
                {"role": "user", "content": "Summarize my notes"},
            ],
            "temperature": 0.2,
            "max_tokens": 800,
        })
    );
    assert!(preview.warnings.is_empty());
    assert!(preview.model_response.is_none());
    assert_eq!(preview.card.version, "draft");
    assert_eq!(preview.card.name, "Summarizer");
    let with_input =
        agents.preview(&alice, &r, PreviewRequest { input: Some("Summarize: hello".into()) }).await.unwrap();
    assert_eq!(with_input.chat_request.messages[1].content, "Summarize: hello");

    // Publish.
    w.tick();
    let v1 = agents
        .publish(&alice, &r, PublishRequest { version: "1.0.0".into(), changelog: Some("First".into()) })
        .await
        .unwrap();
    assert_eq!(v1.version.to_string(), "1.0.0");
    assert_eq!(v1.changelog.as_deref(), Some("First"));
    assert_eq!(v1.definition.system_prompt.as_deref(), Some("You summarize text. Be brief."));
    let draft = agents.draft(&alice, &r).await.unwrap();
    assert_eq!(draft.status, AgentStatus::Listed);
    assert_eq!(draft.latest_version.as_ref().map(ToString::to_string).as_deref(), Some("1.0.0"));

    let mine = agents.my_agents(&alice).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status, AgentStatus::Listed);
    assert_eq!(mine[0].name, "Summarizer");

    // Every change left an audit record about alice's agent.
    let audit = w
        .store
        .list_audit(&AuditFilter { target: Some(format!("agent:{}", created.id)), ..Default::default() }, None, 100)
        .await
        .unwrap();
    let acts: Vec<_> = audit.iter().rev().map(|a| a.action.as_str()).collect();
    assert_eq!(acts, [actions::AGENT_CREATED, actions::AGENT_DRAFT_UPDATED, actions::AGENT_PUBLISHED]);
    assert!(audit.iter().all(|a| a.actor == Some(alice.user_id) && a.subject == Some(alice.user_id)));
}

#[tokio::test]
async fn preview_defaults_and_json_response_format() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "json-bot");
    let d = AgentDefinition {
        name: "Json".into(),
        system_prompt: "Answer in JSON".into(),
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["application/json".into()],
        ..Default::default()
    };
    create(&w, &alice, "json-bot", d).await;
    let p = w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("  ".into()) }).await.unwrap();
    assert_eq!(p.chat_request.model, DEFAULT_MODEL);
    assert_eq!(p.chat_request.messages[1].content, PLACEHOLDER_INPUT);
    assert!(p.chat_request.response_format.is_none());
    assert_eq!(fields_of(&p.warnings), set(&[("output_schema", "required")]));
    let body = serde_json::to_value(&p.chat_request).unwrap();
    assert!(body.get("temperature").is_none() && body.get("max_tokens").is_none());

    let schema = json!({"type": "object", "properties": {"answer": {"type": "string"}}});
    w.mart
        .agents()
        .update_draft(&alice, &r, DraftPatch { output_schema: Some(Some(schema.clone())), ..Default::default() })
        .await
        .unwrap();
    let p = w.mart.agents().preview(&alice, &r, PreviewRequest::default()).await.unwrap();
    assert!(p.warnings.is_empty());
    assert_eq!(
        p.chat_request.response_format,
        Some(json!({"type": "json_schema", "json_schema": {"name": "json-bot", "schema": schema}}))
    );

    let err =
        w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("x".repeat(32_001)) }).await.unwrap_err();
    assert_eq!(fields(&err), set(&[("input", "too_long")]));
}

fn fields_of(errors: &[agentmart_core::FieldError]) -> BTreeSet<(String, String)> {
    errors.iter().map(|e| (e.field.clone(), e.code.clone())).collect()
}

struct EchoProvider;

#[async_trait::async_trait]
impl ModelProvider for EchoProvider {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, Box<dyn std::error::Error + Send + Sync>> {
        let last = request.messages.last().map(|m| m.content.clone()).unwrap_or_default();
        if last == "fail" {
            return Err("upstream is down".into());
        }
        Ok(ChatResponse { content: format!("echo: {last}"), model: Some(request.model.clone()) })
    }
}

#[tokio::test]
async fn preview_asks_the_model_provider_and_reports_its_failure_as_a_warning() {
    let w = world_with(Some(Arc::new(EchoProvider)));
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let ok = w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("hi".into()) }).await.unwrap();
    assert_eq!(ok.model_response.as_ref().map(|r| r.content.as_str()), Some("echo: hi"));
    assert!(ok.warnings.is_empty());
    let failed = w.mart.agents().preview(&alice, &r, PreviewRequest { input: Some("fail".into()) }).await.unwrap();
    assert!(failed.model_response.is_none());
    assert_eq!(fields_of(&failed.warnings), set(&[("model_response", "provider_error")]));
}

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
async fn drafts_are_private_and_system_prompts_hidden_from_others() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let eve = w.user("eve", Role::User).await;
    let admin = w.user("root", Role::Admin).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;

    // Unpublished: invisible to everyone but the owner and admins.
    assert_eq!(agents.draft(&eve, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.versions(None, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.versions(Some(&eve), &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.card(Some(&eve), &r, None).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.preview(&eve, &r, PreviewRequest::default()).await.unwrap_err().code(), ErrorCode::NotFound);
    assert!(agents.versions(Some(&alice), &r).await.unwrap().is_empty());
    assert_eq!(agents.draft(&admin, &r).await.unwrap().definition.system_prompt, full_definition().system_prompt);

    // Only the owner edits and publishes; an admin is told so, others see nothing.
    let patch = DraftPatch { name: Some("Hijacked".into()), ..Default::default() };
    assert_eq!(agents.update_draft(&eve, &r, patch.clone()).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.update_draft(&admin, &r, patch).await.unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(agents.publish(&eve, &r, publish_req("1.0.0")).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.publish(&admin, &r, publish_req("1.0.0")).await.unwrap_err().code(), ErrorCode::Forbidden);

    agents.publish(&alice, &r, publish_req("1.0.0")).await.unwrap();
    let prompt = full_definition().system_prompt;
    for viewer in [None, Some(&eve)] {
        let versions = agents.versions(viewer, &r).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].definition.system_prompt, None);
        let json = serde_json::to_value(&versions[0]).unwrap();
        assert!(json.get("system_prompt").is_none());
        assert!(!json.to_string().contains(&prompt));
        let one = agents.version(viewer, &r, "1.0.0").await.unwrap();
        assert_eq!(one.definition.system_prompt, None);
        assert_eq!(one.definition.name, "Summarizer");
        // Drafts stay private after publishing too.
        assert_eq!(agents.draft(&eve, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    }
    for viewer in [&alice, &admin] {
        let v = agents.version(Some(viewer), &r, "1.0.0").await.unwrap();
        assert_eq!(v.definition.system_prompt.as_deref(), Some(prompt.as_str()));
        assert!(serde_json::to_value(&v).unwrap()["system_prompt"].is_string());
    }
}

#[tokio::test]
async fn card_follows_the_a2a_shape_and_never_has_the_prompt() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    w.mart.agents().publish(&alice, &r, publish_req("1.2.3")).await.unwrap();
    let card = w.mart.agents().card(None, &r, None).await.unwrap();
    assert_eq!(
        serde_json::to_value(&card).unwrap(),
        json!({
            "name": "Summarizer",
            "description": "Summarizes long documents into a few bullet points.",
            "url": "https://mart.example/base/v1/agents/alice/summarizer",
            "version": "1.2.3",
            "protocolVersion": "0.3.0",
            "provider": {"organization": "alice", "url": "https://mart.example/base/v1/agents?owner=alice"},
            "capabilities": {"streaming": false, "pushNotifications": false},
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/markdown"],
            "skills": [{
                "id": "summarize",
                "name": "Summarize",
                "description": "Summarize a document",
                "tags": ["text"],
                "examples": ["Summarize this article"],
            }],
            "documentationUrl": "https://docs.example/summarizer",
            "iconUrl": "https://cdn.example/icon.png",
        })
    );
    // The provider's organization is the display name when there is one.
    w.store
        .update_profile(
            alice.user_id,
            &agentmart_core::ProfilePatch { display_name: Some(Some("Alice Labs".into())), ..Default::default() },
            Utc::now(),
            &AuditRecord::new(Utc::now(), actions::PROFILE_UPDATED),
        )
        .await
        .unwrap();
    let card = w.mart.agents().card(None, &r, Some("1.2.3")).await.unwrap();
    assert_eq!(card.provider.organization, "Alice Labs");
    assert_eq!(w.mart.agents().card(None, &r, Some("9.9.9")).await.unwrap_err().code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn status_changes_and_their_visibility() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let eve = w.user("eve", Role::User).await;
    let admin = w.user("root", Role::Admin).await;
    let agents = w.mart.agents();
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let change = |status, msg: Option<&str>| StatusChange { status, status_message: msg.map(str::to_string) };

    // Not before the first publish.
    let err = agents.set_status(&alice, &r, change(AgentStatus::Unlisted, None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    agents.publish(&alice, &r, publish_req("1.0.0")).await.unwrap();

    // Only listed/unlisted/deprecated through this call.
    for bad in [AgentStatus::Draft, AgentStatus::Deleted] {
        let err = agents.set_status(&alice, &r, change(bad, None)).await.unwrap_err();
        assert_eq!(fields(&err), set(&[("status", "invalid_choice")]));
    }
    let err = agents.set_status(&eve, &r, change(AgentStatus::Unlisted, None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    let unlisted = agents.set_status(&alice, &r, change(AgentStatus::Unlisted, None)).await.unwrap();
    assert_eq!(unlisted.status, AgentStatus::Unlisted);
    // Unlisted agents stay reachable by path.
    assert_eq!(agents.versions(None, &r).await.unwrap().len(), 1);
    assert_eq!(agents.card(Some(&eve), &r, None).await.unwrap().version, "1.0.0");

    let deprecated =
        agents.set_status(&admin, &r, change(AgentStatus::Deprecated, Some("  Use v2 instead  "))).await.unwrap();
    assert_eq!(deprecated.status, AgentStatus::Deprecated);
    assert_eq!(deprecated.status_message.as_deref(), Some("Use v2 instead"));
    assert_eq!(agents.draft(&alice, &r).await.unwrap().status_message.as_deref(), Some("Use v2 instead"));
    let err = agents.set_status(&alice, &r, change(AgentStatus::Listed, Some(&"m".repeat(501)))).await.unwrap_err();
    assert_eq!(fields(&err), set(&[("status_message", "too_long")]));
    let listed = agents.set_status(&alice, &r, change(AgentStatus::Listed, None)).await.unwrap();
    assert_eq!((listed.status, listed.status_message), (AgentStatus::Listed, None));

    // Soft delete: gone for the public, readable for the owner and admins, frozen.
    assert_eq!(agents.delete(&eve, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    agents.delete(&alice, &r).await.unwrap();
    agents.delete(&alice, &r).await.unwrap();
    assert_eq!(agents.versions(None, &r).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.card(Some(&eve), &r, None).await.unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(agents.versions(Some(&alice), &r).await.unwrap().len(), 1);
    assert_eq!(agents.versions(Some(&admin), &r).await.unwrap().len(), 1);
    assert_eq!(agents.draft(&alice, &r).await.unwrap().status, AgentStatus::Deleted);
    let mine = agents.my_agents(&alice).await.unwrap();
    assert_eq!(mine[0].status, AgentStatus::Deleted);
    let patch = DraftPatch { name: Some("x".into()), ..Default::default() };
    assert_eq!(agents.update_draft(&alice, &r, patch).await.unwrap_err().code(), ErrorCode::Conflict);
    assert_eq!(agents.publish(&alice, &r, publish_req("2.0.0")).await.unwrap_err().code(), ErrorCode::Conflict);
    let err = agents.set_status(&alice, &r, change(AgentStatus::Listed, None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);

    let agent_id = mine[0].id;
    let audit = w
        .store
        .list_audit(&AuditFilter { target: Some(format!("agent:{agent_id}")), ..Default::default() }, None, 100)
        .await
        .unwrap();
    let acts: Vec<_> = audit.iter().rev().map(|a| a.action.as_str()).collect();
    assert_eq!(
        acts,
        [
            actions::AGENT_CREATED,
            actions::AGENT_PUBLISHED,
            actions::AGENT_STATUS_CHANGED,
            actions::AGENT_STATUS_CHANGED,
            actions::AGENT_STATUS_CHANGED,
            actions::AGENT_DELETED,
        ],
        "one record per change; the repeated delete wrote none"
    );
    assert_eq!(audit[2].actor, Some(admin.user_id));
    assert_eq!(audit[2].subject, Some(alice.user_id));
}

#[tokio::test]
async fn draft_patch_json_distinguishes_absent_from_null() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let patch: DraftPatch = serde_json::from_value(json!({"icon_url": null, "model": null, "tagline": "New"})).unwrap();
    assert_eq!(patch.icon_url, Some(None));
    assert_eq!(patch.documentation_url, None);
    let view = w.mart.agents().update_draft(&alice, &r, patch).await.unwrap();
    assert_eq!(view.definition.icon_url, None);
    assert_eq!(view.definition.model, None);
    assert_eq!(view.definition.tagline, "New");
    assert_eq!(view.definition.documentation_url.as_deref(), Some("https://docs.example/summarizer"));

    // The create request takes the definition fields beside the slug.
    let req: CreateAgent = serde_json::from_value(json!({"slug": "x2", "name": "X", "tags": ["a"]})).unwrap();
    assert_eq!(req.definition.name, "X");
    let view = w.mart.agents().create(&alice, req).await.unwrap();
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["slug"], "x2");
    assert_eq!(json["name"], "X");
    assert_eq!(json["status"], "draft");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishes_keep_versions_strictly_rising() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    create(&w, &alice, "summarizer", full_definition()).await;
    let mut tasks = Vec::new();
    for minor in 0..16u64 {
        let agents = w.mart.agents();
        let (alice, r) = (alice.clone(), r.clone());
        tasks.push(tokio::spawn(async move {
            (minor, agents.publish(&alice, &r, publish_req(&format!("1.{minor}.0"))).await)
        }));
    }
    let mut won = BTreeSet::new();
    for t in tasks {
        let (minor, result) = t.await.unwrap();
        match result {
            Ok(v) => {
                assert_eq!(v.version, semver::Version::new(1, minor, 0));
                won.insert(minor);
            }
            Err(e) => assert!(
                matches!(e.code(), ErrorCode::ValidationFailed | ErrorCode::Conflict | ErrorCode::VersionExists),
                "{e}"
            ),
        }
    }
    assert!(!won.is_empty());
    let stored: Vec<u64> = w.mart.agents().versions(None, &r).await.unwrap().iter().map(|v| v.version.minor).collect();
    assert_eq!(stored, won.iter().rev().copied().collect::<Vec<_>>());
    // Publish order (audit records, oldest first) equals semver order: every
    // accepted version was above the one before it.
    let agent_id = w.mart.agents().my_agents(&alice).await.unwrap()[0].id;
    let audit = w
        .store
        .list_audit(
            &AuditFilter {
                target: Some(format!("agent:{agent_id}")),
                action: Some(actions::AGENT_PUBLISHED.into()),
                ..Default::default()
            },
            None,
            100,
        )
        .await
        .unwrap();
    let order: Vec<String> = audit.iter().rev().map(|a| a.details["version"].as_str().unwrap().to_string()).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|v| semver::Version::parse(v).unwrap());
    assert_eq!(order, sorted);
    assert_eq!(order.len(), won.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_publish_is_compare_and_set_one_winner_per_expected_latest() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let created = create(&w, &alice, "summarizer", full_definition()).await;
    let mut expected: Option<semver::Version> = None;
    for round in 0..3u64 {
        let mut tasks = Vec::new();
        for patch in 0..8u64 {
            let store = w.store.clone();
            let version = semver::Version::new(round + 1, 0, patch);
            let request = PublishVersion {
                version: AgentVersion {
                    agent_id: created.id,
                    version: version.clone(),
                    definition: full_definition(),
                    changelog: None,
                    published_at: Utc::now(),
                    published_by: alice.user_id,
                },
                expected_latest: expected.clone(),
                audit: AuditRecord::new(Utc::now(), actions::AGENT_PUBLISHED),
            };
            tasks.push(tokio::spawn(async move {
                agentmart_core::storage::AgentStore::publish_version(&*store, &request).await.map(|_| version)
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(v) => winners.push(v),
                Err(e) => assert!(
                    matches!(
                        e,
                        agentmart_core::storage::StorageError::Conflict(
                            agentmart_core::storage::ConflictKind::StaleVersion
                        )
                    ),
                    "{e:?}"
                ),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        expected = winners.pop();
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn version_strategy() -> impl Strategy<Value = semver::Version> {
        (0u64..3, 0u64..3, 0u64..3, proptest::option::of(prop_oneof![Just("alpha"), Just("beta"), Just("rc.1")]))
            .prop_map(|(ma, mi, pa, pre)| {
                let mut v = semver::Version::new(ma, mi, pa);
                if let Some(pre) = pre {
                    v.pre = semver::Prerelease::new(pre).unwrap();
                }
                v
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// A publish succeeds exactly when its version is above every earlier
        /// success; a repeat is `version_exists`, anything else lower `not_increasing`.
        #[test]
        fn publish_accepts_exactly_the_rising_versions(versions in proptest::collection::vec(version_strategy(), 1..12)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let w = world();
                let alice = w.user("alice", Role::User).await;
                let r = AgentRef::new("alice", "summarizer");
                create(&w, &alice, "summarizer", full_definition()).await;
                let mut accepted: Vec<semver::Version> = Vec::new();
                for v in versions {
                    let result = w.mart.agents().publish(&alice, &r, publish_req(&v.to_string())).await;
                    let max = accepted.iter().max().cloned();
                    if max.as_ref().is_none_or(|m| &v > m) {
                        prop_assert!(result.is_ok(), "{v} should be accepted after {max:?}");
                        accepted.push(v);
                    } else if accepted.contains(&v) {
                        prop_assert_eq!(result.unwrap_err().code(), ErrorCode::VersionExists);
                    } else {
                        let err = result.unwrap_err();
                        prop_assert_eq!(fields(&err), set(&[("version", "not_increasing")]));
                    }
                }
                let listed: Vec<_> = w.mart.agents().versions(None, &r).await.unwrap().into_iter().map(|v| v.version).collect();
                accepted.reverse();
                prop_assert_eq!(listed, accepted);
                Ok(())
            })?;
        }

        /// Each text limit holds at exactly its length and fails one character
        /// beyond it (characters, not bytes: multi-byte text counts the same).
        #[test]
        fn text_limits_hold_at_the_boundary(ch in prop_oneof![Just('a'), Just('é'), Just('語'), Just('🙂')], which in 0usize..9) {
            let s = |n: usize| std::iter::repeat_n(ch, n).collect::<String>();
            type Setter = fn(&mut AgentDefinition, String);
            let cases: [(&str, usize, Setter); 9] = [
                ("name", 100, |d, v| d.name = v),
                ("tagline", 100, |d, v| d.tagline = v),
                ("description", 2000, |d, v| d.description = v),
                ("system_prompt", 32_000, |d, v| d.system_prompt = v),
                ("skills[0].name", 100, |d, v| d.skills[0].name = v),
                ("skills[0].description", 1000, |d, v| d.skills[0].description = v),
                ("skills[0].examples[0]", 500, |d, v| d.skills[0].examples[0] = v),
                ("conversation_starters[0]", 200, |d, v| d.conversation_starters[0] = v),
                ("skills[0].tags[0]", 32, |d, v| d.skills[0].tags[0] = v),
            ];
            let (field, limit, setter) = cases[which];
            let mut at = full_definition();
            setter(&mut at, s(limit));
            prop_assert_eq!(validate_definition(&at, true), vec![]);
            let mut over = full_definition();
            setter(&mut over, s(limit + 1));
            let errs = fields_of(&validate_definition(&over, true));
            prop_assert_eq!(errs, set(&[(field, "too_long")]));
        }

        /// List limits: exactly at the maximum passes, one more is `too_many`.
        #[test]
        fn list_limits_hold_at_the_boundary(which in 0usize..5) {
            let cases: [(&str, usize); 5] =
                [("skills", 32), ("conversation_starters", 6), ("tags", 10), ("skills[0].tags", 10), ("skills[0].examples", 10)];
            let (field, limit) = cases[which];
            let build = |n: usize| {
                let mut d = full_definition();
                match which {
                    0 => d.skills = (0..n).map(|i| Skill { id: format!("s{i}"), name: "S".into(), ..Default::default() }).collect(),
                    1 => d.conversation_starters = (0..n).map(|i| format!("hi {i}")).collect(),
                    2 => d.tags = (0..n).map(|i| format!("t{i}")).collect(),
                    3 => d.skills[0].tags = (0..n).map(|i| format!("t{i}")).collect(),
                    _ => d.skills[0].examples = (0..n).map(|i| format!("e{i}")).collect(),
                }
                d
            };
            prop_assert_eq!(validate_definition(&build(limit), true), vec![]);
            prop_assert_eq!(fields_of(&validate_definition(&build(limit + 1), true)), set(&[(field, "too_many")]));
        }

        /// Numeric ranges of the model settings.
        #[test]
        fn model_ranges(t in -1.0f64..3.0, n in 0u32..2_000_000) {
            let mut d = full_definition();
            d.model = Some(ModelSettings { name: "m".into(), temperature: Some(t), max_tokens: Some(n) });
            let mut want = Vec::new();
            if !(0.0..=2.0).contains(&t) { want.push(("model.temperature", "out_of_range")); }
            if !(1..=1_000_000).contains(&n) { want.push(("model.max_tokens", "out_of_range")); }
            prop_assert_eq!(fields_of(&validate_definition(&d, true)), set(&want));
        }
    }
}

#[tokio::test]
async fn disabled_users_cannot_build_and_noop_edits_write_nothing() {
    let w = world();
    let alice = w.user("alice", Role::User).await;
    let r = AgentRef::new("alice", "summarizer");
    let created = create(&w, &alice, "summarizer", full_definition()).await;
    let agents = w.mart.agents();

    // A patch that changes nothing (after trimming) writes no audit record.
    let same = DraftPatch { name: Some(" Summarizer ".into()), ..Default::default() };
    assert_eq!(agents.update_draft(&alice, &r, same).await.unwrap(), created);
    let filter = AuditFilter { target: Some(format!("agent:{}", created.id)), ..Default::default() };
    assert_eq!(w.store.list_audit(&filter, None, 100).await.unwrap().len(), 1);

    let audit = AuditRecord::new(Utc::now(), actions::USER_DISABLED);
    w.store.set_disabled(alice.user_id, true, Utc::now(), &audit).await.unwrap();
    let err = agents.create(&alice, CreateAgent { slug: "other".into(), definition: full_definition() }).await;
    assert_eq!(err.unwrap_err().code(), ErrorCode::Forbidden);
    let patch = DraftPatch { tagline: Some("x".into()), ..Default::default() };
    assert_eq!(agents.update_draft(&alice, &r, patch).await.unwrap_err().code(), ErrorCode::Forbidden);
    assert_eq!(agents.publish(&alice, &r, publish_req("1.0.0")).await.unwrap_err().code(), ErrorCode::Forbidden);
}
