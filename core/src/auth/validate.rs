//! Field rules of accounts: email, handle, display name, bio, avatar URL.
//! Checks append to a list of [`FieldError`]s so one answer names every
//! failing field.

use unicode_normalization::UnicodeNormalization;

use crate::error::{FieldError, Result};
use crate::model::{Email, Handle};

/// Longest email address (RFC 5321 path limit), in bytes (see [`Email`]).
pub use crate::model::MAX_EMAIL_LEN;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_LEN: usize = 100;
/// Longest bio, in characters.
pub const MAX_BIO_LEN: usize = 1000;
/// Longest avatar URL, in bytes.
pub const MAX_AVATAR_URL_LEN: usize = 2048;
/// Longest external (bring-your-own-identity) id, in bytes.
pub(crate) const MAX_EXTERNAL_ID_LEN: usize = 256;
/// Longest handle (see [`Handle`]).
pub use crate::model::MAX_HANDLE_LEN;
/// Longest derived handle base, leaving room for a `-xxxx` suffix.
const MAX_HANDLE_BASE_LEN: usize = 24;

/// The stored form of an email: trimmed, Unicode NFC, lower-cased.
pub(crate) fn normalize_email(raw: &str) -> String {
    Email::normalize(raw)
}

/// A handle base derived from free text (an email local part, an external
/// id): accents dropped, anything but `[a-z0-9]` turned into single dashes,
/// at most 24 characters. May be empty or one character long; see
/// [`handle_candidate`].
pub(crate) fn handle_base(source: &str) -> String {
    let mut out = String::new();
    for c in source.nfkd().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if c.is_ascii() && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        // Non-ASCII (combining accents, other scripts) is dropped.
        if out.len() >= MAX_HANDLE_BASE_LEN {
            break;
        }
    }
    out.trim_matches('-').to_string()
}

/// The handle base of an email: its local part without any `+tag`.
pub(crate) fn handle_base_from_email(email: &str) -> String {
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    let local = local.split('+').next().unwrap_or(local);
    handle_base(local)
}

/// The `attempt`-th candidate handle for a base: the base itself first (when
/// valid), then the base with a short random suffix (`alice-k3x9`).
pub(crate) fn handle_candidate(base: &str, attempt: u32) -> Result<Handle> {
    let base = if base.is_empty() { "user" } else { base };
    if attempt == 0 && Handle::is_valid(base) {
        return base.parse();
    }
    // Later attempts use a longer suffix so that a crowded base still converges.
    let suffix_len = if attempt < 4 { 4 } else { 6 };
    let mut raw = [0u8; 6];
    super::tokens::random_bytes(&mut raw)?;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let suffix: String = raw[..suffix_len].iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("{base}-{suffix}").parse()
}

