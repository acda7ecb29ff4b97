//! Watch a scan as it goes, without keeping a report: a push-style [`OccurrenceSink`] sees
//! every place a leaked value was found, in request order, with the id of the leak it belongs
//! to. This one counts occurrences per recipient organisation and category.
//!
//! ```text
//! cargo run --example stream_occurrences -- examples/captures/mi-browser-incognito.har
//! ```

use std::collections::BTreeMap;
use std::io;

use leakscope::{Input, Occurrence, OccurrenceSink, ScanOptions, Scanner};

/// Counts occurrences per (recipient, category).
#[derive(Default)]
struct Tally {
    counts: BTreeMap<(String, &'static str), u64>,
}

impl OccurrenceSink for Tally {
    fn occurrence(&mut self, occurrence: &Occurrence<'_>) -> io::Result<()> {
        let recipient = occurrence.recipient.display_name().to_owned();
        *self
            .counts
            .entry((recipient, occurrence.category.as_str()))
            .or_default() += 1;
        Ok(())
    }
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/captures/mi-browser-incognito.har".to_owned());
    let mut tally = Tally::default();
    let scan = Scanner::builtin(ScanOptions::default())
        .scan_inputs_with(&[Input::Path(path.into())], &mut tally);
    for error in &scan.input_errors {
        eprintln!("error: {error}");
    }
    for ((recipient, category), count) in &tally.counts {
        println!("{recipient:<16} {category:<20} {count:>6}");
    }
}
