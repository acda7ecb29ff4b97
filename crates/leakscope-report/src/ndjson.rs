//! `--format ndjson`: one occurrence a line, written as the scan goes (contract §5).

use std::io::{self, Write};

use serde::Serialize;

use crate::scan::{ByteSpan, Occurrence, OccurrenceSink};
use crate::{Category, Party, Severity, redact, redact_location};

/// Writes each occurrence as one JSON line as soon as it is added to the report: memory stays
/// constant whatever the capture holds, and the `leak` ids are those of the JSON report of the
/// same scan.
#[derive(Debug)]
pub struct NdjsonSink<W: Write> {
    out: W,
    show_values: bool,
    line: Vec<u8>,
}

impl<W: Write> NdjsonSink<W> {
    /// A sink writing to `out` (buffer it); values only when `show_values`.
    pub fn new(out: W, show_values: bool) -> Self {
        NdjsonSink {
            out,
            show_values,
            line: Vec::with_capacity(512),
        }
    }

    /// The writer back, after flushing.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[derive(Serialize)]
struct Line<'a> {
    leak: String,
    request: LineRequest<'a>,
    rule: &'a str,
    category: Category,
    severity: Severity,
    recipient: LineRecipient<'a>,
    location: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<ByteSpan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redacted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a str>,
}

#[derive(Serialize)]
struct LineRequest<'a> {
    index: usize,
    method: &'a str,
    host: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
}

#[derive(Serialize)]
struct LineRecipient<'a> {
    domain: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    organisation: Option<&'a str>,
    party: Party,
}

impl<W: Write> OccurrenceSink for NdjsonSink<W> {
    fn occurrence(&mut self, o: &Occurrence<'_>) -> io::Result<()> {
        let line = Line {
            leak: o.leak.to_string(),
            request: LineRequest {
                index: o.request.index,
                method: &o.request.method,
                host: &o.request.host,
                url: &o.request.url,
                source: o.request.source.as_deref(),
            },
            rule: o.rule,
            category: o.category,
            severity: o.severity,
            recipient: LineRecipient {
                domain: &o.recipient.domain,
                organisation: o.recipient.organisation.as_deref(),
                party: o.recipient.party,
            },
            location: if self.show_values {
                o.location.into()
            } else {
                redact_location(o.location)
            },
            span: o.span,
            value: self.show_values.then_some(o.value),
            redacted: (!self.show_values).then(|| redact(o.value)),
            evidence: o.evidence,
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &line)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }
}
