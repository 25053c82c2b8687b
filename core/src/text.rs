//! Text normalisation for full-text search, shared by every backend.
//!
//! A *word* is a maximal run of alphanumeric characters (Unicode), lower-cased.
//! Search matches whole words: a query term matches an agent when the same
//! word occurs in its name, tagline, description, skills (name, description,
//! tags) or tags.

use std::collections::BTreeMap;

use crate::model::AgentDefinition;

/// Longest word kept; longer runs are cut (they are never useful search terms).
pub const MAX_WORD_LEN: usize = 64;
/// Most terms taken from one query.
pub const MAX_QUERY_TERMS: usize = 16;

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
