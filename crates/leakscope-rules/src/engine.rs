//! The engine: rules compiled for fast matching.

use rustc_hash::{FxHashMap, FxHashSet};

use regex::Regex;

use crate::key::{SHORT_KEY, normalize_any, normalize_short_ascii};
use crate::{Rule, RuleSet, normalize_key};

/// A decoded value to classify: its nearest field name and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The field name, as found (not normalised).
    pub key: Option<&'a str>,
    /// The value as text.
    pub value: &'a str,
    /// The value is a query parameter of a URL found inside another value (see
    /// [`Rule::in_page_urls`]).
    pub in_page_url: bool,
}

/// A rule that matched a candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<'r> {
    /// The rule (id, category, severity, description).
    pub rule: &'r Rule,
}

/// Something that looks at one decoded value and reports the rules it matches.
pub trait Detector {
    /// Push a [`Hit`] into `hits` for every rule `candidate` matches.
    fn detect<'s>(&'s self, candidate: &Candidate<'_>, hits: &mut Vec<Hit<'s>>);
}

#[derive(Debug)]
struct CompiledRule {
    rule: Rule,
    value: Option<LazyRegex>,
    not_value: Option<LazyRegex>,
    /// The shortest and longest text `value` can match, in bytes: a value outside is refused
    /// without running the regex (rules without keys see every value, and most are too short
    /// or too long for an e-mail address or an IMEI).
    lengths: (usize, usize),
}

/// A rule's pattern, compiled when a value first reaches it. A pattern that does not compile
/// (the rule set checks them when it is loaded) matches nothing.
#[derive(Debug)]
struct LazyRegex {
    pattern: String,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn new(pattern: &str) -> Self {
        LazyRegex {
            pattern: pattern.to_owned(),
            compiled: std::sync::OnceLock::new(),
        }
    }

    fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| crate::rule::compile_pattern(&self.pattern).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(value))
    }
}

/// The bytes a pattern's matches span, at least and at most (`usize::MAX`: no bound); `(0,
/// usize::MAX)` when the pattern cannot be read.
fn match_lengths(pattern: &str) -> (usize, usize) {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return (0, usize::MAX);
    };
    let properties = hir.properties();
    // Unanchored patterns match inside longer values: only the lower bound holds for them.
    let anchored = properties
        .look_set_prefix()
        .contains(regex_syntax::hir::Look::Start)
        && properties
            .look_set_suffix()
            .contains(regex_syntax::hir::Look::End);
    let min = properties.minimum_len().unwrap_or(0);
    let max = match properties.maximum_len() {
        Some(max) if anchored => max,
        _ => usize::MAX,
    };
    (min, max)
}

impl CompiledRule {
    fn matches(&self, value: &str) -> bool {
        (self.lengths.0..=self.lengths.1).contains(&value.len())
            && self.value.as_ref().is_none_or(|re| re.is_match(value))
            && !self.not_value.as_ref().is_some_and(|re| re.is_match(value))
            && self.rule.validators.iter().all(|v| v.check(value))
    }
}

/// A [`RuleSet`] compiled for matching. Keyed rules are found by one hash lookup of the
/// normalised key; keyless rules run on every value.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    by_key: FxHashMap<String, Vec<usize>>,
    keyless: Vec<usize>,
    /// Normalised keys of per-request values (`rules/per-request-ids.toml`).
    per_request: FxHashSet<String>,
}

impl Engine {
    /// Compile a rule set. Patterns were validated when the set was loaded.
    pub fn new(set: RuleSet) -> Engine {
        let mut rules = Vec::new();
        let mut by_key: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut keyless = Vec::new();
        for (index, rule) in set.rules().iter().cloned().enumerate() {
            if rule.keys.is_empty() {
                keyless.push(index);
            }
            for key in &rule.keys {
                let slot = by_key.entry(normalize_key(key)).or_default();
                if !slot.contains(&index) {
                    slot.push(index);
                }
            }
            let compile = |p: &Option<String>| p.as_deref().map(LazyRegex::new);
            rules.push(CompiledRule {
                value: compile(&rule.value),
                not_value: compile(&rule.not_value),
                lengths: rule.value.as_deref().map_or((0, usize::MAX), match_lengths),
                rule,
            });
        }
        Engine {
            rules,
            by_key,
            keyless,
            per_request: crate::per_request_id_keys(),
        }
    }

    /// The engine over the built-in rule pack.
    pub fn builtin() -> Engine {
        // The built-in pack is checked by this crate's tests; a failure here is a build defect.
        Engine::new(RuleSet::builtin().unwrap_or_default())
    }

