//! The case leakscope was built for: Xiaomi Mi Browser telemetry sent in incognito mode, as
//! URL-encoded base64 of (gzipped) JSON. The shipped captures hold the same session as HAR and
//! as a raw HTTP/1.1 stream; `mi-browser-incognito.expected.json` was written by the capture's
//! generator from what it put into each request.

mod common;

use std::collections::BTreeSet;

use common::{leaks_by, scan_recorded, shipped_captures};
use leakscope::report::RecordedOccurrence;
use leakscope::{Input, Report, ScanOptions, Scanner};
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

fn expected() -> Expected {
    let text =
        std::fs::read_to_string(shipped_captures().join("mi-browser-incognito.expected.json"))
            .expect("expected findings ship with the capture");
    serde_json::from_str(&text).expect("expected findings parse")
}

fn scan(file: &str, show_values: bool) -> (Report, Vec<RecordedOccurrence>) {
    let scanner = Scanner::builtin(ScanOptions {
        show_values,
        ..ScanOptions::default()
    });
    let (report, occurrences) =
        scan_recorded(&scanner, &[Input::Path(shipped_captures().join(file))]);
    assert!(report.anomalies.is_empty(), "{:?}", report.anomalies);
    (report, occurrences)
}

/// (request, category) of every occurrence.
fn pairs(occurrences: &[RecordedOccurrence]) -> BTreeSet<(usize, String)> {
    occurrences
        .iter()
        .map(|o| (o.request.index, o.category.to_string()))
        .collect()
}

/// The same pairs, from the report's leaks (each leak lists its requests).
fn report_pairs(report: &Report) -> BTreeSet<(usize, String)> {
    report
        .leaks
        .iter()
        .flat_map(|l| {
            l.requests
                .iter()
                .map(|&r| (r as usize, l.category.to_string()))
        })
        .collect()
}

fn assert_exact_findings(file: &str) {
    let expected = expected();
    let (report, occurrences) = scan(file, false);
    assert_eq!(report.summary.requests, expected.requests);
    let want: BTreeSet<(usize, String)> = expected
        .findings
        .iter()
        .map(|f| (f.request, f.category.clone()))
        .collect();
    assert_eq!(pairs(&occurrences), want, "{file}");
    assert_eq!(report_pairs(&report), want, "{file}");
}

#[test]
fn the_har_capture_reports_exactly_the_expected_leaks() {
    assert_exact_findings("mi-browser-incognito.har");
}

#[test]
fn the_raw_http_stream_reports_exactly_the_same_leaks() {
    assert_exact_findings("mi-browser-incognito.http");
}

/// Whether `location` ends in the field `key` (`… $.properties.keyword`, `query[v]`).
fn ends_in_field(location: &str, key: &str) -> bool {
    location.ends_with(&format!(".{key}")) || location.ends_with(&format!("[{key}]"))
}

