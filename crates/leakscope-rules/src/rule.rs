//! The rule model: what a rule file says, loading it, and checking its examples.

use std::collections::HashSet;

use serde::Deserialize;

use crate::addressed::{Addressed, WithRecipient};
use crate::recipient::{CompiledRecipient, RecipientPattern};
use crate::{Candidate, Category, Engine, Severity, Validator};

/// One rule, as written in a rule file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique id, `<area>.<what>` (`history.url-field`, `bing-uet.page-url`); shown in every
    /// finding.
    pub id: String,
    /// What leaks when this rule matches.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// One sentence for a person: what the rule finds and why it is a leak.
    pub description: String,
    /// Field names the rule applies to, compared after [`normalize_key`](crate::normalize_key).
    /// A rule without keys or fields looks at every value (at its recipient, if it names one),
    /// so its pattern and validators must be strict.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Fields by where they sit: a suffix of the path through the layers (`device.id`,
    /// `ctx.c1`, `$.properties.$os`, the protobuf field `#2.3`) or an element of a positional
    /// array (`extinfo[5]`). The crate docs say how a leaf's location is read.
    #[serde(default)]
    pub fields: Vec<String>,
    /// The recipient (`domains`, `hosts` and `paths` in the file): the rule is one tracker's.
    /// A rule that names no `domains` or `hosts` takes the file's `[tracker]`'s (and its
    /// `paths`, unless it names its own); one that names none of them is generic. Read by
    /// [`RuleSet::add_toml`] (a `Rule`'s own `Deserialize` leaves it empty).
    #[serde(skip)]
    pub recipient: RecipientPattern,
    /// A regular expression the value must match (anywhere, unless anchored).
    #[serde(default)]
    pub value: Option<String>,
    /// A regular expression the value must not match.
    #[serde(default)]
    pub not_value: Option<String>,
    /// Named checks the value must also pass.
    #[serde(default)]
    pub validators: Vec<Validator>,
    /// The shortest value the rule reports, in bytes.
    #[serde(default)]
    pub min_len: Option<usize>,
    /// The longest value the rule reports, in bytes.
    #[serde(default)]
    pub max_len: Option<usize>,
    /// Whether the rule also applies to the query parameters of a URL found inside a value.
    /// Those describe the page visited, not the device: `lang=en` in a page URL is not the
    /// device's language, but `q=` there is still a search and `uid=` still an identifier.
    /// (A tracker's rules never apply there: the page's parameters are the site's, not the
    /// tracker's.)
    #[serde(default)]
    pub in_page_urls: bool,
    /// Where to read more (the tracker's documentation, research).
    #[serde(default)]
    pub references: Vec<String>,
    /// Values the rule must report.
    #[serde(default)]
    pub examples: Vec<Example>,
    /// Values the rule must not report (the false positives it was written to avoid).
    #[serde(default)]
    pub negative_examples: Vec<Example>,
    /// The tracker whose rule this is (from the file's `[tracker]` table).
    #[serde(skip_deserializing)]
    pub tracker: Option<String>,
    /// The file the rule came from (`built-in trackers/bing-uet.toml`, a user's path).
    #[serde(skip_deserializing)]
    pub origin: String,
    /// The line of the rule's `[[rule]]` table in its file.
    #[serde(skip_deserializing)]
    pub line: usize,
}

impl Addressed for Rule {
    const RECIPIENT_AFTER: &'static str = "fields";

    fn recipient_mut(&mut self) -> &mut RecipientPattern {
        &mut self.recipient
    }
}

/// Fields of a tracker that are not leaks, declared so that no generic rule reports them: Bing
/// UET's `kw` is the page's meta keywords, not a search; a pixel's `id` is the site's account.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    /// Field names, as in [`Rule::keys`].
    #[serde(default)]
    pub keys: Vec<String>,
    /// Field paths, as in [`Rule::fields`].
    #[serde(default)]
    pub fields: Vec<String>,
    /// The recipient, as a rule's (from the file's `[tracker]` table when not given).
    #[serde(skip)]
    pub recipient: RecipientPattern,
    /// What these fields are, from the tracker's documentation.
    pub reason: String,
    /// The fields are new in every request (a random number, an event id): not leaks, but what
    /// tells requests apart for linkage.
    #[serde(default)]
    pub per_request: bool,
    /// The tracker (from the file's `[tracker]` table).
    #[serde(skip_deserializing)]
    pub tracker: Option<String>,
    /// The file.
    #[serde(skip_deserializing)]
    pub origin: String,
}

