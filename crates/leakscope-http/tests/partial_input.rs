//! Partial input is not an error: every proper prefix of a valid message parses as `Partial`,
//! and the whole message as `Complete` consuming exactly its bytes (as httparse promises).

use leakscope_http::{Status, parse_request, parse_response};
use proptest::prelude::*;

/// A valid request built from generated pieces: line endings, headers, framing.
fn request_strategy() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "OPTIONS"]),
        "/[a-z0-9/._-]{0,20}(\\?[a-z0-9=&%+]{0,20})?",
        prop::bool::ANY,
        prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,10}", "[ -~]{0,20}"), 0..5),
        prop::collection::vec(any::<u8>(), 0..40),
        0u8..3,
        prop::bool::ANY,
    )
        .prop_map(|(method, target, crlf, headers, body, framing, fold)| {
            let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            let mut msg = format!("{method} {target} HTTP/1.1").into_bytes();
            msg.extend_from_slice(eol);
            msg.extend_from_slice(b"Host: example.com");
            msg.extend_from_slice(eol);
            for (name, value) in headers {
                // Avoid generating framing headers by accident.
                let name = format!("X-{name}");
                msg.extend_from_slice(format!("{name}: {}", value.trim()).as_bytes());
                msg.extend_from_slice(eol);
                if fold {
                    msg.extend_from_slice(b"  folded");
                    msg.extend_from_slice(eol);
                }
            }
            match framing {
                0 => {
                    msg.extend_from_slice(eol);
                }
                1 => {
                    msg.extend_from_slice(format!("Content-Length: {}", body.len()).as_bytes());
                    msg.extend_from_slice(eol);
                    msg.extend_from_slice(eol);
                    msg.extend_from_slice(&body);
                }
                _ => {
                    msg.extend_from_slice(b"Transfer-Encoding: chunked");
                    msg.extend_from_slice(eol);
                    msg.extend_from_slice(eol);
                    for chunk in body.chunks(7) {
                        msg.extend_from_slice(format!("{:x};ext=v", chunk.len()).as_bytes());
                        msg.extend_from_slice(eol);
                        msg.extend_from_slice(chunk);
                        msg.extend_from_slice(eol);
                    }
                    msg.extend_from_slice(b"0");
                    msg.extend_from_slice(eol);
                    msg.extend_from_slice(b"Trailer-Field: x");
                    msg.extend_from_slice(eol);
                    msg.extend_from_slice(eol);
                }
            }
            msg
        })
}

proptest! {
    #[test]
    fn every_prefix_of_a_request_is_partial(msg in request_strategy()) {
        for end in 0..msg.len() {
            let status = parse_request(&msg[..end]);
            prop_assert!(matches!(status, Ok(Status::Partial)), "prefix {end}: {status:?}");
        }
        match parse_request(&msg) {
            Ok(Status::Complete((_, n))) => prop_assert_eq!(n, msg.len()),
            other => prop_assert!(false, "whole message: {other:?}"),
        }
    }

    #[test]
    fn every_prefix_of_a_response_is_partial(body in prop::collection::vec(any::<u8>(), 0..50), chunked in prop::bool::ANY) {
        let mut msg = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n".to_vec();
        if chunked {
            msg.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for chunk in body.chunks(9) {
                msg.extend_from_slice(format!("{:X}\r\n", chunk.len()).as_bytes());
                msg.extend_from_slice(chunk);
                msg.extend_from_slice(b"\r\n");
            }
            msg.extend_from_slice(b"0\r\n\r\n");
        } else {
            msg.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            msg.extend_from_slice(&body);
        }
        for end in 0..msg.len() {
            prop_assert!(matches!(parse_response(&msg[..end], None, false), Ok(Status::Partial)), "prefix {}", end);
        }
        match parse_response(&msg, None, false) {
            Ok(Status::Complete((resp, n))) => {
                prop_assert_eq!(n, msg.len());
                prop_assert_eq!(resp.body.as_ref(), body.as_slice());
            }
            other => prop_assert!(false, "whole message: {other:?}"),
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_request(&data);
        let _ = parse_response(&data, None, true);
    }
}
