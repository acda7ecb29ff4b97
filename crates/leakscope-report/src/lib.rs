//! The report: what leakscope found, as leaks per recipient.
//!
//! A **leak** is one datum sent to one **recipient**, found by one rule, with every request
//! that carried it as evidence (contract §3). A capture of 10,000 telemetry requests carrying
//! the same device id is one leak with 10,000 requests, not 10,000 findings, so a report's
//! size and memory follow what leaks, not how often.
//!
//! - [`ReportBuilder`] folds what a scanner found in each request ([`RequestScan`]) into
//!   [`Leak`]s, telling an [`OccurrenceSink`] about every occurrence on the way (that is how
//!   [`NdjsonSink`] streams), and in [`ReportBuilder::finish`] settles the first party, orders
//!   the leaks (third parties first) and works out the [`Linkage`].
//! - [`registrable_domain`] and [`Organisations`] say who a host is: its registrable domain
//!   (public suffix list) and the organisation that owns it (a data file).
//! - [`Render`] writes a [`Report`]: [`TextRenderer`] for people, [`JsonRenderer`] for scripts
//!   (`leakscope.report/v2`, whose schema [`report_schema`] derives from the types),
//!   [`MarkdownRenderer`] for issues and pull requests, [`SarifRenderer`] for code-scanning
//!   dashboards and [`HtmlRenderer`] for one self-contained page.
//! - [`diff()`] compares two reports by kinds of leak (recipient, category, rule, location with
//!   indexes and random-looking names folded), for normal against private mode or one release
//!   against the next.
//!
//! A privacy tool must not leak what it finds into reports that get shared, so a leak carries
//! its value only when the caller asks; otherwise a [`redact`]ed preview and a keyed
//! `value_id`, and locations whose field names are values are shown with
//! [`redact_location`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod builder;
mod diff;
mod first_party;
mod html;
mod json;
mod linkage;
mod markdown;
mod model;
mod ndjson;
mod recipient;
mod redact;
mod render;
mod sarif;
mod scan;

pub use builder::{MAX_LOCATIONS, ReportBuilder, ReportOptions, fold_indexes};
pub use diff::{
    DIFF_SCHEMA, Diff, DiffSide, LeakKind, RecipientDiff, diff, normalise_location,
    render_diff_markdown, render_diff_text,
};
pub use first_party::{FirstPartyInference, FirstPartySet, first_party_domain};
pub use html::HtmlRenderer;
pub use json::{JsonRenderer, report_schema};
pub use leakscope_rules::{Category, Severity};
pub use markdown::MarkdownRenderer;
pub use model::{
    Anomaly, FirstParty, InputSummary, Leak, Linkage, LinkageKind, LocationCount, Recipient,
    RecipientSummary, Report, RequestRef, SCHEMA, Summary, Tool,
};
pub use ndjson::NdjsonSink;
pub use recipient::{Organisations, OrganisationsError, Party, registrable_domain};
pub use redact::{looks_like_a_value, redact, redact_location};
pub use render::{Render, TEXT_LEAKS_PER_RECIPIENT, TextRenderer, request_list, shown_value};
pub use sarif::SarifRenderer;
pub use scan::{
    ByteSpan, LeakId, NoSink, Occurrence, OccurrenceSink, Place, RecordedOccurrence, Recorder,
    RequestContext, RequestScan, Sighting,
};
