//! The story both embedding examples tell, whatever the store
//! (`src/bin/embed_sled.rs`, `src/bin/embed_postgres.rs`): two users
//! register; Alice writes an agent, previews it and publishes version 1.0.0;
//! Bob installs it, rates it and uses it; then the marketplace is listed and
//! the agent's detail and A2A card are shown.

use std::sync::Arc;

pub mod secret;

use agentmart_core::agents::{CreateAgent, PreviewRequest, PublishRequest};
use agentmart_core::auth::RegisterRequest;
use agentmart_core::market::{InstallRequest, ListAgents, RateRequest, UsageRequest};
use agentmart_core::storage::Store;
use agentmart_core::{AgentDefinition, AgentRef, Agentmart, ClientInfo, Config, Skill};

/// Builds an instance over `store` and walks through the marketplace,
/// printing each step. Returns the instance (flushed) so the caller decides
/// when the store is dropped.
pub async fn marketplace_story(store: Arc<dyn Store>) -> Result<Agentmart, Box<dyn std::error::Error>> {
    // 2. Configure: the secret comes from the environment (never a published
    // one), or is random for this run.
    let secret = secret::resolve(std::env::var("AGENTMART_JWT_SECRET").ok())?;
    let mart = Agentmart::new(store, Config::with_hs256_secret(secret))?;
    let client = ClientInfo::from_ip("127.0.0.1");

    // 3. Two users register (argon2id at OWASP parameters, so this takes a moment).
    let alice = mart
        .auth()
        .register(
            RegisterRequest {
                email: "alice@example.com".into(),
                password: "correct horse battery staple".into(),
                handle: Some("alice".into()),
                display_name: Some("Alice".into()),
            },
            &client,
        )
        .await?;
    let bob = mart
        .auth()
        .register(
            RegisterRequest {
                email: "Bob@Example.com".into(),
                password: "a long and unusual passphrase".into(),
                handle: None, // derived from the email: "bob"
                display_name: None,
            },
            &client,
        )
        .await?;
    println!("registered @{} and @{}", alice.user.handle, bob.user.handle);

    // Every call that acts for a user takes a Principal; agentmart's own
    // access tokens are one way to get it.
    let alice_p = mart.auth().authenticate(&alice.tokens.access_token).await?;
    let bob_p = mart.auth().authenticate(&bob.tokens.access_token).await?;

    // 4. Alice builds an agent: a draft, a preview, then version 1.0.0.
    let definition = AgentDefinition {
        name: "SQL Explainer".into(),
        tagline: "Explains SQL queries in plain English".into(),
        description: "Paste a query; get what it does, step by step, and how to speed it up.".into(),
        system_prompt: "You explain SQL queries clearly and point out performance problems.".into(),
        skills: vec![Skill {
            id: "explain".into(),
            name: "Explain a query".into(),
            description: "Walks through a query clause by clause.".into(),
            tags: vec!["sql".into()],
            examples: vec!["What does SELECT ... GROUP BY do here?".into()],
        }],
        input_modes: vec!["text/plain".into()],
        output_modes: vec!["text/markdown".into()],
        category: Some("development".into()),
        tags: vec!["sql".into(), "databases".into()],
        ..Default::default()
    };
    mart.agents().create(&alice_p, CreateAgent { slug: "sql-explainer".into(), definition }).await?;
    let agent = AgentRef::new("alice", "sql-explainer");
    let preview = mart
        .agents()
        .preview(&alice_p, &agent, PreviewRequest { input: Some("SELECT count(*) FROM orders".into()) })
        .await?;
    println!("preview: {} messages for model {}", preview.chat_request.messages.len(), preview.chat_request.model);
    let published = mart
        .agents()
        .publish(&alice_p, &agent, PublishRequest { version: "1.0.0".into(), changelog: Some("First release".into()) })
        .await?;
    println!("published {agent} v{}", published.version);

    // 5. Bob installs, rates and uses it.
    mart.market().install(&bob_p, &agent, InstallRequest::default()).await?;
    mart.market()
        .rate(&bob_p, &agent, RateRequest { stars: 5, title: Some("Great".into()), body: Some("Saved my day.".into()) })
        .await?;
    for _ in 0..3 {
        mart.market().record_usage(&bob_p, &agent, UsageRequest { units: Some(120), ..Default::default() }).await?;
    }

    // 6. The marketplace, as anyone sees it.
    let page = mart.market().list(None, ListAgents { q: Some("sql".into()), ..Default::default() }).await?;
    for item in &page.items {
        println!(
            "market: {}/{} \"{}\" v{} installs={} rating={:.1} ({} ratings)",
            item.owner,
            item.slug,
            item.name,
            item.latest_version.as_ref().map(ToString::to_string).unwrap_or_default(),
            item.install_count,
            item.rating.mean,
            item.rating.count
        );
    }
    let detail = mart.market().detail(Some(&bob_p), &agent).await?;
    println!(
        "detail: histogram={:?} usage_30d={} installed={:?}",
        detail.rating.histogram, detail.usage_30d, detail.installed
    );
    let card = mart.agents().card(None, &agent, None).await?;
    println!("A2A card:\n{}", serde_json_pretty(&card));

    mart.flush().await?;
    Ok(mart)
}

fn serde_json_pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
