//! What the capture itself reveals about the user, read in a first pass before the scan.
//!
//! A capture holds what the user did: the pages they opened, what they searched for on the
//! site, what they typed into its forms, and the ids the site keeps for them in cookies. None
//! of that is a leak while it goes to the site itself. The same values reaching a third party,
//! plain, encoded or hashed, are: the email typed into a contact form, found again as the
//! SHA-256 in a pixel's `udff[em]`, is found by nothing that looks at key names.
//!
//! [`Collector`] reads every request once, cheaply: it feeds the first-party inference (so the
//! scan knows each request's party before it starts) and keeps candidate values per
//! registrable domain. [`Collector::finish`] keeps those of the first party. Which query
//! parameters are searches and which form fields hold what are data
//! (`leakscope-rules/rules/context.toml`).

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

use leakscope_codecs::url::Url;
use leakscope_decode::{Budget, Limits, Path, Unwrapper};
use leakscope_http::urlencoded::{parse_urlencoded, url_query};
use leakscope_http::{Exchange, PartKind, request_parts, url_host};
use leakscope_report::{
    FirstParty, FirstPartyInference, FirstPartySet, Party, ReportOptions, registrable_domain,
};
use leakscope_rules::{
    Category, ContextKeys, FieldSource, HeaderPolicy, TypedKind, looks_like_an_identifier,
};

/// Candidate values kept per registrable domain; past this many, a domain's later values are
/// not looked for (a note says so). Bounds the first pass's memory on huge captures.
const MAX_VALUES_PER_DOMAIN: usize = 2_000;

/// Candidate values kept over all domains.
const MAX_VALUES: usize = 20_000;

/// Values shorter than this are not looked for: too many chance matches.
const MIN_LEN: usize = 3;

/// Searches shorter than this are not looked for: a three-letter search (`red`) is in any
/// font path and colour field.
const MIN_SEARCH_LEN: usize = 4;

/// Titles shorter than this are not looked for (`Home`, `Login`).
const MIN_TITLE_LEN: usize = 12;

/// What a context value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum ContextKind {
    /// A page the user visited (a URL, or its path and query).
    Page,
    /// The title of a page the user visited.
    Title,
    /// A search on the first party's site.
    Search,
    /// Something the user typed into a form.
    Typed(TypedKind),
    /// A part of a name the user typed (`Jane` of `Jane Doe`): looked for hashed only, as
    /// advanced-matching pixels send first and last names.
    NamePart,
    /// An identifier the first party keeps for the user in a cookie.
    Id,
    /// An identifier a third party keeps in its cookie: found at another recipient, it has
    /// been synced (the cookie-sync of ad exchanges, `put`, `external_user_id`, …).
    SyncedId,
}

impl ContextKind {
    /// The rule a leak found through such a value is reported under.
    pub(crate) fn rule(self) -> &'static str {
        match self {
            ContextKind::Page | ContextKind::Title => "context.page-visited",
            ContextKind::Search => "context.search",
            ContextKind::Typed(_) | ContextKind::NamePart => "context.typed",
            ContextKind::Id => "context.first-party-id",
            ContextKind::SyncedId => "context.synced-id",
        }
    }

    /// Its category.
    pub(crate) fn category(self) -> Category {
        match self {
            ContextKind::Page | ContextKind::Title => Category::BrowsingHistory,
            ContextKind::Search => Category::SearchQuery,
            ContextKind::Typed(_) | ContextKind::NamePart => Category::Contact,
            ContextKind::Id | ContextKind::SyncedId => Category::PersistentId,
        }
    }

    /// Whether only hashed forms are looked for.
    pub(crate) fn hashed_only(self) -> bool {
        matches!(self, ContextKind::NamePart)
    }

    /// Whether hashed forms are looked for too (pages and ids are sent as they are; what the
    /// user typed and searched is hashed by advanced-matching pixels).
    pub(crate) fn hashed_too(self) -> bool {
        matches!(
            self,
            ContextKind::Search | ContextKind::Typed(_) | ContextKind::NamePart
        )
    }
}

/// A value the capture revealed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContextValue {
    pub(crate) kind: ContextKind,
    pub(crate) value: String,
    /// Where it came from, said for a report: "the email typed into the form posted to
    /// example.org in request #12, field `email`".
    pub(crate) provenance: String,
    /// For a third party's cookie id: its registrable domain, whose own requests are not
    /// where it leaks (anywhere else, it has been synced).
    pub(crate) owner: Option<String>,
}

