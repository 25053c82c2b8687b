//! Entry points for the `cargo fuzz` targets in `fuzz/` (feature `fuzzing`;
//! not part of the stable API).
//!
//! Each function takes arbitrary bytes, runs one parser of untrusted input
//! the way a request would, and panics only when a property that must hold
//! for every input breaks (the parse must never panic; what is accepted must
//! be a fixed point; an answer is bounded). The fuzz targets are one line
//! each around these, so the same code runs in the fuzzer and in the unit
//! tests below, which replay the committed seed corpus.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{TimeZone, Utc};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::agents::{normalize_definition, parse_publish_version, validate_definition};
use crate::auth::jwt::Jwt;
use crate::config::Config;
use crate::cursor::CursorCodec;
use crate::model::{AgentDefinition, Email, Handle, Slug};
use crate::storage::SortKey;

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::for_tests)
}

/// A page cursor from a client: decoding never panics, and a cursor built
/// around any payload with a valid tag either decodes to a position or is
/// `malformed_request` (the position parser sees arbitrary JSON).
pub fn cursor(input: &[u8]) {
    let codec = CursorCodec::new(config());
    if let Ok(text) = std::str::from_utf8(input) {
        let result: crate::Result<SortKey> = codec.decode(&"fuzz", text);
        if let Err(err) = result {
            assert_eq!(err.code(), crate::ErrorCode::MalformedRequest, "{err}");
        }
    }
    let signed = codec.sign_raw_for_fuzzing(&"fuzz", input);
    let result: crate::Result<SortKey> = codec.decode(&"fuzz", &signed);
    if let Ok(key) = result {
        // What decodes re-encodes to a cursor that decodes again.
        let again = codec.encode(&"fuzz", &key).expect("encode");
        let _: SortKey = codec.decode(&"fuzz", &again).expect("a fresh cursor decodes");
    }
}

/// An access token from a client: verification never panics and only a
/// token this server signed for a live session shape is accepted. The first
/// byte picks the mode: raw token text, or arbitrary header/claims JSON
/// signed with the server's own key (so the claims checks see everything).
pub fn jwt(input: &[u8]) {
    static JWT: OnceLock<Jwt> = OnceLock::new();
    let jwt = JWT.get_or_init(|| Jwt::new(&config().jwt).expect("test keys load"));
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().expect("valid date");
    let Some((mode, rest)) = input.split_first() else { return };
    let token = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let (header, claims) = rest.split_at(split);
        let claims = claims.get(1..).unwrap_or_default();
        let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims));
        let secret = config().jwt.signing.secret.as_deref().expect("the test key is HS256");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    };
    if let Err(err) = jwt.verify(&token, now) {
        assert!(
            matches!(err.code(), crate::ErrorCode::TokenInvalid | crate::ErrorCode::TokenExpired),
            "unexpected error kind for a bad token: {err}"
        );
    }
}

/// Emails, handles, slugs and publish versions from a client: parsing never
/// panics, what is accepted has no control character and is a fixed point
/// (parsing its canonical form gives it back), and errors stay short.
pub fn names(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else { return };
    let bounded = |errors: &[crate::FieldError]| {
        assert!(errors.len() <= 4 && errors.iter().all(|e| e.message.len() <= 300), "{errors:?}");
    };
    match Email::parse_field("email", text) {
        Ok(email) => {
            assert!(!email.as_str().chars().any(char::is_control), "{email:?}");
            assert_eq!(Email::parse_field("email", email.as_str()).ok().as_ref(), Some(&email));
        }
        Err(errors) => bounded(&errors),
    }
    match Handle::parse_field("handle", text) {
        Ok(handle) => assert_eq!(Handle::parse_field("handle", handle.as_str()).ok().as_ref(), Some(&handle)),
        Err(errors) => bounded(&errors),
    }
    match Slug::parse_field("slug", text) {
        Ok(slug) => assert_eq!(Slug::parse_field("slug", slug.as_str()).ok().as_ref(), Some(&slug)),
        Err(errors) => bounded(&errors),
    }
    if let Ok(version) = parse_publish_version(text) {
        assert_eq!(parse_publish_version(&version.to_string()).ok(), Some(version));
    }
}

/// An agent definition from a client (JSON): reading and validating never
/// panic, at most 50 field errors come back, normalising is idempotent and a
/// definition valid for publishing stays valid after normalising.
pub fn agent_definition(input: &[u8]) {
    let Ok(mut definition) = serde_json::from_slice::<AgentDefinition>(input) else { return };
    let errors = validate_definition(&definition, true);
    assert!(errors.len() <= crate::error::MAX_FIELD_ERRORS + 1, "{} errors", errors.len());
    normalize_definition(&mut definition);
    let once = definition.clone();
    normalize_definition(&mut definition);
    assert_eq!(once, definition, "normalising twice changes nothing");
    let _ = validate_definition(&definition, false);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every file of the committed seed corpus and regression cases of a target.
    fn replay(target: &str, run: fn(&[u8])) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        let mut seen = 0;
        for dir in [root.join("corpus").join(target), root.join("regressions").join(target)] {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries {
                let path = entry.expect("read corpus dir").path();
                run(&std::fs::read(&path).expect("read corpus file"));
                seen += 1;
            }
        }
        assert!(seen > 0, "no seed corpus for {target} under {}", root.display());
    }

    #[test]
    fn the_seed_corpora_replay_without_a_failure() {
        replay("cursor", super::cursor);
        replay("jwt", super::jwt);
        replay("names", super::names);
        replay("agent_definition", super::agent_definition);
    }
}
