//! leakscope: see what apps and browsers really send home.
//!
//! This is the facade crate: add it as a dependency and get the whole pipeline.
//!
//! ```text
//! capture file ──► Exchange ──► Part ──► Leaf ──► Sighting ──► Leak ──► Report
//!   leakscope-http      (parts)   leakscope-decode  leakscope-rules   leakscope-report
//! ```
//!
//! A [`Scanner`] wires the four crates: it reads captures (HAR, raw HTTP/1.x, NDJSON) as a
//! stream, splits every request into its parts, peels every encoding layer off every part,
//! classifies each leaf with the rule engine, and folds what it finds into a [`Report`] of
//! leaks: one datum sent to one recipient, with every request that carried it. Requests are
//! scanned in parallel in batches and added in input order; an [`OccurrenceSink`] given to
//! [`Scanner::scan_inputs_with`] sees every occurrence as it is added (that is how
//! `--format ndjson` streams).
//!
//! ```
//! use leakscope::{Input, ScanOptions, Scanner};
//!
//! let scanner = Scanner::builtin(ScanOptions::default());
//! let capture = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/captures/mi-browser-incognito.har");
//! let scan = scanner.scan_inputs(&[Input::Path(capture.into())]);
//! assert!(scan.input_errors.is_empty());
//! assert!(scan.report.summary.leaks > 0);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod context;
mod lookout;
mod rule_pack;
mod scan;

pub use leakscope_codecs as codecs;
pub use leakscope_decode as decode;
pub use leakscope_http as http;
pub use leakscope_known as known;
pub use leakscope_report as report;
pub use leakscope_rules as rules;

pub use leakscope_report::{
    Category, Leak, NdjsonSink, Occurrence, OccurrenceSink, Recorder, Report, RequestScan, Severity,
};
pub use rule_pack::{RuleCheck, RuleCheckFailure, RulePackError, check_rules, load_rules};
pub use scan::{Input, Scan, ScanOptions, Scanner, leaf_candidate};

/// The README's Rust examples, compiled and run as doctests so they keep working.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
