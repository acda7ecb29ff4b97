//! Reading the small fixture captures end to end, as a user of the crate would.

use std::path::{Path, PathBuf};

use leakscope_http::{
    CaptureError, CaptureFormat, Exchange, PartKind, Position, open_capture, request_parts,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> Vec<Result<Exchange, CaptureError>> {
    open_capture(&fixture(name), None).expect("opens").collect()
}

/// What a reader yields for `cut`, a capture in `format` cut short.
fn read_cut(cut: &[u8], format: CaptureFormat) -> Vec<Result<Exchange, CaptureError>> {
    leakscope_http::read_capture(std::io::Cursor::new(cut.to_vec()), "cut", Some(format))
        .unwrap()
        .collect()
}

fn part(ex: &Exchange, location: &str) -> Option<String> {
    request_parts(ex)
        .into_iter()
        .find(|p| p.location == location)
        .map(|p| String::from_utf8_lossy(&p.value).into_owned())
}

#[test]
fn har_with_form_post_base64_and_params() {
    let reader = open_capture(&fixture("form_post.har"), None).unwrap();
    assert_eq!(reader.format(), CaptureFormat::Har);
    let exchanges: Vec<Exchange> = reader.map(Result::unwrap).collect();
    assert_eq!(exchanges.len(), 3);

    let ga = &exchanges[0];
    assert_eq!(ga.method, "POST");
    assert_eq!(ga.host(), Some("www.google-analytics.com"));
    assert_eq!(ga.position, Position::Entry(0));
    assert_eq!(
        part(ga, "body form[dl]").as_deref(),
        Some("https://shop.example/cart")
    );
    assert_eq!(part(ga, "cookie[_ga]").as_deref(), Some("GA1.2.111.222"));
    assert_eq!(part(ga, "query[v]").as_deref(), Some("1"));

    // postData marked base64, and the request gzip-encoded: both layers are removed.
    let batch = &exchanges[1];
    assert!(batch.anomalies.is_empty(), "{:?}", batch.anomalies);
    assert_eq!(
        String::from_utf8_lossy(&batch.body),
        r#"{"events":[{"name":"page_view","url":"https://shop.example/cart"}]}"#
    );
    let parts = request_parts(batch);
    assert_eq!(parts.last().map(|p| p.kind), Some(PartKind::Body));

    // No postData.text: the body is rebuilt from params.
    let tr = &exchanges[2];
    assert_eq!(
        part(tr, "body form[ud[em]]").as_deref(),
        Some("a@b.example")
    );
    assert_eq!(part(tr, "body form[ev]").as_deref(), Some("Purchase now"));
}

#[test]
fn har_with_broken_entries_reads_the_others() {
    let items = read("broken_entry.har");
    assert_eq!(items.len(), 4);
    assert_eq!(items[0].as_ref().unwrap().url, "https://a.example/1");
    let missing = items[1].as_ref().unwrap_err();
    assert_eq!(
        missing.to_string(),
        format!(
            "{}: entry 1: missing request.url",
            fixture("broken_entry.har").display()
        )
    );
    assert_eq!(missing.detail(), "entry 1: missing request.url");
    assert!(!missing.is_fatal());
    let wrong_type = items[2].as_ref().unwrap_err();
    assert_eq!(wrong_type.position(), Some(Position::Entry(2)));
    let detail = wrong_type.detail();
    assert!(detail.starts_with("entry 2: invalid type"), "{detail}");
    let last = items[3].as_ref().unwrap();
    assert_eq!(last.url, "https://a.example/4");
    assert_eq!(last.position, Position::Entry(3));
}

#[test]
fn raw_stream_with_pipelining_chunking_and_lf_only_lines() {
    let reader = open_capture(&fixture("pipelined.http"), None).unwrap();
    assert_eq!(reader.format(), CaptureFormat::RawHttp);
    let exchanges: Vec<Exchange> = reader.map(Result::unwrap).collect();
    let urls: Vec<&str> = exchanges.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "http://www.google-analytics.com/collect?v=1&tid=UA-9",
            "http://www.facebook.com/pixel?id=42&ev=PageView",
            "http://api.mixpanel.example/v1/track",
            "http://t.example/track",
            // The last response has neither Content-Length nor chunked framing: in a dump of
            // several messages its body ends at the next request line, so that request is read
            // rather than swallowed (no Host header, hence the relative URL).
            "/not-a-request",
        ]
    );
    assert_eq!(exchanges[0].position, Position::Offset(0));
    assert_eq!(
        part(&exchanges[0], "body form[sr]").as_deref(),
        Some("1080x1920")
    );
    assert_eq!(
        part(&exchanges[1], "cookie[_fbp]").as_deref(),
        Some("fb.1.2.3")
    );
    assert_eq!(exchanges[2].body, br#"{"event":"x","a":1}"#);
    assert_eq!(exchanges[2].http_version, "HTTP/1.1");
    assert_eq!(
        part(&exchanges[3], "body form[distinct_id]").as_deref(),
        Some("abc-123")
    );
}

