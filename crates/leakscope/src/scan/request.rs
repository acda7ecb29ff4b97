//! Scanning one request: its parts, each part's leaves, what the rules and the lookout find in
//! them, and the request as the report names it.

use std::hash::{BuildHasher, DefaultHasher, Hasher};

use rustc_hash::FxHashMap;

use leakscope_decode::{Budget, Leaf, Limits, Path, Span, lossy_text};
use leakscope_http::urlencoded::{url_path, url_query};
use leakscope_http::{Exchange, Part, PartKind, request_parts, url_host};
use leakscope_known::KnownMatch;
use leakscope_report::{
    Anomaly, Party, RequestContext, RequestRef, RequestScan, redact_location, registrable_domain,
};
use leakscope_rules::{
    Candidate, Category, HeaderRole, Hit, Recipient, Rule, Scope, Severity,
    looks_like_an_identifier,
};

use super::classify::{Verdict, keep_widest, leaf_candidate, reportable};
use super::found::{
    COOKIE_ID_RULE, DEVICE_HEADER_RULE, Finder, Found, REFERER_RULE, place, whole_span,
};
use super::redact::shareable_url;
use super::{Scanner, Session};
use crate::context::ContextKind;
use crate::lookout::Lookout;

impl Scanner {
    /// Scans one request: the host name, then each part (a header by the header policy, any
    /// other part through the unwrapper and the rules), then what the whole request says.
    pub(super) fn scan_exchange_in(
        &self,
        session: &Session,
        index: usize,
        source: &str,
        exchange: &Exchange,
    ) -> RequestScan {
        let to = Addressee::of(self, session, exchange);
        let mut scan = RequestState::new(self.options.limits);
        scan.look_in_host(&to);
        // Path segments are numbered as `request_parts` names them (`path[0]`, `path[1]`, …:
        // the non-empty ones, in order), which is how `shareable_url` counts them.
        let mut segments = 0..;
        for part in request_parts(exchange) {
            scan.found.in_segment(match part.kind {
                PartKind::Path => segments.next(),
                _ => None,
            });
            let role = match (part.kind, part.key.as_deref()) {
                (PartKind::Header, Some(name)) => self.headers.role(name),
                _ => HeaderRole::Field,
            };
            if role == HeaderRole::Field {
                scan.scan_field(&to, &part);
            } else {
                scan.scan_header(&to, &part, role);
            }
        }
        scan.finish(&to, index, source, exchange)
    }

    /// A `Referer`/`Origin` or device header sent to a third party: browsing history when it
    /// names a first-party page with a path or query, a device fingerprint when it reveals a
    /// model or OS version.
    fn header_finding(
        &self,
        session: &Session,
        role: HeaderRole,
        part: &Part<'_>,
        text: &str,
        domain: &str,
        found: &mut Found,
    ) {
        let name = part.key.as_deref().unwrap_or_default();
        let at = place(
            &part.location,
            Some(whole_span(&part.value)),
            0,
            part.value.len(),
        );
        match role {
            HeaderRole::Page => {
                let Some(first) = &session.first_party else {
                    return;
                };
                let Some(page_host) = url_host(text) else {
                    return;
                };
                let page_domain = registrable_domain(page_host);
                let names_a_page = url_path(text).len() > 1
                    || url_query(text).is_some_and(|query| !query.is_empty());
                if page_domain.is_empty()
                    || page_domain == domain
                    || first.party(&page_domain) != Party::First
                    || !names_a_page
                {
                    return;
                }
                found.add_named(
                    REFERER_RULE,
                    Category::BrowsingHistory,
                    Severity::High,
                    text,
                    at,
                    Some(format!(
                        "the first-party page the request was made from, in its {name} header"
                    )),
                );
            }
            HeaderRole::Device => {
                if let Some(reveals) = self.headers.device_reveals(name, text) {
                    found.add_named(
                        DEVICE_HEADER_RULE,
                        Category::DeviceFingerprint,
                        Severity::Medium,
                        text,
                        at,
                        Some(reveals),
                    );
                }
            }
            HeaderRole::Protocol | HeaderRole::Field => {}
        }
    }

