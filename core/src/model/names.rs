//! Validated names and values, parsed once at core's edge.
//!
//! Each type here can only be built through its parser ([`FromStr`],
//! `TryFrom<String>`, or `parse_field` for a named field), which normalises and
//! validates the text with the same rules, error codes and field names the
//! services report. Code that receives an [`Email`], [`Handle`], [`Slug`] or
//! [`Stars`] — a storage backend above all — can rely on it being normalised
//! and in range without checking again, and cannot be handed anything else.
//!
//! Serde is transparent: the types serialise as the plain string (or number)
//! they hold, so stored records keep their format. Deserialising **trusts** its
//! input, as it only reads records core itself wrote (a rule tightened later
//! must not make old records unreadable); text from callers goes through the
//! parsers instead, which is why the public request types stay string-typed.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, FieldError};

/// Longest email address (RFC 5321 path limit), in bytes.
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest handle, in characters (`^[a-z0-9][a-z0-9-]{1,30}$`).
pub const MAX_HANDLE_LEN: usize = 31;
/// Longest agent slug, in characters (`^[a-z0-9][a-z0-9-]{1,62}$`).
pub const MAX_SLUG_LEN: usize = 63;
/// Longest version string, in characters (SECURITY.md: every string that
/// reaches storage has a cap).
pub const MAX_VERSION_LEN: usize = 64;
/// Fewest and most stars of a rating.
pub const STARS_RANGE: std::ops::RangeInclusive<u8> = 1..=5;

/// A validation error on one field, as the services report it.
fn invalid(field: &str, code: &str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError::new(field, code, message)]
}

/// `^[a-z0-9][a-z0-9-]{min_rest,max_rest}$`.
fn is_lower_dash_name(s: &str, min_rest: usize, max_rest: usize) -> bool {
    let bytes = s.as_bytes();
    let Some((first, rest)) = bytes.split_first() else { return false };
    (first.is_ascii_lowercase() || first.is_ascii_digit())
        && (min_rest..=max_rest).contains(&rest.len())
        && rest.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// Implements the string plumbing every validated name shares.
macro_rules! name_type {
    ($ty:ident, $field:literal) => {
        impl $ty {
            /// The normalised text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The normalised text, owned.
            pub fn into_string(self) -> String {
                self.0
            }

            /// Rebuilds a value a backend stored (read back from its own rows),
            /// without checking it again: like deserialising, this trusts text
            /// that core parsed before it was written, so a rule tightened later
            /// cannot make old rows unreadable. Never for text from callers.
            pub fn from_stored(stored: String) -> Self {
                Self(stored)
            }
        }

        impl Deref for $ty {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            /// Parses with the field name
            #[doc = concat!("`", $field, "`")]
            /// ; `validation_failed` when invalid.
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::parse_field($field, s).map_err(Error::Validation)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                s.parse()
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self, Error> {
                s.parse()
            }
        }
    };
}

/// An email address in its stored form: trimmed, Unicode NFC, lower-cased,
/// at most [`MAX_EMAIL_LEN`] bytes, a valid address without display text or
/// domain literal, no control characters.
///
/// Two addresses that differ only in case or Unicode composition parse to the
/// same `Email`, so equality here is the account-uniqueness rule.
///
/// ```
/// use agentmart_core::model::Email;
/// let email: Email = "  Alice@Example.COM ".parse().unwrap();
/// assert_eq!(email.as_str(), "alice@example.com");
/// assert!("not an email".parse::<Email>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

name_type!(Email, "email");

impl Email {
    /// The normalised form of raw text (trimmed, NFC, lower-cased), not yet
    /// validated: the one place case-folding of emails is written.
    pub fn normalize(raw: &str) -> String {
        raw.trim().nfc().collect::<String>().to_lowercase()
    }

    /// Normalises and validates `raw`, naming `field` in the errors
    /// (`required`, `too_long`, `invalid_format`).
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, Vec<FieldError>> {
        let email = Self::normalize(raw);
        if email.is_empty() {
            return Err(invalid(field, "required", "an email address is required"));
        }
        if email.len() > MAX_EMAIL_LEN {
            return Err(invalid(field, "too_long", format!("at most {MAX_EMAIL_LEN} bytes")));
        }
        let options = email_address::Options::default().without_display_text().without_domain_literal();
        if email.chars().any(char::is_control)
            || email_address::EmailAddress::parse_with_options(&email, options).is_err()
        {
            return Err(invalid(field, "invalid_format", "not a valid email address"));
        }
        Ok(Self(email))
    }

    /// The key every backend indexes and looks the account up by: the
    /// normalised address itself. Case-folding happens once, in
    /// [`normalize`](Self::normalize), so stores compare these bytes exactly and
    /// never fold case again (stored records already hold this form, which
    /// is why existing data keeps reading).
    pub fn key(&self) -> &str {
        &self.0
    }

    /// The local part (before the last `@`).
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(&self.0, |(local, _)| local)
    }
}

