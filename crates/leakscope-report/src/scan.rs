//! What a scanner hands the report for one request, and the push-style sink that sees every
//! occurrence as it is added.
//!
//! A scanner turns each request into a [`RequestScan`]: the request, a little context (was it
//! a page load, which page made it, which per-request ids it carried) and its [`Sighting`]s,
//! one per datum a rule found, with every place in the request it was found. The
//! [`ReportBuilder`](crate::ReportBuilder) folds sightings into leaks; as it does, it tells an
//! [`OccurrenceSink`] about each place, with the leak id the report will give it. That is how
//! `--format ndjson` streams in constant memory, and how a tool builder can watch a scan
//! without keeping a report.

use std::fmt;
use std::io;

use crate::{Anomaly, Category, Recipient, RequestRef, Severity};

/// What scanning one request found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestScan {
    /// The request as reports name it.
    pub request: RequestRef,
    /// What the request says about the session (page loads, initiators, per-request ids).
    pub context: RequestContext,
    /// Each datum found, in the order found.
    pub sightings: Vec<Sighting>,
    /// What went wrong reading or decoding it.
    pub anomalies: Vec<Anomaly>,
}

/// What one request says about the session, for telling first from third parties and for
/// linkage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// A top-level page load (`Sec-Fetch-Dest: document`, HAR `_resourceType: document`): its
    /// host is a site the user visited.
    pub document: bool,
    /// The registrable domain of the page that made the request (`Origin`, else `Referer`).
    pub initiator: Option<String>,
    /// The title or URL of the HAR page the request belongs to, when the capture has pages.
    pub page: Option<String>,
    /// A hash of the per-request ids the request carried (`request_id`, `nonce`, …), when it
    /// carried any: two requests with different hashes are told apart by the sender, so an id
    /// common to both is what links them.
    pub request_ids: Option<u64>,
}

/// One datum a rule found in one request, with every place it was found there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// The rule that matched.
    pub rule: String,
    /// What leaks.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// The value, as text.
    pub value: String,
    /// Every place in the request, in the order found; never empty.
    pub places: Vec<Place>,
    /// How the value was recognised, when through a known or capture-derived value.
    pub evidence: Option<String>,
}

/// One place a value was found in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Every part and layer from the HTTP message to the value.
    pub location: String,
    /// Where the value's bytes are in the request part the location starts at, when they are
    /// there verbatim (not after base64, gzip or unescaping).
    pub span: Option<ByteSpan>,
}

impl Place {
    /// A place known by its location only: the value's bytes are not in the part verbatim
    /// (they were base64, gzip or escaped), or the caller does not track where they are.
    pub fn at(location: impl Into<String>) -> Place {
        Place {
            location: location.into(),
            span: None,
        }
    }
}

/// A byte range `start..end` of a request part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ByteSpan {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

/// A leak's number: `L1`, `L2`, … in the order leaks are first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeakId(pub u32);

impl fmt::Display for LeakId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "L{}", self.0)
    }
}

/// One place a leaked value was found, as the builder adds it.
#[derive(Debug, Clone, Copy)]
pub struct Occurrence<'a> {
    /// The leak it belongs to (the same id as in the finished report).
    pub leak: LeakId,
    /// The request it was found in.
    pub request: &'a RequestRef,
    /// The rule that matched.
    pub rule: &'a str,
    /// What leaks.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// Who received it. Its party is final when the first party was given or settled by a
    /// first pass ([`ReportOptions::inferred_first_party`](crate::ReportOptions)), as the
    /// scanner does; a builder that infers it as requests go by gives the party known so far
    /// (a later page load can still make a recipient first party).
    pub recipient: &'a Recipient,
    /// Where in the request, as found: its field names may be values (a map keyed by device
    /// id), so a sink that writes it somewhere shared should pass it through
    /// [`redact_location`](crate::redact_location) unless the user asked for values.
    pub location: &'a str,
    /// The value's bytes in the request part, when there verbatim.
    pub span: Option<ByteSpan>,
    /// The value itself: a sink that writes it somewhere shared should redact it unless the
    /// user asked for values.
    pub value: &'a str,
    /// How the value was recognised, when through a known or capture-derived value.
    pub evidence: Option<&'a str>,
}

/// Receives every occurrence as a report is built (as ripgrep's `Sink` receives matches).
pub trait OccurrenceSink {
    /// One occurrence. An error stops the scan from sending more.
    fn occurrence(&mut self, occurrence: &Occurrence<'_>) -> io::Result<()>;

    /// One request has been added, after its occurrences. Nothing by default.
    fn request_done(&mut self, request: &RequestRef) -> io::Result<()> {
        let _ = request;
        Ok(())
    }
}

/// A sink that ignores everything: for building a report alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSink;

impl OccurrenceSink for NoSink {
    fn occurrence(&mut self, _: &Occurrence<'_>) -> io::Result<()> {
        Ok(())
    }
}

/// An occurrence with everything it borrows copied, as [`Recorder`] keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedOccurrence {
    /// The leak it belongs to.
    pub leak: LeakId,
    /// The request it was found in.
    pub request: RequestRef,
    /// The rule that matched.
    pub rule: String,
    /// What leaks.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// Who received it.
    pub recipient: Recipient,
    /// Where in the request.
    pub location: String,
    /// The value's bytes in the request part, when there verbatim.
    pub span: Option<ByteSpan>,
    /// The value.
    pub value: String,
    /// How the value was recognised, when through a known or capture-derived value.
    pub evidence: Option<String>,
}

/// A sink that keeps every occurrence in memory: for tests, and for tools that want every
/// occurrence of a small capture at hand. (A large capture's occurrences outnumber its leaks
/// by far; stream them instead.)
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    /// Every occurrence, in the order added.
    pub occurrences: Vec<RecordedOccurrence>,
}

impl OccurrenceSink for Recorder {
    fn occurrence(&mut self, o: &Occurrence<'_>) -> io::Result<()> {
        self.occurrences.push(RecordedOccurrence {
            leak: o.leak,
            request: o.request.clone(),
            rule: o.rule.to_owned(),
            category: o.category,
            severity: o.severity,
            recipient: o.recipient.clone(),
            location: o.location.to_owned(),
            span: o.span,
            value: o.value.to_owned(),
            evidence: o.evidence.map(str::to_owned),
        });
        Ok(())
    }
}
