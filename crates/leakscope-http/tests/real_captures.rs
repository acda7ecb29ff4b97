//! Every real capture in `shared/real-captures` reads without an error item, and the streamed
//! reader finds exactly as many entries as a whole-file JSON parse does.

use std::path::Path;

use leakscope_http::{CaptureFormat, open_capture, request_parts};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/real-captures");

#[test]
fn real_captures_read_completely() {
    let dir = Path::new(DIR);
    // A missing folder fails the test (CI must not pass by reading nothing), unless the clone
    // says it is meant to run without it, as the leakscope crate's real-capture tests do.
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(_) if std::env::var("LEAKSCOPE_SKIP_REAL_CAPTURES").is_ok_and(|v| v == "1") => return,
        Err(e) => panic!(
            "{DIR}: {e}; the shared real captures belong beside the repository \
             (LEAKSCOPE_SKIP_REAL_CAPTURES=1 runs the tests without them)"
        ),
    };
    let mut files: Vec<_> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "har"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .har files in {DIR}");
    for path in files {
        // Independent count: the whole file as a serde_json::Value.
        let text = std::fs::read(&path).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&text).unwrap();
        let expected = value["log"]["entries"].as_array().map_or(0, Vec::len);

        let reader = open_capture(&path, None).unwrap();
        assert_eq!(reader.format(), CaptureFormat::Har, "{}", path.display());
        let mut count = 0;
        for item in reader {
            let exchange = item.unwrap_or_else(|e| panic!("{e}"));
            assert!(exchange.url.contains("://"), "{}", exchange.url);
            let entry = &value["log"]["entries"][count];
            assert_eq!(exchange.url, entry["request"]["url"].as_str().unwrap());
            assert_eq!(
                exchange.method,
                entry["request"]["method"].as_str().unwrap()
            );
            // Splitting must work on every real request.
            let _ = request_parts(&exchange);
            count += 1;
        }
        assert_eq!(count, expected, "{}", path.display());
        println!("{}: {count} entries", path.display());
    }
}
