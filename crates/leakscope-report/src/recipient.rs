//! Recipients: who receives a request, and on whose behalf.
//!
//! A host name says little to the person reading an audit ("tracking.intl.miui.com"); the
//! organisation behind it says a lot ("Xiaomi"). Hosts are first reduced to their
//! registrable domain, the part someone registered and controls, with the public suffix list
//! (the `psl` crate, compiled in, private section included: "a.github.io" and "b.github.io"
//! have different owners, so they are different recipients). The registrable domain is then
//! looked up in a table of organisations ([`Organisations`]), shipped as
//! `data/organisations.toml`.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Whether a recipient is the site/app being audited or someone else.
///
/// Data sent to the first party is expected; the same data sent to a third party is the
/// leak an audit looks for, so reports group findings by this.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Party {
    /// The site or app being audited (same organisation or registrable domain).
    First,
    /// Anyone else: trackers, ad tech, SDK vendors, platforms.
    Third,
}

impl Party {
    /// The name used in reports and JSON ("first", "third"), so text and JSON agree.
    pub const fn as_str(self) -> &'static str {
        match self {
            Party::First => "first",
            Party::Third => "third",
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The registrable domain (eTLD+1 by the public suffix list) of a host.
///
/// Two hosts with the same registrable domain are controlled by the same registrant, which
/// is what makes it the unit of "who receives this": "tracking.intl.miui.com" -> "miui.com",
/// "www.bbc.co.uk" -> "bbc.co.uk", "a.b.github.io" -> "b.github.io" (the list's private
/// section counts).
///
/// The host is lowercased and a port and a trailing dot are dropped. Hosts that have no
/// registrable domain come back as they are (lowercased): IP addresses (IPv4, or IPv6 with or
/// without brackets), single-label names such as "localhost", names with an empty label, and
/// names that are themselves a public suffix ("co.uk"). An empty host gives "".
pub fn registrable_domain(host: &str) -> String {
    let host = bare_host(host);
    if host.is_empty()
        || host.starts_with('[')
        || host.contains(':')
        || host.parse::<Ipv4Addr>().is_ok()
        || !host.contains('.')
        || host.split('.').any(str::is_empty)
        // No top-level domain is numeric: "10.1.2" or "1.2.3.04" are addresses, not names.
        || host.rsplit('.').next().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return host;
    }
    match psl::domain_str(&host) {
        Some(domain) => domain.to_owned(),
        None => host,
    }
}

/// The host without surrounding whitespace, port or trailing dot, lowercased. A bracketed
/// IPv6 literal keeps its brackets; an unbracketed one is returned whole (its last group is
/// not a port).
fn bare_host(host: &str) -> String {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return match rest.find(']') {
            Some(end) => format!("[{}]", rest[..end].to_lowercase()),
            None => host.to_lowercase(),
        };
    }
    if host.parse::<Ipv6Addr>().is_ok() {
        return host.to_lowercase();
    }
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    host.strip_suffix('.').unwrap_or(host).to_lowercase()
}

/// The table shipped with leakscope.
const BUILTIN_TOML: &str = include_str!("../data/organisations.toml");

/// Domain -> organisation table, loaded from TOML data.
///
/// Keys are registrable domains, so a lookup needs one map access whatever the subdomain;
/// the organisation is the parent company (the data file's header explains the convention),
/// because data given to a subsidiary is data given to its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisations {
    /// Registrable domain -> index into `names`; ordered, so [`Organisations::iter`] is sorted.
    domains: BTreeMap<String, usize>,
    /// Organisation names, in file order.
    names: Vec<String>,
}

