//! The case leakscope was built for: Xiaomi Mi Browser telemetry sent in incognito mode, as
//! URL-encoded base64 of (gzipped) JSON. The shipped captures hold the same session as HAR and
//! as a raw HTTP/1.1 stream; `mi-browser-incognito.expected.json` was written by the capture's
//! generator from what it put into each request.

use std::collections::BTreeSet;
use std::path::PathBuf;

use leakscope::{Finding, Input, Report, ScanOptions, Scanner};
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    requests: usize,
    findings: Vec<ExpectedFinding>,
    decoys: Vec<Decoy>,
}

#[derive(Deserialize)]
struct ExpectedFinding {
    request: usize,
    category: String,
}

#[derive(Deserialize)]
struct Decoy {
    request: usize,
    key: String,
}

fn captures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/captures")
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(captures().join("mi-browser-incognito.expected.json"))
        .expect("expected findings ship with the capture");
    serde_json::from_str(&text).expect("expected findings parse")
}

fn scan(file: &str, show_values: bool) -> Report {
    let scanner = Scanner::builtin(ScanOptions {
        show_values,
        ..ScanOptions::default()
    });
    let scan = scanner.scan_inputs(&[Input::Path(captures().join(file))]);
    assert_eq!(scan.input_errors, Vec::<String>::new());
    assert!(
        scan.report.anomalies.is_empty(),
        "{:?}",
        scan.report.anomalies
    );
    scan.report
}

fn findings(report: &Report) -> Vec<Finding> {
    report.findings.load().expect("findings read back")
}

fn pairs(report: &Report) -> BTreeSet<(usize, String)> {
    findings(report)
        .iter()
        .map(|f| (f.request.index, f.category.to_string()))
        .collect()
}

fn assert_exact_findings(file: &str) {
    let expected = expected();
    let report = scan(file, false);
    assert_eq!(report.summary.requests, expected.requests);
    let want: BTreeSet<(usize, String)> = expected
        .findings
        .iter()
        .map(|f| (f.request, f.category.clone()))
        .collect();
    assert_eq!(pairs(&report), want, "{file}");
}

#[test]
fn the_har_capture_reports_exactly_the_expected_leaks() {
    assert_exact_findings("mi-browser-incognito.har");
}

#[test]
fn the_raw_http_stream_reports_exactly_the_same_leaks() {
    assert_exact_findings("mi-browser-incognito.http");
}

#[test]
fn decoys_are_never_reported() {
    let expected = expected();
    for file in ["mi-browser-incognito.har", "mi-browser-incognito.http"] {
        let report = scan(file, false);
        for decoy in &expected.decoys {
            let reported = findings(&report).into_iter().find(|f| {
                f.request.index == decoy.request && f.key.as_deref() == Some(decoy.key.as_str())
            });
            assert!(
                reported.is_none(),
                "{file}: decoy `{}` in request {} reported as {:?}",
                decoy.key,
                decoy.request,
                reported
            );
        }
    }
}

#[test]
fn provenance_names_every_layer() {
    let report = scan("mi-browser-incognito.har", true);
    let search = findings(&report)
        .into_iter()
        .find(|f| f.request.index == 1 && f.category.to_string() == "search-query")
        .expect("the first search is reported");
    assert_eq!(
        search.location,
        "body form[data_list] > base64 > gzip > json $[2].properties.keyword"
    );
    assert_eq!(search.value.as_deref(), Some("symptoms of depression"));
    let tracked = findings(&report)
        .into_iter()
        .find(|f| f.request.index == 2)
        .expect("the tracking post is reported");
    assert_eq!(
        tracked.location,
        "body form[data] > base64 > json $.events[0].url"
    );
}

#[test]
fn values_are_redacted_unless_asked() {
    let report = scan("mi-browser-incognito.har", false);
    for finding in findings(&report) {
        assert!(finding.value.is_none());
        let preview = finding.redacted.as_deref().expect("a redacted preview");
        assert!(
            preview.contains(" chars)") || preview.contains(" char)"),
            "{preview}"
        );
        assert!(
            !finding.request.url.contains('?'),
            "query strings are values too"
        );
    }
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("symptoms of depression"));
    assert!(
        !json.contains("0467ede7dcf0ee81"),
        "the device id must not be in the report"
    );
}

#[test]
fn a_batch_repeating_the_device_id_is_one_finding_with_occurrences() {
    let report = scan("mi-browser-incognito.har", false);
    let ids: Vec<_> = findings(&report)
        .into_iter()
        .filter(|f| f.request.index == 1 && f.rule == "id.analytics-client-id")
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].occurrences, 3, "three events in the batch");
}

#[test]
fn a_report_spilled_to_disk_is_the_same_report() {
    let path = captures().join("mi-browser-incognito.har");
    let in_memory =
        Scanner::builtin(ScanOptions::default()).scan_inputs(&[Input::Path(path.clone())]);
    let spilled = Scanner::builtin(ScanOptions {
        findings_in_memory: Some(4),
        ..ScanOptions::default()
    })
    .scan_inputs(&[Input::Path(path)]);
    assert!(spilled.report.findings.is_spilled());
    assert!(!in_memory.report.findings.is_spilled());
    assert_eq!(
        serde_json::to_string(&spilled.report).unwrap(),
        serde_json::to_string(&in_memory.report).unwrap()
    );
}

#[test]
fn findings_under_a_layer_have_no_span() {
    // Everything Mi Browser sent is base64: no finding is bytes of the request as sent.
    for file in ["mi-browser-incognito.har", "mi-browser-incognito.http"] {
        for finding in findings(&scan(file, true)) {
            assert!(
                finding.location.contains("> base64"),
                "{}",
                finding.location
            );
            assert_eq!(finding.span, None, "{file}: {}", finding.location);
        }
    }
}
