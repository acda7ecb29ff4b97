#![no_main]
// Build an exchange from the fuzz bytes (URL, a Content-Type, Cookie, body) and split it.
use leakscope_http::{Exchange, Header, Position, request_parts};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut pieces = data.splitn(4, |&b| b == 0);
    let mut text = || String::from_utf8_lossy(pieces.next().unwrap_or_default()).into_owned();
    let url = text();
    let content_type = text();
    let cookie = text();
    let body = pieces.next().unwrap_or_default().to_vec();
    let exchange = Exchange {
        method: "POST".into(),
        url,
        http_version: "HTTP/1.1".into(),
        headers: vec![
            Header::new("Content-Type", content_type),
            Header::new("Cookie", cookie),
        ],
        body,
        started: None,
        position: Position::Entry(0),
        anomalies: Vec::new(),
        page: None,
        resource_type: None,
    };
    let _ = request_parts(&exchange);
    let _ = exchange.host();
});
