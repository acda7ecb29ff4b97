//! The `leakscope.report/v1` document and the builder that assembles it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Category, Findings, Severity};

/// The schema identifier written into every JSON report.
pub const SCHEMA: &str = "leakscope.report/v1";

/// A whole report.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// Which program wrote the report.
    pub tool: Tool,
    /// Counts and destinations.
    pub summary: Summary,
    /// Every finding, in request order, then in the order found inside the request (a large
    /// report keeps most of them in a temporary file: see [`Findings`]).
    pub findings: Findings,
    /// Identifiers and fingerprints that tie requests together (filled by a later stage; an
    /// empty object until then).
    pub linkage: serde_json::Map<String, serde_json::Value>,
    /// Problems met while reading or decoding: broken entries, budgets reached. Absent when
    /// there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<Anomaly>,
}

/// The program that wrote a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `leakscope`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Counts over the whole report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Requests scanned.
    pub requests: usize,
    /// Findings reported.
    pub findings: usize,
    /// Findings per category.
    pub by_category: BTreeMap<Category, usize>,
    /// Findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Every host requests went to: most findings first, then by name.
    pub destinations: Vec<Destination>,
}

/// One host the capture sent requests to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// The host name.
    pub host: String,
    /// Requests sent to it.
    pub requests: usize,
    /// Findings in those requests.
    pub findings: usize,
    /// The categories of those findings, in the contract's order.
    pub categories: Vec<Category>,
}

/// The request a finding was made in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRef {
    /// Position over all inputs, from 0, in input order.
    pub index: usize,
    /// The HTTP method.
    pub method: String,
    /// The destination host (empty when the request named none).
    pub host: String,
    /// The URL without its query string unless values are shown (a query often *is* the leak).
    pub url: String,
    /// Where the request is in its capture file: `capture.har entry 3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One leak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule that matched.
    pub rule: String,
    /// What leaks.
    pub category: Category,
    /// How bad it is.
    pub severity: Severity,
    /// The request it leaks in.
    pub request: RequestRef,
    /// Every part and decoding layer from the HTTP message to the value.
    pub location: String,
    /// The field name the value was found under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value, only when the user asked for values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A preview of the value that does not reveal it (see [`redact`](crate::redact)); present
    /// when `value` is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    /// How many times the same rule matched the same value in this request (a batch of events
    /// repeats the device id in each); the location is the first one.
    pub occurrences: usize,
    /// Where the value's bytes are in the request part the location starts at (the body, the
    /// query parameter, ...), when they are there verbatim: not after a layer such as base64
    /// or gzip, nor for a string that was unescaped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<ByteSpan>,
}

/// A byte range `start..end` of a request part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteSpan {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

/// Something that went wrong reading or decoding, that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The request it concerns, when it concerns one that was scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<usize>,
    /// The file and position: `capture.har entry 3`, `dump.http byte 1024`.
    pub source: String,
    /// What happened, for a person.
    pub message: String,
}

#[derive(Debug, Default)]
struct HostTally {
    requests: usize,
    findings: usize,
    categories: BTreeSet<Category>,
}

/// Assembles a [`Report`] as requests are scanned, in any order; [`ReportBuilder::finish`] sorts.
#[derive(Debug)]
pub struct ReportBuilder {
    tool: Tool,
    requests: usize,
    hosts: BTreeMap<String, HostTally>,
    findings: Findings,
    summary: Summary,
    anomalies: Vec<Anomaly>,
}

impl ReportBuilder {
    /// A builder for a report written by `tool` at `version`.
    pub fn new(tool: &str, version: &str) -> Self {
        ReportBuilder {
            tool: Tool {
                name: tool.to_owned(),
                version: version.to_owned(),
            },
            requests: 0,
            hosts: BTreeMap::new(),
            findings: Findings::default(),
            summary: Summary::default(),
            anomalies: Vec::new(),
        }
    }

    /// Keep at most `limit` findings in memory; the rest go to a temporary file.
    pub fn with_memory_limit(mut self, limit: usize) -> Self {
        self.findings = Findings::with_memory_limit(limit);
        self
    }

    /// Count one scanned request.
    pub fn add_request(&mut self, request: &RequestRef) {
        self.requests += 1;
        self.hosts.entry(request.host.clone()).or_default().requests += 1;
    }

