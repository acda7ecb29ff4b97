//! Recipients: which requests a tracker's rules apply to.
//!
//! A tracker's parameters mean something only at that tracker: `p` is the page URL at Bing UET
//! and anything elsewhere, `kw` is a page's meta keywords at Bing and a search at Baidu. A rule
//! (or a rule file's `[tracker]` table) names its recipient by registrable domain (`bing.com`),
//! host glob (`bat.bing.com`, `*.doubleclick.net`) and URL path glob (`/action/*`); the engine
//! works out once per request which trackers it goes to (a [`Scope`]), and a leaf is judged by
//! those trackers' rules first.

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

/// Who receives a request: what a recipient pattern is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient<'a> {
    /// The host name (`bat.bing.com`); a pattern's `domains` match it and the domains above it.
    pub host: &'a str,
    /// The URL path, without the query (`/action/0`); an empty path is `/`.
    pub path: &'a str,
}

/// A recipient pattern as written in a rule file. Every list that is given must match: a
/// domain, and a host, and a path (an empty list matches any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecipientPattern {
    /// Domains (`bing.com`): the recipient is the domain or a host under it.
    pub domains: Vec<String>,
    /// Host name globs (`bat.bing.com`, `*.doubleclick.net`; `*` does not match an empty label).
    pub hosts: Vec<String>,
    /// URL path globs (`/action/*`, `/tr`, `*/collect`): `*` matches any text, `/` included.
    pub paths: Vec<String>,
}

impl RecipientPattern {
    /// Whether the pattern names no recipient at all (a generic rule).
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.hosts.is_empty() && self.paths.is_empty()
    }

    /// Take a file's `[tracker]` recipient where this one names no domains or hosts: a table
    /// that names its own has its own recipient; one that names only paths narrows the
    /// tracker's hosts to those paths; one that names none is the tracker's.
    pub(crate) fn inherit(&mut self, tracker: &RecipientPattern) {
        if self.domains.is_empty() && self.hosts.is_empty() {
            self.domains.clone_from(&tracker.domains);
            self.hosts.clone_from(&tracker.hosts);
            if self.paths.is_empty() {
                self.paths.clone_from(&tracker.paths);
            }
        }
    }
}

/// A recipient pattern compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRecipient {
    domains: Vec<String>,
    hosts: Vec<Glob>,
    paths: Vec<Glob>,
    /// The globs' matchers, built when a request to one of the domains first asks (each is a
    /// regex: building all of the pack's was most of a small capture's scan).
    matchers: std::sync::OnceLock<(Vec<GlobMatcher>, Vec<GlobMatcher>)>,
}

impl CompiledRecipient {
    /// Read the globs (a bad one is an error naming it); their matchers are built on first use.
    pub(crate) fn new(pattern: &RecipientPattern) -> Result<CompiledRecipient, String> {
        let parse = |globs: &[String]| -> Result<Vec<Glob>, String> {
            globs
                .iter()
                .map(|g| {
                    Glob::new(&g.to_ascii_lowercase()).map_err(|e| format!("bad glob `{g}`: {e}"))
                })
                .collect()
        };
        for domain in &pattern.domains {
            if domain.is_empty() || domain.contains(['*', '/', ' ']) {
                return Err(format!(
                    "bad domain `{domain}`: a domain such as `bing.com` (globs go in `hosts`)"
                ));
            }
        }
        Ok(CompiledRecipient {
            domains: pattern
                .domains
                .iter()
                .map(|d| d.to_ascii_lowercase())
                .collect(),
            hosts: parse(&pattern.hosts)?,
            paths: parse(&pattern.paths)?,
            matchers: std::sync::OnceLock::new(),
        })
    }

    /// The domains, lowercase (for the engine's index).
    pub(crate) fn domains(&self) -> &[String] {
        &self.domains
    }

