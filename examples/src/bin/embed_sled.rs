//! Embeds the whole agentmart marketplace in a plain Rust program, on sled.
//!
//! Two users register; Alice writes an agent, previews it and publishes
//! version 1.0.0; Bob installs it, rates it and uses it; then the program
//! lists the marketplace and shows the agent's detail (the story is in
//! `src/lib.rs`, shared with `embed-postgres`).
//!
//! ```text
//! cargo run -p agentmart-examples --bin embed-sled            # data in a fresh temp dir
//! cargo run -p agentmart-examples --bin embed-sled -- ./data  # or in ./data (run it once per dir)
//! ```

use std::sync::Arc;

use agentmart_examples::marketplace_story;
use agentmart_storage_sled::SledStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Open the embedded store. A directory is all agentmart needs.
    let given = std::env::args().nth(1);
    let dir = match &given {
        Some(path) => std::path::PathBuf::from(path),
        None => std::env::temp_dir().join(format!("agentmart-example-{}", std::process::id())),
    };
    let store = SledStore::open(&dir)?;
    println!("store: sled at {}", dir.display());

    // 2.-6. Configure, register, build, publish, install, rate, list (src/lib.rs).
    let mart = marketplace_story(Arc::new(store)).await?;
    if given.is_none() {
        drop(mart);
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