#[test]
fn truncated_raw_stream_yields_complete_messages_then_an_error() {
    let items = read("truncated.http");
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].as_ref().unwrap().url, "http://a.example/a");
    assert_eq!(items[1].as_ref().unwrap().url, "http://a.example/b");
    let err = items[2].as_ref().unwrap_err();
    assert!(err.is_fatal());
    assert_eq!(err.position(), Some(Position::Offset(112)));
    assert!(err.to_string().contains("byte 112: stream ends"), "{err}");
}

#[test]
fn ndjson_lines_with_a_bad_one() {
    let reader = open_capture(&fixture("requests.ndjson"), None).unwrap();
    assert_eq!(reader.format(), CaptureFormat::Ndjson);
    let items: Vec<_> = reader.collect();
    assert_eq!(items.len(), 4);
    let first = items[0].as_ref().unwrap();
    assert_eq!(first.position, Position::Line(1));
    assert_eq!(first.started.as_deref(), Some("2025-01-01T00:00:00Z"));
    assert_eq!(first.header("x-device"), Some("Pixel 7"));
    let second = items[1].as_ref().unwrap();
    assert_eq!(second.position, Position::Line(3));
    assert_eq!(
        part(second, "query[imei]").as_deref(),
        Some("490154203237518")
    );
    assert_eq!(part(second, "cookie[sid]").as_deref(), Some("1"));
    let bad = items[2].as_ref().unwrap_err();
    assert_eq!(bad.position(), Some(Position::Line(4)));
    assert!(!bad.is_fatal());
    assert_eq!(items[3].as_ref().unwrap().body, b"\x00\x01binary");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = open_capture(Path::new("/nonexistent/capture.har"), None).unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/capture.har: "),
        "{err}"
    );
    assert!(err.is_fatal());
}

#[test]
fn readers_can_move_to_other_threads() {
    fn assert_send<T: Send>() {}
    assert_send::<leakscope_http::CaptureReader>();
    assert_send::<CaptureError>();
}

#[test]
fn every_truncation_of_a_har_yields_whole_entries_then_a_fatal_error() {
    let bytes = std::fs::read(fixture("form_post.har")).unwrap();
    let mut previous_ok = 0;
    for end in (0..bytes.len()).step_by(13) {
        let items = read_cut(&bytes[..end], CaptureFormat::Har);
        let (ok, errors): (Vec<_>, Vec<_>) = items.iter().partition(|r| r.is_ok());
        assert_eq!(errors.len(), 1, "cut at {end}: {items:?}");
        assert!(errors[0].as_ref().unwrap_err().is_fatal());
        assert!(items.last().unwrap().is_err(), "the error comes last");
        assert!(ok.len() >= previous_ok, "more input never loses entries");
        previous_ok = ok.len();
    }
    assert!(
        (2..=3).contains(&previous_ok),
        "late cuts keep the earlier entries"
    );
}

#[test]
fn every_truncation_of_a_raw_stream_ends_cleanly() {
    let bytes = std::fs::read(fixture("pipelined.http")).unwrap();
    for end in 0..bytes.len() {
        let items = read_cut(&bytes[..end], CaptureFormat::RawHttp);
        let errors = items.iter().filter(|r| r.is_err()).count();
        assert!(errors <= 1, "cut at {end}");
        if let Some(Err(e)) = items.last() {
            assert!(e.is_fatal());
        }
    }
}
