//! The Node mirrors against core's schemas: every interface and string union
//! of the generated `binding.d.ts` is compared with
//! `agentmart_core::schema::components()`, so a field or enum value added to
//! (or removed from) a core type and not to its mirror in `src/types/` fails
//! here, as does a mirror field core lacks.
//!
//! `binding.d.ts` is what `npm run build` generates from the mirror structs,
//! and `scripts/test.sh` fails when a build changes the committed file; this
//! test reads the committed file, so it runs in `cargo test --workspace`
//! without Node. The chain is: mirror structs → `binding.d.ts` (test.sh) →
//! core's schemas (this test).
//!
//! The comparison is by key: a core property `snake_case` (or a camelCase
//! one, as the A2A card's) must be the camelCased key of the Node interface,
//! and a string enum's values must be the union's, in the same order; a key
//! core requires may not be optional (`key?:`) in TypeScript. Every
//! Node declaration is either paired with a component ([`MIRRORS`], or the
//! same name) or listed in [`NODE_ONLY`]; every component is mirrored or
//! listed in [`NOT_MIRRORED`], each with its reason. A stale entry in those
//! tables fails too.

use std::collections::{BTreeMap, BTreeSet};

/// Property name → whether it may be absent (`key?:` in TypeScript, not in
/// `required` in JSON Schema).
type Props = BTreeMap<String, bool>;

use serde_json::{Map, Value};

/// Node interface → the core component it mirrors, where the names differ
/// (several Node shapes may mirror one component: the request and answer
/// forms of `Skill` and `ModelSettings`).
const MIRRORS: &[(&str, &str)] = &[
    ("AgentDraft", "AgentDraftView"),
    ("AgentListPage", "AgentListItemPage"),
    ("AuditPage", "AuditRecordPage"),
    ("ChatCompletion", "ChatResponse"),
    ("ModelSettingsInput", "ModelSettings"),
    ("PrincipalInfo", "Principal"),
    ("Review", "ReviewView"),
    ("ReviewPage", "ReviewViewPage"),
    ("SkillInput", "Skill"),
];

/// Node declarations with no core component, and why.
const NODE_ONLY: &[(&str, &str)] = &[
    ("ConfigOptions", "the host's configuration (core `Config`), not a request or answer"),
    ("HashingOptions", "part of ConfigOptions"),
    ("JwtAlgorithm", "part of ConfigOptions"),
    ("JwtKeyOptions", "part of ConfigOptions"),
    ("OpenOptions", "arguments of `Agentmart.open`"),
    ("PasswordPolicyOptions", "part of ConfigOptions"),
    ("ThrottleOptions", "part of ConfigOptions"),
    ("Message", "what `onMessage` receives (core `notify::Message`), not a service answer"),
    ("MessageKind", "part of Message"),
];

/// Core components with no Node interface, and why.
const NOT_MIRRORED: &[(&str, &str)] = &[
    ("SemVer", "a version is a string in Node"),
    ("MimeType", "a MIME type is a string in Node"),
    ("AgentId", "an id is a string in Node"),
    ("AuditId", "an id is a string in Node"),
    ("ReviewId", "an id is a string in Node"),
    ("SessionId", "an id is a string in Node"),
    ("UserId", "an id is a string in Node"),
    ("SessionInfoPage", "`auth.sessions` answers an array"),
    ("MyAgentPage", "`agents.myAgents` answers an array"),
    ("VersionViewPage", "`agents.versions` answers an array"),
    ("DailyUsagePage", "`market.usage` answers an array"),
];

/// Keys a Node shape may leave out although core's component requires them,
/// and why: a shape JavaScript hands to core that core's schema shows in its
/// serialized (answer) form.
const MAY_BE_ABSENT: &[(&str, &str, &str)] = &[(
    "ChatCompletion",
    "model",
    "a model provider's answer is read into core's ChatResponse, where a missing `model` is None",
)];

/// A Node declaration of `binding.d.ts`.
#[derive(Debug, Clone, PartialEq)]
enum Decl {
    /// `export interface X { ... }`: the properties.
    Interface(Props),
    /// `export type X = 'a' | 'b'`: the values, in order.
    Union(Vec<String>),
}

