//! Scan a capture with the library and print the findings as one line each.
//!
//! ```text
//! cargo run --example scan_capture -- examples/captures/mi-browser-incognito.har
//! ```

use std::io::{self, Write};

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

/// One line per finding, then the totals.
fn list(report: &leakscope::Report) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    for finding in report.findings.iter() {
        // A finding that cannot be read back from the report's temporary file is an error.
        let finding = finding?;
        writeln!(
            out,
            "#{:<3} {:<24} {:<18} {}",
            finding.request.index, finding.request.host, finding.category, finding.location
        )?;
    }
    writeln!(
        out,
        "{} requests, {} findings",
        report.summary.requests, report.summary.findings
    )?;
    out.flush()
}
