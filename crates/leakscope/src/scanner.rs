//! The scanner: the pipeline from capture files to a report.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, DefaultHasher, Hasher};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

use rustc_hash::{FxHashMap, FxHasher};

use leakscope_decode::{Budget, Limits, Path, Unwrapper};
use leakscope_http::{CaptureFormat, CaptureReader, Exchange, PartKind, request_parts, url_host};
use leakscope_report::{
    Anomaly, ByteSpan, NoSink, OccurrenceSink, Place, Report, ReportBuilder, ReportOptions,
    RequestContext, RequestRef, RequestScan, Sighting, looks_like_a_value, redact_location,
    registrable_domain,
};
use leakscope_rules::{Candidate, Engine, Hit};

/// Requests scanned together in parallel. Large enough to keep every core busy, small enough
/// that memory follows the largest requests, not the file.
const BATCH: usize = 256;

/// A batch is also scanned as soon as its bodies add up to this much, so that a capture of
/// large uploads does not hold 256 of them at once. A batch is being read, one waits for a
/// worker, one is scanned by each worker, one waits for the collector and a few may wait to be
/// added in order. Measured on a 500 MB HAR of 200–400 KB uploads (benches/README.md): 70 MiB
/// peak with 1 MiB batches and queues of one, 102–112 MiB with 2 MiB, at the same speed.
const BATCH_BYTES: usize = 1 << 20;

/// Headers every HTTP client sends as part of the protocol. Their values describe the client
/// software and the exchange, not the telemetry an app chose to send, so rules do not run on
/// them (custom headers such as `X-Device-Id` are still examined).
const PROTOCOL_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "connection",
    "content-length",
    "content-type",
    "content-encoding",
    "dnt",
    "host",
    "if-modified-since",
    "if-none-match",
    "origin",
    "pragma",
    "priority",
    "range",
    "referer",
    "te",
    "transfer-encoding",
    "upgrade-insecure-requests",
    "user-agent",
];

fn is_protocol_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("sec-")
        || lower.starts_with(':')
        || PROTOCOL_HEADERS.contains(&lower.as_str())
}

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
}

/// One capture to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file.
    Path(PathBuf),
    /// Standard input (raw HTTP or NDJSON; named `-` in messages).
    Stdin,
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::Path(path) => path.display().to_string(),
            Input::Stdin => "-".to_owned(),
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
    options: ScanOptions,
    /// Hashes (key, value) pairs for the per-request verdict cache: SipHash under a random key.
    pair_hasher: std::hash::RandomState,
}

impl Scanner {
    /// A scanner with the given rule engine.
    pub fn new(engine: Engine, options: ScanOptions) -> Self {
        Scanner {
            unwrapper: Unwrapper::new(),
            engine,
            options,
            pair_hasher: std::hash::RandomState::new(),
        }
    }

    /// A scanner with the built-in rule pack.
    pub fn builtin(options: ScanOptions) -> Self {
        Scanner::new(Engine::builtin(), options)
    }

