//! The rule model: what a rule file says, loading it, and checking its examples.

use std::collections::HashSet;

use serde::Deserialize;

use crate::{Candidate, Category, Detector, Engine, Severity, Validator};

/// One rule, as written in a rule file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique id, `<area>.<what>` (`history.url-field`); shown in every finding.
    pub id: String,
    /// What leaks when this rule matches.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// One sentence for a person: what the rule finds and why it is a leak.
    pub description: String,
    /// Field names the rule applies to, compared after [`normalize_key`](crate::normalize_key).
    /// A rule without keys looks at every value, so its pattern and validators must be strict.
    #[serde(default)]
    pub keys: Vec<String>,
    /// A regular expression the value must match (anywhere, unless anchored).
    #[serde(default)]
    pub value: Option<String>,
    /// A regular expression the value must not match.
    #[serde(default)]
    pub not_value: Option<String>,
    /// Named checks the value must also pass.
    #[serde(default)]
    pub validators: Vec<Validator>,
    /// Whether the rule also applies to the query parameters of a URL found inside a value.
    /// Those describe the page visited, not the device: `lang=en` in a page URL is not the
    /// device's language, but `q=` there is still a search and `uid=` still an identifier.
    #[serde(default)]
    pub in_page_urls: bool,
    /// Where to read more (SDK documentation, research).
    #[serde(default)]
    pub references: Vec<String>,
    /// Values the rule must report.
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Values the rule must not report (the false positives it was written to avoid).
    #[serde(default)]
    pub negative_examples: Vec<Example>,
}

/// A field as a rule example: its name (if any) and its value, after decoding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The field name.
    #[serde(default)]
    pub key: Option<String>,
    /// The value.
    pub value: String,
    /// Whether the value is a query parameter of a URL found inside another value.
    #[serde(default)]
    pub in_page_url: bool,
}

/// Why a rule file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file is not valid TOML for the rule format.
    #[error("{origin}: {message}")]
    Syntax {
        /// The file (or `built-in <name>`).
        origin: String,
        /// The TOML parser's message, with line and column.
        message: String,
    },
    /// Two rules share an id.
    #[error("{origin}: rule id `{id}` is defined twice")]
    DuplicateId {
        /// Where the second definition is.
        origin: String,
        /// The id.
        id: String,
    },
    /// A rule's pattern is not a valid regular expression.
    #[error("{origin}: rule `{id}`: bad pattern: {message}")]
    Pattern {
        /// The file.
        origin: String,
        /// The rule id.
        id: String,
        /// The regex compiler's message.
        message: String,
    },
    /// A rule has neither keys, a value pattern nor validators: it would match everything.
    #[error("{origin}: rule `{id}` has no keys, no value pattern and no validators")]
    MatchesEverything {
        /// The file.
        origin: String,
        /// The rule id.
        id: String,
    },
}

/// A rule example that did not behave as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The rule.
    pub rule: String,
    /// The example.
    pub example: Example,
    /// True for an example that was not reported, false for a negative example that was.
    pub expected_match: bool,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.expected_match {
            "example not matched"
        } else {
            "negative example matched"
        };
        write!(
            f,
            "rule `{}`: {what}: key {:?}, value {:?}",
            self.rule, self.example.key, self.example.value
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<Rule>,
}

/// The built-in rule files, compiled into the binary: (name, TOML).
const BUILTIN: &[(&str, &str)] = &[
    ("history.toml", include_str!("../rules/history.toml")),
    ("search.toml", include_str!("../rules/search.toml")),
    ("ids.toml", include_str!("../rules/ids.toml")),
    (
        "fingerprint.toml",
        include_str!("../rules/fingerprint.toml"),
    ),
    ("network.toml", include_str!("../rules/network.toml")),
    ("location.toml", include_str!("../rules/location.toml")),
    ("contact.toml", include_str!("../rules/contact.toml")),
    ("apps.toml", include_str!("../rules/apps.toml")),
    (
        "private-mode.toml",
        include_str!("../rules/private-mode.toml"),
    ),
];

