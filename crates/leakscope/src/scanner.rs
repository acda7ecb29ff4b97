//! The scanner: the pipeline from capture files to a report.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, DefaultHasher, Hasher};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

use rustc_hash::{FxHashMap, FxHasher};

use leakscope_decode::{Budget, Limits, Path, Unwrapper, lossy_text};
use leakscope_http::urlencoded::{url_path, url_query};
use leakscope_http::{CaptureFormat, CaptureReader, Exchange, PartKind, request_parts, url_host};
use leakscope_known::{KnownError, KnownMatch, KnownValue};
use leakscope_report::{
    Anomaly, ByteSpan, FirstPartySet, NoSink, OccurrenceSink, Party, Place, Report, ReportBuilder,
    ReportOptions, RequestContext, RequestRef, RequestScan, Sighting, looks_like_a_value,
    redact_location, registrable_domain,
};
use leakscope_rules::{
    Candidate, Category, Engine, HeaderPolicy, HeaderRole, Hit, Recipient, Rule, Severity,
    looks_like_an_identifier,
};

use crate::context::{CaptureContext, Collector, ContextKind};
use crate::lookout::Lookout;

/// Requests scanned together in parallel. Large enough to keep every core busy, small enough
/// that memory follows the largest requests, not the file.
const BATCH: usize = 256;

/// A batch is also scanned as soon as its bodies add up to this much, so that a capture of
/// large uploads does not hold 256 of them at once. A batch is being read, one waits for a
/// worker, one is scanned by each worker, one waits for the collector and a few may wait to be
/// added in order. Measured on a 500 MB HAR of 200–400 KB uploads (benches/README.md): 70 MiB
/// peak with 1 MiB batches and queues of one, 102–112 MiB with 2 MiB, at the same speed.
const BATCH_BYTES: usize = 1 << 20;

/// How a scan behaves.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Put found values (and full request URLs) into the report. Off by default: reports get
    /// shared, and a privacy tool must not leak what it finds.
    pub show_values: bool,
    /// Decoding limits per request.
    pub limits: Limits,
    /// The capture format, when sniffing should not decide.
    pub format: Option<CaptureFormat>,
    /// The first party's domains (`--first-party`); empty: inferred from the capture.
    pub first_party: Vec<String>,
    /// Leave first-party leaks out of the report and the stream (`--third-party-only`).
    pub third_party_only: bool,
    /// Threads scanning requests (`--jobs`); `None`: one per core.
    pub jobs: Option<usize>,
    /// The key of the report's `value_id`s; `None`: random (see [`ReportOptions::value_key`]).
    pub value_key: Option<[u8; 16]>,
    /// Do not look for what the capture reveals about the user (`--no-context`): the pages
    /// they visited, what they searched for and typed on the first party's site, and the
    /// first party's ids, wherever third parties receive them.
    pub no_context: bool,
    /// The capture was made in a private (incognito) window (`--private-mode`): persistent
    /// ids and browsing history sent in it are also reported as `private-mode` leaks.
    pub private_mode: bool,
}

/// One capture to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    Path(PathBuf),
    /// Standard input (any capture format; named `-` in messages).
    Stdin,
    /// A capture held in memory (a rule's example request, a capture received over the
    /// network), named `name` in messages.
    Bytes {
        /// The name messages give it.
        name: String,
        /// The capture, in any format.
        data: std::sync::Arc<[u8]>,
    },
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Path(path) => path.display().to_string(),
            Input::Stdin => "-".to_owned(),
            Input::Bytes { name, .. } => name.clone(),
        }
    }
}

/// The result of a scan: the report, and the input errors (also in the report as anomalies)
/// that mean some of the input could not be read.
#[derive(Debug)]
pub struct Scan {
    /// The report.
    pub report: Report,
    /// Messages naming the file and position of each input error.
    pub input_errors: Vec<String>,
    /// Why the occurrence sink stopped taking occurrences, if it did (the scan stopped there).
    pub sink_error: Option<io::Error>,
}

