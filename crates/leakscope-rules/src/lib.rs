//! Leak classification: which decoded values are leaks, of what kind, and how bad.
//!
//! Rules are **data**. Each rule is a TOML table with an id, a [`Category`] from the fixed
//! vocabulary, a [`Severity`], the field names it applies to, a pattern the value must match,
//! optional named validators (a Luhn check, "is this truthy"), and its own examples and
//! counterexamples. The built-in pack lives in `rules/*.toml` and is compiled into the binary;
//! users add their own files with the same format.
//!
//! ```toml
//! [[rule]]
//! id = "private-mode.flag"
//! category = "private-mode"
//! severity = "high"
//! description = "The request says it was made in incognito / private mode."
//! keys = ["incognito", "is_incognito", "private_mode"]
//! validators = ["truthy"]
//! examples = [{ key = "incognito", value = "true" }]
//! negative_examples = [{ key = "incognito", value = "false" }]
//! ```
//!
//! An [`Engine`] compiles a [`RuleSet`] once: rules that name keys are indexed by their
//! [normalised](normalize_key) key, so checking a value costs one hash lookup plus the few rules
//! that apply; rules without keys (value shapes such as an IMEI) run on every value. Every rule's
//! examples are checked by [`RuleSet::check_examples`], which a test runs on the built-in pack, so
//! a rule cannot ship untested.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

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
