//! The scanner: the pipeline from capture files to a report.
//!
//! - this module: what a scan is given and gives back ([`ScanOptions`], [`Input`], [`Scan`]),
//!   the [`Scanner`], and the set-up of a scan of whole captures (the first pass, the lookout);
//! - `pipeline`: the threads (reading in batches, scanning, adding in capture order);
//! - `inputs`: opening inputs, keeping read-once ones, recording input errors;
//! - `request`: one request, part by part and leaf by leaf;
//! - `classify`: what a leaf counts as (the per-request verdict, which matches count);
//! - `found`: folding what was found into sightings, one per finder and value;
//! - `redact`: what a shared report shows of a URL.

mod classify;
mod found;
mod inputs;
mod pipeline;
mod redact;
mod request;

use std::io;
use std::path::PathBuf;

use leakscope_decode::{Limits, Unwrapper};
use leakscope_http::{CaptureFormat, Exchange};
use leakscope_known::{KnownError, KnownValue};
use leakscope_report::{
    Anomaly, FirstPartySet, NoSink, OccurrenceSink, Report, ReportBuilder, ReportOptions,
    RequestScan,
};
use leakscope_rules::{Engine, HeaderPolicy};

use crate::context::CaptureContext;
use crate::lookout::Lookout;
use inputs::{read_once, record_input_error, spool};
use pipeline::{Collect, join};

pub use classify::leaf_candidate;
pub(crate) use request::{recipient_host, request_context};

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
