//! Text normalisation for full-text search, shared by every backend.
//!
//! A *word* is a maximal run of alphanumeric characters (Unicode), lower-cased.
//! Search matches whole words: a query term matches an agent when the same
//! word occurs in its name, tagline, description, skills (name, description,
//! tags) or tags.

use std::collections::BTreeMap;

use crate::error::FieldError;
use crate::model::AgentDefinition;

/// Longest word kept; longer runs are cut (they are never useful search terms).
pub const MAX_WORD_LEN: usize = 64;
/// Most terms taken from one query.
pub const MAX_QUERY_TERMS: usize = 16;

/// Longest search query `q`, in characters.
pub const MAX_QUERY_LEN: usize = 256;
/// Longest list filter value (`category`, `tag`, `input_mode`,
/// `output_mode`, `owner`, audit `action` and `target`), in characters.
pub const MAX_FILTER_LEN: usize = 128;

/// True when `text` holds a control character (Unicode `Cc`: NUL, escape,
/// DEL, C1 controls, ...). Multi-line text (`multiline`) may keep line feeds,
/// carriage returns and tabs; nothing else.
///
/// This is the one rule every validator of text that reaches storage uses:
/// emails, handles, slugs, versions, filters and free text. A control
/// character never reaches a backend (PostgreSQL refuses NUL in text).
pub fn has_control(text: &str, multiline: bool) -> bool {
    text.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

/// The error of a text value that reaches storage, if any: `too_long` past
/// `max` characters, `invalid_format` for a control character (see
/// [`has_control`]). The length is counted on at most `max + 1` characters,
/// so a huge value costs no more than a short one.
pub fn check_text(field: &str, value: &str, max: usize, multiline: bool) -> Option<FieldError> {
    if value.chars().nth(max).is_some() {
        return Some(FieldError::new(field, "too_long", format!("{field} must be at most {max} characters")));
    }
    if has_control(value, multiline) {
        let what = if multiline { "control characters other than newlines and tabs" } else { "control characters" };
        return Some(FieldError::new(field, "invalid_format", format!("{field} must not contain {what}")));
    }
    None
}

/// Checks an optional list filter or query value with [`check_text`]
/// (single line), appending the failure to `errors`.
pub fn check_filter(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<FieldError>) {
    if let Some(error) = value.and_then(|v| check_text(field, v, max, false)) {
        errors.push(error);
    }
}

/// Longest id in a path segment (`/v1/auth/sessions/{id}`, `/v1/admin/users/{id}`,
/// ...): a hyphenated UUID.
pub const MAX_ID_LEN: usize = 36;
/// Longest path segment of a name [`segment_max_len`] does not know.
pub const MAX_SEGMENT_LEN: usize = MAX_FILTER_LEN;

/// The longest value a named path segment may hold, in characters: `owner`
/// a handle ([`MAX_HANDLE_LEN`](crate::model::MAX_HANDLE_LEN)), `slug` a slug
/// ([`MAX_SLUG_LEN`](crate::model::MAX_SLUG_LEN)), `version` a version
/// ([`MAX_VERSION_LEN`](crate::model::MAX_VERSION_LEN)), `id` a UUID
/// ([`MAX_ID_LEN`]); any other name [`MAX_SEGMENT_LEN`].
///
/// The HTTP adapter checks every path parameter with [`check_segment`] before
/// a route runs, and documents these caps in its OpenAPI document.
pub fn segment_max_len(name: &str) -> usize {
    match name {
        "owner" => crate::model::MAX_HANDLE_LEN,
        "slug" => crate::model::MAX_SLUG_LEN,
        "version" => crate::model::MAX_VERSION_LEN,
        "id" => MAX_ID_LEN,
        _ => MAX_SEGMENT_LEN,
    }
}

/// The error of a path segment (or of a reference that plays its role, such
/// as the `owner` and `slug` of an [`AgentRef`](crate::model::AgentRef)), if
/// any: `too_long` past [`segment_max_len`], `invalid_format` for a control
/// character. A segment that fails can name nothing stored, so it is refused
/// as a validation error (422) rather than looked up and not found.
///
/// ```
/// use agentmart_core::text::check_segment;
/// assert!(check_segment("owner", "alice").is_none());
/// assert_eq!(check_segment("owner", "al\u{0}ice").unwrap().code, "invalid_format");
/// assert_eq!(check_segment("version", &"1".repeat(65)).unwrap().code, "too_long");
/// ```
pub fn check_segment(name: &str, value: &str) -> Option<FieldError> {
    check_text(name, value, segment_max_len(name), false)
}

/// Splits text into lower-cased words.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(MAX_WORD_LEN).flat_map(char::to_lowercase).collect())
}