impl Addressed for Ignore {
    const RECIPIENT_AFTER: &'static str = "fields";

    fn recipient_mut(&mut self) -> &mut RecipientPattern {
        &mut self.recipient
    }
}

/// A rule file's `[tracker]` table: who the rules of the file are about.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracker {
    /// The tracker's name, as people know it (`Microsoft Advertising UET`).
    pub name: String,
    /// Where its requests go: its registrable domains, host globs and path globs.
    #[serde(skip)]
    pub recipient: RecipientPattern,
    /// Its documentation.
    #[serde(default)]
    pub references: Vec<String>,
    /// The file.
    #[serde(skip_deserializing)]
    pub origin: String,
}

impl Addressed for Tracker {
    const RECIPIENT_AFTER: &'static str = "name";

    fn recipient_mut(&mut self) -> &mut RecipientPattern {
        &mut self.recipient
    }
}

/// A whole request as a rule example: what it must produce when scanned, and what it must not.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestExample {
    /// What the example shows.
    pub name: String,
    /// The request as raw HTTP/1.1 text (`GET https://… HTTP/1.1`, headers, a blank line, the
    /// body), or a HAR document or entry (JSON).
    pub request: String,
    /// Leaks the scan must report.
    #[serde(default)]
    pub leaks: Vec<ExpectedLeak>,
    /// Values no finding may report (the tracker's site ids, versions, random numbers).
    #[serde(default)]
    pub not_reported: Vec<String>,
    /// The file.
    #[serde(skip_deserializing)]
    pub origin: String,
    /// The line of the example's `[[example]]` table in its file.
    #[serde(skip_deserializing)]
    pub line: usize,
}

/// One leak a [`RequestExample`] must produce: a rule id, and the value it must report.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedLeak {
    /// The rule id.
    pub rule: String,
    /// The value the rule must report (any, when not given).
    #[serde(default)]
    pub value: Option<String>,
}

/// A field as a rule example: its name or place (if any) and its value, after decoding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The field name.
    #[serde(default)]
    pub key: Option<String>,
    /// The field's place, as in [`Rule::fields`] (`extinfo[5]`): the key is its last name.
    #[serde(default)]
    pub field: Option<String>,
    /// The value.
    pub value: String,
    /// Whether the value is a query parameter of a URL found inside another value.
    #[serde(default)]
    pub in_page_url: bool,
}

impl Example {
    /// The leaf location this example stands for: `query[<field or key>]`.
    pub fn location(&self) -> Option<String> {
        self.field
            .as_deref()
            .or(self.key.as_deref())
            .map(|f| format!("query[{f}]"))
    }

