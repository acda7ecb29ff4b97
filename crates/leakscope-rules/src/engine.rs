//! The engine: rules compiled for fast matching.
//!
//! A leaf is judged in two steps. First the rules and `[[ignore]]`s of the trackers the request
//! goes to (its [`Scope`]) that name the leaf, by key or by field: when any does, they decide
//! for the generic rules that name fields, so a tracker's `kw` declared not a search is not a
//! search whatever the generic rules say; the generic rules that name no field (value shapes
//! such as an email or an IMEI) still look at it. Otherwise the generic rules that name the
//! leaf, and the rules that name no field at all (a tracker's only at that tracker).

use rustc_hash::{FxHashMap, FxHashSet};

use regex::Regex;

use crate::fields::{FieldPattern, Token, location_tokens, lookup_tokens};
use crate::key::{SHORT_KEY, normalize_any, normalize_short_ascii};
use crate::recipient::{CompiledRecipient, Recipient, Scope};
use crate::{Rule, RuleError, RuleSet, normalize_key};

/// A decoded value to classify: its nearest field name, where it was found, and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The field name, as found (not normalised).
    pub key: Option<&'a str>,
    /// The value as text.
    pub value: &'a str,
    /// The value is a query parameter of a URL found inside another value (see
    /// [`Rule::in_page_urls`]).
    pub in_page_url: bool,
    /// Where the value was found, as a leaf's path displays
    /// (`body form[extinfo] > json $[5]`): what field patterns are matched against.
    pub location: Option<&'a str>,
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
    /// The shortest and longest text the rule reports, in bytes: from `min_len`/`max_len` and
    /// what `value` can match. A value outside is refused without running the regex (rules
    /// without keys see every value, and most are too short or too long for an e-mail address
    /// or an IMEI).
    lengths: (usize, usize),
}

/// A rule's pattern, compiled when a value first reaches it (the rule set parsed it when it
/// was loaded, and compiled it for a user's file; the built-in patterns are compiled by the
/// tests). One that still fails to compile is a defect of the build, and panics with the rule's
/// id rather than matching nothing.
#[derive(Debug)]
struct LazyRegex {
    rule: String,
    pattern: String,
    compiled: std::sync::OnceLock<Regex>,
}

impl LazyRegex {
    fn new(rule: &str, pattern: &str) -> Self {
        LazyRegex {
            rule: rule.to_owned(),
            pattern: pattern.to_owned(),
            compiled: std::sync::OnceLock::new(),
        }
    }

    fn is_match(&self, value: &str) -> bool {
        self.compiled
            .get_or_init(|| {
                crate::rule::compile_pattern(&self.pattern).unwrap_or_else(|e| {
                    panic!("rule `{}`: pattern does not compile: {e}", self.rule)
                })
            })
            .is_match(value)
    }
}

/// Whether `location` ends with the name `key` as a whole step or member (`query[dl]`,
/// `json $.device.id`), so that the key is the name a field pattern is looked up by.
fn ends_with_name(location: &str, key: &str) -> bool {
    let end = location.strip_suffix(']').unwrap_or(location);
    !key.is_empty()
        && !key.contains(['.', '[', ']', '\''])
        && end.len() > key.len()
        && end.ends_with(key)
        && matches!(
            end.as_bytes()[end.len() - key.len() - 1],
            b'.' | b'[' | b' '
        )
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

/// What an index entry leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    /// A rule, by index.
    Rule(usize),
    /// An `[[ignore]]` whose fields are per-request values (or not).
    Ignore { per_request: bool },
}

/// The field patterns a leaf matches ([`Engine::match_fields`]): opaque, compared and hashed as
/// a verdict cache's key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldMatches {
    entries: Vec<Entry>,
}

impl FieldMatches {
    /// Whether the leaf matches no field pattern.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The field patterns of the generic rules or of one tracker group.
#[derive(Debug, Default)]
struct FieldSlot {
    /// By their last name or index (normalised).
    by_name: FxHashMap<String, Vec<(FieldPattern, Entry)>>,
    /// Those ending in `*`.
    any: Vec<(FieldPattern, Entry)>,
}

impl FieldSlot {
    fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.any.is_empty()
    }
}

