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

use agentmart_examples::marketplace_story;
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

    // 2.-6. Configure, register, build, publish, install, rate, list (src/lib.rs).
    let mart = marketplace_story(Arc::new(store)).await?;
    // Dropping the instance drops its store (and a temporary schema with it).
    drop(mart);
    Ok(())
}
