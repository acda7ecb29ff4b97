//! Who the first party is: the site or app being audited, given by the user or inferred from
//! what the capture says about itself.
//!
//! A report sorts recipients into first and third parties, and the scanner needs the answer
//! before it can tell a user's own form post to the site (not a leak) from the same email
//! hashed into a tracker's pixel (a leak). [`FirstPartyInference`] is fed one request at a
//! time, as the [`ReportBuilder`](crate::ReportBuilder) does while streaming, or as a first
//! pass over a capture does before the scan.

use std::collections::{BTreeMap, BTreeSet};

use leakscope_codecs::url::Url;

use crate::recipient::{Organisations, registrable_domain};
use crate::{FirstParty, Party, ReportOptions, RequestContext};

/// What a capture says about its first party, request by request: the HAR pages, the page
/// loads, and the pages that requests name as their `Origin` or `Referer`.
///
/// ```
/// use leakscope_report::{FirstPartyInference, RequestContext};
///
/// let mut inference = FirstPartyInference::default();
/// let page_load = RequestContext { document: true, ..RequestContext::default() };
/// inference.note("example.org", &page_load);
/// let beacon = RequestContext { initiator: Some("example.org".into()), ..RequestContext::default() };
/// inference.note("tracker.example", &beacon);
/// let first_party = inference.first_party();
/// assert_eq!(first_party.domains, ["example.org"]);
/// assert_eq!(first_party.how, "top-level document requests named as Origin/Referer");
/// ```
#[derive(Debug, Default, Clone)]
pub struct FirstPartyInference {
    pages: BTreeMap<String, usize>,
    documents: BTreeMap<String, usize>,
    initiators: BTreeMap<String, usize>,
    /// Initiators of requests that are not page loads (a page's subresources and beacons name
    /// the page; a page load's Referer names the page the user came from).
    subresource_initiators: BTreeSet<String>,
    /// The most common initiator and its count.
    leader: Option<(String, usize)>,
    /// Whether the answer may have changed since it was last worked out.
    changed: bool,
}

impl FirstPartyInference {
    /// Note what one request to a host of the registrable domain `domain` says. Returns
    /// whether the answer may have changed.
    pub fn note(&mut self, domain: &str, context: &RequestContext) -> bool {
        if let Some(page) = &context.page
            && let Some(page_domain) = page_domain(page)
        {
            let count = self.pages.entry(page_domain).or_default();
            self.changed |= *count == 0;
            *count += 1;
        }
        if context.document && !domain.is_empty() {
            let count = self.documents.entry(domain.to_owned()).or_default();
            self.changed |= *count == 0;
            *count += 1;
        }
        if let Some(initiator) = &context.initiator {
            if !context.document && !self.subresource_initiators.contains(initiator) {
                self.subresource_initiators.insert(initiator.clone());
                self.changed = true;
            }
            let count = match self.initiators.get_mut(initiator) {
                Some(count) => count,
                None => {
                    // A new initiator can confirm a page load.
                    self.changed = true;
                    self.initiators.entry(initiator.clone()).or_default()
                }
            };
            *count += 1;
            let count = *count;
            // The leader as `first_party` picks it: most requests, then the smaller name.
            let leads = match &self.leader {
                Some((name, most)) => {
                    name != initiator && (count > *most || (count == *most && initiator < name))
                }
                None => true,
            };
            if leads {
                self.leader = Some((initiator.clone(), count));
                self.changed = true;
            } else if let Some((name, most)) = &mut self.leader
                && name == initiator
            {
                *most = count;
            }
        }
        std::mem::take(&mut self.changed)
    }

    /// The first party the requests noted so far point to, and how it was told.
    pub fn first_party(&self) -> FirstParty {
        let (domains, how) = self.domains_and_how();
        FirstParty {
            domains: domains.into_iter().collect(),
            how,
        }
    }
}

impl FirstPartyInference {
    /// The first party the evidence points to, and how: HAR pages, else page loads, else the
    /// most common initiator.
    pub(crate) fn domains_and_how(&self) -> (BTreeSet<String>, String) {
        if !self.pages.is_empty() {
            return (self.pages.keys().cloned().collect(), "HAR pages".to_owned());
        }
        if !self.documents.is_empty() {
            // A page load that other requests name as their Origin or Referer is a page the
            // user was on; a click-through to an ad server or a sign-in redirect is a page load
            // nothing else names. When none is named, every page load counts.
            let named: BTreeSet<String> = self
                .documents
                .keys()
                .filter(|d| self.subresource_initiators.contains(*d))
                .cloned()
                .collect();
            let how = "top-level document requests".to_owned();
            return if named.is_empty() {
                (self.documents.keys().cloned().collect(), how)
            } else {
                (named, how + " named as Origin/Referer")
            };
        }
        if let Some((domain, count)) = self
            .initiators
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        {
            let total: usize = self.initiators.values().sum();
            return (
                BTreeSet::from([domain.clone()]),
                format!("most common Origin/Referer ({count} of {total} requests that name one)"),
            );
        }
        (
            BTreeSet::new(),
            "none found (no pages, page loads, Origin or Referer): every recipient is taken as \
             third party; --first-party DOMAIN says who the first party is"
                .to_owned(),
        )
    }
}

