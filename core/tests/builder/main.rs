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
            email: Some(format!("{handle}@example.com").parse().unwrap()),
            email_verified: true,
            handle: handle.parse().unwrap(),
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

fn fields_of(errors: &[agentmart_core::FieldError]) -> BTreeSet<(String, String)> {
    errors.iter().map(|e| (e.field.clone(), e.code.clone())).collect()
}

mod concurrency;
mod drafts;
mod preview;
mod props;
mod version_pages;
mod versions;
mod visibility;