/// A user handle: trimmed, lower-cased, matching `^[a-z0-9][a-z0-9-]{1,30}$`.
///
/// ```
/// use agentmart_core::model::Handle;
/// assert_eq!("  Alice ".parse::<Handle>().unwrap().as_str(), "alice");
/// assert!("a".parse::<Handle>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Handle(String);

name_type!(Handle, "handle");

impl Handle {
    /// The normalised form of raw text (trimmed, lower-cased), not yet validated.
    pub fn normalize(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    /// True for text that is already a valid, normalised handle.
    pub fn is_valid(handle: &str) -> bool {
        is_lower_dash_name(handle, 1, MAX_HANDLE_LEN - 1)
    }

    /// The handle a path segment (`owner` of `owner/slug`) names: ASCII
    /// lower-cased, not trimmed; `None` when that is not a valid handle (then
    /// no user has it).
    pub fn lookup(segment: &str) -> Option<Self> {
        let handle = segment.to_ascii_lowercase();
        Self::is_valid(&handle).then_some(Self(handle))
    }

    /// Normalises and validates `raw`, naming `field` in the error (`invalid_format`).
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, Vec<FieldError>> {
        let handle = Self::normalize(raw);
        if !Self::is_valid(&handle) {
            return Err(invalid(
                field,
                "invalid_format",
                "2 to 31 characters: lower-case letters, digits and '-', starting with a letter or digit",
            ));
        }
        Ok(Self(handle))
    }
}

/// An agent slug, matching `^[a-z0-9][a-z0-9-]{1,62}$` exactly (slugs are not
/// case-folded: `My-Agent` is refused rather than silently renamed).
///
/// ```
/// use agentmart_core::model::Slug;
/// assert_eq!("sql-helper".parse::<Slug>().unwrap().as_str(), "sql-helper");
/// assert!("Sql".parse::<Slug>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Slug(String);

name_type!(Slug, "slug");

impl Slug {
    /// True for a valid slug.
    pub fn is_valid(slug: &str) -> bool {
        is_lower_dash_name(slug, 1, MAX_SLUG_LEN - 1)
    }

    /// The slug a path segment names: ASCII lower-cased; `None` when that is
    /// not a valid slug (then no agent has it).
    pub fn lookup(segment: &str) -> Option<Self> {
        let slug = segment.to_ascii_lowercase();
        Self::is_valid(&slug).then_some(Self(slug))
    }

    /// Validates `raw`, naming `field` in the error (`required`, `invalid_format`).
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, Vec<FieldError>> {
        if raw.is_empty() {
            return Err(invalid(field, "required", format!("{field} must not be empty")));
        }
        if !Self::is_valid(raw) {
            return Err(invalid(
                field,
                "invalid_format",
                format!(
                    "{field} must be 2 to {MAX_SLUG_LEN} characters of lower-case letters, digits and hyphens, \
                     starting with a letter or digit"
                ),
            ));
        }
        Ok(Self(raw.to_string()))
    }
}

/// A semantic version as it enters core (a publish request, a path, an
/// install pin): trimmed, at most [`MAX_VERSION_LEN`] characters, strict
/// semver. The stores take the [`semver::Version`] inside
/// ([`into_inner`](Self::into_inner)); only text parsed here reaches them.
///
/// ```
/// use agentmart_core::model::Version;
/// assert_eq!(" 1.2.3-rc.1 ".parse::<Version>().unwrap().to_string(), "1.2.3-rc.1");
/// assert!(format!("1.0.0-{}", "a".repeat(60)).parse::<Version>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(semver::Version);

impl Version {
    /// Trims and parses `raw`, naming `field` in the error: `too_long` past
    /// [`MAX_VERSION_LEN`] characters (checked before parsing), `invalid_format`
    /// when it is not a semantic version.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, Vec<FieldError>> {
        let text = raw.trim();
        if text.chars().count() > MAX_VERSION_LEN {
            return Err(invalid(field, "too_long", format!("{field} must be at most {MAX_VERSION_LEN} characters")));
        }
        semver::Version::parse(text).map(Self).map_err(|e| {
            invalid(field, "invalid_format", format!("{field} must be a semantic version like 1.2.3 ({e})"))
        })
    }

    /// The parsed version.
    pub fn get(&self) -> &semver::Version {
        &self.0
    }

    /// The parsed version, owned (what the storage traits take).
    pub fn into_inner(self) -> semver::Version {
        self.0
    }
}

impl Deref for Version {
    type Target = semver::Version;
    fn deref(&self) -> &semver::Version {
        &self.0
    }
}

