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
    // The beacon's Referer names the page: the page load is confirmed.
    assert_eq!(
        report.first_party.how,
        "top-level document requests named as Origin/Referer"
    );
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

/// A shop's page, its requests naming it as their Origin, and a click on an ad that loads the
/// ad server's redirect page: the ad server is not the site being audited.
#[test]
fn a_page_load_nothing_names_is_not_the_first_party() {
    let entries = r#"
      {"request": {"method": "GET", "url": "https://www.shop.example/cart",
       "headers": [{"name": "Sec-Fetch-Dest", "value": "document"}]}},
      {"request": {"method": "GET", "url": "https://www.google-analytics.com/collect?v=1&cid=1234567890.1588000000&dl=https%3A%2F%2Fwww.shop.example%2Fcart",
       "headers": [{"name": "Origin", "value": "https://www.shop.example"}]}},
      {"request": {"method": "GET", "url": "https://ad.doubleclick.net/ddm/clk/123;abc?https://www.shop.example/",
       "headers": [{"name": "Sec-Fetch-Dest", "value": "document"}]}}
    "#;
    let file = har(entries, "");
    let report = scan(&file, ScanOptions::default());
    assert_eq!(report.first_party.domains, ["shop.example"]);
    assert_eq!(
        report.first_party.how,
        "top-level document requests named as Origin/Referer"
    );
    assert!(
        report
            .summary
            .recipients
            .iter()
            .filter(|r| r.organisation.as_deref() == Some("Google"))
            .all(|r| r.party == Party::Third)
    );
}

/// `--first-party` takes a URL as well as a domain, and an organisation's other domains are
/// first party with it (a site's own analytics is its owner's).
#[test]
fn the_first_party_may_be_a_url_and_covers_its_organisation() {
    let file = har(SESSION, "");
    let report = scan(
        &file,
        ScanOptions {
            first_party: vec!["https://www.google.com/search?q=x".into()],
            ..ScanOptions::default()
        },
    );
    assert_eq!(report.first_party.domains, ["google.com"]);
    let ga = report
        .summary
        .recipients
        .iter()
        .find(|r| r.domain == "google-analytics.com")
        .unwrap();
    assert_eq!(ga.party, Party::First, "the same organisation");
    let site = report
        .summary
        .recipients
        .iter()
        .find(|r| r.domain == "example-health.org")
        .unwrap();
    assert_eq!(site.party, Party::Third);
}