/// The interfaces and string-literal unions of a generated `.d.ts`.
fn parse_dts(text: &str) -> BTreeMap<String, Decl> {
    let mut decls = BTreeMap::new();
    let mut open: Option<(String, Props)> = None;
    for line in text.lines() {
        if let Some((name, props)) = open.as_mut() {
            if line.starts_with('}') {
                decls.insert(std::mem::take(name), Decl::Interface(std::mem::take(props)));
                open = None;
                continue;
            }
            let item = line.trim_start();
            if item.starts_with("/*") || item.starts_with('*') || item.is_empty() {
                continue; // doc comments
            }
            let (key, _) = item.split_once(':').unwrap_or_default();
            let (key, optional) = match key.strip_suffix('?') {
                Some(key) => (key, true),
                None => (key, false),
            };
            assert!(
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "unexpected line in interface {name}: {line:?}"
            );
            props.insert(key.to_string(), optional);
        } else if let Some(rest) = line.strip_prefix("export interface ") {
            let name = rest.trim_end_matches('{').trim().to_string();
            open = Some((name, Props::new()));
        } else if let Some(rest) = line.strip_prefix("export type ") {
            let Some((name, values)) = rest.split_once('=') else { continue };
            let values: Option<Vec<String>> = values
                .split('|')
                .map(|v| v.trim().strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).map(str::to_string))
                .collect();
            if let Some(values) = values {
                decls.insert(name.trim().to_string(), Decl::Union(values));
            }
        }
    }
    assert!(open.is_none(), "unterminated interface in the .d.ts");
    decls
}

/// `snake_case` → `camelCase` (napi's rule; camelCase keys stay as they are).
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A component as a Node declaration: an object's camelCased property names
/// (following `allOf` and `$ref`, which is how a flattened field appears), or
/// a string enum's values. `None` for any other schema.
fn core_decl(components: &Map<String, Value>, schema: &Value) -> Option<Decl> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<_>>().map(Decl::Union);
    }
    let mut props = Props::new();
    collect_properties(components, schema, &mut props);
    (!props.is_empty()).then_some(Decl::Interface(props))
}

fn collect_properties(components: &Map<String, Value>, schema: &Value, out: &mut Props) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let required = schema.get("required").and_then(Value::as_array);
        for key in props.keys() {
            let optional = !required.is_some_and(|r| r.iter().any(|k| k.as_str() == Some(key)));
            out.insert(camel(key), optional);
        }
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target.rsplit('/').next().unwrap_or_default();
        if let Some(referenced) = components.get(name) {
            collect_properties(components, referenced, out);
        }
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        collect_properties(components, part, out);
    }
}

/// Every disagreement between the Node declarations and core's components,
/// as one human-readable line each (empty when they agree).
fn mismatches(dts: &BTreeMap<String, Decl>, components: &Map<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let renamed: BTreeMap<&str, &str> = MIRRORS.iter().copied().collect();
    let node_only: BTreeMap<&str, &str> = NODE_ONLY.iter().copied().collect();
    let not_mirrored: BTreeMap<&str, &str> = NOT_MIRRORED.iter().copied().collect();
    let mut mirrored = BTreeSet::new();

    for (node, decl) in dts {
        if node_only.contains_key(node.as_str()) {
            if components.contains_key(node) {
                problems.push(format!("{node} is listed as Node-only but core has a component of that name"));
            }
            continue;
        }
        let core = renamed.get(node.as_str()).copied().unwrap_or(node);
        let Some(schema) = components.get(core) else {
            problems.push(format!(
                "Node declares {node} but core has no component {core}: pair it in MIRRORS or list it in NODE_ONLY"
            ));
            continue;
        };
        mirrored.insert(core.to_string());
        match (core_decl(components, schema), decl) {
            (Some(Decl::Interface(want)), Decl::Interface(have)) => {
                for missing in want.keys().filter(|k| !have.contains_key(*k)) {
                    problems.push(format!("{node} lacks `{missing}`, a field of core's {core}"));
                }
                for extra in have.keys().filter(|k| !want.contains_key(*k)) {
                    problems.push(format!("{node} has `{extra}`, which core's {core} does not"));
                }
                // A key core always needs (or always sends) may not be optional in
                // TypeScript. The converse is allowed: Node answers declare every
                // key, `null` when absent.
                let excused = |key: &str| MAY_BE_ABSENT.iter().any(|(n, k, _)| n == node && *k == key);
                for (key, may_be_absent) in &want {
                    if !may_be_absent && have.get(key) == Some(&true) && !excused(key) {
                        problems.push(format!("{node} makes `{key}` optional, but core's {core} requires it"));
                    }
                }
            }
            (Some(Decl::Union(want)), Decl::Union(have)) if &want != have => {
                problems.push(format!("{node} is {have:?} but core's {core} is {want:?}"));
            }
            (Some(Decl::Union(_)), Decl::Union(_)) => {}
            (want, _) => problems.push(format!("{node} and core's {core} differ in kind: {decl:?} vs {want:?}")),
        }
    }
    for name in components.keys() {
        if !mirrored.contains(name) && !not_mirrored.contains_key(name.as_str()) {
            problems.push(format!("core's {name} has no Node mirror: add one or list it in NOT_MIRRORED"));
        }
        if mirrored.contains(name) && not_mirrored.contains_key(name.as_str()) {
            problems.push(format!("core's {name} is mirrored but listed in NOT_MIRRORED"));
        }
    }
    for stale in node_only.keys().filter(|n| !dts.contains_key(**n)) {
        problems.push(format!("NODE_ONLY lists {stale}, which binding.d.ts does not declare"));
    }
    for (node, core) in MIRRORS {
        if !dts.contains_key(*node) {
            problems.push(format!("MIRRORS pairs {node} (absent from binding.d.ts) with {core}"));
        }
    }
    for (node, key, _) in MAY_BE_ABSENT {
        let optional = matches!(dts.get(*node), Some(Decl::Interface(props)) if props.get(*key) == Some(&true));
        if !optional {
            problems.push(format!("MAY_BE_ABSENT lists {node}.{key}, which binding.d.ts does not declare optional"));
        }
    }
    for stale in not_mirrored.keys().filter(|n| !components.contains_key(**n)) {
        problems.push(format!("NOT_MIRRORED lists {stale}, which core's components do not have"));
    }
    problems
}