/// The whole pipeline, ready to scan. Cheap to share across threads.
#[derive(Debug)]
pub struct Scanner {
    unwrapper: Unwrapper,
    engine: Engine,
    headers: &'static HeaderPolicy,
    options: ScanOptions,
    /// The values the user asked to look for (`--known-values`, `--known`).
    known: Vec<KnownValue>,
    /// What [`Scanner::scan_exchange`] knows without a first pass: the given first party and
    /// the known values (looked for with a lookout built when first needed: a scan of
    /// whole captures builds its own, with the capture's values too).
    alone: std::sync::OnceLock<(Session, Option<String>)>,
    /// Hashes (key, value) pairs for the per-request verdict cache: SipHash under a random key.
    pair_hasher: std::hash::RandomState,
}

/// What a scan knows about the capture as a whole before it looks at a request: who the
/// first party is, and which values to look for.
#[derive(Debug, Default)]
struct Session {
    /// Settled before the scan (given, or inferred by the first pass); `None` only for
    /// [`Scanner::scan_exchange`] without a given first party.
    first_party: Option<FirstPartySet>,
    lookout: Option<Lookout>,
}

/// Who found a datum in a request: a rule of the engine, or a named finder (a known value, a
/// header); sightings are folded per finder and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Finder {
    Rule(usize),
    Named(&'static str),
}

impl Scanner {
    /// A scanner with the given rule engine.
    pub fn new(engine: Engine, options: ScanOptions) -> Self {
        Scanner {
            unwrapper: Unwrapper::new(),
            engine,
            headers: HeaderPolicy::builtin(),
            options,
            known: Vec::new(),
            alone: std::sync::OnceLock::new(),
            pair_hasher: std::hash::RandomState::new(),
        }
    }

    /// A scanner with the built-in rule pack.
    pub fn builtin(options: ScanOptions) -> Self {
        Scanner::new(Engine::builtin(), options)
    }

    /// Look for these values wherever they go, in any encoding or hash (`--known-values`,
    /// `--known`). Fails on a value too short to look for, naming its label.
    pub fn with_known_values(mut self, known: Vec<KnownValue>) -> Result<Self, KnownError> {
        leakscope_known::check_values(&known)?;
        self.known = known;
        Ok(self)
    }

    /// Scan one request on its own. `index` is its number over all inputs; `source` says
    /// where it is (`capture.har entry 3`). Without the rest of the capture, the first party
    /// is only known when the options give it, and nothing the capture reveals is looked for:
    /// [`Scanner::scan_inputs`] reads the capture first for both.
    pub fn scan_exchange(&self, index: usize, source: &str, exchange: &Exchange) -> RequestScan {
        let (alone, refused) = self.alone.get_or_init(|| {
            // The values were checked by `with_known_values`; should the matcher still not
            // build, every request scanned alone says so.
            let (lookout, refused) = match Lookout::new(&self.known, None, &[]) {
                Ok(lookout) => (lookout, None),
                Err(error) => (
                    None,
                    Some(format!("the known values were not looked for: {error}")),
                ),
            };
            let session = Session {
                first_party: (!self.options.first_party.is_empty())
                    .then(|| FirstPartySet::new(&report_options(&self.options))),
                lookout,
            };
            (session, refused)
        });
        let mut scan = self.scan_exchange_in(alone, index, source, exchange);
        if let Some(message) = refused {
            scan.anomalies.push(Anomaly {
                request: Some(index),
                source: source.to_owned(),
                message: message.clone(),
            });
        }
        scan
    }