    /// Scan one request. `index` is its number over all inputs; `source` says where it is
    /// (`capture.har entry 3`).
    pub fn scan_exchange(&self, index: usize, source: &str, exchange: &Exchange) -> RequestScan {
        let mut budget = Budget::new(self.options.limits);
        let mut sightings: Vec<Sighting> = Vec::new();
        // (rule, hash of the value) → the sightings with that rule and hash.
        let mut seen: FxHashMap<(usize, u64), Vec<usize>> = FxHashMap::default();
        let mut hits = Vec::new();
        let mut verdicts: FxHashMap<u64, Verdict<'_>> = FxHashMap::default();
        // Per-request ids (request_id, nonce, …) are hashed together, in the order found.
        let mut request_ids: Option<DefaultHasher> = None;
        // One path buffer for all the parts: each part is pushed, walked and popped.
        let mut path = Path::default();
        for part in request_parts(exchange) {
            if part.kind == PartKind::Header && part.key.as_deref().is_some_and(is_protocol_header)
            {
                continue;
            }
            path.push_part(&part.location);
            self.unwrapper.unwrap_at(
                &mut path,
                part.key.as_deref(),
                &part.value,
                &mut budget,
                &mut |leaf| {
                    let text = leaf.text();
                    let in_page_url = leaf.path.has_field_of("url");
                    // A batch of events repeats the same fields (model, OS, ids) in every
                    // event: the rules' verdict on a (key, value) pair is worked out once per
                    // request. Pairs are told apart by a hash under a key drawn at random for
                    // each scanner, so a capture cannot be crafted to make one pair borrow
                    // another's verdict.
                    let pair = self
                        .pair_hasher
                        .hash_one((leaf.key, text.as_ref(), in_page_url));
                    let per_request = match verdicts.get(&pair) {
                        Some(known) => {
                            hits.clone_from(&known.hits);
                            known.per_request
                        }
                        None => {
                            hits.clear();
                            let per_request = self.engine.detect_and_classify(
                                &Candidate {
                                    key: leaf.key,
                                    value: &text,
                                    in_page_url,
                                },
                                &mut hits,
                            );
                            verdicts.insert(
                                pair,
                                Verdict {
                                    hits: hits.clone(),
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
                    if hits.is_empty() {
                        return;
                    }
                    let value_hash = {
                        let mut hasher = FxHasher::default();
                        hasher.write(leaf.value);
                        hasher.finish()
                    };
                    for hit in &hits {
                        let place = Place {
                            // As found: the report redacts the few it keeps (see
                            // `redact_location`), not every occurrence here.
                            location: leaf.path.to_string(),
                            span: leaf.span.map(|s| ByteSpan {
                                start: s.start,
                                end: s.end,
                            }),
                        };
                        let same = seen
                            .entry((std::ptr::from_ref(hit.rule) as usize, value_hash))
                            .or_default();
                        if let Some(&at) = same.iter().find(|&&at| sightings[at].value == *text) {
                            sightings[at].places.push(place);
                            continue;
                        }
                        same.push(sightings.len());
                        sightings.push(Sighting {
                            rule: hit.rule.id.clone(),
                            category: hit.rule.category,
                            severity: hit.rule.severity,
                            value: text.to_string(),
                            places: vec![place],
                            evidence: None,
                        });
                    }
                },
            );
            path.pop();
        }
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
                document: exchange
                    .header("sec-fetch-dest")
                    .or(exchange.resource_type.as_deref())
                    .is_some_and(|d| d.eq_ignore_ascii_case("document")),
                initiator: initiator(exchange),
                page: exchange.page.clone(),
                request_ids: request_ids.map(|h| h.finish()),
            },
            sightings,
            anomalies,
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
            // `T.Tracker.IO.` and `t.tracker.io` are one recipient.
            host: exchange
                .host()
                .unwrap_or_default()
                .trim_end_matches('.')
                .to_ascii_lowercase(),
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
        let mut builder = ReportBuilder::new(
            "leakscope",
            env!("CARGO_PKG_VERSION"),
            ReportOptions {
                show_values: self.options.show_values,
                first_party: self.options.first_party.clone(),
                third_party_only: self.options.third_party_only,
                value_key: self.options.value_key,
            },
        );
        let mut input_errors = Vec::new();
        let mut sink_error = None;
        let mut next_index = 0;
        for input in inputs {
            let name = input.name();
            let reader = match input {
                Input::Path(path) => leakscope_http::open_capture(path, self.options.format),
                Input::Stdin => {
                    leakscope_http::read_capture(std::io::stdin(), "-", self.options.format)
                }
            };
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
                    self.scan_reader(reader, &name, &mut next_index, &mut collect);
                }
                Err(error) => {
                    builder.add_input(&name, None);
                    record_input_error(&mut builder, &mut input_errors, &name, error.to_string())
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

    /// Scans one capture. A thread reads batches of exchanges; worker threads (`--jobs`, one
    /// per core by default) each take the next batch from one queue and scan it; the calling
    /// thread adds the scanned batches to the report in capture order (the sink need not be
    /// sent to another thread). Queues hold one batch, so memory follows a few batches, not
    /// the capture. Workers that wait for a batch sleep: a thread pool woken per
    /// batch spun instead, and took CPU from the reader and the collector (benches/README.md).
    fn scan_reader(
        &self,
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
                                    self.scan_exchange(*index, source, exchange)
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
    per_request: bool,
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
