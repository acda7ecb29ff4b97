//! HAR bodies that declare `Content-Encoding: gzip` but were written decoded, as mitmproxy 11's
//! HAR export writes them: scanned as they are, without an anomaly. A body that is neither
//! gzip nor plausible as it is keeps the anomaly, and a real gzip body is still decoded.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{in_memory, rules_only, scan_recorded};
use leakscope::{Report, Scanner};
use leakscope_codecs::compress::reference::gzip;

const JSON: &str = r#"{"event":"sign_up","email":"jane.doe@example.org"}"#;

/// One HAR entry posting `post_data` (a HAR `postData` object) with `Content-Encoding: gzip`.
fn har(post_data: serde_json::Value) -> Vec<u8> {
    let entry = serde_json::json!({
        "startedDateTime": "2026-01-01T00:00:00.000Z",
        "request": {
            "method": "POST",
            "url": "https://collect.tracker.example/v1/events",
            "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": "Content-Type", "value": "application/json"},
                {"name": "Content-Encoding", "value": "gzip"}
            ],
            "postData": post_data
        }
    });
    serde_json::to_vec(&serde_json::json!({"log": {"version": "1.2", "entries": [entry]}})).unwrap()
}

/// The report and whether the email was found, with the built-in rules.
fn scan(capture: Vec<u8>) -> (Report, bool) {
    let scanner = Scanner::builtin(rules_only("example.org"));
    let (report, occurrences) = scan_recorded(&scanner, &[in_memory("mitmproxy.har", capture)]);
    let email = occurrences
        .iter()
        .any(|o| o.rule == "contact.email" && o.value == "jane.doe@example.org");
    (report, email)
}

#[test]
fn a_body_written_already_decoded_is_scanned_without_an_anomaly() {
    let (report, email) = scan(har(serde_json::json!({
        "mimeType": "application/json",
        "text": JSON
    })));
    assert!(email, "{:#?}", report.leaks);
    assert!(report.anomalies.is_empty(), "{:#?}", report.anomalies);
}

#[test]
fn a_body_neither_gzip_nor_plausible_keeps_its_anomaly() {
    let noise = [0x08u8, 0x96, 0x01, 0x00, 0xff, 0x12, 0x03, 0x1f, 0x8b];
    let (report, _) = scan(har(serde_json::json!({
        "mimeType": "application/octet-stream",
        "text": STANDARD.encode(noise),
        "encoding": "base64"
    })));
    assert_eq!(report.anomalies.len(), 1, "{:#?}", report.anomalies);
    let message = &report.anomalies[0].message;
    assert!(
        message.contains("content-encoding gzip could not be decoded"),
        "{message}"
    );
}

#[test]
fn a_real_gzip_body_is_still_decoded() {
    let (report, email) = scan(har(serde_json::json!({
        "mimeType": "application/json",
        "text": STANDARD.encode(gzip(JSON.as_bytes())),
        "encoding": "base64"
    })));
    assert!(email, "{:#?}", report.leaks);
    assert!(report.anomalies.is_empty(), "{:#?}", report.anomalies);
}