/// The distinct terms of a search query, in order of first appearance (at most [`MAX_QUERY_TERMS`]).
pub fn query_terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(query) {
        if !out.contains(&w) {
            out.push(w);
            if out.len() == MAX_QUERY_TERMS {
                break;
            }
        }
    }
    out
}

/// The key the `name` sort orders an agent by: its display name, lower-cased
/// (Unicode), compared byte-wise. Every backend stores this value (sled's
/// listing rows, the SQL `lower_name` column) rather than folding case itself,
/// so the order is the same everywhere.
pub fn sort_name(name: &str) -> String {
    name.to_lowercase()
}

/// Field weights used for relevance: a word in the name counts most.
pub mod weights {
    /// Weight of a word in the name.
    pub const NAME: f32 = 8.0;
    /// Weight of a word in a tag.
    pub const TAG: f32 = 4.0;
    /// Weight of a word in the tagline.
    pub const TAGLINE: f32 = 4.0;
    /// Weight of a word in a skill's name or tags.
    pub const SKILL: f32 = 2.0;
    /// Weight of a word in the description or a skill's description.
    pub const DESCRIPTION: f32 = 1.0;

    /// The weight of each class of [`searchable_text`](super::searchable_text),
    /// in its order (name, tagline + tags, skill names + tags, descriptions):
    /// what SQL full-text engines are given (SQLite's `bm25` column weights,
    /// PostgreSQL's `ts_rank` labels A to D), so every backend ranks with the
    /// same numbers as sled's [`index_terms`](super::index_terms).
    pub const CLASSES: [f32; 4] = [NAME, TAGLINE, SKILL, DESCRIPTION];

    // A class carries one weight, so the fields grouped in it must agree.
    const _: () = assert!(TAG == TAGLINE && NAME > TAGLINE && TAGLINE > SKILL && SKILL > DESCRIPTION);

    /// [`CLASSES`] scaled so the highest is 1 (PostgreSQL's `ts_rank` takes
    /// weights in `0..=1`; only their ratios matter for the order).
    pub fn classes_relative() -> [f32; 4] {
        CLASSES.map(|w| w / NAME)
    }
}

/// Every searchable word of a definition with its summed field weight.
///
/// Backends with their own full-text engine index the same fields (see
/// [`searchable_text`]); the sled backend stores exactly these terms.
pub fn index_terms(def: &AgentDefinition) -> BTreeMap<String, f32> {
    let mut terms: BTreeMap<String, f32> = BTreeMap::new();
    let mut add = |text: &str, weight: f32| {
        for w in words(text) {
            *terms.entry(w).or_insert(0.0) += weight;
        }
    };
    add(&def.name, weights::NAME);
    add(&def.tagline, weights::TAGLINE);
    add(&def.description, weights::DESCRIPTION);
    for tag in &def.tags {
        add(tag, weights::TAG);
    }
    for skill in &def.skills {
        add(&skill.name, weights::SKILL);
        add(&skill.description, weights::DESCRIPTION);
        for tag in &skill.tags {
            add(tag, weights::SKILL);
        }
    }
    terms
}

/// The searchable fields of a definition grouped by weight class, for
/// backends that build their own full-text documents: `(name, tagline + tags,
/// skill names + skill tags, description + skill descriptions)`.
pub fn searchable_text(def: &AgentDefinition) -> [String; 4] {
    let mut high = def.tagline.clone();
    for tag in &def.tags {
        high.push(' ');
        high.push_str(tag);
    }
    let mut skills = String::new();
    let mut low = def.description.clone();
    for skill in &def.skills {
        skills.push(' ');
        skills.push_str(&skill.name);
        for tag in &skill.tags {
            skills.push(' ');
            skills.push_str(tag);
        }
        low.push(' ');
        low.push_str(&skill.description);
    }
    [def.name.clone(), high, skills, low]
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The name sort key ignores ASCII case and is stable under re-folding.
        #[test]
        fn sort_name_folds_case_once(name in "[a-zA-Z0-9 .-]{0,40}") {
            let key = super::sort_name(&name);
            proptest::prop_assert_eq!(&key, &super::sort_name(&name.to_ascii_uppercase()));
            proptest::prop_assert_eq!(&key, &super::sort_name(&key));
        }
    }

    use super::*;

    #[test]
    fn words_are_lowercased_alphanumeric_runs() {
        let got: Vec<_> = words("Hello, Wörld! SQL-to-JSON v2").collect();
        assert_eq!(got, ["hello", "wörld", "sql", "to", "json", "v2"]);
    }

    #[test]
    fn query_terms_dedupe_and_cap() {
        assert_eq!(query_terms("a A b"), ["a", "b"]);
        let long = (0..40).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(query_terms(&long).len(), MAX_QUERY_TERMS);
    }

    #[test]
    fn class_weights_follow_the_field_weights() {
        assert_eq!(weights::CLASSES, [8.0, 4.0, 2.0, 1.0]);
        assert_eq!(weights::classes_relative(), [1.0, 0.5, 0.25, 0.125]);
    }

    #[test]
    fn index_terms_weight_fields() {
        let def =
            AgentDefinition { name: "Code Helper".into(), description: "helper for code".into(), ..Default::default() };
        let t = index_terms(&def);
        assert_eq!(t["code"], weights::NAME + weights::DESCRIPTION);
        assert_eq!(t["for"], weights::DESCRIPTION);
    }
}

