//! Compressed request bodies through the capture readers: decoded when sound, and a
//! decompression bomb or a broken stream becomes an anomaly on that request while the reader
//! goes on with the next one.

use std::io::Cursor;

use leakscope_codecs::compress::reference::{brotli, gzip, zstd};
use leakscope_http::content_encoding::RATIO_FLOOR;
use leakscope_http::{CaptureFormat, Exchange, read_capture};

fn request(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut msg = format!(
        "POST /collect HTTP/1.1\r\nHost: t.example\r\nContent-Type: application/json\r\n\
         Content-Encoding: {encoding}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    msg.extend_from_slice(body);
    msg
}

fn read_raw(stream: Vec<u8>) -> Vec<Exchange> {
    read_capture(Cursor::new(stream), "t.http", Some(CaptureFormat::RawHttp))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn brotli_and_zstd_bodies_are_decoded_and_bombs_become_anomalies() {
    let json = br#"{"device_id":"0467ede7dcf0ee81","email":"a@example.com"}"#;
    let zeros = vec![b'0'; 8 * RATIO_FLOOR];
    let br_bomb = brotli(&zeros);
    let zstd_bomb = zstd(&zeros);
    let mut stream = request("br", &brotli(json));
    stream.extend(request("br", &br_bomb));
    stream.extend(request("zstd", &zstd(json)));
    stream.extend(request("zstd", &zstd_bomb));
    stream.extend(request("br", b"\xffnot brotli\x00"));
    stream.extend(request("br", b"not brotli"));
    stream.extend(request("gzip, br", &brotli(&gzip(json))));
    stream.extend(request("gzip, br", json));

    let exchanges = read_raw(stream);
    assert_eq!(exchanges.len(), 8);
    let [
        br_ok,
        br_boom,
        zstd_ok,
        zstd_boom,
        corrupt,
        text,
        stacked,
        as_is,
    ] = exchanges.as_slice()
    else {
        unreachable!()
    };
    // Bodies sent as declared read as the JSON, without an anomaly.
    for ok in [br_ok, zstd_ok, stacked] {
        assert_eq!(ok.body, json);
        assert!(ok.anomalies.is_empty(), "{:?}", ok.anomalies);
    }
    // A bomb keeps the small captured body and says why.
    assert_eq!(br_boom.body, br_bomb);
    assert_eq!(zstd_boom.body, zstd_bomb);
    for boom in [br_boom, zstd_boom] {
        assert_eq!(boom.anomalies.len(), 1);
        assert!(
            boom.anomalies[0].to_string().contains("decompression bomb"),
            "{:?}",
            boom.anomalies
        );
    }
    // Off the wire, a body not in its declared coding is kept as it came, with an anomaly,
    // whether it is binary or text (a HAR export's text may be decoded already: see
    // `tests/already_decoded.rs` in the leakscope crate).
    assert_eq!(corrupt.body, b"\xffnot brotli\x00");
    assert_eq!(text.body, b"not brotli");
    assert_eq!(as_is.body, json);
    for odd in [corrupt, text, as_is] {
        assert_eq!(odd.anomalies.len(), 1, "{:?}", odd.body);
        assert!(
            odd.anomalies[0]
                .to_string()
                .contains("could not be decoded"),
            "{:?}",
            odd.anomalies
        );
    }
}
