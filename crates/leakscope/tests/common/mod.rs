//! What the scanner's integration tests have in common: where the captures are, one scan
//! that records every occurrence, and the leaks of one rule.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use leakscope::report::{Leak, RecordedOccurrence};
use leakscope::{Input, Recorder, Report, ScanOptions, Scanner};

/// The captures shipped with the project (`examples/captures`).
pub fn shipped_captures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/captures")
}

/// A capture held in memory, called `name` in messages.
pub fn in_memory(name: &str, capture: Vec<u8>) -> Input {
    Input::Bytes {
        name: name.to_owned(),
        data: Arc::from(capture),
    }
}

/// Options that show values and leave out the context step (what the user typed, searched
/// or visited), with `first_party` given: the findings of the rules alone.
pub fn rules_only(first_party: &str) -> ScanOptions {
    ScanOptions {
        show_values: true,
        no_context: true,
        first_party: vec![first_party.to_owned()],
        ..ScanOptions::default()
    }
}

/// The report of `inputs` and every occurrence found, in order; the test fails if an input
/// could not be read.
pub fn scan_recorded(scanner: &Scanner, inputs: &[Input]) -> (Report, Vec<RecordedOccurrence>) {
    let mut recorder = Recorder::default();
    let scan = scanner.scan_inputs_with(inputs, &mut recorder);
    assert_eq!(scan.input_errors, Vec::<String>::new());
    (scan.report, recorder.occurrences)
}

/// The leaks `rule` found, in the report's order.
pub fn leaks_by<'r>(report: &'r Report, rule: &str) -> Vec<&'r Leak> {
    report.leaks.iter().filter(|l| l.rule == rule).collect()
}

/// The HAR files of `../shared/real-captures` (beside the repository), sorted; `None` when the
/// folder is missing and `LEAKSCOPE_SKIP_REAL_CAPTURES=1` says the clone is meant to run without
/// it. Missing without that, the calling test fails: CI must not pass by scanning nothing.
pub fn real_captures() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-captures");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var("LEAKSCOPE_SKIP_REAL_CAPTURES").is_ok_and(|v| v == "1"),
            "shared/real-captures not found beside the repository; set \
             LEAKSCOPE_SKIP_REAL_CAPTURES=1 to run the tests without them"
        );
        eprintln!("shared/real-captures not found: skipped (LEAKSCOPE_SKIP_REAL_CAPTURES)");
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no HAR in {}", dir.display());
    Some(files)
}

/// Recall and false alarms per tracker, for the tests that scan labelled traffic.
#[derive(Default)]
pub struct Tally {
    /// Per tracker: labelled leaks, those found, findings, false alarms among them.
    per_tracker: BTreeMap<String, [usize; 4]>,
}

impl Tally {
    /// A labelled leak sent to `tracker`, found or not.
    pub fn labelled(&mut self, tracker: &str, found: bool) {
        let counts = self.per_tracker.entry(tracker.to_owned()).or_default();
        counts[0] += 1;
        counts[1] += usize::from(found);
    }

    /// A finding in a request to `tracker`, a false alarm or not.
    pub fn finding(&mut self, tracker: &str, false_alarm: bool) {
        let counts = self.per_tracker.entry(tracker.to_owned()).or_default();
        counts[2] += 1;
        counts[3] += usize::from(false_alarm);
    }

    /// Prints the counts per tracker and in all (`findings` says what the findings counted
    /// are), and answers the recall and the share of findings that are false alarms.
    pub fn print(&self, findings: &str) -> (f64, f64) {
        let total = self.per_tracker.values().fold([0; 4], |mut all, counts| {
            for (sum, count) in all.iter_mut().zip(counts) {
                *sum += count;
            }
            all
        });
        println!("tracker                                   labelled  found  findings  false");
        for (tracker, s) in &self.per_tracker {
            println!(
                "{tracker:<40} {:>9} {:>6} {:>9} {:>6}",
                s[0], s[1], s[2], s[3]
            );
        }
        let recall = total[1] as f64 / total[0].max(1) as f64;
        let false_rate = total[3] as f64 / total[2].max(1) as f64;
        println!(
            "all: {} labelled leaks, recall {recall:.3}; {} {findings}, {} false ({:.2}%)",
            total[0],
            total[2],
            total[3],
            false_rate * 100.0
        );
        (recall, false_rate)
    }
}