impl Organisations {
    /// The table shipped in `data/organisations.toml`, parsed on first use.
    ///
    /// The file is compiled in and checked by this module's tests, so it cannot fail here.
    pub fn builtin() -> &'static Organisations {
        static BUILTIN: OnceLock<Organisations> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Organisations::from_toml(BUILTIN_TOML)
                .expect("data/organisations.toml is tested by recipient::tests, so it parses")
        })
    }

    /// Parses a table in the format of `data/organisations.toml`.
    ///
    /// A table is only useful if every attribution is traceable and unambiguous, so this
    /// rejects, naming the line and the entry: a TOML or shape error, an empty or repeated
    /// organisation name, a missing or empty `source`, an entry without domains, a domain
    /// listed twice (in one entry or across entries), and a domain that is not a registrable
    /// domain (a subdomain, a public suffix, an unknown suffix, uppercase, a trailing dot).
    pub fn from_toml(text: &str) -> Result<Organisations, OrganisationsError> {
        let file: FileRepr =
            toml::from_str(text).map_err(|error| OrganisationsError::from_toml(text, &error))?;
        // Domain -> (organisation index, byte offset where first listed), to name both sides of
        // a repeat.
        let mut domains: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut names: Vec<String> = Vec::new();
        let mut name_spans: Vec<Range<usize>> = Vec::new();
        for (index, entry) in file.organisation.iter().enumerate() {
            let entry_span = entry.span();
            let entry = entry.get_ref();
            let name = entry.name.get_ref();
            let what = EntryLabel {
                number: index + 1,
                name,
            };
            if name.trim().is_empty() {
                return Err(OrganisationsError::at(
                    text,
                    entry.name.span(),
                    format!("{what}: the organisation name is empty"),
                ));
            }
            if name.trim() != name {
                return Err(OrganisationsError::at(
                    text,
                    entry.name.span(),
                    format!("{what}: the organisation name has leading or trailing spaces"),
                ));
            }
            if let Some(first) = names.iter().position(|other| other == name) {
                return Err(OrganisationsError::at(
                    text,
                    entry.name.span(),
                    format!(
                        "{what}: the name is already used by organisation {} at line {}; \
                         give each organisation one entry",
                        first + 1,
                        name_spans
                            .get(first)
                            .and_then(|span| line_of(text, span.start))
                            .unwrap_or(0),
                    ),
                ));
            }
            match &entry.source {
                None => {
                    return Err(OrganisationsError::at(
                        text,
                        entry_span,
                        format!("{what}: no `source`; say where the ownership fact comes from"),
                    ));
                }
                Some(source) if source.get_ref().trim().is_empty() => {
                    return Err(OrganisationsError::at(
                        text,
                        source.span(),
                        format!(
                            "{what}: the `source` is empty; say where the ownership fact comes from"
                        ),
                    ));
                }
                Some(_) => {}
            }
            if entry.domains.get_ref().is_empty() {
                return Err(OrganisationsError::at(
                    text,
                    entry.domains.span(),
                    format!("{what}: `domains` is empty"),
                ));
            }
            let org = names.len();
            for domain in entry.domains.get_ref() {
                let span = domain.span();
                let domain = domain.get_ref();
                if let Some(problem) = domain_problem(domain) {
                    return Err(OrganisationsError::at(
                        text,
                        span,
                        format!("{what}: domain {domain:?} {problem}"),
                    ));
                }
                match domains.entry(domain.clone()) {
                    Entry::Occupied(seen) => {
                        let (other, offset) = *seen.get();
                        let owner = names.get(other).map_or(name.as_str(), String::as_str);
                        return Err(OrganisationsError::at(
                            text,
                            span,
                            format!(
                                "{what}: domain {domain:?} is already listed for {owner:?} at \
                                 line {}; a domain belongs to one organisation",
                                line_of(text, offset).unwrap_or(0),
                            ),
                        ));
                    }
                    Entry::Vacant(slot) => {
                        slot.insert((org, span.start));
                    }
                }
            }
            names.push(name.clone());
            name_spans.push(entry.name.span());
        }
        let domains = domains
            .into_iter()
            .map(|(domain, (org, _))| (domain, org))
            .collect();
        Ok(Organisations { domains, names })
    }

    /// The organisation owning a registrable domain, if the table knows it.
    ///
    /// The match is exact (ASCII case aside): "www.google.com" is not a key, pass it through
    /// [`registrable_domain`] or use [`Organisations::organisation_of_host`].
    pub fn organisation(&self, domain: &str) -> Option<&str> {
        let index = match self.domains.get(domain) {
            Some(index) => *index,
            None if domain.bytes().any(|b| b.is_ascii_uppercase()) => {
                *self.domains.get(&domain.to_ascii_lowercase())?
            }
            None => return None,
        };
        self.names.get(index).map(String::as_str)
    }

    /// The organisation owning any host, found through its [`registrable_domain`]; what a
    /// scanner holding a request's `Host` needs.
    pub fn organisation_of_host(&self, host: &str) -> Option<&str> {
        self.organisation(&registrable_domain(host))
    }

    /// The number of domains in the table.
    pub fn len(&self) -> usize {
        self.domains.len()
    }

    /// Whether the table has no domains (an empty TOML file gives one).
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// Every (domain, organisation), sorted by domain, so listings and tests are stable.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.domains
            .iter()
            .filter_map(|(domain, &index)| Some((domain.as_str(), self.names.get(index)?.as_str())))
    }
}