/// One rule or ignore as the indexes see it: what it leads to and which recipient it is
/// limited to (`None`: generic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Entry {
    target: Target,
    group: Option<u32>,
}

/// A [`RuleSet`] compiled for matching. Keyed rules are found by one hash lookup of the
/// normalised key, field rules by one of the field's last name; rules that name no field run on
/// every value.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    by_key: FxHashMap<String, Vec<Entry>>,
    /// Field patterns: the generic ones first, then each tracker group's (at its group + 1),
    /// so that a leaf looks only at the patterns of the trackers its request goes to.
    field_slots: Vec<FieldSlot>,
    keyless: Vec<Entry>,
    /// The recipients of tracker rules; a group is an index here.
    groups: Vec<CompiledRecipient>,
    /// Groups by the registrable domains they name.
    groups_by_domain: FxHashMap<String, Vec<u32>>,
    /// Groups that name no domain (hosts or paths only): tried on every request.
    groups_any_domain: Vec<u32>,
    /// The group of each rule, by rule id (for checking examples).
    group_of_rule: FxHashMap<String, u32>,
    /// Normalised keys of per-request values (`rules/per-request-ids.toml`).
    per_request: FxHashSet<String>,
}

impl Engine {
    /// Compile a rule set: index its rules by key, field and recipient. Fails on a recipient
    /// or field pattern that cannot be read (the set checked them when it was loaded).
    pub fn new(set: RuleSet) -> Result<Engine, RuleError> {
        let mut engine = Engine {
            rules: Vec::new(),
            by_key: FxHashMap::default(),
            field_slots: vec![FieldSlot::default()],
            keyless: Vec::new(),
            groups: Vec::new(),
            groups_by_domain: FxHashMap::default(),
            groups_any_domain: Vec::new(),
            group_of_rule: FxHashMap::default(),
            per_request: crate::per_request_id_keys(),
        };
        let mut group_patterns = Vec::new();
        let error = |origin: &str, id: &str, message: String| RuleError::Pattern {
            origin: origin.to_owned(),
            line: 0,
            id: id.to_owned(),
            message,
        };
        for rule in set.rules().iter().cloned() {
            let index = engine.rules.len();
            let group = engine
                .group(&mut group_patterns, rule.recipient.clone())
                .map_err(|m| error(&rule.origin, &rule.id, m))?;
            if let Some(group) = group {
                engine.group_of_rule.insert(rule.id.clone(), group);
            }
            let entry = Entry {
                target: Target::Rule(index),
                group,
            };
            engine
                .index(&rule.keys, &rule.fields, entry)
                .map_err(|m| error(&rule.origin, &rule.id, m))?;
            let compile = |p: &Option<String>| p.as_deref().map(|p| LazyRegex::new(&rule.id, p));
            let (mut min, mut max) = rule.value.as_deref().map_or((0, usize::MAX), match_lengths);
            min = min.max(rule.min_len.unwrap_or(0));
            max = max.min(rule.max_len.unwrap_or(usize::MAX));
            engine.rules.push(CompiledRule {
                value: compile(&rule.value),
                not_value: compile(&rule.not_value),
                lengths: (min, max),
                rule,
            });
        }
        for ignore in set.ignores() {
            let group = engine
                .group(&mut group_patterns, ignore.recipient.clone())
                .map_err(|m| error(&ignore.origin, "ignore", m))?;
            let entry = Entry {
                target: Target::Ignore {
                    per_request: ignore.per_request,
                },
                group,
            };
            engine
                .index(&ignore.keys, &ignore.fields, entry)
                .map_err(|m| error(&ignore.origin, "ignore", m))?;
        }
        Ok(engine)
    }

