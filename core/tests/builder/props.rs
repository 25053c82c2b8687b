//! Property tests: version ordering and definition limits.

use super::*;
use proptest::prelude::*;

fn version_strategy() -> impl Strategy<Value = semver::Version> {
    (0u64..3, 0u64..3, 0u64..3, proptest::option::of(prop_oneof![Just("alpha"), Just("beta"), Just("rc.1")])).prop_map(
        |(ma, mi, pa, pre)| {
            let mut v = semver::Version::new(ma, mi, pa);
            if let Some(pre) = pre {
                v.pre = semver::Prerelease::new(pre).unwrap();
            }
            v
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A publish succeeds exactly when its version is above every earlier
    /// success; a repeat is `version_exists`, anything else lower `not_increasing`.
    #[test]
    fn publish_accepts_exactly_the_rising_versions(versions in proptest::collection::vec(version_strategy(), 1..12)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let w = world();
            let alice = w.user("alice", Role::User).await;
            let r = AgentRef::new("alice", "summarizer");
            create(&w, &alice, "summarizer", full_definition()).await;
            let mut accepted: Vec<semver::Version> = Vec::new();
            for v in versions {
                let result = w.mart.agents().publish(&alice, &r, publish_req(&v.to_string())).await;
                let max = accepted.iter().max().cloned();
                if max.as_ref().is_none_or(|m| &v > m) {
                    prop_assert!(result.is_ok(), "{v} should be accepted after {max:?}");
                    accepted.push(v);
                } else if accepted.contains(&v) {
                    prop_assert_eq!(result.unwrap_err().code(), ErrorCode::VersionExists);
                } else {
                    let err = result.unwrap_err();
                    prop_assert_eq!(fields(&err), set(&[("version", "not_increasing")]));
                }
            }
            let listed: Vec<_> = w.mart.agents().versions(None, &r).await.unwrap().into_iter().map(|v| v.version).collect();
            accepted.reverse();
            prop_assert_eq!(listed, accepted);
            Ok(())
        })?;
    }

    /// Each text limit holds at exactly its length and fails one character
    /// beyond it (characters, not bytes: multi-byte text counts the same).
    #[test]
    fn text_limits_hold_at_the_boundary(ch in prop_oneof![Just('a'), Just('é'), Just('語'), Just('🙂')], which in 0usize..9) {
        let s = |n: usize| std::iter::repeat_n(ch, n).collect::<String>();
        type Setter = fn(&mut AgentDefinition, String);
        let cases: [(&str, usize, Setter); 9] = [
            ("name", 100, |d, v| d.name = v),
            ("tagline", 100, |d, v| d.tagline = v),
            ("description", 2000, |d, v| d.description = v),
            ("system_prompt", 32_000, |d, v| d.system_prompt = v),
            ("skills[0].name", 100, |d, v| d.skills[0].name = v),
            ("skills[0].description", 1000, |d, v| d.skills[0].description = v),
            ("skills[0].examples[0]", 500, |d, v| d.skills[0].examples[0] = v),
            ("conversation_starters[0]", 200, |d, v| d.conversation_starters[0] = v),
            ("skills[0].tags[0]", 32, |d, v| d.skills[0].tags[0] = v),
        ];
        let (field, limit, setter) = cases[which];
        let mut at = full_definition();
        setter(&mut at, s(limit));
        prop_assert_eq!(validate_definition(&at, true), vec![]);
        let mut over = full_definition();
        setter(&mut over, s(limit + 1));
        let errs = fields_of(&validate_definition(&over, true));
        prop_assert_eq!(errs, set(&[(field, "too_long")]));
    }

    /// List limits: exactly at the maximum passes, one more is `too_many`.
    #[test]
    fn list_limits_hold_at_the_boundary(which in 0usize..5) {
        let cases: [(&str, usize); 5] =
            [("skills", 32), ("conversation_starters", 6), ("tags", 10), ("skills[0].tags", 10), ("skills[0].examples", 10)];
        let (field, limit) = cases[which];
        let build = |n: usize| {
            let mut d = full_definition();
            match which {
                0 => d.skills = (0..n).map(|i| Skill { id: format!("s{i}"), name: "S".into(), ..Default::default() }).collect(),
                1 => d.conversation_starters = (0..n).map(|i| format!("hi {i}")).collect(),
                2 => d.tags = (0..n).map(|i| format!("t{i}")).collect(),
                3 => d.skills[0].tags = (0..n).map(|i| format!("t{i}")).collect(),
                _ => d.skills[0].examples = (0..n).map(|i| format!("e{i}")).collect(),
            }
            d
        };
        prop_assert_eq!(validate_definition(&build(limit), true), vec![]);
        prop_assert_eq!(fields_of(&validate_definition(&build(limit + 1), true)), set(&[(field, "too_many")]));
    }

    /// Numeric ranges of the model settings.
    #[test]
    fn model_ranges(t in -1.0f64..3.0, n in 0u32..2_000_000) {
        let mut d = full_definition();
        d.model = Some(ModelSettings { name: "m".into(), temperature: Some(t), max_tokens: Some(n) });
        let mut want = Vec::new();
        if !(0.0..=2.0).contains(&t) { want.push(("model.temperature", "out_of_range")); }
        if !(1..=1_000_000).contains(&n) { want.push(("model.max_tokens", "out_of_range")); }
        prop_assert_eq!(fields_of(&validate_definition(&d, true)), set(&want));
    }
}
