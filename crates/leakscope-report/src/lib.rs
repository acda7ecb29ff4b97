//! The report: what leakscope found, in a model that scripts can rely on.
//!
//! [`Report`] is the `leakscope.report/v1` document of the contract: a summary (requests,
//! findings by category and severity, destinations), the findings with their provenance, the
//! linkage between requests, and the anomalies met while reading. It is built incrementally
//! with a [`ReportBuilder`] (a scanner adds requests and findings as it streams through a
//! capture) and written by a [`Render`] implementation: [`TextRenderer`] for people,
//! [`JsonRenderer`] for scripts.
//!
//! A privacy tool must not leak what it finds into reports that get shared, so a finding carries
//! its value only when the caller asks; otherwise it carries a [`redact`]ed preview.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod findings;
mod model;
mod redact;
mod render;

pub use findings::{DEFAULT_MEMORY_LIMIT, Findings};
pub use leakscope_rules::{Category, Severity};
pub use model::{
    Anomaly, ByteSpan, Destination, Finding, Report, ReportBuilder, RequestRef, SCHEMA, Summary,
    Tool,
};
pub use redact::redact;
pub use render::{JsonRenderer, Render, TEXT_FINDINGS_PER_DESTINATION, TextRenderer};