    /// The group of a recipient pattern, made on first sight (`None` for a generic rule).
    fn group(
        &mut self,
        seen: &mut Vec<crate::recipient::RecipientPattern>,
        pattern: crate::recipient::RecipientPattern,
    ) -> Result<Option<u32>, String> {
        if pattern.is_empty() {
            return Ok(None);
        }
        if let Some(at) = seen.iter().position(|p| *p == pattern) {
            return Ok(Some(at as u32));
        }
        let compiled = CompiledRecipient::new(&pattern)?;
        let group = self.groups.len() as u32;
        if compiled.domains().is_empty() {
            self.groups_any_domain.push(group);
        }
        for domain in compiled.domains() {
            self.groups_by_domain
                .entry(domain.clone())
                .or_default()
                .push(group);
        }
        self.groups.push(compiled);
        seen.push(pattern);
        Ok(Some(group))
    }

    fn index(&mut self, keys: &[String], fields: &[String], entry: Entry) -> Result<(), String> {
        if keys.is_empty() && fields.is_empty() {
            self.keyless.push(entry);
        }
        for key in keys {
            let slot = self.by_key.entry(normalize_key(key)).or_default();
            if !slot.contains(&entry) {
                slot.push(entry);
            }
        }
        for field in fields {
            let pattern = FieldPattern::new(field)
                .ok_or_else(|| format!("field pattern `{field}` names no field"))?;
            let at = entry.group.map_or(0, |g| g as usize + 1);
            if self.field_slots.len() <= at {
                self.field_slots.resize_with(at + 1, FieldSlot::default);
            }
            let slot = &mut self.field_slots[at];
            match pattern.lookup_key() {
                Some(key) => slot
                    .by_name
                    .entry(key.to_owned())
                    .or_default()
                    .push((pattern, entry)),
                None => slot.any.push((pattern, entry)),
            }
        }
        Ok(())
    }

    /// The engine over the built-in rule pack.
    ///
    /// # Panics
    /// When the built-in pack does not load: a defect of the build, which this crate's tests
    /// catch (falling back to no rules would report nothing and pass every `--fail-on`).
    pub fn builtin() -> Engine {
        Engine::try_builtin().unwrap_or_else(|e| panic!("the built-in rule pack is broken: {e}"))
    }

    /// The engine over the built-in rule pack, or why it does not load.
    pub fn try_builtin() -> Result<Engine, RuleError> {
        Engine::new(RuleSet::builtin()?)
    }

    /// The rules, in load order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// The trackers a request to `recipient` goes to: worked out once per request.
    pub fn scope(&self, recipient: &Recipient<'_>) -> Scope {
        let mut groups = Vec::new();
        // A group is filed under each domain it names: look up the host and every domain
        // above it (`bat.bing.com`, `bing.com`, `com`).
        let host = recipient.host.trim_end_matches('.').to_ascii_lowercase();
        let mut suffix = host.as_str();
        loop {
            let named = self
                .groups_by_domain
                .get(suffix)
                .map_or(&[][..], Vec::as_slice);
            for &group in named {
                if self.groups[group as usize].matches(recipient) && !groups.contains(&group) {
                    groups.push(group);
                }
            }
            match suffix.split_once('.') {
                Some((_, rest)) => suffix = rest,
                None => break,
            }
        }
        for &group in &self.groups_any_domain {
            if self.groups[group as usize].matches(recipient) && !groups.contains(&group) {
                groups.push(group);
            }
        }
        Scope { groups }
    }

    /// The scope of the recipient a rule is limited to (empty for a generic rule): how its
    /// examples are tried.
    pub(crate) fn scope_of_rule(&self, id: &str) -> Scope {
        Scope {
            groups: self.group_of_rule.get(id).copied().into_iter().collect(),
        }
    }

    /// The entries for `key`, and whether it names a per-request value.
    fn keyed(&self, key: &str) -> (&[Entry], bool) {
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
        if let Some(entries) = self.by_key.get(normalized) {
            return (entries, per_request);
        }
        // Namespaced keys (`ep.search_term`, `properties.$model`): try the last segment.
        let entries = match normalized.rsplit_once('.') {
            Some((_, last)) => self.by_key.get(last).map_or(&[][..], Vec::as_slice),
            None => &[],
        };
        (entries, per_request)
    }