/// What the first pass learnt.
#[derive(Debug, Default)]
pub(crate) struct CaptureContext {
    /// The first party, settled (given, or inferred from the whole capture).
    pub(crate) first_party: Option<FirstParty>,
    /// The first party's values, to be looked for in what third parties receive.
    pub(crate) values: Vec<ContextValue>,
    /// Said in the report when values were left out.
    pub(crate) notes: Vec<String>,
}

/// The first pass: fed every request of the capture in order.
pub(crate) struct Collector<'a> {
    options: &'a ReportOptions,
    collect_values: bool,
    inference: FirstPartyInference,
    /// The first party when the user gave it: requests to others are not read for values.
    given: Option<FirstPartySet>,
    by_domain: BTreeMap<String, Vec<ContextValue>>,
    seen: FxHashSet<(String, ContextKind, String)>,
    kept: usize,
    full_domains: Vec<String>,
    unwrapper: Unwrapper,
    limits: Limits,
}

impl<'a> Collector<'a> {
    /// A first pass for a scan with these report options; `collect_values`: read values too
    /// (else only the first party is inferred).
    pub(crate) fn new(options: &'a ReportOptions, collect_values: bool, limits: Limits) -> Self {
        let given = (!options.first_party.is_empty()).then(|| FirstPartySet::new(options));
        Collector {
            options,
            collect_values,
            inference: FirstPartyInference::default(),
            given,
            by_domain: BTreeMap::new(),
            seen: FxHashSet::default(),
            kept: 0,
            full_domains: Vec::new(),
            unwrapper: Unwrapper::new(),
            limits,
        }
    }

    /// Read one request (`index` is its number over all inputs).
    pub(crate) fn note(&mut self, index: usize, exchange: &Exchange) {
        let host = crate::scan::recipient_host(exchange);
        let domain = registrable_domain(&host);
        let context = crate::scan::request_context(exchange);
        if self.given.is_none() {
            self.inference.note(&domain, &context);
        }
        if !self.collect_values || domain.is_empty() {
            return;
        }
        if let Some(given) = &self.given
            && given.party(&domain) == Party::Third
        {
            // Only the first party's own requests say what the user did. A third party's
            // request still names the page it was made from, and its cookies hold its ids,
            // which found at another recipient have been synced.
            self.note_referer(index, exchange);
            self.note_cookies(&domain, &host, index, exchange);
            return;
        }
        let document = context.document;
        if document && exchange.method.eq_ignore_ascii_case("GET") {
            self.note_page(&domain, index, exchange);
        }
        self.note_referer(index, exchange);
        self.note_searches(&domain, index, exchange);
        let same_site = context.initiator.as_deref() == Some(domain.as_str());
        if document || same_site || self.given.is_some() {
            self.note_typed(&domain, &host, index, exchange, document);
        }
        self.note_cookies(&domain, &host, index, exchange);
    }

    fn add(
        &mut self,
        domain: &str,
        kind: ContextKind,
        value: &str,
        provenance: impl FnOnce() -> String,
    ) {
        let value = value.trim();
        if value.len() < MIN_LEN {
            return;
        }
        let key = (domain.to_owned(), kind, value.to_owned());
        if self.seen.contains(&key) {
            return;
        }
        let values = self.by_domain.entry(domain.to_owned()).or_default();
        if values.len() >= MAX_VALUES_PER_DOMAIN || self.kept >= MAX_VALUES {
            if !self.full_domains.iter().any(|d| d == domain) {
                self.full_domains.push(domain.to_owned());
            }
            return;
        }
        values.push(ContextValue {
            kind,
            value: value.to_owned(),
            provenance: provenance(),
            owner: None,
        });
        self.seen.insert(key);
        self.kept += 1;
    }

    /// A page load: its URL, its path and query, and its HAR page title.
    fn note_page(&mut self, domain: &str, index: usize, exchange: &Exchange) {
        let url = exchange.url.split('#').next().unwrap_or_default();
        let said = || format!("the page visited in request #{index}");
        self.add(domain, ContextKind::Page, url, said);
        let path = path_and_query(url);
        if path.len() >= 5 {
            self.add(domain, ContextKind::Page, path, said);
        }
        if let Some(title) = &exchange.page
            && !title.contains("://")
            && title.trim().len() >= MIN_TITLE_LEN
        {
            self.add(domain, ContextKind::Title, title, || {
                format!("the title of the page visited in request #{index}")
            });
        }
    }