    fn request_ref(
        &self,
        index: usize,
        source: &str,
        exchange: &Exchange,
        leaking_segments: &[usize],
    ) -> RequestRef {
        let url = if self.options.show_values {
            exchange.url.clone()
        } else {
            shareable_url(&exchange.url, leaking_segments)
        };
        RequestRef {
            index,
            method: exchange.method.clone(),
            host: recipient_host(exchange),
            url,
            source: Some(source.to_owned()),
        }
    }
}

/// What is known of a request's recipient before any of its parts is scanned.
struct Addressee<'s> {
    scanner: &'s Scanner,
    session: &'s Session,
    /// The host, as reports name it.
    host: String,
    /// Its registrable domain.
    domain: String,
    /// Whether a third party receives the request, when the first party is known.
    third_party: Option<bool>,
    /// The trackers the request goes to: their rules decide the fields they document.
    scope: Scope,
    /// What to look for in the request's values: the user's known values, and (in what third
    /// parties receive) the context the capture revealed.
    lookout: Option<&'s Lookout>,
}

impl<'s> Addressee<'s> {
    fn of(scanner: &'s Scanner, session: &'s Session, exchange: &Exchange) -> Self {
        let host = recipient_host(exchange);
        let domain = registrable_domain(&host);
        let third_party = session
            .first_party
            .as_ref()
            .map(|first| first.party(&domain) == Party::Third);
        let scope = scanner.engine.scope(&Recipient {
            host: &host,
            path: url_path(&exchange.url),
        });
        // Context values are only looked for in what third parties receive: a first-party
        // request is only searched for the user's known values.
        let lookout = session
            .lookout
            .as_ref()
            .filter(|lookout| third_party == Some(true) || lookout.has_known_values());
        Addressee {
            scanner,
            session,
            host,
            domain,
            third_party,
            scope,
            lookout,
        }
    }

    /// Whether a value the lookout found counts in this request.
    fn reportable(&self, lookout: &Lookout, found: &KnownMatch) -> bool {
        reportable(lookout, found, self.third_party, &self.domain)
    }
}

/// What one request's scan carries from part to part.
struct RequestState<'s> {
    budget: Budget,
    found: Found,
    verdicts: Verdicts<'s>,
    /// Matches of the lookout in a whole part or header (scratch, reused).
    raw_matches: Vec<KnownMatch>,
    /// Per-request ids (request_id, nonce, …), hashed together in the order found.
    request_ids: Option<DefaultHasher>,
    /// One path buffer for all the parts: each part is pushed, walked and popped.
    path: Path,
}

/// What the rules and the lookout said of each (key, value) pair of a request, and the
/// verdict on the current leaf.
#[derive(Default)]
struct Verdicts<'s> {
    by_pair: FxHashMap<u64, Verdict<'s>>,
    /// The current leaf's rule hits.
    hits: Vec<Hit<'s>>,
    /// The current leaf's known and context values, filtered for the request.
    matches: Vec<KnownMatch>,
}

/// What the leaves of one part found, for the steps that look at the part as a whole.
#[derive(Default)]
struct PartFindings {
    /// Whether the part came out as one leaf, as it is (most query parameters, headers and
    /// cookies): then looking in the raw part would find what the leaf had.
    is_a_leaf: bool,
    /// Whether anything was found in the part.
    hit: bool,
    /// The looked-for values found in its leaves.
    values: Vec<usize>,
    /// The categories the rules reported in it.
    categories: Vec<Category>,
    /// Context values found in its leaves, kept for the end of the part.
    pending: Vec<PendingContext>,
}

/// Context values found in a leaf: they wait for the end of the part, where what a rule
/// reported under the same category needs no second leak.
struct PendingContext {
    matches: Vec<KnownMatch>,
    leaf: Vec<u8>,
    location: String,
    span: Option<Span>,
}

impl<'s> RequestState<'s> {
    fn new(limits: Limits) -> Self {
        RequestState {
            budget: Budget::new(limits),
            found: Found::default(),
            verdicts: Verdicts::default(),
            raw_matches: Vec::new(),
            request_ids: None,
            path: Path::default(),
        }
    }

