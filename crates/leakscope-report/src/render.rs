//! Writing a report in one format.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::{Anomaly, Finding, Report, Summary, Tool};

/// Writes a [`Report`] in one format.
pub trait Render {
    /// Write `report` to `out`.
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// The `leakscope.report/v1` JSON document, pretty-printed, with a final newline.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonRenderer;

/// The report without its findings, field for field as [`Report`] serialises, for the JSON
/// renderer to write the findings into (`tests::the_json_report_is_serdes_pretty_print`
/// holds the two together).
#[derive(Serialize)]
struct Shell<'r> {
    schema: &'r str,
    tool: &'r Tool,
    summary: &'r Summary,
    findings: [(); 0],
    linkage: &'r serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "<[Anomaly]>::is_empty")]
    anomalies: &'r [Anomaly],
}

/// Where the findings go in the pretty-printed shell: the empty array of its top-level
/// `findings` member (top-level members are the only lines indented by exactly two spaces).
const EMPTY_FINDINGS: &[u8] = b"\n  \"findings\": []";

impl Render for JsonRenderer {
    /// The document is what `serde_json::to_writer_pretty` makes of the [`Report`], byte for
    /// byte, but the findings are not printed through serde: a large report's spilled findings
    /// are on disk in their final form already and are copied (see [`Findings`]).
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        // serde_json writes a few bytes at a time (a quote, an indent, a comma): into a buffer
        // of a known type those are copies the compiler inlines, where each would otherwise be
        // a call through `dyn Write`, even to a buffered writer.
        let mut out = io::BufWriter::with_capacity(64 << 10, out);
        let shell = serde_json::to_vec_pretty(&Shell {
            schema: &report.schema,
            tool: &report.tool,
            summary: &report.summary,
            findings: [],
            linkage: &report.linkage,
            anomalies: &report.anomalies,
        })?;
        let at = memchr::memmem::find(&shell, EMPTY_FINDINGS)
            .ok_or_else(|| io::Error::other("the report shell has no findings member"))?;
        let (head, tail) = shell.split_at(at + EMPTY_FINDINGS.len() - 2);
        out.write_all(head)?;
        if report.findings.is_empty() {
            out.write_all(b"[]")?;
        } else {
            out.write_all(b"[")?;
            report.findings.write_json_elements(&mut out)?;
            out.write_all(b"\n  ]")?;
        }
        out.write_all(&tail[2..])?;
        writeln!(out)?;
        out.flush()
    }
}

/// A report for a person: findings grouped by destination, then by request, each with its
/// provenance path; then totals and anomalies.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextRenderer;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn shown_value(finding: &Finding) -> &str {
    finding
        .value
        .as_deref()
        .or(finding.redacted.as_deref())
        .unwrap_or("")
}

/// Findings listed per destination in the text report; the rest are counted (a person does
/// not read a million lines, and a JSON report lists them all).
pub const TEXT_FINDINGS_PER_DESTINATION: usize = 500;

