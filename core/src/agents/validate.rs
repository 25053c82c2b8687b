//! Validation of agent definitions, slugs, versions and changelogs.
//!
//! Every rule of API.md's "Definition fields" is checked here, in one place,
//! for every caller (create, draft edits, preview warnings, publish). Lengths
//! count Unicode scalar values (characters), not bytes. Errors name each
//! failing field with a dotted path (`skills[2].name`) and a stable code:
//!
//! | code | meaning |
//! |---|---|
//! | `required` | missing or empty |
//! | `too_long` | more characters (or bytes, for schemas) than allowed |
//! | `too_many` | a list has more items than allowed |
//! | `invalid_format` | breaks a pattern, contains control characters, not a URL, not a JSON Schema |
//! | `invalid_choice` | not one of the allowed values (MIME types) |
//! | `out_of_range` | a number outside its range |
//! | `duplicate` | repeats an earlier item of the same list |
//! | `not_increasing` | (publish) a version not above the latest |
//!
//! Validation returns **all** failures, in field order, never just the first,
//! up to [`MAX_FIELD_ERRORS`] + 1. A list longer than its maximum is refused
//! as `too_many` **before** its items are looked at, so an oversized list
//! costs one error, not one per item.

use std::collections::HashSet;

use crate::error::{FieldError, MAX_FIELD_ERRORS};
use crate::model::{AgentDefinition, ModelSettings, Skill, Slug};

/// Longest display name (also of a skill and of a model name).
pub const MAX_NAME_LEN: usize = 100;
/// Longest tagline.
pub const MAX_TAGLINE_LEN: usize = 100;
/// Longest description.
pub const MAX_DESCRIPTION_LEN: usize = 2000;
/// Longest system prompt.
pub const MAX_SYSTEM_PROMPT_LEN: usize = 32_000;
/// Most skills per agent.
pub const MAX_SKILLS: usize = 32;
/// Longest skill id (`^[a-z0-9][a-z0-9_-]{0,63}$`).
pub const MAX_SKILL_ID_LEN: usize = 64;
/// Longest skill description.
pub const MAX_SKILL_DESCRIPTION_LEN: usize = 1000;
/// Most tags per skill.
pub const MAX_SKILL_TAGS: usize = 10;
/// Longest skill tag.
pub const MAX_SKILL_TAG_LEN: usize = 32;
/// Most examples per skill.
pub const MAX_SKILL_EXAMPLES: usize = 10;
/// Longest skill example.
pub const MAX_SKILL_EXAMPLE_LEN: usize = 500;
/// Most conversation starters.
pub const MAX_CONVERSATION_STARTERS: usize = 6;
/// Longest conversation starter.
pub const MAX_CONVERSATION_STARTER_LEN: usize = 200;
/// Most agent tags.
pub const MAX_TAGS: usize = 10;
/// Longest category or agent tag (`^[a-z0-9][a-z0-9-]{0,31}$`).
pub const MAX_TAG_LEN: usize = 32;
/// Longest URL.
pub const MAX_URL_LEN: usize = 2048;
/// Largest input or output JSON Schema, in bytes of compact JSON.
pub const MAX_SCHEMA_BYTES: usize = 65_536;
/// Highest sampling temperature.
pub const MAX_TEMPERATURE: f64 = 2.0;
/// Highest `max_tokens`.
pub const MAX_MAX_TOKENS: u32 = 1_000_000;
/// Longest changelog of a version.
pub const MAX_CHANGELOG_LEN: usize = 2000;
/// Longest status message.
pub const MAX_STATUS_MESSAGE_LEN: usize = 500;
/// Longest preview input.
pub const MAX_PREVIEW_INPUT_LEN: usize = 32_000;
/// Longest slug (see [`Slug`]).
pub use crate::model::MAX_SLUG_LEN;

/// The MIME types an agent may declare in `input_modes` and `output_modes`.
pub const ALLOWED_MODES: [&str; 11] = [
    "text/plain",
    "text/markdown",
    "text/html",
    "text/csv",
    "application/json",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "audio/mpeg",
    "audio/wav",
];

/// The MIME type that requires a JSON Schema on the matching side.
pub const JSON_MODE: &str = "application/json";

/// Collects field errors.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    /// Records a failure; past [`MAX_FIELD_ERRORS`] + 1 the rest are dropped
    /// (one past the cap tells adapters the list was cut), so a hostile
    /// definition cannot make the answer, or the work of building it, grow.
    fn push(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        if self.0.len() <= MAX_FIELD_ERRORS {
            self.0.push(FieldError::new(field, code, message));
        }
    }
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Control characters are refused everywhere; multi-line fields may hold
/// line feeds, carriage returns and tabs.
fn has_forbidden_control(s: &str, multiline: bool) -> bool {
    crate::text::has_control(s, multiline)
}