impl From<Version> for semver::Version {
    fn from(value: Version) -> semver::Version {
        value.0
    }
}

impl FromStr for Version {
    type Err = Error;
    /// Parses with the field name `version`; `validation_failed` when invalid.
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse_field("version", s).map_err(Error::Validation)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A rating: 1 to 5 stars. Out of range is `validation_failed` on `stars`
/// (`out_of_range`), whichever layer finds it.
///
/// ```
/// use agentmart_core::model::Stars;
/// assert_eq!(Stars::new(4).unwrap().get(), 4);
/// assert_eq!(Stars::new(6).unwrap_err().code().as_str(), "validation_failed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Stars(u8);

impl Stars {
    /// The stars when in 1..=5; `validation_failed` on `stars` otherwise.
    pub fn new(stars: impl TryInto<u8> + Copy + fmt::Display) -> Result<Self, Error> {
        Self::parse_field("stars", stars).map_err(Error::Validation)
    }

    /// The stars when in 1..=5; an `out_of_range` error on `field` otherwise.
    pub fn parse_field(field: &str, stars: impl TryInto<u8> + Copy + fmt::Display) -> Result<Self, Vec<FieldError>> {
        match stars.try_into() {
            Ok(s) if STARS_RANGE.contains(&s) => Ok(Self(s)),
            _ => Err(invalid(field, "out_of_range", format!("{field} must be between 1 and 5 (got {stars})"))),
        }
    }

    /// The number of stars, 1 to 5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The histogram slot of these stars (0 for one star, 4 for five).
    /// Clamped, so even a corrupt record that deserialisation trusted cannot
    /// index out of the histogram.
    pub fn slot(self) -> usize {
        usize::from(self.0.clamp(1, 5) - 1)
    }
}

impl From<Stars> for u8 {
    fn from(value: Stars) -> u8 {
        value.0
    }
}

impl From<Stars> for u64 {
    fn from(value: Stars) -> u64 {
        u64::from(value.0)
    }
}

impl From<Stars> for usize {
    fn from(value: Stars) -> usize {
        usize::from(value.0)
    }
}

impl PartialEq<u8> for Stars {
    fn eq(&self, other: &u8) -> bool {
        self.0 == *other
    }
}

impl TryFrom<u8> for Stars {
    type Error = Error;
    fn try_from(value: u8) -> Result<Self, Error> {
        Stars::new(value)
    }
}

impl fmt::Display for Stars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn field_codes(r: Result<impl fmt::Debug, Vec<FieldError>>) -> Vec<(String, String)> {
        r.unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn email_normalises_and_names_the_field() {
        assert_eq!(Email::parse_field("email", " Bob@Example.ORG\n").unwrap().as_str(), "bob@example.org");
        assert_eq!(field_codes(Email::parse_field("new_email", "  ")), [("new_email".into(), "required".into())]);
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(field_codes(Email::parse_field("email", &long)), [("email".into(), "too_long".into())]);
        for bad in ["no-at-sign", "a@b@c", "\"a\0b\"@example.com", "a\u{7}b@example.com", "Name <a@example.com>"] {
            assert_eq!(
                field_codes(Email::parse_field("email", bad)),
                [("email".into(), "invalid_format".into())],
                "{bad:?}"
            );
        }
        let err = "x".parse::<Email>().unwrap_err();
        assert_eq!(err.field_errors()[0].field, "email");
        assert_eq!(Email::parse_field("email", "a.b+c@example.com").unwrap().local_part(), "a.b+c");
    }

    #[test]
    fn handle_and_slug_patterns() {
        assert_eq!(Handle::parse_field("handle", " Al-1 ").unwrap(), "al-1");
        for bad in ["a", "-ab", "a_b", "a\0b", &"a".repeat(32)] {
            assert_eq!(field_codes(Handle::parse_field("handle", bad)), [("handle".into(), "invalid_format".into())]);
        }
        assert!(Handle::is_valid(&"a".repeat(31)));
        assert!(Slug::is_valid(&"a".repeat(63)) && !Slug::is_valid(&"a".repeat(64)));
        assert_eq!(field_codes(Slug::parse_field("slug", "")), [("slug".into(), "required".into())]);
        for bad in ["A-b", " ab", "ab\0", "a/b", "é-a"] {
            assert_eq!(field_codes(Slug::parse_field("slug", bad)), [("slug".into(), "invalid_format".into())]);
        }
    }

    #[test]
    fn stars_are_one_to_five_on_the_stars_field() {
        for s in 1u8..=5 {
            assert_eq!(Stars::new(s).unwrap().get(), s);
            assert_eq!(Stars::new(s).unwrap().slot(), usize::from(s - 1));
        }
        for bad in [0i64, 6, -1, 300] {
            let err = Stars::new(bad).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::ValidationFailed);
            assert_eq!(err.field_errors()[0].field, "stars");
            assert_eq!(err.field_errors()[0].code, "out_of_range");
        }
    }