    /// The user's own values in the host name (an id or a hashed email as a subdomain).
    fn look_in_host(&mut self, to: &Addressee<'s>) {
        let Some(lookout) = to.lookout.filter(|l| l.has_known_values()) else {
            return;
        };
        let host = to.host.as_bytes();
        lookout.find(host, &mut self.raw_matches);
        self.raw_matches
            .retain(|m| lookout.source(m).context.is_none());
        self.found
            .add_matches(lookout, &self.raw_matches, host, "host", None);
    }

    /// A header the header policy knows. Headers are not unwrapped: rules do not run on them.
    /// Sent to a third party, a page or device header may be a leak of its own; and the
    /// user's own values are looked for in every header, whoever receives it.
    fn scan_header(&mut self, to: &Addressee<'s>, part: &Part<'_>, role: HeaderRole) {
        let text = lossy_text(&part.value);
        let to_third_party = to.third_party == Some(true);
        if to_third_party {
            to.scanner
                .header_finding(to.session, role, part, &text, &to.domain, &mut self.found);
        }
        let Some(lookout) = to
            .lookout
            .filter(|l| l.has_known_values() || (role == HeaderRole::Page && to_third_party))
        else {
            return;
        };
        let raw = &mut self.raw_matches;
        raw.clear();
        lookout.find(text.as_bytes(), raw);
        raw.retain(|m| {
            let wanted = match lookout.source(m).context {
                None => true,
                // A page in a page header is `header.referer`'s to report.
                Some(ContextKind::Page | ContextKind::Title) => false,
                // What the user typed or searched, riding in the page's URL.
                Some(_) => role == HeaderRole::Page && to_third_party,
            };
            wanted && to.reportable(lookout, m) && lookout.whole(text.as_bytes(), m)
        });
        keep_widest(lookout, raw);
        let span = Some(whole_span(&part.value));
        self.found
            .add_matches(lookout, raw, text.as_bytes(), &part.location, span);
    }

    /// Any part but a header the policy knows: its leaves through the rules and the lookout,
    /// then the part as a whole.
    fn scan_field(&mut self, to: &Addressee<'s>, part: &Part<'_>) {
        let sightings_before = self.found.sightings.len();
        let mut findings = PartFindings::default();
        self.path.push_part(&part.location);
        let (verdicts, found, request_ids) =
            (&mut self.verdicts, &mut self.found, &mut self.request_ids);
        to.scanner.unwrapper.unwrap_at(
            &mut self.path,
            part.key.as_deref(),
            &part.value,
            &mut self.budget,
            &mut |leaf| {
                findings.is_a_leaf |= leaf.value.len() == part.value.len()
                    && leaf.span.is_some_and(|span| span.start == 0);
                let text = leaf.text();
                let candidate = leaf_candidate(leaf, &text, leaf.path.as_str());
                let per_request = verdicts.judge(to, leaf, &candidate, part.kind);
                if per_request {
                    request_ids
                        .get_or_insert_with(DefaultHasher::new)
                        .write(leaf.value);
                }
                if !verdicts.hits.is_empty() || !verdicts.matches.is_empty() {
                    findings.hit = true;
                    verdicts.report(to, leaf, &text, found, &mut findings);
                }
            },
        );
        self.path.pop();
        if let Some(lookout) = to.lookout {
            self.look_in_part(to, lookout, part, &mut findings);
        }
        if !findings.hit && self.found.sightings.len() == sightings_before {
            self.cookie_id(to, part);
        }
    }

    /// The context values the part's leaves held, then the raw part: a value may be where no
    /// decoder reaches (a map keyed by it, an unparsed blob).
    fn look_in_part(
        &mut self,
        to: &Addressee<'s>,
        lookout: &Lookout,
        part: &Part<'_>,
        findings: &mut PartFindings,
    ) {
        for mut pending in findings.pending.drain(..) {
            pending
                .matches
                .retain(|m| !findings.categories.contains(&lookout.source(m).category));
            self.found.add_matches(
                lookout,
                &pending.matches,
                &pending.leaf,
                &pending.location,
                pending.span,
            );
        }
        let raw = &mut self.raw_matches;
        raw.clear();
        // Binary parts are left to the decoders: what text they hold comes out as leaves, and
        // scanning the raw bytes again would double the work on uploads.
        if !findings.is_a_leaf && std::str::from_utf8(&part.value).is_ok() {
            lookout.find(&part.value, raw);
            raw.retain(|m| to.reportable(lookout, m) && lookout.whole(&part.value, m));
        }
        // Found in a leaf already, or a context value of a kind a rule reported in this part:
        // the raw part adds nothing.
        raw.retain(|m| {
            let source = lookout.source(m);
            !findings.values.contains(&m.value)
                && (source.context.is_none() || !findings.categories.contains(&source.category))
        });
        keep_widest(lookout, raw);
        if !raw.is_empty() {
            findings.hit = true;
            let whole = Some(whole_span(&part.value));
            self.found
                .add_matches(lookout, raw, &part.value, &part.location, whole);
        }
    }