    /// The field patterns (of the generic rules and of the trackers of `scope`) that the leaf
    /// at `location`, with the key `key`, matches. A leaf's verdict depends on its place only
    /// through these, so they are what a cache of verdicts keys on besides the key and the
    /// value: the events of a batch, alike but for their array index, share one verdict.
    pub fn match_fields(&self, scope: &Scope, key: Option<&str>, location: &str) -> FieldMatches {
        let mut matches = FieldMatches::default();
        let mut tokens: Option<Vec<Token<'_>>> = None;
        self.field_candidates(scope, key, location, &mut |pattern, entry| {
            let tokens = tokens.get_or_insert_with(|| location_tokens(location));
            if pattern.matches(tokens) && !matches.entries.contains(&entry) {
                matches.entries.push(entry);
            }
            true
        });
        matches
    }

    /// The field patterns that apply to a request to `scope` and share the last name or index
    /// of the leaf at `location` (whose key, its nearest name, is `key`), handed to `each`
    /// (which returns whether to go on).
    fn field_candidates<'e>(
        &'e self,
        scope: &Scope,
        key: Option<&str>,
        location: &str,
        each: &mut dyn FnMut(&'e FieldPattern, Entry) -> bool,
    ) {
        let relevant = || {
            std::iter::once(0)
                .chain(scope.groups.iter().map(|&g| g as usize + 1))
                .filter_map(|at| self.field_slots.get(at))
                .filter(|slot| !slot.is_empty())
        };
        if relevant().next().is_none() {
            return;
        }
        for slot in relevant() {
            for (pattern, entry) in &slot.any {
                if !each(pattern, *entry) {
                    return;
                }
            }
        }
        // The leaf's key is its last name when the location ends with it (`query[dl]`,
        // `json $.device.id`); otherwise (`udff[em]`, a protobuf field, a layer after the field,
        // an array index) the location is read.
        let (name, index) = match key.filter(|k| ends_with_name(location, k)) {
            Some(key) => (Some(key), None),
            None => {
                let (name, index) = lookup_tokens(location);
                (name.map(|t| t.text), index.map(|t| t.text))
            }
        };
        let mut buffer = [0u8; SHORT_KEY];
        let owned;
        let name_key = match name {
            Some(name) => match normalize_short_ascii(name, &mut buffer) {
                Some(short) => Some(short),
                None => {
                    owned = normalize_any(name);
                    Some(owned.as_str())
                }
            },
            None => None,
        };
        for lookup in [name_key, index].into_iter().flatten() {
            for slot in relevant() {
                for (pattern, entry) in slot.by_name.get(lookup).map_or(&[][..], Vec::as_slice) {
                    if !each(pattern, *entry) {
                        return;
                    }
                }
            }
        }
    }

