//! The `leakscope.report/v2` document: leaks per recipient (contract §3–4).
//!
//! These are the types scripts read. They are built by a [`ReportBuilder`](crate::ReportBuilder)
//! and written by a [`Render`](crate::Render); [`report_schema`](crate::report_schema) derives
//! the JSON Schema from them, so the schema cannot drift from what is written.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Category, Party, Severity};

/// The schema identifier written into every JSON report.
pub const SCHEMA: &str = "leakscope.report/v2";

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always [`SCHEMA`].
    #[schemars(extend("const" = "leakscope.report/v2"))]
    pub schema: String,
    /// Which program wrote the report.
    pub tool: Tool,
    /// The capture files read, in the order given.
    pub inputs: Vec<InputSummary>,
    /// The site or app being audited, and how leakscope knows.
    pub first_party: FirstParty,
    /// Counts, and every recipient.
    pub summary: Summary,
    /// Every leak, in the order of `summary.recipients` (third parties first, most leaks
    /// first), then by host, category, severity (highest first) and occurrences (most first).
    pub leaks: Vec<Leak>,
    /// What ties requests and recipients together.
    pub linkage: Vec<Linkage>,
    /// Problems met while reading or decoding: broken entries, budgets reached. Absent when
    /// there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<Anomaly>,
}

/// The program that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `leakscope`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// One capture file read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputSummary {
    /// The file as given (`-` for standard input).
    pub file: String,
    /// `har`, `raw` or `ndjson`; absent when the file could not be opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Requests read from it.
    pub requests: usize,
}

/// The first party: the site or app being audited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstParty {
    /// Registrable domains taken as the first party; empty when none could be told.
    pub domains: Vec<String>,
    /// How they were found: `--first-party`, `HAR pages`, `top-level document requests`,
    /// `most common Origin/Referer`, or `none found`.
    pub how: String,
}

/// Counts over the whole report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Requests scanned.
    pub requests: usize,
    /// Distinct leaks (one datum to one recipient).
    pub leaks: usize,
    /// Every place a leaked value was found, over all requests.
    pub occurrences: u64,
    /// Leaks per category.
    pub by_category: BTreeMap<Category, usize>,
    /// Leaks per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Every registrable domain requests went to: third parties first, then most leaks first.
    pub recipients: Vec<RecipientSummary>,
}

/// One registrable domain the capture sent requests to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientSummary {
    /// The organisation that owns the domain, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The registrable domain (public suffix list).
    pub domain: String,
    /// First or third party.
    pub party: Party,
    /// The hosts of the domain that received requests, sorted.
    pub hosts: Vec<String>,
    /// Requests sent to the domain.
    pub requests: usize,
    /// Leaks to the domain.
    pub leaks: usize,
    /// The categories of those leaks, in the contract's order.
    pub categories: Vec<Category>,
}

/// Who received a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// The host name, lowercased (empty when the request named none).
    pub host: String,
    /// Its registrable domain.
    pub domain: String,
    /// The organisation that owns the domain, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// First or third party.
    pub party: Party,
}

impl Recipient {
    /// The name a person knows the recipient by: the organisation, else the domain, else the
    /// host, else `(no host)`.
    pub fn display_name(&self) -> &str {
        name_of(self.organisation.as_deref(), &self.domain, &self.host)
    }
}

impl RecipientSummary {
    /// The name a person knows the recipient by: the organisation, else the domain, else
    /// `(no host)`.
    pub fn display_name(&self) -> &str {
        name_of(self.organisation.as_deref(), &self.domain, "")
    }
}

/// The first of `organisation`, `domain` and `host` that is not empty, else `(no host)`.
fn name_of<'a>(organisation: Option<&'a str>, domain: &'a str, host: &'a str) -> &'a str {
    [organisation.unwrap_or_default(), domain, host]
        .into_iter()
        .find(|name| !name.is_empty())
        .unwrap_or("(no host)")
}

