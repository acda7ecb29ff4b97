#![no_main]
// The whole scan of arbitrary bytes as a HAR file: the first pass (first party, what the
// capture reveals), the lookout, the header policy, the report. Nothing may panic, and the
// report's requests must be the ones read.
use std::io::Write;
use std::sync::OnceLock;

use leakscope::{Input, ScanOptions, Scanner};

/// The two scanners, in private mode and not: built once (loading the rule pack and the
/// known-value matcher for every input would be most of the run).
fn scanner(private_mode: bool) -> &'static Scanner {
    static SCANNERS: OnceLock<[Scanner; 2]> = OnceLock::new();
    let make = |private_mode| {
        Scanner::builtin(ScanOptions {
            format: Some(leakscope::http::CaptureFormat::Har),
            private_mode,
            jobs: Some(1),
            ..ScanOptions::default()
        })
        .with_known_values(vec![leakscope::known::KnownValue {
            label: "email".into(),
            category: leakscope::Category::Contact,
            value: "jane.doe@example.org".into(),
        }])
        .expect("a valid known value")
    };
    &SCANNERS.get_or_init(|| [make(false), make(true)])[usize::from(private_mode)]
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    let scanner = scanner(data.first().is_some_and(|b| b & 1 == 1));
    let scan = scanner.scan_inputs(&[Input::Path(file.path().to_owned())]);
    assert_eq!(
        scan.report.summary.requests,
        scan.report.inputs.iter().map(|i| i.requests).sum::<usize>()
    );
});