/// Why a domain cannot be a key of the table, or `None` if it is a registrable domain.
fn domain_problem(domain: &str) -> Option<String> {
    if domain.is_empty() {
        return Some("is empty".to_owned());
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Some("has an empty label (a leading, trailing or doubled dot)".to_owned());
    }
    let valid = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '-'
            || c == '.'
            || (!c.is_ascii() && c.is_alphanumeric() && !c.is_uppercase())
    };
    if let Some(bad) = domain.chars().find(|&c| !valid(c)) {
        return Some(format!(
            "contains {bad:?}; write a bare host name in lowercase, without scheme, port or path"
        ));
    }
    match psl::domain(domain.as_bytes()) {
        None => Some("is a public suffix (or a single label), not a registrable domain".to_owned()),
        Some(registrable) if !registrable.suffix().is_known() => {
            Some("does not end in a suffix of the public suffix list".to_owned())
        }
        Some(registrable) if registrable.as_bytes() != domain.as_bytes() => Some(format!(
            "is not a registrable domain; list {:?} instead",
            String::from_utf8_lossy(registrable.as_bytes())
        )),
        Some(_) => None,
    }
}

/// An error in an organisations table: what is wrong, and on which line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationsError {
    line: Option<usize>,
    message: String,
}

impl OrganisationsError {
    /// The 1-based line of the TOML text the error points at, when it points somewhere, so a
    /// tool can show the offending line.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    fn at(text: &str, span: Range<usize>, message: String) -> Self {
        OrganisationsError {
            line: line_of(text, span.start),
            message,
        }
    }

    fn from_toml(text: &str, error: &toml::de::Error) -> Self {
        OrganisationsError {
            line: error.span().and_then(|span| line_of(text, span.start)),
            message: error.message().trim_end().to_owned(),
        }
    }
}

impl fmt::Display for OrganisationsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("organisations table")?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for OrganisationsError {}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> Option<usize> {
    let before = text.as_bytes().get(..offset)?;
    Some(before.iter().filter(|&&b| b == b'\n').count() + 1)
}

/// "organisation 3 (\"Google\")", the way errors name an entry.
struct EntryLabel<'a> {
    number: usize,
    name: &'a str,
}

impl fmt::Display for EntryLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.trim().is_empty() {
            write!(f, "organisation {}", self.number)
        } else {
            write!(f, "organisation {} ({:?})", self.number, self.name)
        }
    }
}

/// The file: `[[organisation]]` entries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    #[serde(default)]
    organisation: Vec<Spanned<EntryRepr>>,
}

