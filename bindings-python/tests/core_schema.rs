//! Keeps `tests/core_schema.json` equal to the core's JSON Schema
//! ([`agentmart_core::schema::components`]).
//!
//! The file is what `tests/test_schema.py` (pytest, run by
//! `scripts/test.sh`) compares the Python record classes, stubs and
//! `Literal` aliases with. The two tests together make a core change reach
//! Python: a field added to a core type changes the schema, so this test
//! fails until the file is regenerated, and the regenerated file makes the
//! pytest check fail until `_types.py` and the stubs follow.
//!
//! Regenerate with
//! `AGENTMART_UPDATE_SCHEMA=1 cargo test -p agentmart-python --test core_schema`.

use std::path::Path;

use serde_json::Value;

#[test]
fn the_committed_schema_is_the_cores() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/core_schema.json");
    let current = serde_json::to_string_pretty(&Value::Object(agentmart_core::schema::components()))
        .expect("the schema serializes")
        + "\n";
    if std::env::var_os("AGENTMART_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &current).expect("tests/core_schema.json is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "bindings-python/tests/core_schema.json is not the core's schema any more. Regenerate it with \
         `AGENTMART_UPDATE_SCHEMA=1 cargo test -p agentmart-python --test core_schema`, then update \
         python/agentmart/_types.py and the stubs until `bash bindings-python/scripts/test.sh` \
         (tests/test_schema.py) passes."
    );
}