impl Render for TextRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let summary = &report.summary;
        // One pass over the findings (which may be read back from disk), keeping a bounded
        // number per destination.
        let mut by_host: BTreeMap<String, (Vec<Finding>, usize)> = BTreeMap::new();
        let mut shows_values = false;
        for finding in report.findings.iter() {
            let finding = finding?;
            shows_values |= finding.value.is_some();
            let (shown, hidden) = by_host.entry(finding.request.host.clone()).or_default();
            if shown.len() < TEXT_FINDINGS_PER_DESTINATION {
                shown.push(finding);
            } else {
                *hidden += 1;
            }
        }
        writeln!(
            out,
            "{} {}: {}, {}{}",
            report.tool.name,
            report.tool.version,
            plural(summary.requests, "request"),
            plural(summary.findings, "finding"),
            if shows_values || report.findings.is_empty() {
                ""
            } else {
                " (values redacted; --show-values shows them)"
            }
        )?;

        for destination in &summary.destinations {
            let Some((findings, hidden)) = by_host.get(destination.host.as_str()) else {
                continue;
            };
            let categories: Vec<&str> = destination.categories.iter().map(|c| c.as_str()).collect();
            writeln!(out)?;
            writeln!(
                out,
                "{}  ({}, {})",
                if destination.host.is_empty() {
                    "(no host)"
                } else {
                    &destination.host
                },
                plural(destination.requests, "request"),
                plural(destination.findings, "finding"),
            )?;
            writeln!(out, "  leaks: {}", categories.join(", "))?;
            let mut current = None;
            for finding in findings {
                if current != Some(finding.request.index) {
                    current = Some(finding.request.index);
                    writeln!(
                        out,
                        "  request #{}  {} {}",
                        finding.request.index, finding.request.method, finding.request.url
                    )?;
                }
                let repeat = if finding.occurrences > 1 {
                    format!("  ×{}", finding.occurrences)
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "    {:<8} {:<18} {:?}{repeat}  [{}]",
                    finding.severity.as_str(),
                    finding.category.as_str(),
                    shown_value(finding),
                    finding.rule
                )?;
                writeln!(out, "             at {}", finding.location)?;
            }
            if *hidden > 0 {
                let noun = if *hidden == 1 { "finding" } else { "findings" };
                writeln!(
                    out,
                    "  … and {hidden} more {noun} for this destination (--format json lists \
                     every finding)"
                )?;
            }
        }

        let quiet: Vec<&str> = summary
            .destinations
            .iter()
            .filter(|d| d.findings == 0)
            .map(|d| {
                if d.host.is_empty() {
                    "(no host)"
                } else {
                    d.host.as_str()
                }
            })
            .collect();
        if !quiet.is_empty() {
            writeln!(out)?;
            writeln!(out, "No findings: {}", quiet.join(", "))?;
        }

        if summary.findings > 0 {
            writeln!(out)?;
            let categories: Vec<String> = summary
                .by_category
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            let severities: Vec<String> = summary
                .by_severity
                .iter()
                .rev()
                .map(|(s, n)| format!("{s} {n}"))
                .collect();
            writeln!(out, "By category: {}", categories.join(", "))?;
            writeln!(out, "By severity: {}", severities.join(", "))?;
        }
        if !report.anomalies.is_empty() {
            writeln!(out)?;
            writeln!(out, "Anomalies ({}):", report.anomalies.len())?;
            for anomaly in &report.anomalies {
                match anomaly.request {
                    Some(index) => writeln!(
                        out,
                        "  {} (request #{index}): {}",
                        anomaly.source, anomaly.message
                    )?,
                    None => writeln!(out, "  {}: {}", anomaly.source, anomaly.message)?,
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::{finding, request, sample};
    use crate::{ByteSpan, Category, ReportBuilder};

    fn json(report: &Report) -> String {
        let mut out = Vec::new();
        JsonRenderer.render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A report of `count` findings with every optional field in turn, text that needs
    /// escaping, and anomalies or none, kept in memory up to `memory_limit` findings.
    fn varied(count: usize, memory_limit: usize, anomalies: bool) -> Report {
        let mut builder = ReportBuilder::new("leakscope", "0.1.0").with_memory_limit(memory_limit);
        for index in 0..count {
            let host = ["t.example.com", "ads.example.net"][index % 2];
            builder.add_request(&request(index, host));
            let mut f = finding(index, host, Category::PersistentId);
            match index % 4 {
                0 => f.key = None,
                1 => {
                    f.value = Some("line\nbreak \"quoted\" \\ tab\t é 世界 \u{1}".into());
                    f.redacted = None;
                }
                2 => {
                    f.span = Some(ByteSpan {
                        start: index,
                        end: index + 7,
                    })
                }
                _ => f.request.source = None,
            }
            f.occurrences = index % 3 + 1;
            builder.add_finding(f);
        }
        if anomalies {
            builder.add_anomaly(Anomaly {
                request: Some(0),
                source: "capture.har entry 0".into(),
                message: "a \"findings\": [] lookalike\n".into(),
            });
        }
        builder.finish()
    }

    /// The renderer writes the findings itself; the document must still be serde_json's
    /// pretty print of the report, byte for byte, whether the findings are in memory, all on
    /// disk, or split between the two.
    #[test]
    fn the_json_report_is_serdes_pretty_print() {
        for count in [0, 1, 2, 7] {
            for memory_limit in [1, 3, 100] {
                for anomalies in [false, true] {
                    let report = varied(count, memory_limit, anomalies);
                    let expected = serde_json::to_string_pretty(&report).unwrap() + "\n";
                    assert_eq!(
                        json(&report),
                        expected,
                        "{count} findings, {memory_limit} in memory, anomalies {anomalies}"
                    );
                }
            }
        }
        assert!(varied(7, 3, false).findings.is_spilled());
    }

    fn text(report: &Report) -> String {
        let mut out = Vec::new();
        TextRenderer.render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_groups_by_destination_and_shows_provenance() {
        let out = text(&sample());
        let expected = "\
leakscope 0.1.0: 3 requests, 2 findings (values redacted; --show-values shows them)

tracking.example.com  (2 requests, 2 findings)
  leaks: browsing-history, search-query
  request #1  POST https://tracking.example.com/track
    high     browsing-history   \"http…page (28 chars)\"  [history.url-field]
             at body form[data] > base64 > json $.url
  request #2  POST https://tracking.example.com/track
    high     search-query       \"http…page (28 chars)\"  [history.url-field]
             at body form[data] > base64 > json $.url

No findings: cdn.example.com

By category: browsing-history 1, search-query 1
By severity: high 2

Anomalies (1):
  capture.har entry 3: missing request.url
";
        assert_eq!(out, expected);
    }

    #[test]
    fn text_lists_a_bounded_number_per_destination() {
        let mut builder = crate::ReportBuilder::new("leakscope", "0.1.0").with_memory_limit(50);
        let total = TEXT_FINDINGS_PER_DESTINATION + 7;
        for index in 0..total {
            builder.add_request(&crate::model::tests::request(index, "t.example.com"));
            builder.add_finding(crate::model::tests::finding(
                index,
                "t.example.com",
                crate::Category::PersistentId,
            ));
        }
        let report = builder.finish();
        assert!(report.findings.is_spilled());
        let out = text(&report);
        assert_eq!(
            out.matches("\n  request #").count(),
            TEXT_FINDINGS_PER_DESTINATION
        );
        assert!(
            out.contains("… and 7 more findings for this destination"),
            "{out}"
        );
        assert!(out.contains(&format!("{total} requests, {total} findings")));
    }

    #[test]
    fn json_is_one_document() {
        let mut out = Vec::new();
        JsonRenderer.render(&sample(), &mut out).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed["summary"]["requests"], 3);
        assert!(out.ends_with(b"}\n"));
    }
}
