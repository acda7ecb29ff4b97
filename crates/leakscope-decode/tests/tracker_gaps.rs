//! Shapes seen in real tracker traffic that the unwrapper once left whole: each is an example
//! that must come apart into its leaves, with a path that says what was peeled, next to look-
//! alikes that must stay whole.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use leakscope_codecs::compress::reference::gzip;
use leakscope_decode::{Budget, Path, Unwrapper};
use support::rng::Rng;

mod support {
    pub mod rng;
}

/// The leaves of `value` found at `part` under `key`, as (path, key, text).
fn leaves(part: &str, key: Option<&str>, value: &[u8]) -> Vec<(String, Option<String>, String)> {
    let mut budget = Budget::default();
    let leaves = Unwrapper::new().unwrap_to_vec(Path::from_part(part), key, value, &mut budget);
    assert!(budget.notes().is_empty(), "{:?}", budget.notes());
    leaves
        .into_iter()
        .map(|l| (l.path.to_string(), l.key.clone(), l.text().into_owned()))
        .collect()
}

/// `value` comes back as one leaf, itself, at `part`: nothing was peeled.
fn assert_whole(part: &str, value: &str) {
    let got = leaves(part, None, value.as_bytes());
    assert_eq!(
        got,
        [(part.to_owned(), None, value.to_owned())],
        "{value:?} was taken apart"
    );
}