/// Trims an optional free-text field; blank becomes `None`.
pub(crate) fn clean_text(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// Checks a display name (already trimmed).
pub(crate) fn check_display_name(field: &str, name: &str, errors: &mut Vec<FieldError>) {
    if name.chars().count() > MAX_DISPLAY_NAME_LEN {
        errors.push(FieldError::new(field, "too_long", format!("at most {MAX_DISPLAY_NAME_LEN} characters")));
    } else if crate::text::has_control(name, false) {
        errors.push(FieldError::new(field, "invalid_format", "control characters are not allowed"));
    }
}

/// Checks a bio (already trimmed); line breaks are allowed.
pub(crate) fn check_bio(field: &str, bio: &str, errors: &mut Vec<FieldError>) {
    if bio.chars().count() > MAX_BIO_LEN {
        errors.push(FieldError::new(field, "too_long", format!("at most {MAX_BIO_LEN} characters")));
    } else if crate::text::has_control(bio, true) {
        errors.push(FieldError::new(field, "invalid_format", "control characters are not allowed"));
    }
}

/// Checks an avatar URL (already trimmed): `http`/`https`, a host, no
/// whitespace or control characters, at most 2048 bytes.
pub(crate) fn check_avatar_url(field: &str, url: &str, errors: &mut Vec<FieldError>) {
    if url.len() > MAX_AVATAR_URL_LEN {
        errors.push(FieldError::new(field, "too_long", format!("at most {MAX_AVATAR_URL_LEN} bytes")));
        return;
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        !host.is_empty() && !host.starts_with(':')
    });
    if !host_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push(FieldError::new(field, "invalid_url", "must be an absolute http or https URL"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(f: impl FnOnce(&mut Vec<FieldError>)) -> Vec<String> {
        let mut errors = Vec::new();
        f(&mut errors);
        errors.into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalize_email("  Alice.Smith@Example.COM \n"), "alice.smith@example.com");
        let check = |raw: &str| codes(|e| e.extend(Email::parse_field("email", raw).err().unwrap_or_default()));
        assert!(check("alice@example.com").is_empty());
        assert_eq!(check(""), vec!["required"]);
        assert_eq!(check("not-an-email"), vec!["invalid_format"]);
        assert_eq!(check("Alice <alice@example.com>"), vec!["invalid_format"]);
        assert_eq!(check("a@b@c"), vec!["invalid_format"]);
        let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        assert_eq!(check(&long), vec!["too_long"]);
    }

    #[test]
    fn handle_rule_matches_the_documented_pattern() {
        for ok in ["ab", "a1", "0day", "alice-smith", &"a".repeat(31)] {
            assert!(Handle::is_valid(ok), "{ok}");
        }
        for bad in ["a", "", "-ab", "Alice", "al_ice", "al ice", "alïce", &"a".repeat(32)] {
            assert!(!Handle::is_valid(bad), "{bad}");
        }
        assert_eq!(Handle::normalize("  Alice "), "alice");
    }

    #[test]
    fn handles_derive_from_email_local_parts() {
        assert_eq!(handle_base_from_email("alice.smith+news@example.com"), "alice-smith");
        assert_eq!(handle_base_from_email("José_Ñúñez@example.com"), "jose-nunez");
        assert_eq!(handle_base_from_email("__x__@example.com"), "x");
        assert_eq!(handle_base_from_email("日本@example.com"), "");
        assert_eq!(handle_base_from_email(&format!("{}@example.com", "b".repeat(80))).len(), 24);
        // Short or empty bases still give a valid handle.
        for base in ["", "x", "alice", &"c".repeat(24)] {
            for attempt in 0..6 {
                let h = handle_candidate(base, attempt).unwrap();
                assert!(Handle::is_valid(&h), "{base:?} {attempt} -> {h}");
            }
        }
        assert_eq!(handle_candidate("alice", 0).unwrap(), "alice");
        assert!(handle_candidate("alice", 1).unwrap().starts_with("alice-"));
        assert!(handle_candidate("", 0).unwrap().starts_with("user"));
    }

    #[test]
    fn profile_fields() {
        assert!(codes(|e| check_display_name("display_name", &"n".repeat(100), e)).is_empty());
        assert_eq!(codes(|e| check_display_name("display_name", &"n".repeat(101), e)), vec!["too_long"]);
        assert_eq!(codes(|e| check_bio("bio", &"é".repeat(1001), e)), vec!["too_long"]);
        assert!(codes(|e| check_bio("bio", "line one\nline two", e)).is_empty());
        assert!(codes(|e| check_avatar_url("avatar_url", "https://cdn.example.com/a.png", e)).is_empty());
        assert!(codes(|e| check_avatar_url("avatar_url", "http://localhost:8080/a.png", e)).is_empty());
        for bad in ["ftp://x/a.png", "javascript:alert(1)", "https://", "https:///path", "https://a b.com/x"] {
            assert_eq!(codes(|e| check_avatar_url("avatar_url", bad, e)), vec!["invalid_url"], "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert_eq!(codes(|e| check_avatar_url("avatar_url", &long, e)), vec!["too_long"]);
        assert_eq!(clean_text(Some("  ")), None);
        assert_eq!(clean_text(Some(" Al ")), Some("Al".into()));
    }
}
