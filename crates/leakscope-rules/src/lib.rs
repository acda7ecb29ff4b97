//! Leak classification: which decoded values are leaks, of what kind, and how bad.
//!
//! Rules are **data**. Each rule is a TOML table with an id, a [`Category`] from the fixed
//! vocabulary, a [`Severity`], what it looks at, what the value must be, and its own examples
//! and counterexamples. The built-in pack lives in `rules/*.toml` (generic rules, for any
//! recipient) and `rules/trackers/*.toml` (one file per tracker, found by the build), and is
//! compiled into the binary; users add files of the same format.
//!
//! A rule looks at a leaf by its **key** (`keys`, compared after [`normalize_key`]) or by its
//! **place** (`fields`): a leaf's location such as `body form[extinfo] > json $[5]` reads as the
//! names and indexes it passed through, across every layer (`extinfo [5]`), and a pattern
//! (`extinfo[5]`, `device.id`, `ctx.*`, the protobuf field `#2.3`) matches a leaf whose names end
//! with the pattern's; indexes the pattern does not mention are passed over. The value must
//! match `value`, not match `not_value`, pass every named [`Validator`] and fit `min_len` and
//! `max_len`.
//!
//! A file may open with a `[tracker]` table naming a recipient (`domains`, `hosts` and `paths`
//! globs): its rules, and its `[[ignore]]` tables (fields that are not leaks there), apply only
//! to requests that go there. For such a request the tracker's entries that name a leaf decide
//! it in place of the generic rules that name leaves; the generic value-shape rules (an email,
//! an IMEI under any name) still look. A file's `[[example]]` tables are whole requests with the
//! leaks they must produce, run through the scanner by `leakscope rules check`.
//!
//! ```toml
//! [tracker]
//! name = "Microsoft Advertising UET"
//! domains = ["bing.com"]
//! hosts = ["bat.bing.com"]
//! references = ["https://help.ads.microsoft.com/#apex/ads/en/56686/2"]
//!
//! [[rule]]
//! id = "bing-uet.page-url"
//! category = "browsing-history"
//! severity = "high"
//! description = "UET receives the address of the page the user is on (`p`)."
//! keys = ["p"]
//! validators = ["url"]
//! examples = [{ key = "p", value = "https://www.example.org/plans" }]
//!
//! [[ignore]]
//! keys = ["kw"]
//! reason = "The page's meta keywords, not a search."
//! ```
//!
//! An [`Engine`] compiles a [`RuleSet`] once: rules by normalised key, field patterns by the
//! last name they match (one index for the generic rules and one per tracker), recipients by
//! domain, so that classifying a leaf costs a few hash lookups. [`RuleSet::check_examples`]
//! runs every rule's field examples (a test runs it on the built-in pack), a broken file is an
//! error naming its file and line, and the built-in pack never loads as empty.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// A built-in data file of `rules/` read by `$type::from_toml` the first time it is asked for
/// (a macro because `include_str!` takes only a literal). The files are compiled in and read by
/// this crate's tests: an error is a defect of the build, not of anything a user gave.
macro_rules! builtin_data {
    ($type:ty, $file:literal) => {{
        static ONCE: std::sync::OnceLock<$type> = std::sync::OnceLock::new();
        ONCE.get_or_init(|| {
            <$type>::from_toml(include_str!(concat!("../", $file)), $file)
                .unwrap_or_else(|e| panic!("built-in {}: {e}", $file))
        })
    }};
}

mod addressed;
mod category;
mod context;
mod engine;
mod fields;
mod headers;
mod key;
mod recipient;
mod rule;
mod validators;

pub use category::{Category, Severity};
pub use context::{ContextKeys, FieldSource, TypedKind};
pub use engine::{Candidate, Detector, Engine, FieldMatches, Hit};
pub use headers::{HeaderPolicy, HeaderPolicyError, HeaderRole};
pub use key::normalize_key;
pub use recipient::{Recipient, RecipientPattern, Scope};
pub use rule::{
    Example, ExampleFailure, ExpectedLeak, Ignore, RequestExample, Rule, RuleError, RuleSet,
    Tracker,
};
pub use validators::{Validator, looks_like_an_identifier};

/// The normalised keys of per-request values (request and event ids, nonces, cache busters):
/// never leaks themselves, but what tells one request from the next for linkage. The list is
/// data, `rules/per-request-ids.toml`, tested to parse; the engine reads it once.
fn per_request_id_keys() -> rustc_hash::FxHashSet<String> {
    #[derive(serde::Deserialize)]
    struct File {
        keys: Vec<String>,
    }
    toml::from_str::<File>(include_str!("../rules/per-request-ids.toml"))
        .map(|file| file.keys.iter().map(|k| normalize_key(k)).collect())
        // Compiled in and tested: a failure is a defect of the build, not of the input.
        .unwrap_or_else(|e| panic!("built-in per-request-ids.toml: {e}"))
}

#[cfg(test)]
mod per_request_id_tests {
    use super::*;

    #[test]
    fn per_request_id_keys_are_data() {
        let engine = Engine::builtin();
        let per_request = |key| {
            engine.detect_and_classify(
                &Candidate {
                    key: Some(key),
                    value: "5b1c7a4e-2d7f-4f4e-9a3b-6f1d2c3b4a59",
                    in_page_url: false,
                    location: None,
                },
                &mut Vec::new(),
            )
        };
        assert!(per_request("request_id"));
        assert!(per_request("requestId"));
        assert!(per_request("_track_id"));
        assert!(!per_request("distinct_id"));
        assert!(per_request_id_keys().len() > 10);
    }
}