    /// A third party's own cookie that is an id, when nothing else was found in it: the main
    /// cross-site identifier.
    fn cookie_id(&mut self, to: &Addressee<'s>, part: &Part<'_>) {
        if part.kind == PartKind::Cookie
            && to.third_party == Some(true)
            && let Some(name) = part.key.as_deref()
            && to.scanner.headers.cookie_may_be_id(name)
        {
            let text = lossy_text(&part.value);
            if looks_like_an_identifier(&text) {
                self.found.add_named(
                    COOKIE_ID_RULE,
                    Category::PersistentId,
                    Severity::Medium,
                    &text,
                    place(&part.location, Some(whole_span(&part.value)), 0, text.len()),
                    None,
                );
            }
        }
    }

    /// What the request says as a whole, and the request as the report names it.
    fn finish(
        mut self,
        to: &Addressee<'s>,
        index: usize,
        source: &str,
        exchange: &Exchange,
    ) -> RequestScan {
        let scanner = to.scanner;
        // A page a request names in its Referer and also carries elsewhere (`dl`, `url`) is
        // reported where it was put on purpose; the header is a leak of its own only when it
        // is how the page reaches the recipient.
        self.found.drop_referers_said_elsewhere();
        // The first party's own ids and pages are what a private window still sends it; what
        // third parties get is what private mode was supposed to stop.
        if scanner.options.private_mode && to.third_party != Some(false) {
            self.found.add_private_mode();
        }
        let request = scanner.request_ref(index, source, exchange, &self.found.leaking_segments);
        let anomalies = exchange
            .anomalies
            .iter()
            .map(|a| a.message.clone())
            .chain(self.budget.take_notes().into_iter().map(|n| {
                let location = if scanner.options.show_values {
                    n.location.as_str().into()
                } else {
                    redact_location(&n.location)
                };
                format!("{location}: {}", n.message)
            }))
            .map(|message| Anomaly {
                request: Some(index),
                source: source.to_owned(),
                message,
            })
            .collect();
        RequestScan {
            request,
            context: RequestContext {
                request_ids: self.request_ids.map(|h| h.finish()),
                ..request_context(exchange)
            },
            sightings: self.found.sightings,
            anomalies,
        }
    }
}

impl<'s> Verdicts<'s> {
    /// Works out what the rules and the lookout say of `leaf` into `hits` and `matches`, and
    /// whether it is a per-request value.
    ///
    /// A batch of events repeats the same fields (model, OS, ids) in every event: the verdict
    /// on a (key, value) pair is worked out once per request. Pairs are told apart by a hash
    /// under a key drawn at random for each scanner, so a capture cannot be crafted to make
    /// one pair borrow another's verdict. (Path segments are part of the pair: a short value
    /// the capture revealed is not taken from a path, see `Lookout::short`.) (The place is
    /// part of the pair through the field patterns it matches: `extinfo[5]` is not
    /// `extinfo[4]`, but the events of a batch are alike.)
    fn judge(
        &mut self,
        to: &Addressee<'s>,
        leaf: &Leaf<'_>,
        candidate: &Candidate<'_>,
        kind: PartKind,
    ) -> bool {
        let scanner = to.scanner;
        let in_path = kind == PartKind::Path;
        let fields = scanner
            .engine
            .match_fields(&to.scope, candidate.key, leaf.path.as_str());
        let pair = scanner.pair_hasher.hash_one((
            candidate.key,
            candidate.value,
            candidate.in_page_url,
            in_path,
            &fields,
        ));
        if let Some(known) = self.by_pair.get(&pair) {
            self.hits.clone_from(&known.hits);
            self.matches.clone_from(&known.matches);
            return known.per_request;
        }
        self.hits.clear();
        self.matches.clear();
        let per_request = scanner
            .engine
            .detect_with(&to.scope, candidate, &fields, &mut self.hits);
        if let Some(lookout) = to.lookout {
            lookout.find(leaf.value, &mut self.matches);
            self.matches.retain(|m| {
                to.reportable(lookout, m)
                    && lookout.whole(leaf.value, m)
                    && !(in_path && lookout.short(m))
            });
            keep_widest(lookout, &mut self.matches);
        }
        self.by_pair.insert(
            pair,
            Verdict {
                hits: self.hits.clone(),
                matches: self.matches.clone(),
                per_request,
            },
        );
        per_request
    }