    fn scan_exchange_in(
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
        for part in request_parts(exchange) {
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
                    let in_page_url = leaf.path.has_field_of("url");
                    // A batch of events repeats the same fields (model, OS, ids) in every
                    // event: the verdict on a (key, value) pair is worked out once per
                    // request. Pairs are told apart by a hash under a key drawn at random for
                    // each scanner, so a capture cannot be crafted to make one pair borrow
                    // another's verdict.
                    // (Path segments are part of the pair: a short value the capture
                    // revealed is not taken from a path, see `Lookout::short`.)
                    // (The place is part of the pair through the field patterns it matches:
                    // `extinfo[5]` is not `extinfo[4]`, but the events of a batch are alike.)
                    let location = leaf.path.as_str();
                    let fields = self.engine.match_fields(&scope, leaf.key, location);
                    let pair = self.pair_hasher.hash_one((
                        leaf.key,
                        text.as_ref(),
                        in_page_url,
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
                            let per_request = self.engine.detect_with(
                                &scope,
                                &Candidate {
                                    key: leaf.key,
                                    value: &text,
                                    in_page_url,
                                    location: Some(location),
                                },
                                &fields,
                                &mut hits,
                            );
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
        let sightings = found.sightings;
        let leaking_segments: Vec<usize> = sightings
            .iter()
            .flat_map(|s| &s.places)
            .filter_map(|p| path_segment_index(&p.location))
            .collect();
        let request = self.request_ref(index, source, exchange, &leaking_segments);
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

    /// Scan every input in order, numbering requests from 0 over all of them. Input errors
    /// (unreadable files, broken entries) are recorded and scanning goes on with the next entry
    /// or file.
    pub fn scan_inputs(&self, inputs: &[Input]) -> Scan {
        self.scan_inputs_with(inputs, &mut NoSink)
    }

    /// [`Scanner::scan_inputs`], telling `sink` about every occurrence as it is added to the
    /// report (in request order, with the report's leak ids). When the sink fails, the scan
    /// stops there and the error is in [`Scan::sink_error`].
    pub fn scan_inputs_with(&self, inputs: &[Input], sink: &mut dyn OccurrenceSink) -> Scan {
        let mut input_errors = Vec::new();
        let mut notes: Vec<(String, String)> = Vec::new();
        // Inputs that can only be read once (standard input, a pipe) are kept in files that
        // have no name and go when the scan does, to be read twice: a first pass, then the
        // scan. When one cannot be kept, there is no first pass: the first party is inferred
        // as requests go by, and nothing the capture reveals is looked for.
        let mut spooled: Vec<Option<std::fs::File>> = Vec::with_capacity(inputs.len());
        let mut first_pass = self.needs_first_pass();
        for input in inputs {
            let file = if first_pass && read_once(input) {
                match spool(input) {
                    Ok(file) => Some(file),
                    Err(error) => {
                        let name = input.name();
                        input_errors.push(format!(
                            "{name}: could not keep it to read it twice ({error}): the first \
                             party is inferred as requests go by and what the capture reveals \
                             is not looked for"
                        ));
                        notes.push((
                            name,
                            format!(
                                "could not keep this input to read it twice ({error}): what \
                                 the capture reveals was not looked for, and the first party \
                                 was inferred as requests went by"
                            ),
                        ));
                        first_pass = false;
                        None
                    }
                }
            } else {
                None
            };
            spooled.push(file);
        }
        let mut options = report_options(&self.options);
        // The user's values are matched by an automaton of their own, built while the first
        // pass reads the capture (for 1,000 values it takes about as long as reading 10 MB).
        let (context, known_matcher) = std::thread::scope(|scope| {
            let building = scope.spawn(|| Lookout::known_matcher(&self.known));
            let context = if first_pass {
                self.first_pass(inputs, &options, &spooled)
            } else {
                CaptureContext::default()
            };
            (context, join(building))
        });
        options.inferred_first_party = context.first_party.clone();
        let mut builder =
            ReportBuilder::new("leakscope", env!("CARGO_PKG_VERSION"), options.clone());
        // The known values were checked by `with_known_values`, and the capture's are long
        // enough by construction; should a matcher still not build, the scan goes on without
        // what cannot be looked for, and says so.
        let known_matcher = match known_matcher {
            Ok(matcher) => matcher,
            Err(error) => {
                notes.push((
                    "known values".to_owned(),
                    format!("the known values were not looked for: {error}"),
                ));
                None
            }
        };
        let known: &[KnownValue] = if known_matcher.is_some() {
            &self.known
        } else {
            &[]
        };
        let lookout = match Lookout::new(known, known_matcher, &context.values) {
            Ok(lookout) => lookout,
            Err(error) => match Lookout::new(known, None, &[]) {
                Ok(lookout) => {
                    notes.push((
                        "context".to_owned(),
                        format!("what the capture revealed was not looked for: {error}"),
                    ));
                    lookout
                }
                Err(error) => {
                    notes.push((
                        "known values".to_owned(),
                        format!("the known values were not looked for: {error}"),
                    ));
                    None
                }
            },
        };
        let session = Session {
            first_party: first_pass.then(|| FirstPartySet::new(&options)),
            lookout,
        };
        for (source, message) in notes.into_iter().chain(
            context
                .notes
                .iter()
                .map(|note| ("context".to_owned(), note.clone())),
        ) {
            builder.add_anomaly(Anomaly {
                request: None,
                source,
                message,
            });
        }
        let mut sink_error = None;
        let mut next_index = 0;
        for (at, input) in inputs.iter().enumerate() {
            let name = input.name();
            let reader = self.open(input, spooled[at].as_ref());
            match reader {
                Ok(reader) => {
                    builder.add_input(&name, Some(reader.format().name()));
                    let mut collect = Collect {
                        builder: &mut builder,
                        input_errors: &mut input_errors,
                        sink: &mut *sink,
                        sink_error: &mut sink_error,
                        name: &name,
                    };
                    self.scan_reader(&session, reader, &name, &mut next_index, &mut collect);
                }
                Err(error) => {
                    builder.add_input(&name, None);
                    record_input_error(&mut builder, &mut input_errors, &name, error)
                }
            }
            if sink_error.is_some() {
                break;
            }
        }
        Scan {
            report: builder.finish(),
            input_errors,
            sink_error,
        }
    }

    /// A first pass is needed to look for what the capture reveals, and to know each
    /// request's party before it is scanned when the user did not give the first party.
    fn needs_first_pass(&self) -> bool {
        !self.options.no_context || self.options.first_party.is_empty()
    }

    /// Reads every input once, cheaply: infers the first party (unless given) and collects
    /// what the capture reveals about the user (unless `no_context`). Unreadable inputs and
    /// broken entries are skipped here; the scan reports them.
    fn first_pass(
        &self,
        inputs: &[Input],
        options: &ReportOptions,
        spooled: &[Option<std::fs::File>],
    ) -> CaptureContext {
        let mut collector = Collector::new(options, !self.options.no_context, self.options.limits);
        let mut index = 0;
        for (input, spooled) in inputs.iter().zip(spooled) {
            let Ok(reader) = self.open(input, spooled.as_ref()) else {
                continue;
            };
            // Reading (parsing JSON, inflating bodies) on one thread, noting on this one.
            std::thread::scope(|scope| {
                let (tx, rx) = mpsc::sync_channel::<Batch>(2);
                let reading = scope.spawn(move || read_batches(reader, "", index, &tx));
                for batch in rx {
                    for (at, _, exchange) in &batch.exchanges {
                        collector.note(*at, exchange);
                    }
                }
                index = join(reading);
            });
        }
        collector.finish()
    }

    /// Opens an input for reading from its start: from its kept copy when it has one.
    fn open(
        &self,
        input: &Input,
        spooled: Option<&std::fs::File>,
    ) -> Result<CaptureReader, String> {
        let format = self.options.format;
        let name = input.name();
        if let Some(file) = spooled {
            let mut copy = file.try_clone().map_err(|e| format!("{name}: {e}"))?;
            io::Seek::rewind(&mut copy).map_err(|e| format!("{name}: {e}"))?;
            return leakscope_http::read_capture(copy, &name, format).map_err(|e| e.to_string());
        }
        match input {
            Input::Path(path) => {
                leakscope_http::open_capture(path, format).map_err(|e| e.to_string())
            }
            Input::Stdin => leakscope_http::read_capture(std::io::stdin(), "-", format)
                .map_err(|e| e.to_string()),
            Input::Bytes { name, data } => {
                leakscope_http::read_capture(io::Cursor::new(data.clone()), name, format)
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Scans one capture. A thread reads batches of exchanges; worker threads (`--jobs`, one
    /// per core by default) each take the next batch from one queue and scan it; the calling
    /// thread adds the scanned batches to the report in capture order (the sink need not be
    /// sent to another thread). Queues hold one batch, so memory follows a few batches, not
    /// the capture. Workers that wait for a batch sleep: a thread pool woken per
    /// batch spun instead, and took CPU from the reader and the collector (benches/README.md).
    fn scan_reader(
        &self,
        session: &Session,
        reader: CaptureReader,
        name: &str,
        next_index: &mut usize,
        collect: &mut Collect<'_>,
    ) {
        let first_index = *next_index;
        let workers = self.workers();
        std::thread::scope(|scope| {
            let (read_tx, read_rx) = mpsc::sync_channel::<Batch>(1);
            // Shared by the workers, and dropped with the last of them: a reader still
            // sending then learns that no one is left to scan.
            let read_rx = Arc::new(Mutex::new(read_rx));
            let (scanned_tx, scanned_rx) = mpsc::sync_channel::<Scanned>(1);
            let reading = scope.spawn(move || read_batches(reader, name, first_index, &read_tx));
            let scanning: Vec<_> = (0..workers)
                .map(|_| {
                    let (read_rx, scanned_tx) = (Arc::clone(&read_rx), scanned_tx.clone());
                    scope.spawn(move || {
                        loop {
                            let next = match read_rx.lock() {
                                Ok(queue) => queue.recv(),
                                Err(_) => return,
                            };
                            let Ok(batch) = next else { return };
                            let scans = batch
                                .exchanges
                                .iter()
                                .map(|(index, source, exchange)| {
                                    self.scan_exchange_in(session, *index, source, exchange)
                                })
                                .collect();
                            let scanned = Scanned {
                                seq: batch.seq,
                                scans,
                                errors: batch.errors,
                            };
                            if scanned_tx.send(scanned).is_err() {
                                // The collector stopped (the sink failed): stop scanning.
                                return;
                            }
                        }
                    })
                })
                .collect();
            drop((read_rx, scanned_tx));
            // Batches come back in any order; they are added in the order they were read.
            let mut waiting: BTreeMap<u64, Scanned> = BTreeMap::new();
            let mut next_seq = 0;
            'collect: for scanned in scanned_rx.iter() {
                waiting.insert(scanned.seq, scanned);
                while let Some(scanned) = waiting.remove(&next_seq) {
                    next_seq += 1;
                    if !collect.add(scanned) {
                        break 'collect;
                    }
                }
            }
            drop(scanned_rx);
            for worker in scanning {
                join(worker);
            }
            *next_index = join(reading);
        });
    }

    /// Worker threads: `--jobs`, else one per core.
    fn workers(&self) -> usize {
        self.options
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }
}

/// The report options a scan's options make (the first party, if given, is not inferred).
fn report_options(options: &ScanOptions) -> ReportOptions {
    ReportOptions {
        show_values: options.show_values,
        first_party: options.first_party.clone(),
        third_party_only: options.third_party_only,
        value_key: options.value_key,
        inferred_first_party: None,
    }
}

/// Whether an input can only be read once: standard input, a pipe (`<(…)`), a device.
fn read_once(input: &Input) -> bool {
    match input {
        Input::Stdin => true,
        Input::Path(path) => std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()),
        Input::Bytes { .. } => false,
    }
}

/// An input copied into an anonymous file (deleted by the system when closed, so it cannot
/// outlive the process).
fn spool(input: &Input) -> io::Result<std::fs::File> {
    let mut file = tempfile::tempfile()?;
    match input {
        Input::Stdin => io::copy(&mut io::stdin().lock(), &mut file)?,
        Input::Path(path) => {
            // A compressed pipe is copied as it is: the reader sniffs and inflates it.
            io::copy(&mut std::fs::File::open(path)?, &mut file)?
        }
        Input::Bytes { data, .. } => io::copy(&mut &data[..], &mut file)?,
    };
    Ok(file)
}

/// The collecting stage: adds scanned requests to the report and the sink.
struct Collect<'a> {
    builder: &'a mut ReportBuilder,
    input_errors: &'a mut Vec<String>,
    sink: &'a mut dyn OccurrenceSink,
    sink_error: &'a mut Option<io::Error>,
    name: &'a str,
}

impl Collect<'_> {
    /// Adds a batch; `false` once the sink has failed.
    fn add(&mut self, scanned: Scanned) -> bool {
        for error in scanned.errors {
            record_input_error(self.builder, self.input_errors, self.name, error);
        }
        for scan in scanned.scans {
            if let Err(error) = self.builder.add(scan, self.sink) {
                *self.sink_error = Some(error);
                return false;
            }
        }
        true
    }
}

/// What the rules said of one (key, value) pair in a request, kept for the next leaf with the
/// same pair.
struct Verdict<'r> {
    hits: Vec<Hit<'r>>,
    /// Known and context values found in the leaf, already filtered for the request.
    matches: Vec<KnownMatch>,
    per_request: bool,
}

/// The rule of a third party's own cookie whose value is an identifier.
const COOKIE_ID_RULE: &str = "cookie.id";
/// The rule of a `Referer` or `Origin` naming a first-party page to a third party.
const REFERER_RULE: &str = "header.referer";
/// The rule of a `User-Agent` or client hint revealing the device to a third party.
const DEVICE_HEADER_RULE: &str = "header.device";

/// What was found in one request so far: its sightings, folded per finder and value.
#[derive(Default)]
struct Found {
    sightings: Vec<Sighting>,
    /// (finder, hash of the value) → the sightings with that finder and hash.
    seen: FxHashMap<(Finder, u64), Vec<usize>>,
}

impl Found {
    /// A place where a finder saw a value: a new sighting, or one more place of the same.
    fn add_sighting(
        &mut self,
        finder: Finder,
        value: &str,
        place: Place,
        new: impl FnOnce() -> Sighting,
    ) {
        let value_hash = {
            let mut hasher = FxHasher::default();
            hasher.write(value.as_bytes());
            hasher.finish()
        };
        let same = self.seen.entry((finder, value_hash)).or_default();
        if let Some(&at) = same.iter().find(|&&at| self.sightings[at].value == value) {
            self.sightings[at].places.push(place);
            return;
        }
        same.push(self.sightings.len());
        let mut sighting = new();
        sighting.places.push(place);
        self.sightings.push(sighting);
    }

    /// A rule of the engine matched.
    fn add(&mut self, finder: Finder, rule: &Rule, value: &str, place: Place) {
        self.add_sighting(finder, value, place, || Sighting {
            rule: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            value: value.to_owned(),
            places: Vec::new(),
            evidence: None,
        });
    }

    /// A named finder (a header, a cookie, a looked-for value) saw a value.
    fn add_named(
        &mut self,
        rule: &'static str,
        category: Category,
        severity: Severity,
        value: &str,
        place: Place,
        evidence: Option<String>,
    ) {
        self.add_sighting(Finder::Named(rule), value, place, || Sighting {
            rule: rule.to_owned(),
            category,
            severity,
            value: value.to_owned(),
            places: Vec::new(),
            evidence,
        });
    }

    /// Looked-for values found in `bytes` (at `location`, whose bytes are at `span` of the
    /// part when there verbatim). Matches are byte ranges of `bytes`: the value is the text of
    /// that range alone (a leaf that is not UTF-8 around it changes nothing).
    fn add_matches(
        &mut self,
        lookout: &Lookout,
        matches: &[KnownMatch],
        bytes: &[u8],
        location: &str,
        span: Option<leakscope_decode::Span>,
    ) {
        for found in matches {
            let source = lookout.source(found);
            let Some(matched) = bytes.get(found.start..found.end) else {
                continue;
            };
            let value = &*lossy_text(matched);
            let category = source.category;
            self.add_sighting(
                Finder::Named(source.rule),
                value,
                place(location, span, found.start, found.end),
                || Sighting {
                    rule: source.rule.to_owned(),
                    category,
                    severity: source.severity,
                    value: value.to_owned(),
                    places: Vec::new(),
                    evidence: Some(lookout.evidence(found)),
                },
            );
        }
    }

    /// Drops `Referer`/`Origin` sightings whose page another browsing-history sighting of the
    /// request carries.
    fn drop_referers_said_elsewhere(&mut self) {
        let said: Vec<usize> = self
            .sightings
            .iter()
            .enumerate()
            .filter(|(_, s)| s.rule == REFERER_RULE)
            .filter(|(_, referer)| {
                self.sightings.iter().any(|other| {
                    other.rule != REFERER_RULE
                        && other.category == Category::BrowsingHistory
                        && other.value == referer.value
                })
            })
            .map(|(at, _)| at)
            .collect();
        for at in said.into_iter().rev() {
            self.sightings.remove(at);
        }
    }

    /// `--private-mode`: every persistent id and page sent is also a `private-mode` leak.
    fn add_private_mode(&mut self) {
        let private: Vec<Sighting> = self
            .sightings
            .iter()
            .filter_map(|sighting| {
                let rule = match sighting.category {
                    Category::PersistentId => "private-mode.persistent-id",
                    Category::BrowsingHistory => "private-mode.browsing-history",
                    _ => return None,
                };
                Some(Sighting {
                    rule: rule.to_owned(),
                    category: Category::PrivateMode,
                    severity: Severity::High,
                    evidence: Some(format!(
                        "{} sent from a private (incognito) window (--private-mode)",
                        match sighting.category {
                            Category::PersistentId => "a persistent id",
                            _ => "a page visited",
                        }
                    )),
                    ..sighting.clone()
                })
            })
            .collect();
        self.sightings.extend(private);
    }
}

/// Whether a looked-for value found in a request to `domain` is reported: a known value
/// always, a context value only when a third party receives it (and not the third party whose
/// cookie it is).
fn reportable(
    lookout: &Lookout,
    found: &KnownMatch,
    third_party: Option<bool>,
    domain: &str,
) -> bool {
    let source = lookout.source(found);
    source.context.is_none()
        || (third_party == Some(true) && source.owner.as_deref() != Some(domain))
}

/// Of matches found by one rule, keeps the widest: a page's path inside its full URL, the
/// home page's URL inside another page's, the same text in two forms are one finding.
fn keep_widest(lookout: &Lookout, matches: &mut Vec<KnownMatch>) {
    if matches.len() < 2 {
        return;
    }
    matches.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let mut kept: Vec<KnownMatch> = Vec::with_capacity(matches.len());
    for m in matches.drain(..) {
        let rule = lookout.source(&m).rule;
        let inside = kept
            .iter()
            .any(|k| lookout.source(k).rule == rule && k.start <= m.start && m.end <= k.end);
        if !inside {
            kept.push(m);
        }
    }
    *matches = kept;
}

/// A place at `location`, the bytes `start..end` of a value found at `span` of its part.
fn place(location: &str, span: Option<leakscope_decode::Span>, start: usize, end: usize) -> Place {
    Place {
        location: location.to_owned(),
        span: span.map(|s| ByteSpan {
            start: s.start + start,
            end: (s.start + end).min(s.end),
        }),
    }
}

/// The whole of a part's value, as a span of it.
fn whole_span(value: &[u8]) -> leakscope_decode::Span {
    leakscope_decode::Span {
        start: 0,
        end: value.len(),
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

/// Exchanges read together, and the input errors met while reading them.
#[derive(Default)]
struct Batch {
    /// The batch's place in the capture, from 0.
    seq: u64,
    exchanges: Vec<(usize, String, Exchange)>,
    /// Bytes of body in `exchanges`.
    bytes: usize,
    errors: Vec<String>,
}

/// A batch scanned, on its way to the report.
struct Scanned {
    /// The batch's place in the capture.
    seq: u64,
    scans: Vec<RequestScan>,
    errors: Vec<String>,
}

/// Reads `reader` into batches of [`BATCH`] exchanges (or [`BATCH_BYTES`] of bodies), sent to
/// `out` in order, numbering requests from `index`; the last batch may be empty but for errors.
/// Returns the next request number.
fn read_batches(
    reader: CaptureReader,
    name: &str,
    mut index: usize,
    out: &mpsc::SyncSender<Batch>,
) -> usize {
    let mut batch = Batch::default();
    for item in reader {
        match item {
            Ok(exchange) => {
                batch.bytes += exchange.body.len();
                let source = format!("{name} {}", exchange.position);
                batch.exchanges.push((index, source, exchange));
                index += 1;
                if batch.exchanges.len() == BATCH || batch.bytes >= BATCH_BYTES {
                    let seq = batch.seq;
                    let full = std::mem::replace(
                        &mut batch,
                        Batch {
                            seq: seq + 1,
                            ..Batch::default()
                        },
                    );
                    if out.send(full).is_err() {
                        return index;
                    }
                }
            }
            Err(error) => batch.errors.push(error.to_string()),
        }
    }
    // The scanning side only hangs up early if it panicked, which the scope reports.
    let _ = out.send(batch);
    index
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

/// Waits for a stage's thread, passing its panic on, if it panicked, as the scan's own.
fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The path segment a location starts in (`path[2] > …` is segment 2), if any.
fn path_segment_index(location: &str) -> Option<usize> {
    let rest = location.strip_prefix("path[")?;
    rest[..rest.find(']')?].parse().ok()
}

/// A URL fit for a shared report: no query string or fragment (they often are the leak), no
/// user name or password, and the path segments that leaked (counted as the HTTP layer counts
/// them: non-empty segments from 0) or that look like values (ids, e-mail addresses) replaced
/// by `…`.
fn shareable_url(url: &str, leaking_segments: &[usize]) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or_default();
    let (scheme, rest) = match without_query.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, without_query),
    };
    let (authority, path) = match scheme {
        Some(_) => rest.split_at(rest.find('/').unwrap_or(rest.len())),
        None => ("", rest),
    };
    let host = authority.rsplit('@').next().unwrap_or_default();
    let mut segment = 0;
    let path: Vec<&str> = path
        .split('/')
        .map(|part| {
            if part.is_empty() {
                return part;
            }
            let shown = if leaking_segments.contains(&segment) || looks_like_a_value(part) {
                "…"
            } else {
                part
            };
            segment += 1;
            shown
        })
        .collect();
    match scheme {
        Some(scheme) => format!("{scheme}://{host}{}", path.join("/")),
        None => path.join("/"),
    }
}

fn record_input_error(
    builder: &mut ReportBuilder,
    input_errors: &mut Vec<String>,
    name: &str,
    message: String,
) {
    // Capture errors name their file already; the anomaly keeps the name in `source` only.
    let full = if message.starts_with(name) {
        message
    } else {
        format!("{name}: {message}")
    };
    let detail = full
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(&full);
    builder.add_anomaly(Anomaly {
        request: None,
        source: name.to_owned(),
        message: detail.to_owned(),
    });
    input_errors.push(full);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_urls_lose_query_userinfo_and_leaking_segments() {
        assert_eq!(
            shareable_url(
                "https://user:token@api.x.com/v1/users/jane@example.com/profile?a=1#f",
                &[2]
            ),
            "https://api.x.com/v1/users/…/profile"
        );
        assert_eq!(
            shareable_url("https://t.example.com/c?dl=x", &[]),
            "https://t.example.com/c"
        );
        assert_eq!(
            shareable_url("https://t.example.com", &[0]),
            "https://t.example.com"
        );
        assert_eq!(
            shareable_url("https://api.x.com/v1/devices/9774d56d682e549c/events", &[]),
            "https://api.x.com/v1/devices/…/events"
        );
        assert_eq!(
            shareable_url("/relative/imei/490154203237518", &[2]),
            "/relative/imei/…"
        );
        assert_eq!(path_segment_index("path[2] > base64"), Some(2));
        assert_eq!(path_segment_index("query[path[2]]"), None);
    }
}