    /// Add a finding (its request should be added too). Findings are kept in the order they
    /// are added, which should be request order (the scanner adds them so).
    pub fn add_finding(&mut self, finding: Finding) {
        let tally = self.hosts.entry(finding.request.host.clone()).or_default();
        tally.findings += 1;
        tally.categories.insert(finding.category);
        *self
            .summary
            .by_category
            .entry(finding.category)
            .or_default() += 1;
        *self
            .summary
            .by_severity
            .entry(finding.severity)
            .or_default() += 1;
        self.findings.push(finding);
    }

    /// Add an anomaly.
    pub fn add_anomaly(&mut self, anomaly: Anomaly) {
        self.anomalies.push(anomaly);
    }

    /// The finished report, with the summary computed.
    pub fn finish(mut self) -> Report {
        self.anomalies
            .sort_by_key(|a| a.request.unwrap_or(usize::MAX));
        if let Some(error) = self.findings.spill_error() {
            self.anomalies.push(Anomaly {
                request: None,
                source: "report".to_owned(),
                message: format!(
                    "could not write findings to a temporary file ({error}): kept in memory"
                ),
            });
        }
        let mut summary = self.summary;
        summary.requests = self.requests;
        summary.findings = self.findings.len();
        summary.destinations = self
            .hosts
            .into_iter()
            .map(|(host, tally)| Destination {
                host,
                requests: tally.requests,
                findings: tally.findings,
                categories: tally.categories.into_iter().collect(),
            })
            .collect();
        summary.destinations.sort_by(|a, b| {
            b.findings
                .cmp(&a.findings)
                .then_with(|| a.host.cmp(&b.host))
        });
        Report {
            schema: SCHEMA.to_owned(),
            tool: self.tool,
            summary,
            findings: self.findings,
            linkage: serde_json::Map::new(),
            anomalies: self.anomalies,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn request(index: usize, host: &str) -> RequestRef {
        RequestRef {
            index,
            method: "POST".into(),
            host: host.into(),
            url: format!("https://{host}/track"),
            source: Some(format!("capture.har entry {index}")),
        }
    }

    pub(crate) fn finding(index: usize, host: &str, category: Category) -> Finding {
        Finding {
            rule: "history.url-field".into(),
            category,
            severity: Severity::High,
            request: request(index, host),
            location: "body form[data] > base64 > json $.url".into(),
            key: Some("url".into()),
            value: None,
            redacted: Some("http…page (28 chars)".into()),
            occurrences: 1,
            span: None,
        }
    }

    pub(crate) fn sample() -> Report {
        let mut builder = ReportBuilder::new("leakscope", "0.1.0");
        builder.add_request(&request(0, "cdn.example.com"));
        builder.add_request(&request(1, "tracking.example.com"));
        builder.add_request(&request(2, "tracking.example.com"));
        builder.add_finding(finding(
            1,
            "tracking.example.com",
            Category::BrowsingHistory,
        ));
        builder.add_finding(finding(2, "tracking.example.com", Category::SearchQuery));
        builder.add_anomaly(Anomaly {
            request: None,
            source: "capture.har entry 3".into(),
            message: "missing request.url".into(),
        });
        builder.finish()
    }

    #[test]
    fn the_summary_counts_everything() {
        let report = sample();
        assert_eq!(report.summary.requests, 3);
        assert_eq!(report.summary.findings, 2);
        assert_eq!(report.summary.by_severity[&Severity::High], 2);
        assert_eq!(report.summary.by_category[&Category::SearchQuery], 1);
        assert_eq!(report.findings.load().unwrap()[0].request.index, 1);
        let hosts: Vec<_> = report
            .summary
            .destinations
            .iter()
            .map(|d| &d.host)
            .collect();
        assert_eq!(hosts, ["tracking.example.com", "cdn.example.com"]);
        assert_eq!(
            report.summary.destinations[0].categories,
            [Category::BrowsingHistory, Category::SearchQuery]
        );
    }

    #[test]
    fn json_follows_the_contract() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["schema"], "leakscope.report/v1");
        assert_eq!(json["summary"]["by_category"]["browsing-history"], 1);
        assert_eq!(json["summary"]["by_severity"]["high"], 2);
        let finding = &json["findings"][0];
        assert_eq!(finding["category"], "browsing-history");
        assert_eq!(finding["request"]["index"], 1);
        assert_eq!(finding["location"], "body form[data] > base64 > json $.url");
        assert!(finding.get("value").is_none(), "no value unless asked");
        assert_eq!(finding["redacted"], "http…page (28 chars)");
        assert!(json["linkage"].is_object());
        let back: Report = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }
}
