//! Scanning one request: its parts, each part's leaves, what the rules and the lookout find in
//! them, and the request as the report names it.

use std::hash::{BuildHasher, DefaultHasher, Hasher};

use rustc_hash::FxHashMap;

use leakscope_decode::{Budget, Path, lossy_text};
use leakscope_http::urlencoded::{url_path, url_query};
use leakscope_http::{Exchange, PartKind, request_parts, url_host};
use leakscope_known::KnownMatch;
use leakscope_report::{
    Anomaly, Party, RequestContext, RequestRef, RequestScan, redact_location, registrable_domain,
};
use leakscope_rules::{Category, HeaderRole, Recipient, Rule, Severity, looks_like_an_identifier};

use super::classify::{Verdict, keep_widest, leaf_candidate, reportable};
use super::found::{
    COOKIE_ID_RULE, DEVICE_HEADER_RULE, Finder, Found, REFERER_RULE, place, whole_span,
};
use super::redact::shareable_url;
use super::{Scanner, Session};
use crate::context::ContextKind;

impl Scanner {
    pub(super) fn scan_exchange_in(
        &self,
        session: &Session,
        index: usize,
        source: &str,
        exchange: &Exchange,
    ) -> RequestScan {
        let mut budget = Budget::new(self.options.limits);
        let host = recipient_host(exchange);
        let domain = registrable_domain(&host);
        // Whether a third party receives the request, when the first party is known.
        let third_party = session
            .first_party
            .as_ref()
            .map(|first| first.party(&domain) == Party::Third);
        // The trackers the request goes to: their rules decide the fields they document.
        let scope = self.engine.scope(&Recipient {
            host: &host,
            path: url_path(&exchange.url),
        });
        let mut found = Found::default();
        // Context values are only looked for in what third parties receive: a first-party
        // request is only searched for the user's known values.
        let lookout = session
            .lookout
            .as_ref()
            .filter(|lookout| third_party == Some(true) || lookout.has_known_values());
        let mut verdicts: FxHashMap<u64, Verdict<'_>> = FxHashMap::default();
        let mut hits = Vec::new();
        let mut matches: Vec<KnownMatch> = Vec::new();
        let mut raw_matches: Vec<KnownMatch> = Vec::new();
        // Per-request ids (request_id, nonce, …) are hashed together, in the order found.
        let mut request_ids: Option<DefaultHasher> = None;
        // The user's own values in the host name (an id or a hashed email as a subdomain).
        if let Some(lookout) = lookout.filter(|l| l.has_known_values()) {
            lookout.find(host.as_bytes(), &mut raw_matches);
            raw_matches.retain(|m| lookout.source(m).context.is_none());
            found.add_matches(lookout, &raw_matches, host.as_bytes(), "host", None);
        }
        // One path buffer for all the parts: each part is pushed, walked and popped.
        let mut path = Path::default();
        // Path segments are numbered as `request_parts` names them (`path[0]`, `path[1]`, …:
        // the non-empty ones, in order), which is how `shareable_url` counts them.
        let mut segments = 0..;
        for part in request_parts(exchange) {
            found.in_segment(match part.kind {
                PartKind::Path => segments.next(),
                _ => None,
            });
            let role = match (part.kind, part.key.as_deref()) {
                (PartKind::Header, Some(name)) => self.headers.role(name),
                _ => HeaderRole::Field,
            };
            if role != HeaderRole::Field {
                // Headers are not unwrapped: rules do not run on them. Sent to a third party,
                // a page or device header may be a leak of its own; and the user's own values
                // are looked for in every header, whoever receives it.
                let text = lossy_text(&part.value);
                if third_party == Some(true) {
                    self.header_finding(session, role, &part, &text, &domain, &mut found);
                }
                if let Some(lookout) = lookout.filter(|l| {
                    l.has_known_values() || (role == HeaderRole::Page && third_party == Some(true))
                }) {
                    raw_matches.clear();
                    lookout.find(text.as_bytes(), &mut raw_matches);
                    raw_matches.retain(|m| {
                        let wanted = match lookout.source(m).context {
                            None => true,
                            // A page in a page header is `header.referer`'s to report.
                            Some(ContextKind::Page | ContextKind::Title) => false,
                            // What the user typed or searched, riding in the page's URL.
                            Some(_) => role == HeaderRole::Page && third_party == Some(true),
                        };
                        wanted
                            && reportable(lookout, m, third_party, &domain)
                            && lookout.whole(text.as_bytes(), m)
                    });
                    keep_widest(lookout, &mut raw_matches);
                    found.add_matches(
                        lookout,
                        &raw_matches,
                        text.as_bytes(),
                        &part.location,
                        Some(whole_span(&part.value)),
                    );
                }
                continue;
            }
            // Whether the part came out as one leaf, as it is (most query parameters, headers
            // and cookies): then looking in the raw part would find what the leaf had.
            let mut part_is_a_leaf = false;
            let sightings_before = found.sightings.len();
            let mut part_hit = false;
            let mut found_in_leaves: Vec<usize> = Vec::new();
            let mut part_categories: Vec<Category> = Vec::new();
            // Context values found in the part's leaves: (matches, leaf bytes, location, span).
            #[allow(clippy::type_complexity)]
            let mut pending: Vec<(
                Vec<KnownMatch>,
                Vec<u8>,
                String,
                Option<leakscope_decode::Span>,
            )> = Vec::new();
            path.push_part(&part.location);
            self.unwrapper.unwrap_at(
                &mut path,
                part.key.as_deref(),
                &part.value,
                &mut budget,
                &mut |leaf| {
                    part_is_a_leaf |= leaf.value.len() == part.value.len()
                        && leaf.span.is_some_and(|span| span.start == 0);
                    let text = leaf.text();
                    let candidate = leaf_candidate(leaf, &text, leaf.path.as_str());
                    // A batch of events repeats the same fields (model, OS, ids) in every
                    // event: the verdict on a (key, value) pair is worked out once per
                    // request. Pairs are told apart by a hash under a key drawn at random for
                    // each scanner, so a capture cannot be crafted to make one pair borrow
                    // another's verdict.
                    // (Path segments are part of the pair: a short value the capture
                    // revealed is not taken from a path, see `Lookout::short`.)
                    // (The place is part of the pair through the field patterns it matches:
                    // `extinfo[5]` is not `extinfo[4]`, but the events of a batch are alike.)
                    let fields =
                        self.engine
                            .match_fields(&scope, candidate.key, leaf.path.as_str());
                    let pair = self.pair_hasher.hash_one((
                        candidate.key,
                        candidate.value,
                        candidate.in_page_url,
                        part.kind == PartKind::Path,
                        &fields,
                    ));
                    let per_request = match verdicts.get(&pair) {
                        Some(known) => {
                            hits.clone_from(&known.hits);
                            matches.clone_from(&known.matches);
                            known.per_request
                        }
                        None => {
                            hits.clear();
                            matches.clear();
                            let per_request = self
                                .engine
                                .detect_with(&scope, &candidate, &fields, &mut hits);
                            if let Some(lookout) = lookout {
                                lookout.find(leaf.value, &mut matches);
                                let in_path = part.kind == PartKind::Path;
                                matches.retain(|m| {
                                    reportable(lookout, m, third_party, &domain)
                                        && lookout.whole(leaf.value, m)
                                        && !(in_path && lookout.short(m))
                                });
                                keep_widest(lookout, &mut matches);
                            }
                            verdicts.insert(
                                pair,
                                Verdict {
                                    hits: hits.clone(),
                                    matches: matches.clone(),
                                    per_request,
                                },
                            );
                            per_request
                        }
                    };
                    if per_request {
                        request_ids
                            .get_or_insert_with(DefaultHasher::new)
                            .write(leaf.value);
                    }
                    if hits.is_empty() && matches.is_empty() {
                        return;
                    }
                    part_hit = true;
                    // What the user typed, found here (a tracker's `ud[em]` holding the hash of
                    // the email in the form): one leak, told with where it was typed, rather
                    // than a second one from the tracker's rule that only knows the field.
                    if let Some(lookout) = lookout {
                        let typed: Vec<Category> = matches
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
                            hits.retain(|hit| !typed.contains(&hit.rule.category));
                        }
                    }
                    // As found: the report redacts the few it keeps (see `redact_location`),
                    // not every occurrence here.
                    let location = leaf.path.to_string();
                    for hit in &hits {
                        found.add(
                            Finder::Rule(std::ptr::from_ref::<Rule>(hit.rule) as usize),
                            hit.rule,
                            &text,
                            place(&location, leaf.span, 0, text.len()),
                        );
                    }
                    part_categories.extend(hits.iter().map(|h| h.rule.category));
                    if let Some(lookout) = lookout {
                        found_in_leaves.extend(matches.iter().map(|m| m.value));
                        // Known values are reported as found. A context value waits for the
                        // end of the part: what a rule reports under the same category there
                        // (a search in a URL's `q`, the URL itself) needs no second leak.
                        let (known, mut context): (Vec<KnownMatch>, Vec<KnownMatch>) = matches
                            .iter()
                            .partition(|m| lookout.source(m).context.is_none());
                        // What the user gave, found where the capture's value is, is reported
                        // under the user's label once.
                        context
                            .retain(|c| !known.iter().any(|k| k.start < c.end && c.start < k.end));
                        found.add_matches(lookout, &known, leaf.value, &location, leaf.span);
                        if !context.is_empty() {
                            pending.push((context, leaf.value.to_vec(), location, leaf.span));
                        }
                    }
                },
            );
            path.pop();
            if let Some(lookout) = lookout {
                for (mut context, text, location, span) in pending {
                    context.retain(|m| !part_categories.contains(&lookout.source(m).category));
                    found.add_matches(lookout, &context, &text, &location, span);
                }
                // The raw part: a value may be where no decoder reaches (a map keyed by it, an
                // unparsed blob).
                raw_matches.clear();
                // Binary parts are left to the decoders: what text they hold comes out as
                // leaves, and scanning the raw bytes again would double the work on uploads.
                if !part_is_a_leaf && std::str::from_utf8(&part.value).is_ok() {
                    lookout.find(&part.value, &mut raw_matches);
                    raw_matches.retain(|m| {
                        reportable(lookout, m, third_party, &domain)
                            && lookout.whole(&part.value, m)
                    });
                }
                // Found in a leaf already, or a context value of a kind a rule reported in
                // this part: the raw part adds nothing.
                raw_matches.retain(|m| {
                    let source = lookout.source(m);
                    !found_in_leaves.contains(&m.value)
                        && (source.context.is_none() || !part_categories.contains(&source.category))
                });
                keep_widest(lookout, &mut raw_matches);
                if !raw_matches.is_empty() {
                    part_hit = true;
                    let whole = whole_span(&part.value);
                    found.add_matches(
                        lookout,
                        &raw_matches,
                        &part.value,
                        &part.location,
                        Some(whole),
                    );
                }
            }
            // A third party's own cookie that is an id: the main cross-site identifier.
            if part.kind == PartKind::Cookie
                && third_party == Some(true)
                && !part_hit
                && found.sightings.len() == sightings_before
                && let Some(name) = part.key.as_deref()
                && self.headers.cookie_may_be_id(name)
            {
                let text = lossy_text(&part.value);
                if looks_like_an_identifier(&text) {
                    found.add_named(
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
        // A page the request names in its Referer and also carries elsewhere (`dl`, `url`) is
        // reported where it was put on purpose; the header is a leak of its own only when it is
        // how the page reaches the recipient.
        found.drop_referers_said_elsewhere();
        // The first party's own ids and pages are what a private window still sends it; what
        // third parties get is what private mode was supposed to stop.
        if self.options.private_mode && third_party != Some(false) {
            found.add_private_mode();
        }
        let request = self.request_ref(index, source, exchange, &found.leaking_segments);
        let sightings = found.sightings;
        let anomalies = exchange
            .anomalies
            .iter()
            .map(|a| a.message.clone())
            .chain(budget.take_notes().into_iter().map(|n| {
                let location = if self.options.show_values {
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
                request_ids: request_ids.map(|h| h.finish()),
                ..request_context(exchange)
            },
            sightings,
            anomalies,
        }
    }

    /// A `Referer`/`Origin` or device header sent to a third party: browsing history when it
    /// names a first-party page with a path or query, a device fingerprint when it reveals a
    /// model or OS version.
    fn header_finding(
        &self,
        session: &Session,
        role: HeaderRole,
        part: &leakscope_http::Part<'_>,
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