    /// The key: given, or the last name of the field.
    pub fn leaf_key(&self) -> Option<String> {
        if let Some(key) = &self.key {
            return Some(key.clone());
        }
        let field = self.field.as_deref()?;
        let mut tokens = Vec::new();
        crate::fields::selector_tokens(field, &mut tokens);
        tokens
            .iter()
            .rev()
            .find(|t| !t.index)
            .map(|t| t.text.to_owned())
    }
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
    #[error("{origin}:{line}: rule id `{id}` is defined twice")]
    DuplicateId {
        /// Where the second definition is.
        origin: String,
        /// Its line.
        line: usize,
        /// The id.
        id: String,
    },
    /// A rule's pattern is not a valid regular expression, or its recipient or field pattern
    /// cannot be read.
    #[error("{origin}:{line}: rule `{id}`: {message}")]
    Pattern {
        /// The file.
        origin: String,
        /// The line of the rule's id.
        line: usize,
        /// The rule id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// A `[tracker]` table is wrong (no recipient, a bad domain or glob).
    #[error("{origin}:{line}: tracker `{name}`: {message}")]
    Tracker {
        /// The file.
        origin: String,
        /// The line of the `[tracker]` table.
        line: usize,
        /// The tracker's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// An `[[ignore]]` table is wrong (no recipient, no fields, a bad pattern).
    #[error("{origin}:{line}: [[ignore]]: {message}")]
    Ignore {
        /// The file.
        origin: String,
        /// The line of the `[[ignore]]` table.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A rule has neither keys, fields, a value pattern nor validators: it would match
    /// everything.
    #[error("{origin}:{line}: rule `{id}` has no keys, fields, value pattern or validators")]
    MatchesEverything {
        /// The file.
        origin: String,
        /// The line of the rule's id.
        line: usize,
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
        let place = match (&self.example.field, &self.example.key) {
            (Some(field), _) => format!("field `{field}`"),
            (None, Some(key)) => format!("key `{key}`"),
            (None, None) => "no key".to_owned(),
        };
        write!(
            f,
            "rule `{}`: {what}: {place}, value {:?}",
            self.rule, self.example.value
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    tracker: Option<WithRecipient<Tracker>>,
    #[serde(default)]
    rule: Vec<WithRecipient<Rule>>,
    #[serde(default)]
    ignore: Vec<WithRecipient<Ignore>>,
    #[serde(default)]
    example: Vec<RequestExample>,
}

/// The generic built-in rule files, compiled into the binary: (name, TOML).
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

/// The tracker pack: one file per tracker, `rules/trackers/<name>.toml` (a test checks that
/// every file of the folder is listed here).
const TRACKERS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/trackers.in"));

/// An ordered collection of rules with unique ids, the fields trackers declare not to be
/// leaks, and the whole-request examples of the files they came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSet {
    rules: Vec<Rule>,
    ignores: Vec<Ignore>,
    examples: Vec<RequestExample>,
    trackers: Vec<Tracker>,
}

impl RuleSet {
    /// The built-in rule pack: the generic rules and the tracker pack.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN.iter().chain(TRACKERS) {
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
        let mut tracker = file.tracker.map(|t| t.0);
        let mut rules: Vec<Rule> = file.rule.into_iter().map(|r| r.0).collect();
        let mut ignores: Vec<Ignore> = file.ignore.into_iter().map(|i| i.0).collect();
        let mut examples = file.example;
        let mut ids: HashSet<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        let tracker_name = tracker.as_ref().map(|t| t.name.clone());
        let inherit = |recipient: &mut RecipientPattern| {
            if let Some(tracker) = &tracker {
                recipient.inherit(&tracker.recipient);
            }
        };
        if tracker.is_none() && rules.is_empty() && ignores.is_empty() && examples.is_empty() {
            return Err(RuleError::Syntax {
                origin: origin.to_owned(),
                message: "holds no `[[rule]]`, `[[ignore]]`, `[[example]]` or `[tracker]`".into(),
            });
        }
        let headers = table_headers(text);
        let rule_lines = lines_of(&headers, "rule");
        let ignore_lines = lines_of(&headers, "ignore");
        let example_lines = lines_of(&headers, "example");
        for (n, rule) in rules.iter_mut().enumerate() {
            let line = rule_lines.get(n).copied().unwrap_or(0);
            let pattern_error = |message: String| RuleError::Pattern {
                origin: origin.to_owned(),
                line,
                id: rule.id.clone(),
                message,
            };
            if !ids.insert(rule.id.clone()) {
                return Err(RuleError::DuplicateId {
                    origin: origin.to_owned(),
                    line,
                    id: rule.id.clone(),
                });
            }
            inherit(&mut rule.recipient);
            rule.tracker.clone_from(&tracker_name);
            rule.origin = origin.to_owned();
            if rule.references.is_empty()
                && let Some(tracker) = &tracker
            {
                rule.references.clone_from(&tracker.references);
            }
            if rule.keys.is_empty()
                && rule.fields.is_empty()
                && rule.value.is_none()
                && rule.validators.is_empty()
            {
                return Err(RuleError::MatchesEverything {
                    origin: origin.to_owned(),
                    line,
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
                checked.map_err(|e| pattern_error(format!("bad pattern: {e}")))?;
            }
            check_shape(&rule.fields, &rule.recipient).map_err(pattern_error)?;
            if let (Some(min), Some(max)) = (rule.min_len, rule.max_len)
                && min > max
            {
                return Err(pattern_error(format!(
                    "min_len {min} is more than max_len {max}: the rule would match nothing"
                )));
            }
            rule.line = line;
        }
        for (n, ignore) in ignores.iter_mut().enumerate() {
            inherit(&mut ignore.recipient);
            ignore.tracker.clone_from(&tracker_name);
            ignore.origin = origin.to_owned();
            let line = ignore_lines.get(n).copied().unwrap_or(0);
            let error = |message: String| RuleError::Ignore {
                origin: origin.to_owned(),
                line,
                message,
            };
            if ignore.recipient.is_empty() {
                return Err(error(
                    "an `[[ignore]]` must name its recipient (in the file's `[tracker]` table \
                     or its own `domains`/`hosts`/`paths`): fields are not leaks only at a \
                     tracker that documents them"
                        .into(),
                ));
            }
            if ignore.keys.is_empty() && ignore.fields.is_empty() {
                return Err(error("an `[[ignore]]` names no keys or fields".into()));
            }
            check_shape(&ignore.fields, &ignore.recipient).map_err(error)?;
        }
        for (n, example) in examples.iter_mut().enumerate() {
            example.origin = origin.to_owned();
            example.line = example_lines.get(n).copied().unwrap_or(0);
        }
        if let Some(tracker) = &mut tracker {
            tracker.origin = origin.to_owned();
            let recipient = &tracker.recipient;
            let line = lines_of(&headers, "tracker").first().copied().unwrap_or(0);
            let error = |message: String| RuleError::Tracker {
                origin: origin.to_owned(),
                line,
                name: tracker.name.clone(),
                message,
            };
            if recipient.is_empty() {
                return Err(error("names no `domains`, `hosts` or `paths`".into()));
            }
            CompiledRecipient::new(recipient).map_err(error)?;
            self.trackers.push(tracker.clone());
        }
        self.rules.extend(rules);
        self.ignores.extend(ignores);
        self.examples.extend(examples);
        Ok(())
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The fields trackers declare not to be leaks.
    pub fn ignores(&self) -> &[Ignore] {
        &self.ignores
    }

    /// The whole-request examples (run by `leakscope rules check`, which can scan).
    pub fn request_examples(&self) -> &[RequestExample] {
        &self.examples
    }

    /// The trackers the files describe.
    pub fn trackers(&self) -> &[Tracker] {
        &self.trackers
    }

    /// Run every rule's examples and negative examples through an engine built from the whole
    /// set (so a negative example of one rule is only a failure for *that* rule). A tracker's
    /// rule is tried as if the request went to that tracker.
    pub fn check_examples(&self) -> Result<(), Vec<ExampleFailure>> {
        let engine = Engine::new(self.clone()).map_err(|e| {
            vec![ExampleFailure {
                rule: String::new(),
                example: Example {
                    key: None,
                    field: None,
                    value: e.to_string(),
                    in_page_url: false,
                },
                expected_match: true,
            }]
        })?;
        let mut failures = Vec::new();
        for rule in &self.rules {
            let scope = engine.scope_of_rule(&rule.id);
            let cases = rule
                .examples
                .iter()
                .map(|e| (e, true))
                .chain(rule.negative_examples.iter().map(|e| (e, false)));
            for (example, expected_match) in cases {
                let key = example.leaf_key();
                let location = example.location();
                let candidate = Candidate {
                    key: key.as_deref(),
                    value: &example.value,
                    in_page_url: example.in_page_url,
                    location: location.as_deref(),
                };
                let mut hits = Vec::new();
                engine.detect_in(&scope, &candidate, &mut hits);
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

/// Check that field and recipient patterns can be read.
fn check_shape(fields: &[String], recipient: &RecipientPattern) -> Result<(), String> {
    for field in fields {
        if crate::fields::FieldPattern::new(field).is_none() {
            return Err(format!("field pattern `{field}` names no field"));
        }
    }
    CompiledRecipient::new(recipient).map(drop)
}

/// The table headers of `text` (`[[rule]]`, `[tracker]`) with their lines (1-based), in order:
/// the n-th `[[rule]]` header is the n-th rule's. (A header is a line that is only the header,
/// spaces allowed inside the brackets; comments and strings that mention one are not headers.)
fn table_headers(text: &str) -> Vec<(&str, usize)> {
    let mut headers = Vec::new();
    let mut in_multiline = false;
    for (n, line) in text.lines().enumerate() {
        // Lines inside a multi-line string (an example's request) are not headers.
        let quotes = line.matches("\"\"\"").count() + line.matches("\'\'\'").count();
        if in_multiline {
            if quotes % 2 == 1 {
                in_multiline = false;
            }
            continue;
        }
        let code = line.split('#').next().unwrap_or_default().trim();
        let inner = code
            .strip_prefix("[[")
            .and_then(|c| c.strip_suffix("]]"))
            .or_else(|| code.strip_prefix('[').and_then(|c| c.strip_suffix(']')));
        if let Some(inner) = inner {
            headers.push((inner.trim(), n + 1));
        }
        if quotes % 2 == 1 {
            in_multiline = true;
        }
    }
    headers
}

/// The lines of the headers named `name`, in order.
fn lines_of(headers: &[(&str, usize)], name: &str) -> Vec<usize> {
    headers
        .iter()
        .filter(|(header, _)| *header == name)
        .map(|&(_, line)| line)
        .collect()
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

    /// A broken file is refused with an error that starts with its file and line: (file, text,
    /// the error's start). Each is added to a set that holds `one.toml`'s rule `a`.
    #[test]
    fn errors_name_the_file_and_rule() {
        let rule_a =
            "[[rule]]\nid='a'\ncategory='network'\nseverity='low'\ndescription='d'\nkeys=['x']\n";
        let mut one = RuleSet::default();
        one.add_toml(rule_a, "one.toml").unwrap();
        // The second definition is the one named, past comments and strings that mention a
        // header.
        let twice = "# [[rule]] in a comment\n[[rule]]\nid='e'\ncategory='network'\nseverity='low'\ndescription='\"[[rule]]\"'\nkeys=['x']\n\n[[example]]\nname='n'\nrequest='''\n[[rule]]\n'''\n\n[[ rule ]]\nid='e'\ncategory='network'\nseverity='low'\ndescription='d'\nkeys=['y']\n";
        for (origin, text, error) in [
            (
                "two.toml",
                rule_a,
                "two.toml:1: rule id `a` is defined twice",
            ),
            ("e.toml", twice, "e.toml:15: rule id `e` is defined twice"),
            (
                "bad.toml",
                "[[rule]]\nid='b'\ncategory='network'\nseverity='low'\ndescription='d'\nvalue='('\n",
                "bad.toml:1: rule `b`: bad pattern",
            ),
            (
                "c.toml",
                "[[rule]]\nid='c'\ncategory='nope'\n",
                "c.toml: TOML parse error at line 3",
            ),
            (
                "d.toml",
                "[[rule]]\nid='d'\ncategory='network'\nseverity='low'\ndescription='d'\n",
                "d.toml:1: rule `d` has no keys, fields, value pattern or validators",
            ),
            ("f.toml", "# nothing\n", "f.toml: holds no"),
            (
                "g.toml",
                "[[rule]]\nid='g'\ncategory='network'\nseverity='low'\ndescription='d'\nkeys=['x']\nmin_len=9\nmax_len=3\n",
                "g.toml:1: rule `g`: min_len 9 is more than max_len 3",
            ),
            (
                "t.toml",
                "[tracker]\nname='t'\ndomains=['*.t.example']\n",
                "t.toml:1: tracker `t`: bad domain",
            ),
            (
                "x.toml",
                "[tracker]\nname = 'x'\nhosts = ['[']\n\n[[rule]]\nid = 'x.a'\ncategory = 'network'\nseverity = 'low'\ndescription = 'd'\nkeys = ['a']\n",
                "x.toml:5: rule `x.a`: bad glob",
            ),
            (
                "y.toml",
                "[[ignore]]\nkeys = ['kw']\nreason = 'r'\n",
                "y.toml:1: [[ignore]]: an `[[ignore]]` must name its recipient",
            ),
            (
                "z.toml",
                "[tracker]\nname = 'z'\n",
                "z.toml:1: tracker `z`: names no `domains`",
            ),
        ] {
            let err = one.clone().add_toml(text, origin).unwrap_err();
            assert!(err.to_string().starts_with(error), "{err}");
        }
    }

    /// A misspelt field is refused at its line, with every field its table takes (the
    /// recipient's among them).
    #[test]
    fn an_unknown_field_is_named_with_the_fields_its_table_takes() {
        for (text, error) in [
            (
                "[[rule]]\nid='a'\ncategory='network'\nseverity='low'\ndescription='d'\ndomain=['a.example']\n",
                "line 6, column 1\n  |\n6 | domain=['a.example']\n  | ^^^^^^\nunknown field `domain`, expected one of `id`, `category`, `severity`, `description`, `keys`, `fields`, `domains`, `hosts`, `paths`, `value`, `not_value`, `validators`, `min_len`, `max_len`, `in_page_urls`, `references`, `examples`, `negative_examples`\n",
            ),
            (
                "[tracker]\nname='t'\ndomains=['a.example']\n[[ignore]]\nkeys=['k']\nreason='r'\nhost=['a.example']\n",
                "line 7, column 1\n  |\n7 | host=['a.example']\n  | ^^^^\nunknown field `host`, expected one of `keys`, `fields`, `domains`, `hosts`, `paths`, `reason`, `per_request`\n",
            ),
            (
                "[tracker]\nname='t'\npath=['/a']\n",
                "line 3, column 1\n  |\n3 | path=['/a']\n  | ^^^^\nunknown field `path`, expected one of `name`, `domains`, `hosts`, `paths`, `references`\n",
            ),
            // A recipient field of the wrong type is refused at its value.
            (
                "[tracker]\nname='t'\ndomains='a.example'\n",
                "line 3, column 9\n  |\n3 | domains='a.example'\n  |         ^^^^^^^^^^^\ninvalid type: string \"a.example\", expected a sequence\n",
            ),
        ] {
            let err = RuleSet::default().add_toml(text, "u.toml").unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("u.toml: TOML parse error at {error}")
            );
        }
        // Read with their recipient, the tables take it whole.
        let mut set = RuleSet::default();
        set.add_toml(
            "[tracker]\nname='t'\ndomains=['t.example']\nhosts=['px.t.example']\npaths=['/p']\n\n[[ignore]]\nkeys=['k']\nreason='r'\n",
            "t.toml",
        )
        .unwrap();
        let tracker = &set.trackers()[0].recipient;
        assert_eq!(
            (&tracker.domains[..], &tracker.hosts[..], &tracker.paths[..]),
            (
                &["t.example".to_owned()][..],
                &["px.t.example".to_owned()][..],
                &["/p".to_owned()][..]
            )
        );
        assert_eq!(&set.ignores()[0].recipient, tracker);
    }

    #[test]
    fn a_rule_naming_only_paths_keeps_its_trackers_hosts() {
        let mut set = RuleSet::default();
        set.add_toml(
            "[tracker]\nname='Acme'\ndomains=['acme.example']\n\n[[rule]]\nid='acme.a'\ncategory='network'\nseverity='low'\ndescription='d'\nkeys=['a']\npaths=['/collect']\n\n[[rule]]\nid='acme.b'\ncategory='network'\nseverity='low'\ndescription='d'\nkeys=['b']\nhosts=['px.other.example']\n",
            "acme.toml",
        )
        .unwrap();
        let a = &set.rules()[0];
        assert_eq!(
            (a.recipient.domains.as_slice(), a.recipient.paths.as_slice()),
            (
                &["acme.example".to_owned()][..],
                &["/collect".to_owned()][..]
            )
        );
        let b = &set.rules()[1];
        assert!(
            b.recipient.domains.is_empty(),
            "a rule naming its hosts has its own recipient"
        );
        assert_eq!(a.line, 5);
        assert_eq!(b.line, 13);
    }
}