/// An ordered collection of rules with unique ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The built-in rule pack.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN {
            // The built-in patterns are compiled by this crate's tests; here they are only
            // parsed, and the engine compiles each when a value first reaches its rule (most
            // rules see no value in a given capture, and compiling all of them was a tenth of
            // the scan of a 10 MB capture).
            set.add(text, &format!("built-in {name}"), Check::Parse)?;
        }
        Ok(set)
    }

    /// Parse one rule file and add its rules. `origin` names the file in errors. Every pattern
    /// is compiled, so that a broken one is reported here.
    pub fn add_toml(&mut self, text: &str, origin: &str) -> Result<(), RuleError> {
        self.add(text, origin, Check::Compile)
    }

    fn add(&mut self, text: &str, origin: &str, check: Check) -> Result<(), RuleError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RuleError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        let mut ids: HashSet<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        for rule in &file.rule {
            if !ids.insert(rule.id.clone()) {
                return Err(RuleError::DuplicateId {
                    origin: origin.to_owned(),
                    id: rule.id.clone(),
                });
            }
            if rule.keys.is_empty() && rule.value.is_none() && rule.validators.is_empty() {
                return Err(RuleError::MatchesEverything {
                    origin: origin.to_owned(),
                    id: rule.id.clone(),
                });
            }
            for pattern in rule.value.iter().chain(&rule.not_value) {
                let checked = match check {
                    Check::Compile => compile_pattern(pattern)
                        .map(drop)
                        .map_err(|e| e.to_string()),
                    Check::Parse => regex_syntax::parse(pattern)
                        .map(drop)
                        .map_err(|e| e.to_string()),
                };
                checked.map_err(|message| RuleError::Pattern {
                    origin: origin.to_owned(),
                    id: rule.id.clone(),
                    message,
                })?;
            }
        }
        self.rules.extend(file.rule);
        Ok(())
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Run every rule's examples and negative examples through an engine built from the whole
    /// set (so a negative example of one rule is only a failure for *that* rule).
    pub fn check_examples(&self) -> Result<(), Vec<ExampleFailure>> {
        let engine = Engine::new(self.clone());
        let mut failures = Vec::new();
        for rule in &self.rules {
            let cases = rule
                .examples
                .iter()
                .map(|e| (e, true))
                .chain(rule.negative_examples.iter().map(|e| (e, false)));
            for (example, expected_match) in cases {
                let candidate = Candidate {
                    key: example.key.as_deref(),
                    value: &example.value,
                    in_page_url: example.in_page_url,
                };
                let mut hits = Vec::new();
                engine.detect(&candidate, &mut hits);
                let matched = hits.iter().any(|h| h.rule.id == rule.id);
                if matched != expected_match {
                    failures.push(ExampleFailure {
                        rule: rule.id.clone(),
                        example: example.clone(),
                        expected_match,
                    });
                }
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        }
    }
}

/// How far a rule file's patterns are checked when it is loaded.
#[derive(Debug, Clone, Copy)]
enum Check {
    /// Parsed only (the built-in pack, whose patterns the tests compile).
    Parse,
    /// Compiled.
    Compile,
}

/// Compiles a rule's pattern once per process: loading a rule set checks that every pattern
/// compiles, and the engine built from it needs the same regexes (compiling the built-in pack
/// twice was a fifth of the scan of a small capture). A `Regex` clone shares the compiled
/// program.
pub(crate) fn compile_pattern(pattern: &str) -> Result<regex::Regex, regex::Error> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static COMPILED: OnceLock<Mutex<HashMap<String, regex::Regex>>> = OnceLock::new();
    let cache = COMPILED.get_or_init(Mutex::default);
    if let Some(regex) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(regex);
    }
    let regex = regex::Regex::new(pattern)?;
    if let Ok(mut cache) = cache.lock() {
        cache.insert(pattern.to_owned(), regex.clone());
    }
    Ok(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in pack is loaded with its patterns parsed only; they must compile.
    #[test]
    fn every_builtin_pattern_compiles() {
        let set = RuleSet::builtin().unwrap();
        let mut patterns = 0;
        for rule in set.rules() {
            for pattern in rule.value.iter().chain(&rule.not_value) {
                compile_pattern(pattern).unwrap_or_else(|e| panic!("{}: {pattern}: {e}", rule.id));
                patterns += 1;
            }
        }
        assert!(patterns > 10, "{patterns}");
    }

    #[test]
    fn every_builtin_rule_has_examples_and_they_hold() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.rules().len() >= 15);
        for rule in set.rules() {
            assert!(!rule.examples.is_empty(), "{} has no examples", rule.id);
            assert!(
                !rule.negative_examples.is_empty(),
                "{} has no negative examples",
                rule.id
            );
        }
        if let Err(failures) = set.check_examples() {
            let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
            panic!("{} failing examples:\n{}", lines.len(), lines.join("\n"));
        }
    }

    #[test]
    fn check_examples_catches_a_wrong_example() {
        let mut set = RuleSet::default();
        set.add_toml(
            r#"
            [[rule]]
            id = "t.flag"
            category = "private-mode"
            severity = "high"
            description = "test"
            keys = ["incognito"]
            validators = ["truthy"]
            examples = [{ key = "incognito", value = "false" }]
            negative_examples = [{ key = "incognito", value = "true" }]
            "#,
            "test.toml",
        )
        .unwrap();
        let failures = set.check_examples().unwrap_err();
        assert_eq!(failures.len(), 2);
    }

    #[test]
    fn errors_name_the_file_and_rule() {
        let mut set = RuleSet::default();
        let dup =
            "[[rule]]\nid='a'\ncategory='network'\nseverity='low'\ndescription='d'\nkeys=['x']\n";
        set.add_toml(dup, "one.toml").unwrap();
        let err = set.add_toml(dup, "two.toml").unwrap_err();
        assert_eq!(err.to_string(), "two.toml: rule id `a` is defined twice");

        let bad =
            "[[rule]]\nid='b'\ncategory='network'\nseverity='low'\ndescription='d'\nvalue='('\n";
        let err = set.add_toml(bad, "bad.toml").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("bad.toml: rule `b`: bad pattern"),
            "{err}"
        );

        let err = set
            .add_toml("[[rule]]\nid='c'\ncategory='nope'\n", "c.toml")
            .unwrap_err();
        assert!(err.to_string().starts_with("c.toml: "), "{err}");

        let all = "[[rule]]\nid='d'\ncategory='network'\nseverity='low'\ndescription='d'\n";
        let err = set.add_toml(all, "d.toml").unwrap_err();
        assert!(matches!(err, RuleError::MatchesEverything { .. }));
    }
}