/// Checks a text field: `min..=max` characters (`min` 0 or 1) and no control characters.
fn check_text(errors: &mut Errors, field: &str, value: &str, min: usize, max: usize, multiline: bool) {
    let len = char_len(value);
    if min > 0 && value.trim().is_empty() {
        errors.push(field, "required", format!("{field} must not be empty"));
        return;
    }
    if len > max {
        errors.push(field, "too_long", format!("{field} must be at most {max} characters (got {len})"));
    }
    if has_forbidden_control(value, multiline) {
        let what = if multiline { "control characters other than newlines and tabs" } else { "control characters" };
        errors.push(field, "invalid_format", format!("{field} must not contain {what}"));
    }
}

/// `^[a-z0-9][<rest>]{min_rest,max_rest}$` where rest is `[a-z0-9-]` plus `_` when `underscore`.
fn matches_slug_pattern(s: &str, min_rest: usize, max_rest: usize, underscore: bool) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else { return false };
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return false;
    }
    let mut rest = 0usize;
    for c in chars {
        let ok = c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (underscore && c == '_');
        if !ok {
            return false;
        }
        rest += 1;
    }
    (min_rest..=max_rest).contains(&rest)
}

/// True for a valid agent slug: `^[a-z0-9][a-z0-9-]{1,62}$`.
pub fn is_valid_slug(slug: &str) -> bool {
    Slug::is_valid(slug)
}

/// True for a valid skill id: `^[a-z0-9][a-z0-9_-]{0,63}$`.
pub fn is_valid_skill_id(id: &str) -> bool {
    matches_slug_pattern(id, 0, MAX_SKILL_ID_LEN - 1, true)
}

/// True for a valid category or agent tag: `^[a-z0-9][a-z0-9-]{0,31}$`.
pub fn is_valid_tag(tag: &str) -> bool {
    matches_slug_pattern(tag, 0, MAX_TAG_LEN - 1, false)
}

/// Errors of a slug (empty when valid): the rules of [`Slug`].
pub fn validate_slug(slug: &str) -> Vec<FieldError> {
    Slug::parse_field("slug", slug).err().unwrap_or_default()
}