    /// [`Detector::detect`] for a request that goes to the trackers of `scope`, and whether the
    /// candidate's key names a per-request value (a request or event id, a nonce, a cache
    /// buster: the list is data, `rules/per-request-ids.toml`, and trackers add theirs).
    pub fn detect_in<'s>(
        &'s self,
        scope: &Scope,
        candidate: &Candidate<'_>,
        hits: &mut Vec<Hit<'s>>,
    ) -> bool {
        let fields = match candidate.location {
            Some(location) => self.match_fields(scope, candidate.key, location),
            None => FieldMatches::default(),
        };
        self.detect_with(scope, candidate, &fields, hits)
    }

    /// [`Engine::detect_in`] with the leaf's field matches worked out already
    /// ([`Engine::match_fields`], for the same scope and candidate).
    pub fn detect_with<'s>(
        &'s self,
        scope: &Scope,
        candidate: &Candidate<'_>,
        fields: &FieldMatches,
        hits: &mut Vec<Hit<'s>>,
    ) -> bool {
        let (keyed, mut per_request) = candidate
            .key
            .map_or((&[][..], false), |key| self.keyed(key));
        let fielded = &fields.entries;
        // A page URL's parameters are the site's, not the tracker's.
        let in_scope = |entry: &Entry| {
            entry
                .group
                .is_some_and(|g| !candidate.in_page_url && scope.contains(g))
        };
        let named = || keyed.iter().chain(fielded);
        let claimed = !scope.is_empty() && named().any(in_scope);
        // A rule named by both its key and a field pattern is reported once (the lists of one
        // key are without repeats, so only field matches can repeat a rule).
        let repeats = !fielded.is_empty();
        let start = hits.len();
        let mut consider = |entry: &Entry, hits: &mut Vec<Hit<'s>>| match entry.target {
            Target::Ignore { per_request: yes } => per_request |= yes,
            Target::Rule(index) => {
                let compiled = &self.rules[index];
                if candidate.in_page_url && !compiled.rule.in_page_urls {
                    return;
                }
                if repeats
                    && hits[start..]
                        .iter()
                        .any(|h| std::ptr::eq(h.rule, &compiled.rule))
                {
                    return;
                }
                if compiled.matches(candidate.value) {
                    hits.push(Hit {
                        rule: &compiled.rule,
                    });
                }
            }
        };
        if claimed {
            for entry in named().filter(|e| in_scope(e)) {
                consider(entry, hits);
            }
            // The strict value rules (an email, an IMEI, a card number under any name) still
            // look: a field a tracker documents, or declares no leak, can carry what a site put
            // there by mistake (`el=jane@example.org`). What the tracker's rules already report
            // under the same category is not reported twice.
            let claimed_hits = hits.len();
            for entry in self.keyless.iter().filter(|e| e.group.is_none()) {
                let before = hits.len();
                consider(entry, hits);
                if hits.len() > before {
                    let category = hits[before].rule.category;
                    if hits[start..claimed_hits]
                        .iter()
                        .any(|h| h.rule.category == category)
                    {
                        hits.truncate(before);
                    }
                }
            }
        } else {
            for entry in named().filter(|e| e.group.is_none()) {
                consider(entry, hits);
            }
            for entry in &self.keyless {
                if entry.group.is_none() || in_scope(entry) {
                    consider(entry, hits);
                }
            }
        }
        per_request
    }

    /// [`Engine::detect_in`] with no tracker scope: only generic rules.
    pub fn detect_and_classify<'s>(
        &'s self,
        candidate: &Candidate<'_>,
        hits: &mut Vec<Hit<'s>>,
    ) -> bool {
        self.detect_in(&Scope::none(), candidate, hits)
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
    use crate::Recipient;

    fn ids(engine: &Engine, key: Option<&str>, value: &str) -> Vec<String> {
        let mut hits = Vec::new();
        engine.detect(
            &Candidate {
                key,
                value,
                in_page_url: false,
                location: None,
            },
            &mut hits,
        );
        hits.iter().map(|h| h.rule.id.clone()).collect()
    }

    #[test]
    fn a_leafs_key_is_its_last_name_only_where_the_location_ends_with_it() {
        assert!(ends_with_name("query[dl]", "dl"));
        assert!(ends_with_name("body > json $.device.id", "id"));
        assert!(!ends_with_name(
            "query[pscrd] > base64 > protobuf #7",
            "pscrd"
        ));
        assert!(!ends_with_name("query[udff[em]]", "udff[em]"));
        assert!(!ends_with_name("body > json $.extinfo[5]", "extinfo"));
        assert!(!ends_with_name("query[uid] > base64", "uid"));
        assert!(!ends_with_name("query[xid]", "id"));
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
                    location: None,
                },
                &mut hits,
            );
            hits.iter().map(|h| h.rule.id.clone()).collect::<Vec<_>>()
        };
        assert!(in_url("lang", "en").is_empty());
        assert_eq!(in_url("q", "cheap flights"), ["search.query-field"]);
    }

    /// A small tracker file at a made-up domain (the built-in pack has the real UET).
    const UET: &str = include_str!("../tests/data/uet.toml");

    fn uet_engine() -> Engine {
        let mut set = RuleSet::builtin().unwrap();
        set.add_toml(UET, "uet.toml").unwrap();
        Engine::new(set).unwrap()
    }

    fn ids_in(
        engine: &Engine,
        scope: &Scope,
        location: &str,
        key: &str,
        value: &str,
        in_page_url: bool,
    ) -> (Vec<String>, bool) {
        let mut hits = Vec::new();
        let per_request = engine.detect_in(
            scope,
            &Candidate {
                key: Some(key),
                value,
                in_page_url,
                location: Some(location),
            },
            &mut hits,
        );
        (
            hits.iter().map(|h| h.rule.id.clone()).collect(),
            per_request,
        )
    }

    #[test]
    fn a_trackers_rules_decide_its_fields() {
        let engine = uet_engine();
        let bing = engine.scope(&Recipient {
            host: "bat.bing.example",
            path: "/action/0",
        });
        assert!(!bing.is_empty());
        let elsewhere = engine.scope(&Recipient {
            host: "www.bing.example",
            path: "/search",
        });
        assert_ne!(bing, elsewhere, "the host must match too");

        // `kw` is a search anywhere but at UET.
        let at = |scope: &Scope, loc: &str, key: &str, value: &str| {
            ids_in(&engine, scope, loc, key, value, false)
        };
        assert_eq!(
            at(&elsewhere, "query[kw]", "kw", "flu shots").0,
            ["search.query-field"]
        );
        assert_eq!(at(&bing, "query[kw]", "kw", "flu shots"), (vec![], false));
        // `p` is the page at UET; the generic rules do not know it.
        let page = "https://example.org/plans?id=3";
        assert_eq!(at(&bing, "query[p]", "p", page).0, ["uet.page"]);
        assert!(at(&elsewhere, "query[p]", "p", page).0.is_empty());
        // The tracker's rule decides even when it does not report: a bare origin is no page.
        assert!(
            at(&bing, "query[p]", "p", "https://example.org/")
                .0
                .is_empty()
        );
        // A positional field.
        let ext = |i: usize| format!("body form[extinfo] > json $[{i}]");
        assert_eq!(at(&bing, &ext(5), "extinfo", "1080").0, ["uet.ctx"]);
        assert!(at(&bing, &ext(4), "extinfo", "1080").0.is_empty());
        // A value rule of the tracker runs only at the tracker, beside the generic ones.
        let uuid = "3f2a1c7e-9b1d-4c2e-8f3a-2b1c0d9e8f7a";
        assert_eq!(at(&bing, "query[mid]", "mid", uuid).0, ["uet.any-uuid"]);
        assert!(at(&elsewhere, "query[mid]", "mid", uuid).0.is_empty());
        // Generic rules still run on fields the tracker does not describe.
        assert_eq!(
            at(&bing, "query[lang]", "lang", "en-US").0,
            ["fingerprint.locale"]
        );
        // A per-request value the tracker declares.
        assert_eq!(at(&bing, "query[rn]", "rn", "123456"), (vec![], true));
        assert_eq!(at(&elsewhere, "query[rn]", "rn", "123456"), (vec![], false));
        // In a page URL the parameters are the site's: `kw` there is a search again.
        let (in_page, _) = ids_in(&engine, &bing, "query[p] > url[kw]", "kw", "flu", true);
        assert_eq!(in_page, ["search.query-field"]);
    }

    #[test]
    fn tracker_examples_are_tried_at_the_tracker() {
        let mut set = RuleSet::builtin().unwrap();
        set.add_toml(UET, "uet.toml").unwrap();
        set.check_examples().unwrap();
        let uet = set.rules().iter().find(|r| r.id == "uet.page").unwrap();
        assert_eq!(uet.tracker.as_deref(), Some("UET"));
        assert_eq!(
            uet.recipient.domains,
            ["bing.example"],
            "inherited from [tracker]"
        );
        assert_eq!(uet.origin, "uet.toml");
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
