//! Who is the first party: given with `--first-party`, else told by the capture itself (HAR
//! pages, page loads, the most common Origin/Referer), and the report says how.

use std::io::Write;

use leakscope::report::Party;
use leakscope::{Input, ScanOptions, Scanner};

fn har(entries: &str, pages: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    write!(
        file,
        r#"{{"log": {{"version": "1.2", "pages": [{pages}], "entries": [{entries}]}}}}"#
    )
    .unwrap();
    file
}

/// A page load of a health site, then a Google Analytics beacon carrying the page.
const SESSION: &str = r#"
  {"pageref": "p1", "_resourceType": "document", "request": {"method": "GET",
   "url": "https://www.example-health.org/conditions/depression", "headers": []}},
  {"pageref": "p1", "_resourceType": "image", "request": {"method": "GET",
   "url": "https://www.google-analytics.com/collect?v=1&dl=https%3A%2F%2Fwww.example-health.org%2Fconditions%2Fdepression&cid=1234567890.1588000000",
   "headers": [{"name": "Referer", "value": "https://www.example-health.org/conditions/depression"}]}}
"#;

fn scan(file: &tempfile::NamedTempFile, options: ScanOptions) -> leakscope::Report {
    let scan = Scanner::builtin(options).scan_inputs(&[Input::Path(file.path().to_owned())]);
    assert!(scan.input_errors.is_empty(), "{:?}", scan.input_errors);
    scan.report
}

#[test]
fn har_pages_name_the_first_party() {
    let file = har(
        SESSION,
        r#"{"id": "p1", "title": "https://www.example-health.org/conditions/depression"}"#,
    );
    let report = scan(&file, ScanOptions::default());
    assert_eq!(report.first_party.domains, ["example-health.org"]);
    assert_eq!(report.first_party.how, "HAR pages");
    let ga = &report.summary.recipients[0];
    assert_eq!(ga.domain, "google-analytics.com");
    assert_eq!(ga.organisation.as_deref(), Some("Google"));
    assert_eq!(ga.party, Party::Third);
    assert!(
        report
            .leaks
            .iter()
            .all(|l| l.recipient.party == Party::Third)
    );
    assert!(
        report
            .summary
            .recipients
            .iter()
            .any(|r| r.domain == "example-health.org" && r.party == Party::First)
    );
}

#[test]
fn without_pages_page_loads_name_it() {
    let file = har(SESSION, "");
    let report = scan(&file, ScanOptions::default());
    assert_eq!(report.first_party.domains, ["example-health.org"]);
    assert_eq!(report.first_party.how, "top-level document requests");
}

#[test]
fn given_first_parties_win_and_third_party_only_keeps_the_rest() {
    let file = har(SESSION, "");
    let options = ScanOptions {
        first_party: vec!["google-analytics.com".into()],
        ..ScanOptions::default()
    };
    let report = scan(&file, options.clone());
    assert_eq!(report.first_party.how, "--first-party");
    assert!(
        report
            .leaks
            .iter()
            .all(|l| l.recipient.party == Party::First)
    );
    let report = scan(
        &file,
        ScanOptions {
            third_party_only: true,
            ..options
        },
    );
    assert!(report.leaks.is_empty());
    assert_eq!(report.summary.leaks, 0);
}