/// True for an absolute `http` or `https` URL with a host and no whitespace or control characters.
fn is_http_url(url: &str) -> bool {
    let has_prefix =
        |prefix: &str| url.as_bytes().get(..prefix.len()).is_some_and(|b| b.eq_ignore_ascii_case(prefix.as_bytes()));
    // The prefixes are ASCII, so slicing after them is on a character boundary.
    let rest = if has_prefix("https://") {
        &url[8..]
    } else if has_prefix("http://") {
        &url[7..]
    } else {
        return false;
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    !host.is_empty() && !host.starts_with(':')
}

fn check_url(errors: &mut Errors, field: &str, url: &str) {
    let len = char_len(url);
    if len > MAX_URL_LEN {
        errors.push(field, "too_long", format!("{field} must be at most {MAX_URL_LEN} characters (got {len})"));
    }
    if !is_http_url(url) {
        errors.push(field, "invalid_format", format!("{field} must be an absolute http or https URL"));
    }
}

/// A JSON Schema here is a JSON object with at least one of `type`, `$schema`, `properties`.
fn check_schema(errors: &mut Errors, field: &str, schema: &serde_json::Value) {
    match schema.as_object() {
        Some(map) if ["type", "$schema", "properties"].iter().any(|k| map.contains_key(*k)) => {
            let bytes = serde_json::to_vec(schema).map(|v| v.len()).unwrap_or(usize::MAX);
            if bytes > MAX_SCHEMA_BYTES {
                errors.push(field, "too_long", format!("{field} must be at most {MAX_SCHEMA_BYTES} bytes of JSON"));
            }
        }
        _ => errors.push(
            field,
            "invalid_format",
            format!("{field} must be a JSON Schema: an object with `type`, `$schema` or `properties`"),
        ),
    }
}

fn check_modes(errors: &mut Errors, field: &str, modes: &[String], for_publish: bool) {
    if modes.is_empty() {
        if for_publish {
            errors.push(field, "required", format!("{field} must list at least one MIME type"));
        }
        return;
    }
    // Each allowed type at most once: a longer list cannot be valid.
    if modes.len() > ALLOWED_MODES.len() {
        let max = ALLOWED_MODES.len();
        errors.push(field, "too_many", format!("{field} must have at most {max} items"));
        return;
    }
    let mut seen = HashSet::new();
    for (i, mode) in modes.iter().enumerate() {
        let path = format!("{field}[{i}]");
        if !ALLOWED_MODES.contains(&mode.as_str()) {
            errors.push(&path, "invalid_choice", format!("{path} must be one of: {}", ALLOWED_MODES.join(", ")));
        } else if !seen.insert(mode.as_str()) {
            errors.push(&path, "duplicate", format!("{path} repeats `{mode}`"));
        }
    }
}

fn check_skill(errors: &mut Errors, i: usize, skill: &Skill, ids: &mut HashSet<String>) {
    let base = format!("skills[{i}]");
    let id_field = format!("{base}.id");
    if skill.id.is_empty() {
        errors.push(&id_field, "required", format!("{id_field} must not be empty"));
    } else if !is_valid_skill_id(&skill.id) {
        errors.push(
            &id_field,
            "invalid_format",
            format!(
                "{id_field} must be 1 to 64 lower-case letters, digits, `_` or `-`, starting with a letter or digit"
            ),
        );
    } else if !ids.insert(skill.id.clone()) {
        errors.push(&id_field, "duplicate", format!("{id_field} repeats the id `{}`", skill.id));
    }
    check_text(errors, &format!("{base}.name"), &skill.name, 1, MAX_NAME_LEN, false);
    check_text(errors, &format!("{base}.description"), &skill.description, 0, MAX_SKILL_DESCRIPTION_LEN, true);
    if skill.tags.len() > MAX_SKILL_TAGS {
        let field = format!("{base}.tags");
        errors.push(&field, "too_many", format!("{field} must have at most {MAX_SKILL_TAGS} items"));
    } else {
        for (j, tag) in skill.tags.iter().enumerate() {
            check_text(errors, &format!("{base}.tags[{j}]"), tag, 1, MAX_SKILL_TAG_LEN, false);
        }
    }
    if skill.examples.len() > MAX_SKILL_EXAMPLES {
        let field = format!("{base}.examples");
        errors.push(&field, "too_many", format!("{field} must have at most {MAX_SKILL_EXAMPLES} items"));
    } else {
        for (j, example) in skill.examples.iter().enumerate() {
            check_text(errors, &format!("{base}.examples[{j}]"), example, 1, MAX_SKILL_EXAMPLE_LEN, true);
        }
    }
}

fn check_model(errors: &mut Errors, model: &ModelSettings) {
    check_text(errors, "model.name", &model.name, 1, MAX_NAME_LEN, false);
    if let Some(t) = model.temperature
        && !(t.is_finite() && (0.0..=MAX_TEMPERATURE).contains(&t))
    {
        errors.push(
            "model.temperature",
            "out_of_range",
            format!("model.temperature must be between 0 and {MAX_TEMPERATURE}"),
        );
    }
    if let Some(n) = model.max_tokens
        && !(1..=MAX_MAX_TOKENS).contains(&n)
    {
        errors.push(
            "model.max_tokens",
            "out_of_range",
            format!("model.max_tokens must be between 1 and {MAX_MAX_TOKENS}"),
        );
    }
}

fn check_tag(errors: &mut Errors, field: &str, tag: &str) {
    if tag.is_empty() {
        errors.push(field, "required", format!("{field} must not be empty"));
    } else if !is_valid_tag(tag) {
        errors.push(
            field,
            "invalid_format",
            format!("{field} must be 1 to 32 lower-case letters, digits and hyphens, starting with a letter or digit"),
        );
    }
}

/// Checks an agent definition against every limit of API.md and returns all
/// failures (empty when valid).
///
/// With `for_publish = false` (drafts) the *limits* are checked: lengths,
/// counts, formats, ranges, allowed MIME types, and that given schemas are
/// JSON Schemas. With `for_publish = true` the *publish requirements* are
/// checked too: a non-empty `system_prompt`, at least one input and one output
/// mode, and an `input_schema` / `output_schema` whenever the matching modes
/// contain `application/json`. A draft may be saved without those; preview
/// reports them as warnings and publish refuses them.
///
/// ```
/// use agentmart_core::agents::validate_definition;
/// use agentmart_core::AgentDefinition;
///
/// let draft = AgentDefinition { name: "Summarizer".into(), ..Default::default() };
/// assert!(validate_definition(&draft, false).is_empty());
/// let missing: Vec<_> = validate_definition(&draft, true).into_iter().map(|e| e.field).collect();
/// assert_eq!(missing, ["system_prompt", "input_modes", "output_modes"]);
/// ```
pub fn validate_definition(definition: &AgentDefinition, for_publish: bool) -> Vec<FieldError> {
    let mut errors = Errors::default();
    let d = definition;
    check_text(&mut errors, "name", &d.name, 1, MAX_NAME_LEN, false);
    check_text(&mut errors, "tagline", &d.tagline, 0, MAX_TAGLINE_LEN, false);
    check_text(&mut errors, "description", &d.description, 0, MAX_DESCRIPTION_LEN, true);
    check_text(&mut errors, "system_prompt", &d.system_prompt, usize::from(for_publish), MAX_SYSTEM_PROMPT_LEN, true);

    if d.skills.len() > MAX_SKILLS {
        errors.push("skills", "too_many", format!("skills must have at most {MAX_SKILLS} items"));
    } else {
        let mut ids = HashSet::new();
        for (i, skill) in d.skills.iter().enumerate() {
            check_skill(&mut errors, i, skill, &mut ids);
        }
    }

    check_modes(&mut errors, "input_modes", &d.input_modes, for_publish);
    check_modes(&mut errors, "output_modes", &d.output_modes, for_publish);
    for (field, schema, modes) in
        [("input_schema", &d.input_schema, &d.input_modes), ("output_schema", &d.output_schema, &d.output_modes)]
    {
        match schema {
            Some(schema) => check_schema(&mut errors, field, schema),
            None if for_publish && modes.iter().any(|m| m == JSON_MODE) => {
                errors.push(field, "required", format!("{field} is required when the modes include {JSON_MODE}"))
            }
            None => {}
        }
    }

    if d.conversation_starters.len() > MAX_CONVERSATION_STARTERS {
        errors.push(
            "conversation_starters",
            "too_many",
            format!("conversation_starters must have at most {MAX_CONVERSATION_STARTERS} items"),
        );
    } else {
        for (i, starter) in d.conversation_starters.iter().enumerate() {
            check_text(
                &mut errors,
                &format!("conversation_starters[{i}]"),
                starter,
                1,
                MAX_CONVERSATION_STARTER_LEN,
                true,
            );
        }
    }

    if let Some(model) = &d.model {
        check_model(&mut errors, model);
    }
    if let Some(category) = &d.category {
        check_tag(&mut errors, "category", category);
    }
    if d.tags.len() > MAX_TAGS {
        errors.push("tags", "too_many", format!("tags must have at most {MAX_TAGS} items"));
    } else {
        let mut seen = HashSet::new();
        for (i, tag) in d.tags.iter().enumerate() {
            let field = format!("tags[{i}]");
            let before = errors.0.len();
            check_tag(&mut errors, &field, tag);
            if errors.0.len() == before && !seen.insert(tag.as_str()) {
                errors.push(&field, "duplicate", format!("{field} repeats `{tag}`"));
            }
        }
    }
    if let Some(url) = &d.icon_url {
        check_url(&mut errors, "icon_url", url);
    }
    if let Some(url) = &d.documentation_url {
        check_url(&mut errors, "documentation_url", url);
    }
    errors.0
}

/// Trims surrounding whitespace from single-line fields and turns empty
/// optional strings (`category`, `icon_url`, `documentation_url`) into `None`.
/// Applied to every definition before validation and storage.
pub fn normalize_definition(definition: &mut AgentDefinition) {
    fn trim(s: &mut String) {
        let t = s.trim();
        if t.len() != s.len() {
            *s = t.to_string();
        }
    }
    fn trim_opt(s: &mut Option<String>) {
        if let Some(v) = s {
            trim(v);
            if v.is_empty() {
                *s = None;
            }
        }
    }
    let d = definition;
    trim(&mut d.name);
    trim(&mut d.tagline);
    for skill in &mut d.skills {
        trim(&mut skill.id);
        trim(&mut skill.name);
        skill.tags.iter_mut().for_each(trim);
    }
    d.input_modes.iter_mut().for_each(trim);
    d.output_modes.iter_mut().for_each(trim);
    if let Some(model) = &mut d.model {
        trim(&mut model.name);
    }
    trim_opt(&mut d.category);
    d.tags.iter_mut().for_each(trim);
    trim_opt(&mut d.icon_url);
    trim_opt(&mut d.documentation_url);
}

/// Checks a version string for publishing: a [`Version`](crate::model::Version)
/// (strict semver such as `1.2.3` or `1.2.3-beta.1`, at most
/// [`MAX_VERSION_LEN`](crate::model::MAX_VERSION_LEN) characters) without
/// build metadata. Surrounding whitespace is ignored.
pub fn parse_publish_version(version: &str) -> Result<semver::Version, FieldError> {
    let parsed =
        crate::model::Version::parse_field("version", version).map_err(|mut errors| errors.remove(0))?.into_inner();
    if !parsed.build.is_empty() {
        return Err(FieldError::new(
            "version",
            "invalid_format",
            "version must not carry build metadata (`+...`); it does not order versions",
        ));
    }
    Ok(parsed)
}

/// Errors of a changelog (≤ 2000 characters, multi-line).
pub fn validate_changelog(changelog: &str) -> Vec<FieldError> {
    let mut errors = Errors::default();
    check_text(&mut errors, "changelog", changelog, 0, MAX_CHANGELOG_LEN, true);
    errors.0
}

/// Errors of a status message (≤ 500 characters, single line).
pub(crate) fn validate_status_message(message: &str) -> Vec<FieldError> {
    let mut errors = Errors::default();
    check_text(&mut errors, "status_message", message, 0, MAX_STATUS_MESSAGE_LEN, false);
    errors.0
}

/// Errors of a preview input (≤ 32000 characters).
pub(crate) fn validate_preview_input(input: &str) -> Vec<FieldError> {
    let mut errors = Errors::default();
    check_text(&mut errors, "input", input, 0, MAX_PREVIEW_INPUT_LEN, true);
    errors.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(is_valid_slug("ab"));
        assert!(!is_valid_slug("a"));
        assert!(!is_valid_slug("-ab"));
        assert!(!is_valid_slug("Ab"));
        assert!(is_valid_slug(&"a".repeat(63)));
        assert!(!is_valid_slug(&"a".repeat(64)));
        assert!(is_valid_skill_id("a"));
        assert!(is_valid_skill_id("a_b-c"));
        assert!(!is_valid_skill_id("_a"));
        assert!(is_valid_skill_id(&"a".repeat(64)));
        assert!(!is_valid_skill_id(&"a".repeat(65)));
        assert!(is_valid_tag("x"));
        assert!(!is_valid_tag("a_b"));
        assert!(!is_valid_tag(&"a".repeat(33)));
    }

    #[test]
    fn urls() {
        assert!(is_http_url("https://example.com"));
        assert!(is_http_url("HTTP://example.com/a?b#c"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("https:///path"));
        assert!(!is_http_url("ftp://example.com"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("https://exa mple.com"));
        assert!(!is_http_url("héllo"));
        assert!(is_http_url("http://é.example"));
    }

    #[test]
    fn versions() {
        assert!(parse_publish_version("1.2.3").is_ok());
        assert!(parse_publish_version(" 1.2.3-rc.1 ").is_ok());
        assert!(parse_publish_version("1.2").is_err());
        assert!(parse_publish_version("v1.2.3").is_err());
        assert!(parse_publish_version("1.2.3+build.5").is_err());
        let at_cap = format!("1.0.0-{}", "a".repeat(crate::model::MAX_VERSION_LEN - 6));
        assert!(parse_publish_version(&at_cap).is_ok());
        let over = format!("{at_cap}a");
        assert_eq!(parse_publish_version(&over).unwrap_err().code, "too_long");
    }

    #[test]
    fn an_oversized_list_is_one_error_and_the_error_count_is_capped() {
        // 100 000 bad tags: refused as a list, the items are never looked at.
        let d = AgentDefinition { tags: vec!["NOT A TAG".to_string(); 100_000], ..Default::default() };
        let errors = validate_definition(&d, false);
        let tags: Vec<_> = errors.iter().filter(|e| e.field.starts_with("tags")).collect();
        assert_eq!(tags.len(), 1, "{tags:?}");
        assert_eq!((tags[0].field.as_str(), tags[0].code.as_str()), ("tags", "too_many"));
        let d = AgentDefinition { input_modes: vec!["x/y".to_string(); 100_000], ..Default::default() };
        let modes: Vec<_> =
            validate_definition(&d, false).into_iter().filter(|e| e.field.starts_with("input_modes")).collect();
        assert_eq!(modes.len(), 1, "{modes:?}");
        // The most errors a definition within its list limits can have: capped one past the cap.
        let skill = Skill {
            id: "BAD ID".into(),
            name: String::new(),
            tags: vec!["BAD TAG".into(); MAX_SKILL_TAGS],
            examples: vec![String::new(); MAX_SKILL_EXAMPLES],
            ..Default::default()
        };
        let d = AgentDefinition { skills: vec![skill; MAX_SKILLS], ..Default::default() };
        assert_eq!(validate_definition(&d, false).len(), MAX_FIELD_ERRORS + 1);
    }
}