/// No string holding a control character passes any validator of text that
/// reaches storage (multi-line free text may keep `\n`, `\r` and `\t`).
#[cfg(test)]
mod control_characters {
    use proptest::prelude::*;

    use crate::agents::validate as agents;
    use crate::auth::validate as accounts;
    use crate::model::{Email, Handle, Slug, Version};

    /// A control character that no field accepts, multi-line or not.
    fn forbidden() -> impl Strategy<Value = char> {
        prop_oneof![
            (0u32..0x20).prop_filter("not a kept whitespace", |c| ![0x09, 0x0a, 0x0d].contains(c)),
            0x7fu32..0xa0,
        ]
        .prop_map(|c| char::from_u32(c).unwrap())
    }

    /// Any control character, `\n` and `\t` included.
    fn any_control() -> impl Strategy<Value = char> {
        prop_oneof![0u32..0x20, 0x7fu32..0xa0].prop_map(|c| char::from_u32(c).unwrap())
    }

    /// `prefix + c + suffix` for short printable affixes.
    fn with(c: impl Strategy<Value = char>) -> impl Strategy<Value = String> {
        ("[a-z0-9]{0,8}", c, "[a-z0-9]{0,8}").prop_map(|(a, c, b)| format!("{a}{c}{b}"))
    }

    fn field_errors(f: impl FnOnce(&mut Vec<crate::error::FieldError>)) -> usize {
        let mut errors = Vec::new();
        f(&mut errors);
        errors.len()
    }

    proptest! {
        #[test]
        fn identifiers_and_single_line_text_refuse_every_control_character(s in with(any_control())) {
            // Identifiers: emails, handles, slugs, versions (inner control
            // characters; leading/trailing whitespace is trimmed by design).
            let inner = format!("a{s}a");
            let email = format!("{inner}@example.com");
            prop_assert!(Email::parse_field("email", &email).is_err());
            prop_assert!(Handle::parse_field("handle", &inner).is_err());
            prop_assert!(Slug::parse_field("slug", &inner).is_err());
            prop_assert!(inner.parse::<Version>().is_err());
            prop_assert!(agents::validate_slug(&inner).len() == 1);
            // Single-line text and filters.
            prop_assert!(super::has_control(&s, false));
            prop_assert!(super::check_text("f", &s, 1000, false).is_some());
            prop_assert_eq!(field_errors(|e| super::check_filter("tag", Some(&s), super::MAX_FILTER_LEN, e)), 1);
            prop_assert_eq!(field_errors(|e| accounts::check_display_name("display_name", &inner, e)), 1);
            prop_assert!(!agents::validate_status_message(&inner).is_empty());
        }

        #[test]
        fn multi_line_text_refuses_every_control_character_but_newlines_and_tabs(s in with(forbidden())) {
            prop_assert!(super::has_control(&s, true));
            prop_assert!(super::check_text("body", &s, 10_000, true).is_some());
            prop_assert_eq!(field_errors(|e| accounts::check_bio("bio", &s, e)), 1);
            prop_assert!(!agents::validate_changelog(&s).is_empty());
            prop_assert!(!agents::validate_preview_input(&s).is_empty());
            let definition = crate::model::AgentDefinition { description: s.clone(), system_prompt: s.clone(), ..Default::default() };
            let errors = agents::validate_definition(&definition, false);
            prop_assert!(errors.iter().any(|e| e.field == "description" && e.code == "invalid_format"), "{:?}", errors);
            prop_assert!(errors.iter().any(|e| e.field == "system_prompt" && e.code == "invalid_format"), "{:?}", errors);
        }

        #[test]
        fn newlines_and_tabs_are_kept_only_in_multi_line_text(text in "[a-z]{1,8}[\n\t\r][a-z]{1,8}") {
            prop_assert!(super::check_text("body", &text, 100, true).is_none());
            prop_assert!(super::check_text("title", &text, 100, false).is_some());
        }

        #[test]
        fn text_longer_than_its_cap_is_too_long(len in 0usize..300, max in 1usize..200) {
            let text = "é".repeat(len);
            let error = super::check_text("f", &text, max, false);
            prop_assert_eq!(error.map(|e| e.code), (len > max).then(|| "too_long".to_string()));
        }
    }
}
