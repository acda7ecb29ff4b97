//! Who is the first party: given with `--first-party`, else told by the capture itself (HAR
//! pages, page loads, the most common Origin/Referer), and the report says how.

use std::io::Write;

use leakscope::report::{Party, RecipientSummary};
use leakscope::{Input, Report, ScanOptions, Scanner};

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

fn scan(file: &tempfile::NamedTempFile, options: ScanOptions) -> Report {
    let scan = Scanner::builtin(options).scan_inputs(&[Input::Path(file.path().to_owned())]);
    assert!(scan.input_errors.is_empty(), "{:?}", scan.input_errors);
    scan.report
}

/// How a report says it found the first party through page loads.
const PAGE_LOADS: &str = "top-level document requests named as Origin/Referer";

/// Asserts the report's first party is `domain` alone, found as `how` says.
fn assert_first_party(report: &Report, domain: &str, how: &str) {
    assert_eq!(report.first_party.domains, [domain]);
    assert_eq!(report.first_party.how, how);
}

/// The summary of the recipient `domain`.
fn recipient<'r>(report: &'r Report, domain: &str) -> &'r RecipientSummary {
    report
        .summary
        .recipients
        .iter()
        .find(|r| r.domain == domain)
        .unwrap_or_else(|| panic!("no recipient {domain}"))
}

#[test]
fn har_pages_name_the_first_party() {
    let file = har(
        SESSION,
        r#"{"id": "p1", "title": "https://www.example-health.org/conditions/depression"}"#,
    );
    let report = scan(&file, ScanOptions::default());
    assert_first_party(&report, "example-health.org", "HAR pages");
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
    // The beacon's Referer names the page: the page load is confirmed.
    assert_first_party(&report, "example-health.org", PAGE_LOADS);
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
    assert_first_party(&report, "shop.example", PAGE_LOADS);
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
    let ga = recipient(&report, "google-analytics.com");
    assert_eq!(ga.party, Party::First, "the same organisation");
    assert_eq!(recipient(&report, "example-health.org").party, Party::Third);
}

/// Most visits start at a search engine: the site's page load then names it in its Referer.
/// A page load's Referer is where the user came from, not a page they are on; the search
/// engine is not the first party, and neither are its trackers.
#[test]
fn the_search_engine_the_user_came_from_is_not_the_first_party() {
    let entries = r#"
      {"request": {"method": "GET", "url": "https://www.google.com/search?q=shoes",
       "headers": [{"name": "Sec-Fetch-Dest", "value": "document"}]}},
      {"request": {"method": "GET", "url": "https://www.shop.example/shoes",
       "headers": [{"name": "Sec-Fetch-Dest", "value": "document"},
                   {"name": "Referer", "value": "https://www.google.com/"}]}},
      {"request": {"method": "GET", "url": "https://www.google-analytics.com/collect?v=1&cid=1234567890.1588000000&dl=https%3A%2F%2Fwww.shop.example%2Fshoes",
       "headers": [{"name": "Referer", "value": "https://www.shop.example/shoes"}]}}
    "#;
    let file = har(entries, "");
    let report = scan(
        &file,
        ScanOptions {
            third_party_only: true,
            ..ScanOptions::default()
        },
    );
    assert_eq!(report.first_party.domains, ["shop.example"]);
    assert!(
        report
            .leaks
            .iter()
            .any(|l| l.recipient.domain == "google-analytics.com"),
        "GA's leaks are third party: {:?}",
        report.leaks
    );
}

/// The scan reads the capture once before it scans it, so streamed occurrences carry the
/// party of the finished report (here: the most common initiator), not the best guess from the
/// requests seen so far.
#[test]
fn the_streamed_party_is_the_reports_party() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for site in ["bsite.com", "asite.com", "bsite.com"] {
        writeln!(
            file,
            r#"{{"method":"GET","url":"https://www.{site}/c?imei=490154203237518","headers":[["Referer","https://www.{site}/"]]}}"#
        )
        .unwrap();
    }
    let mut recorder = leakscope::Recorder::default();
    let scan = Scanner::builtin(ScanOptions::default())
        .scan_inputs_with(&[Input::Path(file.path().to_owned())], &mut recorder);
    assert_eq!(scan.report.first_party.domains, ["bsite.com"]);
    let imeis: Vec<_> = recorder
        .occurrences
        .iter()
        .filter(|o| o.rule == "id.imei-value")
        .collect();
    let parties: Vec<Party> = imeis.iter().map(|o| o.recipient.party).collect();
    assert_eq!(parties, [Party::First, Party::Third, Party::First]);
    let hosts: Vec<&str> = imeis.iter().map(|o| o.recipient.host.as_str()).collect();
    assert_eq!(hosts, ["www.bsite.com", "www.asite.com", "www.bsite.com"]);
}