#[test]
fn decoys_are_never_reported() {
    let expected = expected();
    for file in ["mi-browser-incognito.har", "mi-browser-incognito.http"] {
        let (_, occurrences) = scan(file, false);
        for decoy in &expected.decoys {
            let reported = occurrences.iter().find(|o| {
                o.request.index == decoy.request && ends_in_field(&o.location, &decoy.key)
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
    let (_, occurrences) = scan("mi-browser-incognito.har", true);
    let search = occurrences
        .iter()
        .find(|o| o.request.index == 1 && o.category.to_string() == "search-query")
        .expect("the first search is reported");
    assert_eq!(
        search.location,
        "body form[data_list] > base64 > gzip > json $[2].properties.keyword"
    );
    assert_eq!(search.value, "symptoms of depression");
    let tracked = occurrences
        .iter()
        .find(|o| o.request.index == 2)
        .expect("the tracking post is reported");
    assert_eq!(
        tracked.location,
        "body form[data] > base64 > json $.events[0].url"
    );
}

#[test]
fn values_are_redacted_unless_asked() {
    let (report, _) = scan("mi-browser-incognito.har", false);
    for leak in &report.leaks {
        assert!(leak.value.is_none());
        let preview = leak.redacted.as_deref().expect("a redacted preview");
        assert!(
            preview.contains(" chars)") || preview.contains(" char)"),
            "{preview}"
        );
    }
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("symptoms of depression"));
    assert!(
        !json.contains("0467ede7dcf0ee81"),
        "the device id must not be in the report"
    );
    let (shown, _) = scan("mi-browser-incognito.har", true);
    assert!(
        shown
            .leaks
            .iter()
            .any(|l| l.value.as_deref() == Some("symptoms of depression"))
    );
}

#[test]
fn the_device_id_is_one_leak_with_every_request_that_carried_it() {
    let (report, occurrences) = scan("mi-browser-incognito.har", false);
    let ids = leaks_by(&report, "sensors-analytics.distinct-id");
    assert_eq!(ids.len(), 1, "one id, one recipient host: one leak");
    let id = ids[0];
    assert_eq!(id.requests, [1, 4, 5, 7]);
    assert_eq!(id.recipient.host, "sa.api.intl.miui.com");
    assert_eq!(id.recipient.domain, "miui.com");
    assert_eq!(id.recipient.organisation.as_deref(), Some("Xiaomi"));
    assert_eq!(id.recipient.party, leakscope::report::Party::Third);
    // Batches of three, one and two events, and one more: each event is an occurrence, and
    // the events of a batch are one place.
    let streamed = occurrences
        .iter()
        .filter(|o| o.leak.to_string() == id.id)
        .count() as u64;
    assert_eq!(id.occurrences, streamed);
    assert!(id.occurrences >= 4, "{}", id.occurrences);
    assert!(
        id.locations
            .iter()
            .any(|l| l.location.contains("json $[0].distinct_id") && l.count >= 3),
        "{:?}",
        id.locations
    );
}

#[test]
fn both_kinds_of_linkage_are_shown() {
    let (report, _) = scan("mi-browser-incognito.har", false);
    let kinds: BTreeSet<&str> = report.linkage.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["fingerprint", "shared-id"]));
    let shared = report
        .linkage
        .iter()
        .find(|l| l.kind.as_str() == "shared-id")
        .unwrap();
    let id = report
        .leaks
        .iter()
        .find(|l| l.rule == "sensors-analytics.distinct-id")
        .unwrap();
    assert_eq!(shared.value_ids, std::slice::from_ref(&id.value_id));
    assert_eq!(shared.requests, 4);
    assert!(
        shared.why.contains("per-request ids all differ"),
        "{}",
        shared.why
    );
    // The tracking posts carry no id, only the device: the fingerprint ties them to the
    // Sensors requests that do.
    let fingerprint = report
        .linkage
        .iter()
        .find(|l| l.kind.as_str() == "fingerprint")
        .unwrap();
    assert_eq!(fingerprint.requests, 6, "{}", fingerprint.why);
    assert!(fingerprint.value_ids.len() >= 3);
    assert!(fingerprint.distinct_sets.is_some());
}

#[test]
fn occurrences_under_a_layer_have_no_span() {
    // Everything Mi Browser sent is base64: no value is bytes of the request as sent.
    for file in ["mi-browser-incognito.har", "mi-browser-incognito.http"] {
        for occurrence in scan(file, true).1 {
            assert!(
                occurrence.location.contains("> base64"),
                "{}",
                occurrence.location
            );
            assert_eq!(occurrence.span, None, "{file}: {}", occurrence.location);
        }
    }
}

#[test]
fn the_normal_mode_captures_report_exactly_their_expected_leaks() {
    let text = std::fs::read_to_string(shipped_captures().join("mi-browser-normal.expected.json"))
        .expect("expected findings ship with the capture");
    let expected: Expected = serde_json::from_str(&text).expect("expected findings parse");
    let want: BTreeSet<(usize, String)> = expected
        .findings
        .iter()
        .map(|f| (f.request, f.category.clone()))
        .collect();
    for file in ["mi-browser-normal.har", "mi-browser-normal.http"] {
        let (report, occurrences) = scan(file, false);
        assert_eq!(report.summary.requests, expected.requests);
        assert_eq!(pairs(&occurrences), want, "{file}");
        assert_eq!(report_pairs(&report), want, "{file}");
    }
}