/// Leaves as (path, key, text).
type Leaves<'a> = &'a [(&'a str, Option<&'a str>, &'a str)];

fn expect(items: Leaves<'_>) -> Vec<(String, Option<String>, String)> {
    items
        .iter()
        .map(|(p, k, v)| (p.to_string(), k.map(str::to_owned), v.to_string()))
        .collect()
}

// 1. A version tag before base64: `v2|H4sI…`.

#[test]
fn a_version_tag_before_gzip_base64_is_peeled_and_the_rest_decoded() {
    let payload = STANDARD.encode(gzip(br#"{"uid":"u-8812","model":"Pixel 7"}"#));
    for tag in ["v2|", "v1|", "1:", "v3.", "abcd:"] {
        let value = format!("{tag}{payload}");
        let prefix = format!("cookie[_trk] > prefix[{tag}] > base64 > gzip > json");
        assert_eq!(
            leaves("cookie[_trk]", Some("_trk"), value.as_bytes()),
            expect(&[
                (&format!("{prefix} $.uid"), Some("uid"), "u-8812"),
                (&format!("{prefix} $.model"), Some("model"), "Pixel 7"),
            ]),
            "{tag}"
        );
    }
}

#[test]
fn a_tag_before_base64_of_text_is_peeled_too() {
    let value = format!("2:{}", STANDARD.encode("jane.doe@example.com|1700000000"));
    assert_eq!(
        leaves("query[s]", Some("s"), value.as_bytes()),
        expect(&[(
            "query[s] > prefix[2:] > base64",
            Some("s"),
            "jane.doe@example.com|1700000000"
        )])
    );
}

#[test]
fn tagged_things_that_are_not_a_tag_and_base64_stay_whole() {
    for value in [
        // the rest is a word, an id, a number or noise, not base64 of anything
        "v1|password",
        "1:pageview",
        "v2|a1b2c3d4e5f60718",
        "v2|1588155300000",
        "en:Something",
        "id:Ab3dEf7hIj",
        // the tag is too long, or there is no tag
        "version2|eyJ1aWQiOiJ1LTg4MTIifQ==x",
        // cookies, clocks and hosts with the same separators
        "GA1.2.1234567890.1588155300",
        "fb.1.1745853783536.391926273781762163",
        "10:15:00",
        "a4:50:46:12:34:56",
        "www.example.com",
        "ab.cdefghijklmnop",
        "http://example.org/abcdefgh",
    ] {
        assert_whole("cookie[_trk]", value);
    }
}

/// Random ids after a tag, after a name, or either side of a dot: no layer is peeled. (Bare,
/// such ids decode as base64 about once in two thousand, to two bytes that pass for a zlib
/// header or a convincing binary document; a tag or a name must not make that more likely.)
#[test]
fn random_ids_behind_a_tag_a_name_or_a_dot_stay_whole() {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let unwrapper = Unwrapper::new();
    let mut decoded = Vec::new();
    for round in 0..6000 {
        let len = 16 + round % 32;
        let id: String = (0..len)
            .map(|_| char::from(ALNUM[(rng.next() % 62) as usize]))
            .collect();
        let value = match round % 3 {
            0 => format!("v1|{id}"),
            1 => format!("uid={id}"),
            _ => format!("eyJ{}.{}", &id[..len / 2], &id[len / 2..]),
        };
        let mut budget = Budget::default();
        let leaves =
            unwrapper.unwrap_to_vec(Path::from_part("v"), None, value.as_bytes(), &mut budget);
        if leaves.len() != 1 || leaves[0].path.steps().len() != 1 {
            decoded.push((value, leaves[0].path.to_string()));
        }
    }
    assert!(
        decoded.is_empty(),
        "{} decoded: {:?}",
        decoded.len(),
        &decoded[..decoded.len().min(5)]
    );
}

// 2. A single `name=value` pair whose value is base64, as the whole value.

#[test]
fn a_single_pair_with_a_base64_value_is_split_and_its_value_decoded() {
    let value = format!(
        "uid={}",
        STANDARD.encode(r#"{"id":"fd9f04c2","email":"jane@example.com"}"#)
    );
    assert_eq!(
        leaves("cookie[tr]", Some("tr"), value.as_bytes()),
        expect(&[
            (
                "cookie[tr] > query[uid] > base64 > json $.id",
                Some("id"),
                "fd9f04c2"
            ),
            (
                "cookie[tr] > query[uid] > base64 > json $.email",
                Some("email"),
                "jane@example.com"
            ),
        ])
    );
    // Base64 of plain text: the pair's name is the leaf's key.
    let value = format!("u={}", URL_SAFE_NO_PAD.encode("jane.doe@example.com"));
    assert_eq!(
        leaves("cookie[tr]", Some("tr"), value.as_bytes()),
        expect(&[(
            "cookie[tr] > query[u] > base64",
            Some("u"),
            "jane.doe@example.com"
        )])
    );
}

#[test]
fn single_pairs_whose_value_is_not_base64_stay_whole() {
    for value in [
        "x=1",
        "lang=en",
        "uid=a1b2c3d4e5f60718",
        "session=abcdefgh",
        "theme=darkmode",
        "ref=1588155300000",
        "a = b",
    ] {
        assert_whole("cookie[tr]", value);
    }
    // Base64 padding is not a pair: this is base64 alone.
    assert_eq!(
        leaves("cookie[tr]", None, b"aGVsbG8gd29ybGQ="),
        expect(&[("cookie[tr] > base64", None, "hello world")])
    );
}

// 3. Two-part signed tokens: `signature.payload` and `payload.signature`.

/// A Facebook `signed_request`: base64url of an HMAC-SHA256, a dot, base64url of the JSON.
fn signed_request() -> String {
    let mac: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let signature = URL_SAFE_NO_PAD.encode(mac);
    let payload = URL_SAFE_NO_PAD.encode(
        r#"{"algorithm":"HMAC-SHA256","issued_at":1700000000,"user_id":"100012345678901"}"#,
    );
    format!("{signature}.{payload}")
}

#[test]
fn a_signed_request_gives_the_leaves_of_its_json_side() {
    let value = signed_request();
    let prefix = "body form[signed_request] > signed payload > json";
    assert_eq!(
        leaves(
            "body form[signed_request]",
            Some("signed_request"),
            value.as_bytes()
        ),
        expect(&[
            (
                &format!("{prefix} $.algorithm"),
                Some("algorithm"),
                "HMAC-SHA256"
            ),
            (
                &format!("{prefix} $.issued_at"),
                Some("issued_at"),
                "1700000000"
            ),
            (
                &format!("{prefix} $.user_id"),
                Some("user_id"),
                "100012345678901"
            ),
        ])
    );
}

#[test]
fn a_payload_then_a_hex_or_base64url_signature_gives_the_payload() {
    let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"jane@example.com","exp":1700000000}"#);
    for signature in [
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".to_owned(),
        URL_SAFE_NO_PAD.encode([7u8; 20]),
    ] {
        let value = format!("{payload}.{signature}");
        assert_eq!(
            leaves("cookie[auth]", Some("auth"), value.as_bytes()),
            expect(&[
                (
                    "cookie[auth] > signed payload > json $.sub",
                    Some("sub"),
                    "jane@example.com"
                ),
                (
                    "cookie[auth] > signed payload > json $.exp",
                    Some("exp"),
                    "1700000000"
                ),
            ]),
            "{value}"
        );
    }
}

#[test]
fn two_dotted_parts_that_are_not_a_signed_token_stay_whole() {
    let json = URL_SAFE_NO_PAD.encode(r#"{"a":"b"}"#);
    let array = URL_SAFE_NO_PAD.encode(r#"["a","b"]"#);
    let not_json = URL_SAFE_NO_PAD.encode("just some words here");
    for value in [
        "www.example.com".to_owned(),
        "jane.doe".to_owned(),
        "com.mi.globalbrowser".to_owned(),
        "1588155300.123".to_owned(),
        // the signature is too short
        format!("{json}.c2ln"),
        // the payload is not a JSON object
        format!("{array}.9f86d081884c7d659a2feaa0c55ad015"),
        format!("{not_json}.9f86d081884c7d659a2feaa0c55ad015"),
        // the signature has a character neither base64url nor hex has
        format!("{json}.9f86d081884c7d65!a2feaa0c55ad015"),
    ] {
        assert_whole("cookie[auth]", &value);
    }
}

// 4. JSON in a quoted literal of a larger text.

#[test]
fn json_in_the_quoted_literals_of_a_text_is_decoded_and_the_text_kept() {
    // Each text with JSON in its string literals, and the leaves of that JSON.
    let texts: [(&str, Leaves<'_>); 3] = [
        // A double-quoted literal of a script.
        (
            r#"window.cfg = "{\"uid\":\"abc123\",\"url\":\"https://x\"}";"#,
            &[
                ("body > quoted[0] > json $.uid", Some("uid"), "abc123"),
                ("body > quoted[0] > json $.url", Some("url"), "https://x"),
            ],
        ),
        // A single-quoted literal of a text.
        (
            r#"data: '{"a":1,"list":[{"email":"jane@example.com"}]}' more text"#,
            &[
                ("body > quoted[0] > json $.a", Some("a"), "1"),
                (
                    "body > quoted[0] > json $.list[0].email",
                    Some("email"),
                    "jane@example.com",
                ),
            ],
        ),
        // Every literal in turn.
        (
            r#"a('[{\"id\":7}]'); b("{\"q\":\"cheap flights\"}")"#,
            &[
                ("body > quoted[0] > json $[0].id", Some("id"), "7"),
                ("body > quoted[1] > json $.q", Some("q"), "cheap flights"),
            ],
        ),
    ];
    for (text, json) in texts {
        // The text is kept: what lies around the literals is seen too.
        let mut want = vec![("body", None, text)];
        want.extend_from_slice(json);
        assert_eq!(leaves("body", None, text.as_bytes()), expect(&want));
    }
}

#[test]
fn a_script_in_a_json_string_gives_the_json_in_its_literal() {
    let body =
        r#"{"html":"<script>var c = \"{\\\"email\\\":\\\"jane@example.com\\\"}\";</script>"}"#;
    assert_eq!(
        leaves("body", None, body.as_bytes()),
        expect(&[
            (
                "body > json $.html",
                Some("html"),
                r#"<script>var c = "{\"email\":\"jane@example.com\"}";</script>"#
            ),
            (
                "body > json $.html > quoted[0] > json $.email",
                Some("email"),
                "jane@example.com"
            ),
        ])
    );
}

#[test]
fn texts_with_braces_and_quotes_but_no_json_literal_stay_whole() {
    for value in [
        r#"He said "{hello}" loudly"#,
        r#"template "{"name": unclosed"#,
        r#"x = "{\"a\":}""#,
        r#"fn({"a":1})"#,
        "function(e,t){return e.length>t?e.slice(0,t)+\"...\":e}",
        r#"The quick brown fox said "jumps" over the lazy dog."#,
    ] {
        assert_whole("body", value);
    }
}

// 5. A whole URL percent-encoded as one path segment.

#[test]
fn a_percent_encoded_url_as_a_path_segment_is_a_url_with_its_query_once_or_twice_encoded() {
    let segments: [(&str, &str, Leaves<'_>); 2] = [
        (
            "path[1]",
            "https%3A%2F%2Fwww.example.org%2Fpage%3Fq%3Dcheap%2Bflights%26lang%3Den",
            &[
                (
                    "path[1] > percent",
                    None,
                    "https://www.example.org/page?q=cheap+flights&lang=en",
                ),
                (
                    "path[1] > percent > url query[q]",
                    Some("q"),
                    "cheap flights",
                ),
                ("path[1] > percent > url query[lang]", Some("lang"), "en"),
            ],
        ),
        // Encoded twice.
        (
            "path[2]",
            "https%253A%252F%252Fexample.org%252Fa%253Fref%253Dnewsletter",
            &[
                (
                    "path[2] > percent > percent",
                    None,
                    "https://example.org/a?ref=newsletter",
                ),
                (
                    "path[2] > percent > percent > url query[ref]",
                    Some("ref"),
                    "newsletter",
                ),
            ],
        ),
    ];
    for (part, segment, want) in segments {
        assert_eq!(leaves(part, None, segment.as_bytes()), expect(want));
    }
}

#[test]
fn ordinary_path_segments_stay_whole() {
    for segment in [
        "collect",
        "v1",
        "page.html",
        "2020-04-29",
        "a1b2c3d4e5f60718",
    ] {
        assert_whole("path[0]", segment);
    }
}

// 6. Protobuf whose fields are not in ascending order.

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn text_field(out: &mut Vec<u8>, number: u64, text: &str) {
    varint(out, number << 3 | 2);
    varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn varint_field(out: &mut Vec<u8>, number: u64, value: u64) {
    varint(out, number << 3);
    varint(out, value);
}

#[test]
fn protobuf_written_out_of_field_order_is_decoded() {
    // A hand-rolled encoder: model (2), then SDK version (1), then the page (5), then a count (3).
    let mut msg = Vec::new();
    text_field(&mut msg, 2, "Pixel 7");
    varint_field(&mut msg, 1, 34);
    text_field(&mut msg, 5, "https://example.org/a");
    varint_field(&mut msg, 3, 1_700_000_000_123);
    let body = STANDARD.encode(gzip(&msg));
    assert_eq!(
        leaves("body form[p]", Some("p"), body.as_bytes()),
        expect(&[
            (
                "body form[p] > base64 > gzip > protobuf #2",
                Some("p"),
                "Pixel 7"
            ),
            (
                "body form[p] > base64 > gzip > protobuf #1",
                Some("p"),
                "34"
            ),
            (
                "body form[p] > base64 > gzip > protobuf #5",
                Some("p"),
                "https://example.org/a"
            ),
            (
                "body form[p] > base64 > gzip > protobuf #3",
                Some("p"),
                "1700000000123"
            ),
        ])
    );
    // Without the gzip, as a raw body.
    let got = leaves("body", None, &msg);
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[0].0, "body > protobuf #2");
}

#[test]
fn out_of_order_numbers_without_text_are_not_protobuf() {
    // Two varints, field 2 then field 1: what noise parses as.
    let mut msg = Vec::new();
    varint_field(&mut msg, 2, 5);
    varint_field(&mut msg, 1, 7);
    let got = leaves("body", None, &msg);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "body");
}
