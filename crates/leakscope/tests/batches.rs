//! A capture longer than one batch is scanned in overlapping stages (reading, scanning,
//! reporting); the report must not show it: requests keep their order and numbers across
//! batches and files, and a broken entry is reported where it was met while the rest is
//! scanned.

use std::io::Write;

use leakscope::{Input, ScanOptions, Scanner};

/// An NDJSON capture of `requests` beacons, each sending an IMEI, with a broken line after
/// every `broken_every`-th request.
fn capture(requests: usize, broken_every: usize, host: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for i in 0..requests {
        writeln!(
            file,
            r#"{{"method":"GET","url":"https://{host}/c?imei=490154203237518&n={i}"}}"#
        )
        .unwrap();
        if (i + 1) % broken_every == 0 {
            writeln!(file, r#"{{"method":"GET","url":"#).unwrap();
        }
    }
    file
}

#[test]
fn requests_keep_their_order_and_numbers_across_batches_and_files() {
    let (first, second) = (
        capture(700, 250, "a.example.com"),
        capture(300, 1000, "b.example.com"),
    );
    let scan = Scanner::builtin(ScanOptions::default()).scan_inputs(&[
        Input::Path(first.path().to_owned()),
        Input::Path(second.path().to_owned()),
    ]);
    let report = &scan.report;
    assert_eq!(report.summary.requests, 1000);

    let findings = report.findings.load().unwrap();
    let imeis: Vec<_> = findings
        .iter()
        .filter(|f| f.location == "query[imei]" && f.rule == "id.imei-value")
        .collect();
    assert_eq!(imeis.len(), 1000, "one IMEI finding a request");
    for (i, finding) in imeis.iter().enumerate() {
        assert_eq!(finding.request.index, i);
        let host = if i < 700 {
            "a.example.com"
        } else {
            "b.example.com"
        };
        assert_eq!(finding.request.host, host);
    }
    // The request numbers of all findings never go down: the report is in request order.
    assert!(
        findings
            .windows(2)
            .all(|w| w[0].request.index <= w[1].request.index)
    );

    // The two broken lines of the first file, by line number (after requests 250 and 500).
    assert_eq!(scan.input_errors.len(), 2, "{:?}", scan.input_errors);
    for (error, line) in scan.input_errors.iter().zip([251, 502]) {
        let name = first.path().display().to_string();
        assert!(error.starts_with(&name), "{error}");
        assert!(error.contains(&format!("line {line}")), "{error}");
    }
}