    /// The page a request was made from, when its Referer names one with a path or query: a
    /// capture that starts after a page loaded has no page load, only requests naming it.
    fn note_referer(&mut self, index: usize, exchange: &Exchange) {
        let Some(referer) = exchange.header("referer") else {
            return;
        };
        let referer = referer.split('#').next().unwrap_or_default();
        let Some(host) = url_host(referer) else {
            return;
        };
        // `registrable_domain` lowercases and drops a trailing dot itself.
        let domain = registrable_domain(host);
        if domain.is_empty() {
            return;
        }
        let path = path_and_query(referer);
        if path.len() < 2 {
            return;
        }
        let said = || format!("the page named by the Referer of request #{index}");
        self.add(&domain, ContextKind::Page, referer, said);
        if path.len() >= 5 {
            self.add(&domain, ContextKind::Page, path, said);
        }
    }

    /// Searches on the site: `q`, `query`, `s`, … in the query of a request to it. (Read
    /// from the URL alone: this runs for every request of the capture.)
    fn note_searches(&mut self, domain: &str, index: usize, exchange: &Exchange) {
        let Some(query) = url_query(&exchange.url).filter(|q| q.contains('=')) else {
            return;
        };
        let keys = ContextKeys::builtin();
        for pair in parse_urlencoded(query.as_bytes()) {
            let Some(key) = pair
                .key
                .as_deref()
                .and_then(|k| std::str::from_utf8(k).ok())
            else {
                continue;
            };
            if !keys.is_search(key) {
                continue;
            }
            let value = String::from_utf8_lossy(&pair.value);
            if value.trim().len() < MIN_SEARCH_LEN {
                continue;
            }
            self.add(domain, ContextKind::Search, &value, || {
                format!("searched for on {domain} in request #{index} (`{key}`)")
            });
        }
    }

    /// Fields of a form or JSON post (or a form sent as a page's query) that hold what the
    /// user typed: an email, a phone number, a name, an address, a postcode, a date of birth.
    fn note_typed(
        &mut self,
        domain: &str,
        host: &str,
        index: usize,
        exchange: &Exchange,
        document: bool,
    ) {
        let posted = !exchange.body.is_empty()
            && !exchange.method.eq_ignore_ascii_case("GET")
            && !exchange.method.eq_ignore_ascii_case("HEAD");
        let keys = ContextKeys::builtin();
        let mut budget = Budget::new(self.limits);
        let mut found: Vec<(TypedKind, String, String)> = Vec::new();
        for part in request_parts(exchange) {
            let source = match part.kind {
                PartKind::FormField | PartKind::MultipartField if posted => FieldSource::Form,
                PartKind::Body if posted => FieldSource::Other,
                // A form sent with GET is a page load with the fields in its query.
                PartKind::Query if document => FieldSource::Other,
                _ => continue,
            };
            self.unwrapper.unwrap(
                Path::from_part(part.location.as_str()),
                part.key.as_deref(),
                &part.value,
                &mut budget,
                &mut |leaf| {
                    let text = leaf.text();
                    if let Some(kind) = keys.typed(leaf.key, &text, source) {
                        let field = leaf.key.unwrap_or("(no name)").to_owned();
                        found.push((kind, text.trim().to_owned(), field));
                    }
                },
            );
        }
        let how = if posted { "posted to" } else { "sent to" };
        for (kind, value, field) in found {
            let said = || {
                format!(
                    "the {kind} typed into the form {how} {host} in request #{index}, field `{field}`"
                )
            };
            self.add(domain, ContextKind::Typed(kind), &value, said);
            if kind == TypedKind::Name {
                for word in value.split_whitespace().filter(|w| *w != value) {
                    self.add(domain, ContextKind::NamePart, word, || {
                        format!(
                            "a part of the name typed into the form {how} {host} in request #{index}, field `{field}`"
                        )
                    });
                }
            }
        }
    }

