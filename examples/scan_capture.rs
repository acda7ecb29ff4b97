//! Scan a capture with the library and print its leaks as one line each: who received what,
//! how often, and where the first one was.
//!
//! ```text
//! cargo run --example scan_capture -- examples/captures/mi-browser-incognito.har
//! ```

use std::io::{self, Write};

use leakscope::report::shown_value;
use leakscope::{Input, ScanOptions, Scanner};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/captures/mi-browser-incognito.har".to_owned());
    let scanner = Scanner::builtin(ScanOptions::default());
    let scan = scanner.scan_inputs(&[Input::Path(path.into())]);
    for error in &scan.input_errors {
        eprintln!("error: {error}");
    }
    // A reader that stops early (`| head`) closes the pipe: that ends the listing, quietly.
    match list(&scan.report) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
        _ => {}
    }
}

/// One line per leak (third parties first, as the report orders them), then the totals.
fn list(report: &leakscope::Report) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    for leak in &report.leaks {
        writeln!(
            out,
            "{:<4} {:<10} {:<5} {:<18} {:<24} in {:>3} requests  {}",
            leak.id,
            leak.recipient.display_name(),
            leak.recipient.party.as_str(),
            leak.category.as_str(),
            shown_value(leak),
            leak.requests.len(),
            leak.locations
                .first()
                .map(|l| l.location.as_str())
                .unwrap_or_default()
        )?;
    }
    writeln!(
        out,
        "{} requests, {} leaks, {} occurrences",
        report.summary.requests, report.summary.leaks, report.summary.occurrences
    )?;
    out.flush()
}
