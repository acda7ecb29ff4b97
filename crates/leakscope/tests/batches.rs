//! A capture longer than one batch is scanned in overlapping stages (reading, scanning,
//! reporting); the report must not show it: requests keep their order and numbers across
//! batches and files, and a broken entry is reported where it was met while the rest is
//! scanned.

mod common;

use std::io::Write;

use common::leaks_by;
use leakscope::{Input, Recorder, ScanOptions, Scanner};

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
    let inputs: Vec<usize> = report.inputs.iter().map(|i| i.requests).collect();
    assert_eq!(inputs, [700, 300]);

    // One IMEI, two recipients: two leaks, each with every request that carried it, in order.
    let imeis = leaks_by(report, "id.imei-value");
    assert_eq!(imeis.len(), 2, "one IMEI leak per recipient");
    for leak in imeis {
        let expected: Vec<u32> = if leak.recipient.host == "a.example.com" {
            (0..700).collect()
        } else {
            assert_eq!(leak.recipient.host, "b.example.com");
            (700..1000).collect()
        };
        assert_eq!(leak.requests, expected);
        assert_eq!(leak.occurrences, expected.len() as u64);
        assert_eq!(leak.locations[0].location, "query[imei]");
    }

    // The occurrences stream in request order, across batches and files.
    let mut recorder = Recorder::default();
    let streamed = Scanner::builtin(ScanOptions::default()).scan_inputs_with(
        &[
            Input::Path(first.path().to_owned()),
            Input::Path(second.path().to_owned()),
        ],
        &mut recorder,
    );
    assert_eq!(streamed.report.summary.requests, 1000);
    let order: Vec<usize> = recorder
        .occurrences
        .iter()
        .filter(|o| o.rule == "id.imei-value")
        .map(|o| o.request.index)
        .collect();
    assert_eq!(order, (0..1000).collect::<Vec<_>>());

    // The two broken lines of the first file, by line number (after requests 250 and 500).
    assert_eq!(scan.input_errors.len(), 2, "{:?}", scan.input_errors);
    for (error, line) in scan.input_errors.iter().zip([251, 502]) {
        let name = first.path().display().to_string();
        assert!(error.starts_with(&name), "{error}");
        assert!(error.contains(&format!("line {line}")), "{error}");
    }
}

/// A sink that fails (a closed pipe) stops the scan: the readers and workers of a capture of
/// many batches all wind down, and the error comes back with what was added until then.
#[test]
fn a_failing_sink_stops_the_scan_without_hanging() {
    struct FailAfter(usize);
    impl leakscope::OccurrenceSink for FailAfter {
        fn occurrence(&mut self, _: &leakscope::Occurrence<'_>) -> std::io::Result<()> {
            if self.0 == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "closed",
                ));
            }
            self.0 -= 1;
            Ok(())
        }
    }
    let file = capture(5_000, 100_000, "a.example.com");
    for jobs in [1, 2, 3] {
        let scan = Scanner::builtin(ScanOptions {
            jobs: Some(jobs),
            ..ScanOptions::default()
        })
        .scan_inputs_with(&[Input::Path(file.path().to_owned())], &mut FailAfter(300));
        let error = scan.sink_error.expect("the sink's error is returned");
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(
            scan.report.summary.requests < 5_000,
            "{} requests added after the sink failed",
            scan.report.summary.requests
        );
    }
}