/// One `[[organisation]]` entry, with spans so errors can name lines.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryRepr {
    name: Spanned<String>,
    /// Optional here so that a missing note gets this module's message, not serde's.
    source: Option<Spanned<String>>,
    domains: Spanned<Vec<Spanned<String>>>,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn party_names() {
        assert_eq!(Party::First.as_str(), "first");
        assert_eq!(Party::Third.to_string(), "third");
        assert_eq!(serde_json::to_string(&Party::Third).unwrap(), r#""third""#);
        assert_eq!(
            serde_json::from_str::<Party>(r#""first""#).unwrap(),
            Party::First
        );
    }

    /// (host as a request names it, its registrable domain).
    const REGISTRABLE_DOMAINS: &[(&str, &str)] = &[
        // Subdomains.
        ("tracking.intl.miui.com", "miui.com"),
        ("www.google-analytics.com", "google-analytics.com"),
        ("miui.com", "miui.com"),
        // Multi-label suffixes. The private section of the list counts: each github.io site
        // is its own registrant.
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("sa.sensorsdata.com.cn", "sensorsdata.com.cn"),
        ("a.b.github.io", "b.github.io"),
        ("b.github.io", "b.github.io"),
        // A public suffix is its own registrable domain.
        ("co.uk", "co.uk"),
        ("github.io", "github.io"),
        ("com", "com"),
        // Addresses and local names are the host.
        ("192.168.1.10", "192.168.1.10"),
        ("192.168.1.10:8080", "192.168.1.10"),
        ("[2001:DB8::1]", "[2001:db8::1]"),
        ("[2001:db8::1]:443", "[2001:db8::1]"),
        ("2001:db8::1", "2001:db8::1"),
        ("localhost", "localhost"),
        ("localhost:3000", "localhost"),
        ("printer", "printer"),
        // Case, port and a trailing dot do not count.
        ("WWW.Example.COM", "example.com"),
        ("www.example.com.", "example.com"),
        ("www.example.com:8443", "example.com"),
        ("www.example.com.:8443", "example.com"),
        // Odd input.
        ("", ""),
        (".", ""),
        (":80", ""),
        ("a..example.com", "a..example.com"),
        ("[", "["),
    ];

    #[test]
    fn registrable_domains() {
        for (host, domain) in REGISTRABLE_DOMAINS {
            assert_eq!(registrable_domain(host), *domain, "{host}");
        }
    }

    #[test]
    fn registrable_domain_of_odd_input_does_not_panic() {
        for host in [
            "..",
            "[]",
            "]:",
            "::",
            "é.com",
            "ÉCOLE.fr",
            "a.b.c.d.e.f",
            "-.-",
            "1.2.3",
        ] {
            let _ = registrable_domain(host);
        }
    }

    #[test]
    fn builtin_table_parses_and_is_large_enough() {
        let table = Organisations::from_toml(BUILTIN_TOML).unwrap_or_else(|e| panic!("{e}"));
        assert!(table.len() >= 150, "only {} domains", table.len());
        assert!(!table.is_empty());
        assert_eq!(Organisations::builtin().len(), table.len());
    }

    #[test]
    fn builtin_domains_are_their_own_registrable_domain() {
        for (domain, organisation) in Organisations::builtin().iter() {
            assert_eq!(
                registrable_domain(domain),
                domain,
                "{domain} ({organisation})"
            );
        }
    }

    #[test]
    fn builtin_entries_have_unique_names_sources_and_domains() {
        // Read the raw entries: from_toml would stop at the first repeat, this lists them all.
        let file: FileRepr = toml::from_str(BUILTIN_TOML).unwrap();
        let mut names = HashSet::new();
        let mut domains = HashSet::new();
        for entry in &file.organisation {
            let entry = entry.get_ref();
            let name = entry.name.get_ref();
            assert!(!name.trim().is_empty());
            assert!(
                names.insert(name.clone()),
                "organisation {name:?} appears twice"
            );
            let source = entry.source.as_ref().map(|s| s.get_ref().trim());
            assert!(
                source.is_some_and(|s| !s.is_empty()),
                "{name:?} has no source note"
            );
            for domain in entry.domains.get_ref() {
                let domain = domain.get_ref();
                assert!(domains.insert(domain.clone()), "{domain:?} appears twice");
            }
        }
        assert_eq!(domains.len(), Organisations::builtin().len());
    }

    #[test]
    fn iter_is_sorted_by_domain() {
        let domains: Vec<&str> = Organisations::builtin().iter().map(|(d, _)| d).collect();
        assert!(domains.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn lookups_of_hosts() {
        let table = Organisations::builtin();
        assert_eq!(
            table.organisation_of_host("tracking.intl.miui.com"),
            Some("Xiaomi")
        );
        assert_eq!(
            table.organisation_of_host("www.google-analytics.com"),
            Some("Google")
        );
        assert_eq!(
            table.organisation_of_host("connect.facebook.net"),
            Some("Meta")
        );
        assert_eq!(
            table.organisation_of_host("sa.sensorsdata.cn"),
            Some("Sensors Data")
        );
        assert_eq!(
            table.organisation_of_host("px.ads.linkedin.com"),
            Some("Microsoft")
        );
        assert_eq!(table.organisation_of_host("api.segment.io"), Some("Twilio"));
        assert_eq!(table.organisation_of_host("T.CO:443"), Some("X"));
        assert_eq!(table.organisation_of_host("www.example.org"), None);
        assert_eq!(table.organisation_of_host("localhost"), None);
        assert_eq!(table.organisation_of_host(""), None);
    }

    #[test]
    fn lookups_of_domains_are_exact() {
        let table = Organisations::builtin();
        assert_eq!(table.organisation("miui.com"), Some("Xiaomi"));
        assert_eq!(table.organisation("MIUI.com"), Some("Xiaomi"));
        assert_eq!(table.organisation("intl.miui.com"), None);
        assert_eq!(table.organisation(""), None);
    }

    /// Parses `text`, expecting an error; returns its line and message.
    fn error(text: &str) -> (Option<usize>, String) {
        let error = Organisations::from_toml(text).expect_err("the table should be rejected");
        (error.line(), error.to_string())
    }

    #[test]
    fn a_small_table() {
        let table = Organisations::from_toml(
            r#"
            [[organisation]]
            name = "Example"
            source = "they said so"
            domains = ["example.com", "example.co.uk"]
            "#,
        )
        .unwrap();
        assert_eq!(table.len(), 2);
        let entries: Vec<_> = table.iter().collect();
        assert_eq!(
            entries,
            [("example.co.uk", "Example"), ("example.com", "Example")]
        );
        assert!(Organisations::from_toml("").unwrap().is_empty());
    }

    #[test]
    fn duplicate_domains_are_rejected() {
        let (line, message) = error(
            r#"
[[organisation]]
name = "Google"
source = "a"
domains = ["doubleclick.net"]

[[organisation]]
name = "Someone else"
source = "b"
domains = ["other.com", "doubleclick.net"]
"#,
        );
        assert_eq!(line, Some(10));
        assert!(
            message.contains(r#""doubleclick.net" is already listed for "Google" at line 5"#),
            "{message}"
        );
        assert!(
            message.contains(r#"organisation 2 ("Someone else")"#),
            "{message}"
        );

        let (line, message) = error(
            "[[organisation]]\nname = \"A\"\nsource = \"a\"\ndomains = [\"a.com\", \"a.com\"]\n",
        );
        assert_eq!(line, Some(4));
        assert!(message.contains("already listed"), "{message}");
    }

    #[test]
    fn subdomains_suffixes_and_malformed_domains_are_rejected() {
        let table = |domain: &str| {
            format!("[[organisation]]\nname = \"A\"\nsource = \"a\"\ndomains = [{domain:?}]\n")
        };
        let (line, message) = error(&table("intl.miui.com"));
        assert_eq!(line, Some(4));
        assert!(message.contains(r#"list "miui.com" instead"#), "{message}");
        for (domain, expected) in [
            ("co.uk", "public suffix"),
            ("github.io", "public suffix"),
            ("localhost", "public suffix"),
            ("example.notasuffix", "suffix of the public suffix list"),
            ("Example.com", "lowercase"),
            ("example.com.", "empty label"),
            ("https://example.com", "lowercase"),
            ("example.com:443", "lowercase"),
            ("", "is empty"),
        ] {
            let (_, message) = error(&table(domain));
            assert!(message.contains(expected), "{domain:?}: {message}");
        }
    }

    #[test]
    fn entries_need_a_name_a_source_and_domains() {
        let (line, message) =
            error("[[organisation]]\nname = \" \"\nsource = \"a\"\ndomains = [\"a.com\"]\n");
        assert_eq!(line, Some(2));
        assert!(message.contains("name is empty"), "{message}");

        let (line, message) = error("[[organisation]]\nname = \"A\"\ndomains = [\"a.com\"]\n");
        assert_eq!(line, Some(1));
        assert!(message.contains("no `source`"), "{message}");

        let (line, message) =
            error("[[organisation]]\nname = \"A\"\nsource = \"\"\ndomains = [\"a.com\"]\n");
        assert_eq!(line, Some(3));
        assert!(message.contains("`source` is empty"), "{message}");

        let (_, message) = error("[[organisation]]\nname = \"A\"\nsource = \"a\"\ndomains = []\n");
        assert!(message.contains("`domains` is empty"), "{message}");

        let (_, message) = error("[[organisation]]\nname = \"A\"\nsource = \"a\"\n");
        assert!(message.contains("domains"), "{message}");
    }

    #[test]
    fn organisation_names_are_unique() {
        let (line, message) = error(
            "[[organisation]]\nname = \"A\"\nsource = \"a\"\ndomains = [\"a.com\"]\n\
             [[organisation]]\nname = \"A\"\nsource = \"a\"\ndomains = [\"b.com\"]\n",
        );
        assert_eq!(line, Some(6));
        assert!(
            message.contains("already used by organisation 1 at line 2"),
            "{message}"
        );
    }

    #[test]
    fn syntax_and_shape_errors_name_the_line() {
        let (line, message) =
            error("[[organisation]]\nname = \"A\"\nsource = \"a\"\ndomains = [\n");
        assert!(line.is_some(), "{message}");
        let (line, message) = error(
            "[[organisation]]\nname = \"A\"\nsource = \"a\"\ndomains = [\"a.com\"]\nowner = \"B\"\n",
        );
        assert_eq!(line, Some(5), "{message}");
        assert!(message.contains("owner"), "{message}");
    }
}
