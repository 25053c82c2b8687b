//! JSON Schema (draft 2020-12) of every public request and answer type of
//! the core: the one description of agentmart's data shapes (feature `schema`).
//!
//! [`components()`] is what the HTTP adapter's OpenAPI document uses as its
//! `components.schemas`, and what the bindings' types are generated from or
//! checked against. Every limit in it comes from the constants the
//! validation code enforces ([`crate::agents::MAX_NAME_LEN`],
//! [`crate::MAX_PAGE_SIZE`], [`crate::market::MAX_REVIEW_BODY`], …), and
//! the MIME allow-list is [`crate::agents::ALLOWED_MODES`]: change a constant
//! and every schema follows.
//!
//! # Naming and shape
//!
//! - A component is named after its Rust type (`AgentDraftView`,
//!   `TokenPair`, `SessionInfo`, `ReviewView`), except [`crate::Page`], named
//!   `{Item}Page` (`AgentListItemPage`), `semver::Version`, named `SemVer`,
//!   and `MimeType`, a string enum of the allow-list that exists only in
//!   the schema (the Rust fields are `String`s).
//! - `$ref`s point at `#/components/schemas/{Name}`, so the map can be
//!   dropped into an OpenAPI 3.1 document as it is.
//! - Answer types are described as they are **serialized**: `required`
//!   lists every key that is always present (an `Option` without
//!   `skip_serializing_if` is required and may be `null`). Request types are
//!   described as they are **deserialized**: `required` lists only what must
//!   be sent. A type used both ways (`AgentDefinition`, `Skill`,
//!   `ModelSettings`, the enums) gets its request form, which every answer
//!   also satisfies.
//! - Enumerations (`AgentStatus`, `Role`, `CatalogSort`, `ReviewSort`,
//!   `ErrorCode`, `MimeType`) are `{"type": "string", "enum": [...]}`.
//! - Descriptions are the Rust doc comments, with rustdoc link syntax
//!   reduced to code spans.
//!
//! ```
//! let components = agentmart_core::schema::components();
//! let name = &components["AgentDefinition"]["properties"]["name"];
//! assert_eq!(name["maxLength"], agentmart_core::agents::MAX_NAME_LEN);
//! assert_eq!(components["MimeType"]["enum"].as_array().unwrap().len(), agentmart_core::agents::ALLOWED_MODES.len());
//! ```

use std::borrow::Cow;

use schemars::generate::{Contract, SchemaSettings};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use crate::agents::{
    ALLOWED_MODES, AgentCard, AgentDraftView, CreateAgent, DraftPatch, MAX_SKILL_ID_LEN, MAX_SLUG_LEN, MAX_TAG_LEN,
    MyAgent, Preview, PreviewRequest, PublishRequest, StatusChange, VersionView,
};
use crate::auth::{AdminUserUpdate, ExternalIdentity, LoginRequest, MAX_HANDLE_LEN, RegisterRequest, Registered};
use crate::error::{ErrorCode, FieldError};
use crate::market::{
    AgentDetail, AgentListItem, InstallRequest, InstallResult, InstalledAgent, ListAgents, ListReviews,
    MAX_USAGE_EVENT_LEN, Moderation, RateRequest, ReviewView, UsageQuery, UsageRequest,
};
use crate::model::{
    Agent, AgentDefinition, AgentRef, AgentVersion, AuditFilter, AuditRecord, ClientInfo, DailyUsage, Page,
    PageRequest, Principal, Profile, ProfilePatch, SessionInfo, TokenPair, UsageEvent,
};
use crate::storage::{CatalogSort, ReviewSort};

/// Where the components live in an OpenAPI document; `$ref`s point below it.
const COMPONENTS_PATH: &str = "/components/schemas";