fn committed_dts() -> BTreeMap<String, Decl> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/binding.d.ts");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    parse_dts(&text)
}

#[test]
fn node_mirrors_match_core_schemas() {
    let dts = committed_dts();
    let components = agentmart_core::schema::components();
    assert!(
        dts.len() > 50 && components.len() > 50,
        "parsed {} declarations, {} components",
        dts.len(),
        components.len()
    );
    let problems = mismatches(&dts, &components);
    assert!(
        problems.is_empty(),
        "the Node mirrors (bindings-node/src/types/, generated into binding.d.ts by `npm run build`) \
         disagree with agentmart_core::schema::components():\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn a_core_field_the_mirror_lacks_fails() {
    let dts = committed_dts();
    let mut components = agentmart_core::schema::components();
    components["Profile"]["properties"]
        .as_object_mut()
        .expect("Profile has properties")
        .insert("time_zone".into(), serde_json::json!({"type": "string"}));
    // A type mirrored twice (the request and answer forms of `Skill`) fails in both.
    components["Skill"]["properties"]
        .as_object_mut()
        .expect("Skill has properties")
        .insert("icon_url".into(), serde_json::json!({"type": "string"}));
    assert_eq!(
        mismatches(&dts, &components),
        [
            "Profile lacks `timeZone`, a field of core's Profile",
            "Skill lacks `iconUrl`, a field of core's Skill",
            "SkillInput lacks `iconUrl`, a field of core's Skill",
        ]
    );
}

#[test]
fn a_mirror_field_core_lacks_fails() {
    let mut dts = committed_dts();
    let Some(Decl::Interface(props)) = dts.get_mut("AgentDraft") else { panic!("AgentDraft is an interface") };
    props.insert("pricing".into(), false);
    let components = agentmart_core::schema::components();
    assert_eq!(mismatches(&dts, &components), ["AgentDraft has `pricing`, which core's AgentDraftView does not"]);
}

#[test]
fn a_different_enum_value_fails() {
    let dts = committed_dts();
    let mut components = agentmart_core::schema::components();
    components["CatalogSort"]["enum"].as_array_mut().expect("CatalogSort is an enum").push("cheapest".into());
    let problems = mismatches(&dts, &components);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("CatalogSort is [\"popular\""), "{problems:?}");
}

#[test]
fn a_new_core_type_or_node_type_without_a_pair_fails() {
    let mut dts = committed_dts();
    dts.insert("Webhook".into(), Decl::Interface(Props::from([("url".to_string(), false)])));
    let mut components = agentmart_core::schema::components();
    components.insert("Organization".into(), serde_json::json!({"type": "object", "properties": {"id": {}}}));
    components.remove("SemVer");
    assert_eq!(
        mismatches(&dts, &components),
        [
            "Node declares Webhook but core has no component Webhook: pair it in MIRRORS or list it in NODE_ONLY",
            "core's Organization has no Node mirror: add one or list it in NOT_MIRRORED",
            "NOT_MIRRORED lists SemVer, which core's components do not have",
        ]
    );
}

#[test]
fn dts_parsing_and_camel_case() {
    let decls = parse_dts(
        "/** doc */\nexport interface A {\n  /**\n   * multi\n   */\n  fooBar: string | null\n  baz?: number\n}\n\n\
         export type S = 'a_b' | 'c'\nexport declare function f(): Promise<void>\n",
    );
    assert_eq!(decls["A"], Decl::Interface(Props::from([("baz".to_string(), true), ("fooBar".to_string(), false)])));
    assert_eq!(decls["S"], Decl::Union(vec!["a_b".into(), "c".into()]));
    assert_eq!(decls.len(), 2);
    assert_eq!(camel("usage_30d"), "usage30d");
    assert_eq!(camel("status_message"), "statusMessage");
    assert_eq!(camel("pushNotifications"), "pushNotifications");
}

#[test]
fn a_field_core_requires_but_the_mirror_makes_optional_fails() {
    let dts = committed_dts();
    let mut components = agentmart_core::schema::components();
    let required = components["PublishRequest"]["required"].as_array_mut().expect("PublishRequest lists required keys");
    required.push("changelog".into());
    assert_eq!(
        mismatches(&dts, &components),
        ["PublishRequest makes `changelog` optional, but core's PublishRequest requires it"]
    );
}