    /// The ids the site keeps for the user: cookies sent to it whose values are identifiers.
    /// An id with a version prefix (`GA1.1.1234567890.1700000000`, whose last two parts are
    /// what Google Analytics sends as `cid`) is looked for without it too.
    fn note_cookies(&mut self, domain: &str, host: &str, index: usize, exchange: &Exchange) {
        let policy = HeaderPolicy::builtin();
        for header in exchange.header_values("cookie") {
            for (name, value) in leakscope_http::cookies::parse_cookies(header) {
                if !policy.cookie_may_be_id(name) || !looks_like_an_identifier(value) {
                    continue;
                }
                // "the first-party cookie …" or "the third-party cookie …", once the first
                // party is known (`finish`).
                let said = || format!("cookie `{name}` sent to {host} in request #{index}");
                self.add(domain, ContextKind::Id, value, said);
                if let Some(tail) = without_version_prefix(value) {
                    self.add(domain, ContextKind::Id, tail, said);
                }
            }
        }
    }

    /// The first party and its values.
    pub(crate) fn finish(self) -> CaptureContext {
        let first_party = match &self.given {
            Some(_) => None,
            None => Some(self.inference.first_party()),
        };
        let settled = ReportOptions {
            inferred_first_party: first_party.clone(),
            ..self.options.clone()
        };
        let set = FirstPartySet::new(&settled);
        let mut values = Vec::new();
        let mut seen = FxHashSet::default();
        for (domain, found) in self.by_domain {
            let first = set.party(&domain) == Party::First;
            for mut value in found {
                if value.kind == ContextKind::Id {
                    let party = if first { "first" } else { "third" };
                    value.provenance = format!("the {party}-party {}", value.provenance);
                }
                if !first {
                    // A third party's id, kept in its cookie: a leak where another receives it.
                    if value.kind != ContextKind::Id {
                        continue;
                    }
                    value.kind = ContextKind::SyncedId;
                    value.owner = Some(domain.clone());
                }
                if seen.insert((value.kind, value.value.clone())) {
                    values.push(value);
                }
            }
        }
        let notes = self
            .full_domains
            .iter()
            .filter(|d| set.party(d) == Party::First)
            .map(|d| {
                format!(
                    "{d}: more values of what the user did than are looked for \
                     ({MAX_VALUES_PER_DOMAIN} per site, {MAX_VALUES} in all); the rest were not"
                )
            })
            .collect();
        CaptureContext {
            first_party,
            values,
            notes,
        }
    }
}

/// A URL's path and query (`/a/b?c=d`), without a fragment; `?x=1` for a URL with a query
/// and no path; the text as it is when it is not an absolute URL.
fn path_and_query(url: &str) -> &str {
    let path = Url::parse(url).path_and_query();
    path.strip_suffix('?').unwrap_or(path)
}

/// `GA1.1.1234567890.1700000000` → `1234567890.1700000000`; `1.1.…` (`_gcl_au`) alike; `None`
/// for an id without such a prefix, or when what is left is too short to look for.
fn without_version_prefix(value: &str) -> Option<&str> {
    let mut parts = value.splitn(3, '.');
    let (first, second, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let version = first.len() <= 6
        && first
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .bytes()
            .all(|b| b.is_ascii_digit())
        && !second.is_empty()
        && second.len() <= 2
        && second.bytes().all(|b| b.is_ascii_digit());
    (version && rest.len() >= 10).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_keep_their_query() {
        for (url, path) in [
            (
                "https://www.example.org/get-help/contact?topic=self-harm",
                "/get-help/contact?topic=self-harm",
            ),
            ("https://www.example.org/", "/"),
            ("https://www.example.org", ""),
            ("https://www.example.org/a?", "/a"),
            ("https://shop.example?x=1", "?x=1"),
            ("https://shop.example/a#top", "/a"),
            ("/relative?q=1", "/relative?q=1"),
        ] {
            assert_eq!(path_and_query(url), path, "{url}");
        }
    }

    #[test]
    fn version_prefixes_come_off_ids() {
        assert_eq!(
            without_version_prefix("GA1.1.1234567890.1700000000"),
            Some("1234567890.1700000000")
        );
        assert_eq!(
            without_version_prefix("1.1.1234567890.1700000000"),
            Some("1234567890.1700000000")
        );
        assert_eq!(without_version_prefix("a1B2c3D4e5F6g7H8i9J0kL"), None);
        assert_eq!(without_version_prefix("fb.1.17000"), None);
    }
}
