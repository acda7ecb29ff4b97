//! Scan a capture with the library and print the findings as one line each.
//!
//! ```text
//! cargo run --example scan_capture -- examples/captures/mi-browser-incognito.har
//! ```

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
    for finding in scan.report.findings.iter() {
        let finding = match finding {
            Ok(finding) => finding,
            Err(error) => {
                eprintln!("error: reading findings back: {error}");
                break;
            }
        };
        println!(
            "#{:<3} {:<24} {:<18} {}",
            finding.request.index, finding.request.host, finding.category, finding.location
        );
    }
    println!(
        "{} requests, {} findings",
        scan.report.summary.requests, scan.report.summary.findings
    );
}