/// The first party's registrable domains, and whether the user gave them: what tells a
/// recipient's [`Party`].
#[derive(Debug, Default, Clone)]
pub struct FirstPartySet {
    pub(crate) domains: BTreeSet<String>,
    /// The user gave the domains: they take their organisations' other domains along.
    given: bool,
    /// How the domains were told, when they are settled before the scan (given by the user,
    /// or inferred by a first pass); `None` while they are being inferred.
    pub(crate) how: Option<String>,
}

impl FirstPartySet {
    /// The first party as the options give it: the user's domains, else what a first pass
    /// inferred, else nothing yet (to be inferred while requests are added).
    pub fn new(options: &ReportOptions) -> Self {
        if !options.first_party.is_empty() {
            return FirstPartySet {
                domains: options
                    .first_party
                    .iter()
                    .filter_map(|given| first_party_domain(given))
                    .collect(),
                given: true,
                how: Some("--first-party".to_owned()),
            };
        }
        match &options.inferred_first_party {
            Some(inferred) => FirstPartySet {
                domains: inferred.domains.iter().cloned().collect(),
                given: false,
                how: Some(inferred.how.clone()),
            },
            None => FirstPartySet::default(),
        }
    }

    /// Whether the domains are settled (nothing is inferred while requests are added).
    pub fn settled(&self) -> bool {
        self.how.is_some()
    }

    /// First party: one of the domains, or, when the user gave them, a domain of the same
    /// organisation (a site's own analytics domain is still the site's owner).
    pub fn party(&self, domain: &str) -> Party {
        if self.domains.contains(domain) {
            return Party::First;
        }
        // Only a first party the user named takes its organisation along: an inferred one can
        // be a search engine the user came from, and would take the search engine's trackers.
        if !self.given {
            return Party::Third;
        }
        let organisations = Organisations::builtin();
        match organisations.organisation(domain) {
            Some(owner)
                if self
                    .domains
                    .iter()
                    .any(|d| organisations.organisation(d) == Some(owner)) =>
            {
                Party::First
            }
            _ => Party::Third,
        }
    }
}

/// The registrable domain a `--first-party` value names: a domain (`www.example.org`) or a URL
/// (`https://www.example.org/a`); `None` for a value that names no host with a dot in it
/// (`https:/example.org` names the host `https`), other than `localhost` or an IP address.
///
/// ```
/// use leakscope_report::first_party_domain;
/// assert_eq!(first_party_domain("https://www.bbc.co.uk/news").as_deref(), Some("bbc.co.uk"));
/// assert_eq!(first_party_domain("shop.example").as_deref(), Some("shop.example"));
/// assert_eq!(first_party_domain("https:/shop.example"), None);
/// assert_eq!(first_party_domain(""), None);
/// ```
pub fn first_party_domain(given: &str) -> Option<String> {
    let host = given_host(given.trim());
    let plausible = host.contains('.') || host.starts_with('[') || host == "localhost";
    let domain = registrable_domain(&host);
    (plausible && !domain.is_empty()).then_some(domain)
}

/// The host of a `--first-party` value: the host of a URL (`https://www.example.org/` →
/// `www.example.org`), else of a domain as it is (`www.example.org:8443/a` → `www.example.org`).
fn given_host(given: &str) -> String {
    match Url::parse(given).host() {
        Some(host) => host.to_owned(),
        // Without a scheme, the value is what a URL's authority and path would be: read it
        // as a URL with an empty scheme.
        None => Url::parse(format!("://{given}").as_str())
            .host()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The registrable domain of a HAR page's title when it is a URL (browsers title pages with
/// their URL); `None` for a title that is not one.
fn page_domain(page: &str) -> Option<String> {
    let domain = registrable_domain(Url::parse(page).host()?);
    (!domain.is_empty()).then_some(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_party_values_name_a_host_or_a_url() {
        for given in [
            "https://www.example.org/news",
            " WWW.Example.org:8443/a?b#c ",
            "https://jane@www.example.org:8443/",
            "jane@www.example.org",
            "example.org/?u=https://tracker.example/",
        ] {
            let domain = first_party_domain(given);
            assert_eq!(domain.as_deref(), Some("example.org"), "{given}");
        }
        let ip = first_party_domain("[2001:db8::1]:443");
        assert_eq!(ip.as_deref(), Some("[2001:db8::1]"));
        let local = first_party_domain("localhost:3000");
        assert_eq!(local.as_deref(), Some("localhost"));
        for names_no_host in ["https:/shop.example", "shop", ""] {
            assert_eq!(first_party_domain(names_no_host), None, "{names_no_host}");
        }
    }

    #[test]
    fn page_titles_that_are_urls_name_their_domain() {
        let titles = [
            ("https://www.example.org/a?b", "example.org"),
            ("http://jane@shop.example:8080/", "shop.example"),
        ];
        for (title, domain) in titles {
            assert_eq!(page_domain(title).as_deref(), Some(domain), "{title}");
        }
        for not_a_url in ["Example Domain", "https:///nothing"] {
            assert_eq!(page_domain(not_a_url), None, "{not_a_url}");
        }
    }
}
