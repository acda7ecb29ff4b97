//! Real HAR files from a published investigation (The Markup / CalMatters, 2025): Blacklight
//! scans of U.S. state health-exchange sites, with real Google, Meta, Snapchat, TikTok, Bing and
//! TV Squared beacons. They live in the shared folder beside the repository, not in it. Where
//! they are missing the test fails (CI must not pass by scanning nothing), unless
//! `LEAKSCOPE_SKIP_REAL_CAPTURES=1` says the clone is meant to run without them.

mod common;

use common::real_captures;
use leakscope::{Category, Input, Recorder, ScanOptions, Scanner};

/// Parameters of these trackers that are site ids, versions, event names or per-hit random
/// numbers: reporting one would be a false positive.
const NOT_LEAKS: &[&str] = &[
    "query[tid]",
    "query[v]",
    "query[_p]",
    "query[_s]",
    "query[z]",
    "query[gtm]",
    "query[_v]",
    "query[id]",
    "query[ev]",
    "query[rnd]",
    "query[random]",
    "query[ti]",
    "query[tm]",
    "query[pixel_code]",
    "query[sdk_version]",
    "query[_et]",
    "query[en]",
    "query[_z]",
];

#[test]
fn every_real_capture_reads_cleanly_and_its_trackers_are_reported() {
    let Some(files) = real_captures() else {
        return;
    };
    let scanner = Scanner::builtin(ScanOptions::default());
    let mut history_hosts = std::collections::BTreeSet::new();
    for file in &files {
        let mut recorder = Recorder::default();
        let scan = scanner.scan_inputs_with(&[Input::Path(file.clone())], &mut recorder);
        assert_eq!(
            scan.input_errors,
            Vec::<String>::new(),
            "{}",
            file.display()
        );
        assert!(scan.report.summary.requests > 0);
        for occurrence in &recorder.occurrences {
            let last = occurrence.location.rsplit(" > ").next().unwrap_or_default();
            assert!(
                !NOT_LEAKS.contains(&last),
                "{}: {} reported at {} ({})",
                file.display(),
                occurrence.rule,
                occurrence.location,
                occurrence.request.host
            );
            if occurrence.category == Category::BrowsingHistory {
                history_hosts.insert(occurrence.request.host.clone());
            }
        }
        // Every occurrence belongs to a leak of the report, and the counts agree.
        let occurrences: u64 = scan.report.leaks.iter().map(|l| l.occurrences).sum();
        assert_eq!(occurrences, recorder.occurrences.len() as u64);
        assert_eq!(scan.report.summary.occurrences, occurrences);
        // The trackers are third parties, known by their organisation.
        for leak in &scan.report.leaks {
            if leak.recipient.domain == "google-analytics.com" {
                assert_eq!(leak.recipient.organisation.as_deref(), Some("Google"));
                assert_eq!(leak.recipient.party, leakscope::report::Party::Third);
            }
        }
    }
    // The page URL reaches these third parties in the captures; each must be seen.
    for host in [
        "www.google-analytics.com",
        "tr.snapchat.com",
        "googleads.g.doubleclick.net",
    ] {
        assert!(
            history_hosts.iter().any(|h| h == host),
            "no browsing history reported for {host}: {history_hosts:?}"
        );
    }
}
