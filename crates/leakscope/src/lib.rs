//! leakscope: see what apps and browsers really send home.
//!
//! This is the facade crate: add it as a dependency and get the whole pipeline.
//!
//! ```text
//! capture file ──► Exchange ──► Part ──► Leaf ──► Finding ──► Report
//!   leakscope-http      (parts)   leakscope-decode  leakscope-rules  leakscope-report
//! ```
//!
//! A [`Scanner`] wires the four crates: it reads captures (HAR, raw HTTP/1.x, NDJSON) as a
//! stream, splits every request into its parts, peels every encoding layer off every part,
//! classifies each leaf with the rule engine, and assembles a [`Report`]. Requests are scanned
//! in parallel in batches, and reported in input order.
//!
//! ```
//! use leakscope::{Input, ScanOptions, Scanner};
//!
//! let scanner = Scanner::builtin(ScanOptions::default());
//! let capture = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/captures/mi-browser-incognito.har");
//! let scan = scanner.scan_inputs(&[Input::Path(capture.into())]);
//! assert!(scan.input_errors.is_empty());
//! assert!(scan.report.summary.findings > 0);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod scanner;

pub use leakscope_decode as decode;
pub use leakscope_http as http;
pub use leakscope_report as report;
pub use leakscope_rules as rules;

pub use leakscope_report::{Category, Finding, Report, Severity};
pub use scanner::{ExchangeScan, Input, Scan, ScanOptions, Scanner};

/// The README's Rust examples, compiled and run as doctests so they keep working.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