    /// The rules, in load order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// The rules for `key`, and whether it names a per-request value.
    fn keyed(&self, key: &str) -> (&[usize], bool) {
        // One normalisation per leaf: short ASCII keys are normalised on the stack.
        let mut buffer = [0u8; SHORT_KEY];
        let owned;
        let normalized = match normalize_short_ascii(key, &mut buffer) {
            Some(short) => short,
            None => {
                owned = normalize_any(key);
                owned.as_str()
            }
        };
        let per_request = self.per_request.contains(normalized);
        if let Some(rules) = self.by_key.get(normalized) {
            return (rules, per_request);
        }
        // Namespaced keys (`ep.search_term`, `properties.$model`): try the last segment.
        let rules = match normalized.rsplit_once('.') {
            Some((_, last)) => self.by_key.get(last).map_or(&[][..], Vec::as_slice),
            None => &[],
        };
        (rules, per_request)
    }

    /// [`Detector::detect`], and whether the candidate's key names a per-request value (a
    /// request or event id, a nonce, a cache buster: the list is data,
    /// `rules/per-request-ids.toml`), with the key normalised once for both.
    pub fn detect_and_classify<'s>(
        &'s self,
        candidate: &Candidate<'_>,
        hits: &mut Vec<Hit<'s>>,
    ) -> bool {
        let (keyed, per_request) = candidate
            .key
            .map_or((&[][..], false), |key| self.keyed(key));
        for &index in keyed.iter().chain(&self.keyless) {
            let compiled = &self.rules[index];
            if candidate.in_page_url && !compiled.rule.in_page_urls {
                continue;
            }
            if compiled.matches(candidate.value) {
                hits.push(Hit {
                    rule: &compiled.rule,
                });
            }
        }
        per_request
    }
}

impl Detector for Engine {
    fn detect<'s>(&'s self, candidate: &Candidate<'_>, hits: &mut Vec<Hit<'s>>) {
        self.detect_and_classify(candidate, hits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(engine: &Engine, key: Option<&str>, value: &str) -> Vec<String> {
        let mut hits = Vec::new();
        engine.detect(
            &Candidate {
                key,
                value,
                in_page_url: false,
            },
            &mut hits,
        );
        hits.iter().map(|h| h.rule.id.clone()).collect()
    }

    #[test]
    fn patterns_bound_the_lengths_they_match() {
        assert_eq!(match_lengths(r"^(?-u:\d){15}$"), (15, 15));
        assert_eq!(
            match_lengths(r"^\d{15}$"),
            (15, 60),
            "a Unicode digit is up to 4 bytes"
        );
        assert_eq!(match_lengths(r"^[a-f0-9]{16}$"), (16, 16));
        assert_eq!(match_lengths(r"\d{15}"), (15, usize::MAX), "unanchored");
        assert_eq!(match_lengths(r"^a+$"), (1, usize::MAX));
        assert_eq!(match_lengths(r"^(ab|c)$"), (1, 2));
        assert_eq!(match_lengths(r"^(?:x|é)$"), (1, 2), "bytes, not chars");
        assert_eq!(match_lengths("("), (0, usize::MAX));
    }

    #[test]
    fn keys_match_in_every_spelling() {
        let engine = Engine::builtin();
        for key in ["$model", "model", "MODEL", "device_model", "deviceModel"] {
            assert_eq!(
                ids(&engine, Some(key), "Redmi Note 8 Pro"),
                ["fingerprint.device-model"],
                "{key}"
            );
        }
        assert_eq!(
            ids(&engine, Some("ep.search_term"), "cheap flights"),
            ["search.query-field"]
        );
    }

    #[test]
    fn a_page_url_parameter_is_not_a_device_attribute_but_still_a_search() {
        let engine = Engine::builtin();
        let in_url = |key, value| {
            let mut hits = Vec::new();
            engine.detect(
                &Candidate {
                    key: Some(key),
                    value,
                    in_page_url: true,
                },
                &mut hits,
            );
            hits.iter().map(|h| h.rule.id.clone()).collect::<Vec<_>>()
        };
        assert!(in_url("lang", "en").is_empty());
        assert_eq!(in_url("q", "cheap flights"), ["search.query-field"]);
    }

    #[test]
    fn decoys_are_not_reported() {
        let engine = Engine::builtin();
        for (key, value) in [
            ("$lib_version", "4.3.4"),
            ("$app_version", "12.10.1-gn"),
            ("_track_id", "1934012784"),
            ("crc", "-1094706522"),
            ("request_id", "5b1c7a4e-2d7f-4f4e-9a3b-6f1d2c3b4a59"),
            ("sign", "9e107d9d372bb6826bd81d3542a419d6"),
            ("image_url", "https://cdn.example.com/a.png"),
            ("time", "1588155300000"),
        ] {
            assert!(ids(&engine, Some(key), value).is_empty(), "{key}={value}");
        }
    }
}