    /// Adds what the verdict on `leaf` found to `found`, and to the part's `findings`.
    fn report(
        &mut self,
        to: &Addressee<'s>,
        leaf: &Leaf<'_>,
        text: &str,
        found: &mut Found,
        findings: &mut PartFindings,
    ) {
        // What the user typed, found here (a tracker's `ud[em]` holding the hash of the email
        // in the form): one leak, told with where it was typed, rather than a second one from
        // the tracker's rule that only knows the field.
        if let Some(lookout) = to.lookout {
            let typed: Vec<Category> = self
                .matches
                .iter()
                .map(|m| lookout.source(m))
                .filter(|source| {
                    matches!(
                        source.context,
                        Some(ContextKind::Typed(_) | ContextKind::NamePart)
                    )
                })
                .map(|source| source.category)
                .collect();
            if !typed.is_empty() {
                self.hits.retain(|hit| !typed.contains(&hit.rule.category));
            }
        }
        // As found: the report redacts the few it keeps (see `redact_location`), not every
        // occurrence here.
        let location = leaf.path.to_string();
        for hit in &self.hits {
            found.add(
                Finder::Rule(std::ptr::from_ref::<Rule>(hit.rule) as usize),
                hit.rule,
                text,
                place(&location, leaf.span, 0, text.len()),
            );
        }
        findings
            .categories
            .extend(self.hits.iter().map(|h| h.rule.category));
        let Some(lookout) = to.lookout else {
            return;
        };
        findings.values.extend(self.matches.iter().map(|m| m.value));
        // Known values are reported as found. A context value waits for the end of the part:
        // what a rule reports under the same category there (a search in a URL's `q`, the URL
        // itself) needs no second leak.
        let (known, mut context): (Vec<KnownMatch>, Vec<KnownMatch>) = self
            .matches
            .iter()
            .partition(|m| lookout.source(m).context.is_none());
        // What the user gave, found where the capture's value is, is reported under the
        // user's label once.
        context.retain(|c| !known.iter().any(|k| k.start < c.end && c.start < k.end));
        found.add_matches(lookout, &known, leaf.value, &location, leaf.span);
        if !context.is_empty() {
            findings.pending.push(PendingContext {
                matches: context,
                leaf: leaf.value.to_vec(),
                location,
                span: leaf.span,
            });
        }
    }
}

/// The host a request goes to, as reports name it: `T.Tracker.IO.` and `t.tracker.io` are
/// one recipient.
pub(crate) fn recipient_host(exchange: &Exchange) -> String {
    exchange
        .host()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// What a request says about the session: a page load, the page that made it, its HAR page.
pub(crate) fn request_context(exchange: &Exchange) -> RequestContext {
    RequestContext {
        document: exchange
            .header("sec-fetch-dest")
            .or(exchange.resource_type.as_deref())
            .is_some_and(|d| d.eq_ignore_ascii_case("document")),
        initiator: initiator(exchange),
        page: exchange.page.clone(),
        request_ids: None,
    }
}

/// The registrable domain of the page that made a request: its `Origin`, else its `Referer`.
fn initiator(exchange: &Exchange) -> Option<String> {
    let origin = exchange.header("origin").filter(|o| *o != "null");
    origin
        .or_else(|| exchange.header("referer"))
        .and_then(url_host)
        .map(registrable_domain)
        .filter(|domain| !domain.is_empty())
}