/// Every component schema, by name: the request and answer types of the
/// services, the types they contain, and the enumerations. See the
/// [module documentation](self) for the naming and shape rules.
///
/// Built anew on each call (a few hundred microseconds); callers that serve
/// it repeatedly keep their own copy.
pub fn components() -> Map<String, Value> {
    let mut answers = generator(Contract::Serialize);
    answers.subschema_for::<Registered>();
    answers.subschema_for::<TokenPair>();
    answers.subschema_for::<Profile>();
    answers.subschema_for::<Principal>();
    answers.subschema_for::<Page<SessionInfo>>();
    answers.subschema_for::<Page<AuditRecord>>();
    answers.subschema_for::<AgentDraftView>();
    answers.subschema_for::<Page<MyAgent>>();
    answers.subschema_for::<VersionView>();
    answers.subschema_for::<Page<VersionView>>();
    answers.subschema_for::<AgentCard>();
    answers.subschema_for::<Preview>();
    answers.subschema_for::<AgentVersion>();
    answers.subschema_for::<Page<AgentListItem>>();
    answers.subschema_for::<AgentDetail>();
    answers.subschema_for::<InstallResult>();
    answers.subschema_for::<Page<InstalledAgent>>();
    answers.subschema_for::<Page<ReviewView>>();
    answers.subschema_for::<UsageEvent>();
    answers.subschema_for::<Page<DailyUsage>>();
    answers.subschema_for::<Agent>();
    answers.subschema_for::<FieldError>();
    answers.subschema_for::<ErrorCode>();

    let mut requests = generator(Contract::Deserialize);
    requests.subschema_for::<RegisterRequest>();
    requests.subschema_for::<LoginRequest>();
    requests.subschema_for::<ExternalIdentity>();
    requests.subschema_for::<ProfilePatch>();
    requests.subschema_for::<ClientInfo>();
    requests.subschema_for::<PageRequest>();
    requests.subschema_for::<AuditFilter>();
    requests.subschema_for::<AdminUserUpdate>();
    requests.subschema_for::<AgentRef>();
    requests.subschema_for::<AgentDefinition>();
    requests.subschema_for::<CreateAgent>();
    requests.subschema_for::<DraftPatch>();
    requests.subschema_for::<PreviewRequest>();
    requests.subschema_for::<PublishRequest>();
    requests.subschema_for::<StatusChange>();
    requests.subschema_for::<ListAgents>();
    requests.subschema_for::<CatalogSort>();
    requests.subschema_for::<ReviewSort>();
    requests.subschema_for::<InstallRequest>();
    requests.subschema_for::<RateRequest>();
    requests.subschema_for::<ListReviews>();
    requests.subschema_for::<UsageRequest>();
    requests.subschema_for::<UsageQuery>();
    requests.subschema_for::<Moderation>();

    let mut all = answers.take_definitions(true);
    // A type used both ways keeps its request form: it accepts every answer too.
    all.extend(requests.take_definitions(true));
    for schema in all.values_mut() {
        tidy(schema);
    }
    all
}

fn generator(contract: Contract) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = COMPONENTS_PATH.into();
            s.meta_schema = None;
            s.contract = contract;
        })
        .into_generator()
}

/// Turns `oneOf` lists of documented string constants into one `enum` (what
/// clients and form builders read) and strips rustdoc links from descriptions.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(text)) = map.get_mut("description") {
                *text = plain_text(text);
            }
            let constants: Option<Vec<Value>> = map.get("oneOf").and_then(Value::as_array).and_then(|options| {
                options.iter().map(|o| o.get("const").filter(|c| c.is_string()).cloned()).collect()
            });
            if let Some(constants) = constants {
                map.remove("oneOf");
                map.insert("type".into(), "string".into());
                map.insert("enum".into(), Value::Array(constants));
            }
            map.values_mut().for_each(tidy);
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// Rustdoc link syntax to plain text: ``[`X`](path)`` and ``[`X`]`` become
/// `` `X` ``, `[text](path)` becomes `text`. Other brackets (regular
/// expressions in code spans, `[0]`) stay as they are.
fn plain_text(doc: &str) -> String {
    let mut out = String::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let link = after.find(']').map(|close| (&after[..close], &after[close + 1..])).filter(|(text, tail)| {
            let code = text.len() >= 2
                && text.starts_with('`')
                && text.ends_with('`')
                && !text[1..text.len() - 1].contains('`');
            code || (tail.starts_with('(') && tail.contains(')') && !text.contains('`'))
        });
        match link {
            Some((text, tail)) => {
                out.push_str(text);
                rest = match tail.strip_prefix('(').and_then(|t| t.find(')').map(|end| &t[end + 1..])) {
                    Some(after_target) => after_target,
                    None => tail,
                };
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // Paths inside the crate mean nothing to a client: `crate::X::y` is `X::y`.
    out.replace("`crate::", "`")
}

/// The `MimeType` component: the allow-list of [`ALLOWED_MODES`] as a string
/// enum. Only a schema: the Rust fields are `String`s checked against the list.
pub(crate) struct MimeType;

impl JsonSchema for MimeType {
    fn schema_name() -> Cow<'static, str> {
        "MimeType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A MIME type from the allow-list an agent may declare as an input or output mode.",
            "enum": ALLOWED_MODES,
        })
    }
}

