//! Real HAR files from a published investigation (The Markup / CalMatters, 2025): Blacklight
//! scans of U.S. state health-exchange sites, with real Google, Meta, Snapchat, TikTok, Bing and
//! TV Squared beacons. They live in the shared folder beside the repository, not in it; the test
//! says so and passes when they are absent (a clone elsewhere).

use std::path::PathBuf;

use leakscope::{Category, Input, ScanOptions, Scanner};

fn real_captures() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .collect();
    files.sort();
    Some(files)
}

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
        eprintln!("shared/real-captures not found beside the repository: skipped");
        return;
    };
    assert!(!files.is_empty());
    let scanner = Scanner::builtin(ScanOptions::default());
    let mut history_hosts = std::collections::BTreeSet::new();
    for file in &files {
        let scan = scanner.scan_inputs(&[Input::Path(file.clone())]);
        assert_eq!(
            scan.input_errors,
            Vec::<String>::new(),
            "{}",
            file.display()
        );
        assert!(scan.report.summary.requests > 0);
        for finding in scan.report.findings.load().unwrap() {
            let last = finding.location.rsplit(" > ").next().unwrap_or_default();
            assert!(
                !NOT_LEAKS.contains(&last),
                "{}: {} reported at {} ({})",
                file.display(),
                finding.rule,
                finding.location,
                finding.request.host
            );
            if finding.category == Category::BrowsingHistory {
                history_hosts.insert(finding.request.host.clone());
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