/// One datum sent to one recipient, found by one rule, with every request that carried it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Leak {
    /// `L1`, `L2`, …: numbered in the order first seen (the NDJSON stream of the same scan uses
    /// the same ids).
    pub id: String,
    /// The rule that matched.
    pub rule: String,
    /// What leaks.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// Who received it.
    pub recipient: Recipient,
    /// The value, only when the user asked for values (`--show-values`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A preview that does not reveal the value (see [`redact`](crate::redact)); present when
    /// `value` is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    /// A keyed hash of the value, stable within one report: joins leaks and linkage without
    /// revealing the value.
    pub value_id: String,
    /// Every place the value was found, over all requests.
    pub occurrences: u64,
    /// Every request index that carried it, sorted.
    #[serde(serialize_with = "crate::json::compact_list")]
    #[schemars(with = "Vec<usize>")]
    pub requests: Vec<u32>,
    /// The places in a request it was found, with how often each, most first; places that
    /// differ only in array indexes count as one (the first one seen is shown). At most
    /// [`MAX_LOCATIONS`](crate::MAX_LOCATIONS) are listed: those whose folded text sorts
    /// first, so that the same places give the same list whatever order they came in.
    pub locations: Vec<LocationCount>,
    /// Places beyond the [`MAX_LOCATIONS`](crate::MAX_LOCATIONS) listed, counted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other_locations: u64,
    /// How the value was recognised, when through a known or capture-derived value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One place in a request, and how often a value was found there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationCount {
    /// Every part and decoding layer from the HTTP message to the value:
    /// `body form[data] > base64 > json $.events[0].url`.
    pub location: String,
    /// Occurrences there.
    pub count: u64,
}

/// What ties requests or recipients together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Linkage {
    /// `shared-id` (one identifier in many places) or `fingerprint` (the same set of device
    /// values in requests that share no identifier).
    pub kind: LinkageKind,
    /// The value ids involved (one for a shared id, the set's for a fingerprint).
    pub value_ids: Vec<String>,
    /// The values, only with `--show-values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// The category of the values.
    pub category: Category,
    /// The rules that found the values (for a fingerprint: which attributes it is made of).
    pub rules: Vec<String>,
    /// The recipients (organisation, else registrable domain) involved, sorted.
    pub recipients: Vec<String>,
    /// Requests tied together.
    pub requests: usize,
    /// For a fingerprint: how many distinct sets of three or more device values the capture
    /// holds (one set means every such request is the same device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct_sets: Option<usize>,
    /// One line for a person.
    pub why: String,
}

/// The kinds of [`Linkage`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum LinkageKind {
    /// One persistent identifier sent to several organisations, or repeated across requests
    /// whose per-request ids all differ.
    SharedId,
    /// The same set of three or more device-fingerprint values in requests with no shared id.
    Fingerprint,
}

impl LinkageKind {
    /// The kebab-case name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkageKind::SharedId => "shared-id",
            LinkageKind::Fingerprint => "fingerprint",
        }
    }
}

/// Something that went wrong reading or decoding, that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Anomaly {
    /// The request it concerns, when it concerns one that was scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<usize>,
    /// The file and position: `capture.har entry 3`, `dump.http byte 1024`.
    pub source: String,
    /// What happened, for a person.
    pub message: String,
}

/// The request an occurrence was found in, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestRef {
    /// Position over all inputs, from 0, in input order.
    pub index: usize,
    /// The HTTP method.
    pub method: String,
    /// The destination host, lowercased (empty when the request named none).
    pub host: String,
    /// The URL without its query string unless values are shown (a query often *is* the leak).
    pub url: String,
    /// Where the request is in its capture file: `capture.har entry 3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Report {
    /// Whether a leak at or above `threshold` was reported (`--fail-on`).
    pub fn has_leak_at_least(&self, threshold: Severity) -> bool {
        self.summary.by_severity.keys().any(|s| *s >= threshold)
    }
}