    #[test]
    fn serde_is_transparent() {
        let email: Email = "a@example.com".parse().unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"a@example.com\"");
        assert_eq!(serde_json::from_str::<Email>("\"a@example.com\"").unwrap(), email);
        assert_eq!(serde_json::to_string(&Stars::new(3).unwrap()).unwrap(), "3");
        assert_eq!(serde_json::from_str::<Slug>("\"my-agent\"").unwrap().as_str(), "my-agent");
    }

    proptest! {
        /// Parsing is idempotent: a parsed value parses to itself.
        #[test]
        fn parsed_values_are_fixed_points(raw in "\\PC{0,40}") {
            if let Ok(email) = raw.parse::<Email>() {
                prop_assert_eq!(email.as_str().parse::<Email>().unwrap(), email.clone());
                prop_assert_eq!(Email::normalize(email.as_str()), email.as_str());
            }
            if let Ok(handle) = raw.parse::<Handle>() {
                prop_assert_eq!(handle.as_str().parse::<Handle>().unwrap(), handle.clone());
            }
        }

        /// Case and surrounding whitespace never make two emails different accounts.
        #[test]
        fn email_equality_ignores_case_and_padding(local in "[a-zA-Z0-9]{1,20}", domain in "[a-zA-Z]{1,10}") {
            let a = format!("{local}@{domain}.com").parse::<Email>().unwrap();
            let b = format!("  {}@{}.COM ", local.to_uppercase(), domain.to_lowercase()).parse::<Email>().unwrap();
            prop_assert_eq!(a, b);
        }

        /// The lookup key is the normalised text: every spelling that parses
        /// has exactly one key, already case-folded (stores never fold again).
        #[test]
        fn email_key_is_the_normalised_form(raw in "\\PC{0,40}") {
            if let Ok(email) = raw.parse::<Email>() {
                prop_assert_eq!(email.key(), Email::normalize(&raw));
                prop_assert_eq!(email.key(), email.key().to_lowercase());
                prop_assert_eq!(email.key().parse::<Email>().unwrap(), email.clone());
            }
        }

        /// Path lookups agree with the parsers and never build an invalid name.
        #[test]
        fn lookups_agree_with_parsers(raw in "[a-zA-Z0-9_ -]{0,70}") {
            let lower = raw.to_ascii_lowercase();
            match Handle::lookup(&raw) {
                Some(handle) => {
                    prop_assert_eq!(handle.as_str(), lower.as_str());
                    prop_assert_eq!(Handle::parse_field("handle", &lower).unwrap(), handle);
                }
                None => prop_assert!(!Handle::is_valid(&lower)),
            }
            match Slug::lookup(&raw) {
                Some(slug) => prop_assert_eq!(Slug::parse_field("slug", &lower).unwrap(), slug),
                None => prop_assert!(Slug::parse_field("slug", &lower).is_err()),
            }
        }

        /// Stars exist for 1..=5 only; their slot always indexes the histogram.
        #[test]
        fn stars_exist_only_in_range(n in any::<i64>()) {
            match Stars::new(n) {
                Ok(stars) => {
                    prop_assert!((1..=5).contains(&n));
                    prop_assert_eq!(i64::from(stars.get()), n);
                    prop_assert!(stars.slot() < 5);
                }
                Err(_) => prop_assert!(!(1..=5).contains(&n)),
            }
        }

        /// A version parses exactly when it is semver of at most 64 characters.
        #[test]
        fn versions_are_capped_at_parse(pre in "[a-z][a-z0-9]{0,79}", pad in "[ ]{0,3}") {
            let text = format!("1.2.3-{pre}");
            let parsed = format!("{pad}{text}{pad}").parse::<Version>();
            prop_assert_eq!(parsed.is_ok(), text.chars().count() <= MAX_VERSION_LEN);
            match parsed {
                Ok(version) => prop_assert_eq!(version.to_string(), text),
                Err(err) => prop_assert_eq!(err.field_errors()[0].code.as_str(), "too_long"),
            }
        }

        /// No control character survives any parser.
        #[test]
        fn control_characters_never_parse(prefix in "[a-z]{1,8}", c in proptest::char::range('\0', '\u{1f}'), suffix in "[a-z]{1,8}") {
            let text = format!("{prefix}{c}{suffix}");
            prop_assert!(Handle::parse_field("handle", &text).is_err());
            prop_assert!(Slug::parse_field("slug", &text).is_err());
            let email = format!("{text}@example.com");
            prop_assert!(Email::parse_field("email", &email).is_err());
        }
    }
}
