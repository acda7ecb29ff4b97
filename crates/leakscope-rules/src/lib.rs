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
mod engine;
mod key;
mod rule;
mod validators;

pub use category::{Category, Severity};
pub use engine::{Candidate, Detector, Engine, Hit};
pub use key::normalize_key;
pub use rule::{Example, ExampleFailure, Rule, RuleError, RuleSet};
pub use validators::Validator;

/// Whether `key` names a per-request value (a request or event id, a nonce, a cache buster):
/// never a leak itself, but what tells one request from the next for linkage. The list is
/// data: `rules/per-request-ids.toml`.
pub fn is_per_request_id_key(key: &str) -> bool {
    let keys = per_request_id_keys();
    match key::normalize_short_ascii(key, &mut [0; key::SHORT_KEY]) {
        Some(short) => keys.contains(short),
        None => keys.contains(&normalize_key(key)),
    }
}

/// The normalised per-request keys, parsed once (the file is tested, so it parses).
fn per_request_id_keys() -> &'static std::collections::HashSet<String> {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    #[derive(serde::Deserialize)]
    struct File {
        keys: Vec<String>,
    }
    static KEYS: OnceLock<HashSet<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        toml::from_str::<File>(include_str!("../rules/per-request-ids.toml"))
            .map(|file| file.keys.iter().map(|k| normalize_key(k)).collect())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod per_request_id_tests {
    use super::*;

    #[test]
    fn per_request_id_keys_are_data() {
        assert!(is_per_request_id_key("request_id"));
        assert!(is_per_request_id_key("requestId"));
        assert!(is_per_request_id_key("_track_id"));
        assert!(!is_per_request_id_key("distinct_id"));
        let parsed: toml::Value = toml::from_str(include_str!("../rules/per-request-ids.toml"))
            .expect("the per-request id list parses");
        assert!(parsed["keys"].as_array().is_some_and(|k| k.len() > 10));
    }
}
