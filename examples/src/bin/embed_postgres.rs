//! Embeds the whole agentmart marketplace in a plain Rust program, on
//! PostgreSQL: the same story as `embed-sled`, with the data in a database
//! that several agentmart servers could share.
//!
//! Two users register; Alice writes an agent, previews it and publishes
//! version 1.0.0; Bob installs it, rates it and uses it; then the program
//! lists the marketplace and shows the agent's detail.
//!
//! The database comes from `DATABASE_URL`. By default the program works in a
//! fresh schema of its own and drops it at the end, so it can be re-run at
//! will and leaves nothing behind; given a schema name, it uses (and keeps)
//! that schema instead (run it once per schema).
//!
//! ```text
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo run -p agentmart-examples --bin embed-postgres
//! DATABASE_URL=postgres://... cargo run -p agentmart-examples --bin embed-postgres -- demo_schema
//! ```

use std::sync::Arc;

use agentmart_core::agents::{CreateAgent, PreviewRequest, PublishRequest};
use agentmart_core::auth::RegisterRequest;
use agentmart_core::market::{InstallRequest, ListAgents, RateRequest, UsageRequest};
use agentmart_core::{AgentDefinition, AgentRef, Agentmart, ClientInfo, Config, Skill};
use agentmart_storage_sqlx::{SqlxOptions, SqlxStore};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Connect. The schema is created and migrated on connect.
    let Some(url) = std::env::var("DATABASE_URL").ok().filter(|url| !url.trim().is_empty()) else {
        return Err("DATABASE_URL is not set: point it at a PostgreSQL database, \
                    e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
            .into());
    };
    let given = std::env::args().nth(1);
    let (schema, temporary) = match &given {
        Some(name) => (name.clone(), false),
        None => {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
            (format!("agentmart_example_{}_{nanos}", std::process::id()), true)
        }
    };
    // A temporary schema is dropped with the store, also when a step below fails.
    let options =
        SqlxOptions { postgres_schema: Some(schema.clone()), drop_schema_on_drop: temporary, ..SqlxOptions::default() };
    let store = SqlxStore::connect(&url, options).await?;
    println!("store: PostgreSQL, schema {schema}{}", if temporary { " (dropped at the end)" } else { " (kept)" });

    // 2. Configure: a real deployment loads its secret from the environment.
    let secret = std::env::var("AGENTMART_JWT_SECRET")
        .unwrap_or_else(|_| "example-only-secret-change-me-0123456789".to_string());
    let mart = Agentmart::new(Arc::new(store), Config::with_hs256_secret(secret.into_bytes()))?;
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
    // Dropping the instance drops its store (and a temporary schema with it).
    drop(mart);
    Ok(())
}

fn serde_json_pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
