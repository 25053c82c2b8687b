//! Entry point for the `store_url` `cargo fuzz` target in `fuzz/` (feature
//! `fuzzing`; not a stable API).

/// A store URL from a command line or config file: the option parsers never
/// panic, and a password in the user info or a `password=` parameter never
/// survives [`redact_url`](crate::redact_url) or the parsers' redacted errors.
pub fn store_url(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else { return };
    let _ = crate::redact_url(text);
    if let Some(rest) = text.strip_prefix("sled:") {
        let _ = crate::sled_options(rest);
    }
    let _ = crate::split_schema_param(text);

    // A password the fuzzer cannot guess, around the fuzzer's text.
    let password = format!("pw{}", input.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>());
    for url in [format!("postgres://app:{password}@db/x?{text}"), format!("postgres://db/x?{text}&password={password}")]
    {
        let redacted = crate::redact_url(&url);
        assert!(!redacted.contains(&password), "{redacted}");
        if let Err(err) = crate::split_schema_param(&url) {
            let message = crate::redact_error(err, &url).to_string();
            assert!(!message.contains(&password), "{message}");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_corpus_replays_without_a_failure() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/store_url");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("seed corpus") {
            super::store_url(&std::fs::read(entry.expect("entry").path()).expect("read"));
            seen += 1;
        }
        assert!(seen > 0);
    }
}