    /// Whether `recipient` is this one.
    pub(crate) fn matches(&self, recipient: &Recipient<'_>) -> bool {
        (self.domains.is_empty() || self.domains.iter().any(|d| within(recipient.host, d))) && {
            let (hosts, paths) = self.matchers.get_or_init(|| {
                let build = |globs: &[Glob]| globs.iter().map(Glob::compile_matcher).collect();
                (build(&self.hosts), build(&self.paths))
            });
            let path = match recipient.path {
                "" => "/",
                path => path,
            };
            (hosts.is_empty() || hosts.iter().any(|g| g.is_match(recipient.host)))
                && (paths.is_empty() || paths.iter().any(|g| g.is_match(path)))
        }
    }
}

/// Whether `host` is `domain` or a host under it (`bat.bing.com` is within `bing.com`; so is
/// `firebaseinstallations.googleapis.com` within itself, where `googleapis.com` is a public
/// suffix).
pub(crate) fn within(host: &str, domain: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.len() >= domain.len()
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && (host.len() == domain.len() || host.as_bytes()[host.len() - domain.len() - 1] == b'.')
}

/// The trackers a request goes to, as the engine numbers them: worked out once per request by
/// [`Engine::scope`](crate::Engine::scope) and handed to every leaf's classification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub(crate) groups: Vec<u32>,
}

impl Scope {
    /// No tracker: only generic rules apply.
    pub fn none() -> Scope {
        Scope::default()
    }

    /// Whether no tracker's rules apply.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    pub(crate) fn contains(&self, group: u32) -> bool {
        self.groups.contains(&group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(domains: &[&str], hosts: &[&str], paths: &[&str]) -> CompiledRecipient {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        CompiledRecipient::new(&RecipientPattern {
            domains: own(domains),
            hosts: own(hosts),
            paths: own(paths),
        })
        .unwrap()
    }

    fn at<'a>(host: &'a str, _domain: &'a str, path: &'a str) -> Recipient<'a> {
        Recipient { host, path }
    }

    #[test]
    fn every_given_list_must_match() {
        let uet = pattern(&["bing.com"], &["bat.bing.com"], &["/action/*"]);
        assert!(uet.matches(&at("bat.bing.com", "bing.com", "/action/0")));
        assert!(!uet.matches(&at("www.bing.com", "bing.com", "/action/0")));
        assert!(!uet.matches(&at("bat.bing.com", "bing.com", "/p/insights")));
        let dc = pattern(&[], &["*.doubleclick.net"], &[]);
        assert!(dc.matches(&at("googleads.g.doubleclick.net", "doubleclick.net", "/")));
        assert!(!dc.matches(&at("doubleclick.net.evil.com", "evil.com", "/")));
        let root = pattern(&[], &["bat.bing.com"], &["/"]);
        assert!(
            root.matches(&at("bat.bing.com", "bing.com", "")),
            "no path is `/`"
        );
        let collect = pattern(&[], &[], &["*/g/collect"]);
        assert!(collect.matches(&at("sst.example.org", "example.org", "/g/collect")));
        assert!(collect.matches(&at("x.example.org", "example.org", "/metrics/g/collect")));
        assert!(pattern(&["Bing.COM"], &[], &[]).matches(&at("bat.bing.com", "bing.com", "/")));
        // A domain below the registrable one is a recipient of its own.
        let fis = pattern(&["firebaseinstallations.googleapis.com"], &[], &[]);
        assert!(fis.matches(&at(
            "firebaseinstallations.googleapis.com",
            "firebaseinstallations.googleapis.com",
            "/"
        )));
        let px = pattern(&["px.tracker.example"], &[], &[]);
        assert!(px.matches(&at("px.tracker.example", "tracker.example", "/b")));
        assert!(!px.matches(&at("cdn.tracker.example", "tracker.example", "/b")));
        assert!(!pattern(&["bing.com"], &[], &[]).matches(&at("notbing.com", "notbing.com", "/")));
    }

    #[test]
    fn bad_patterns_are_named() {
        let bad = RecipientPattern {
            hosts: vec!["[".into()],
            ..RecipientPattern::default()
        };
        assert!(CompiledRecipient::new(&bad).unwrap_err().contains("`[`"));
        let glob_as_domain = RecipientPattern {
            domains: vec!["*.bing.com".into()],
            ..RecipientPattern::default()
        };
        assert!(
            CompiledRecipient::new(&glob_as_domain)
                .unwrap_err()
                .contains("hosts")
        );
    }
}