/// `^[a-z0-9][<rest>]{min,max}$`: the shape of slugs, handles, tags and ids.
fn lower_pattern(rest: &str, min: usize, total_max: usize) -> String {
    format!("^[a-z0-9][{rest}]{{{min},{}}}$", total_max - 1)
}

/// Agent slugs (see [`crate::agents::is_valid_slug`]).
pub(crate) fn slug_pattern() -> String {
    lower_pattern("a-z0-9-", 1, MAX_SLUG_LEN)
}

/// Skill ids (see [`crate::agents::is_valid_skill_id`]).
pub(crate) fn skill_id_pattern() -> String {
    lower_pattern("a-z0-9_-", 0, MAX_SKILL_ID_LEN)
}

/// Categories and agent tags (see [`crate::agents::is_valid_tag`]).
pub(crate) fn tag_pattern() -> String {
    lower_pattern("a-z0-9-", 0, MAX_TAG_LEN)
}

/// Handles, as stored (requests are lower-cased and trimmed first).
pub(crate) fn handle_pattern() -> String {
    lower_pattern("a-z0-9-", 1, MAX_HANDLE_LEN)
}

/// Usage event names.
pub(crate) fn usage_event_pattern() -> String {
    lower_pattern("a-z0-9._-", 0, MAX_USAGE_EVENT_LEN)
}

/// RFC 3339 date-times as agentmart parses them: a `T`, seconds, an optional
/// fraction and a `Z` or numeric offset. Narrower than the `date-time`
/// format, whose generators also produce forms the parser refuses.
pub(crate) const RFC3339_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_drops_rustdoc_links() {
        assert_eq!(plain_text("see [`Page`] and [`X::y`](crate::X::y)."), "see `Page` and `X::y`.");
        assert_eq!(plain_text("the [module documentation](self)"), "the module documentation");
        assert_eq!(plain_text("What [`crate::MarketService::rate`] takes."), "What `MarketService::rate` takes.");
        assert_eq!(plain_text("a [dangling"), "a [dangling");
        assert_eq!(plain_text("index [0] of `^[a-z0-9][a-z_-]{0,63}$`"), "index [0] of `^[a-z0-9][a-z_-]{0,63}$`");
    }

    #[test]
    fn patterns_follow_the_limits() {
        assert_eq!(slug_pattern(), "^[a-z0-9][a-z0-9-]{1,62}$");
        assert_eq!(skill_id_pattern(), "^[a-z0-9][a-z0-9_-]{0,63}$");
        assert_eq!(tag_pattern(), "^[a-z0-9][a-z0-9-]{0,31}$");
        assert_eq!(handle_pattern(), "^[a-z0-9][a-z0-9-]{1,30}$");
        assert_eq!(usage_event_pattern(), "^[a-z0-9][a-z0-9._-]{0,63}$");
    }

    #[test]
    fn every_ref_resolves_and_enums_are_plain() {
        let all = components();
        fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        out.push(r);
                    }
                    map.values().for_each(|v| refs(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        all.values().for_each(|v| refs(v, &mut found));
        assert!(!found.is_empty());
        for r in found {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r} is not a component ref"));
            assert!(all.contains_key(name), "{r} resolves");
        }
        for name in ["AgentStatus", "Role", "CatalogSort", "ReviewSort", "ErrorCode", "MimeType"] {
            assert!(all[name]["enum"].is_array(), "{name} is a plain enum: {}", all[name]);
        }
        let codes: Vec<&str> =
            all["ErrorCode"]["enum"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        let expected: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, expected);
    }
}
