//! The unwrapper against three corpora: values that must stay whole (a garbage layer is a false
//! finding waiting to happen), random stacks of real encodings that must come all the way back,
//! and hostile input that must end quickly with a note.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use data_encoding::HEXLOWER;
use leakscope_codecs::compress::reference::{gzip, zlib};
use leakscope_decode::{Budget, LeafBuf, Limits, Path, Step, Unwrapper};
use proptest::prelude::*;
use support::rng::Rng;

mod support {
    pub mod rng;
}

fn unwrap(value: &[u8]) -> (Vec<LeafBuf>, Budget) {
    let mut budget = Budget::default();
    let leaves = Unwrapper::new().unwrap_to_vec(Path::from_part("value"), None, value, &mut budget);
    (leaves, budget)
}

const NEGATIVE: &[&str] = &[
    // prose and words
    "test",
    "password",
    "The quick brown fox jumps over the lazy dog.",
    "Privacy is not something that I'm merely entitled to, it's an absolute prerequisite.",
    "Hello World",
    "properties",
    "undefined",
    // digests and ids
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "38400000-8cf0-11bd-b23e-10b96e40000d",
    "6D92078A-8246-4BA4-AE5B-76104861E7DC",
    "0467ede7dcf0ee81",
    "GA1.2.1234567890.1588155300",
    "fb.1.1745853783536.391926273781762163",
    "01JSYFX7B6N2D4WSG50YE05QMV",
    // numbers, times, versions
    "1588155300000",
    "1588155300",
    "2020-04-29T10:15:00.000Z",
    "Wed, 29 Apr 2020 10:15:00 GMT",
    "-2014224545",
    "12.10.1-gn",
    "V12.0.4.0.QGGMIXM",
    "QKQ1.190910.002",
    "390x844",
    // structured text that is what it is
    "https://www.example.com/path/to/page.html",
    "jane.doe@example.com",
    "a4:50:46:12:34:56",
    "com.mi.globalbrowser",
    "Mozilla/5.0 (Linux; Android 10; Redmi Note 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko)",
    // minified code
    "function(e,t){return e.length>t?e.slice(0,t)+\"...\":e}",
    "!function(){var a=window,b=document;a.dataLayer=a.dataLayer||[]}();",
    ".btn{color:#fff;background:#0d6efd}@media(max-width:600px){.btn{width:100%}}",
    "a.b.c",
    "x=1",
];

#[test]
fn ordinary_values_are_not_decoded() {
    for value in NEGATIVE {
        let (leaves, budget) = unwrap(value.as_bytes());
        assert_eq!(leaves.len(), 1, "{value}: {leaves:?}");
        assert_eq!(
            leaves[0].path.steps().len(),
            1,
            "{value} was 'decoded': {}",
            leaves[0].path
        );
        assert_eq!(leaves[0].value, value.as_bytes());
        assert!(budget.notes().is_empty());
    }
}

/// Random bytes almost never pass for an encoding. Only protobuf, which has no magic number and
/// takes any well-formed run of fields, lets a few through: about one value in 2,000 (111 of
/// 200,000 in a longer run of this sequence), each a message of a few numeric fields. Every
/// other decoder rejects them all.
#[test]
fn random_binary_is_rarely_decoded_and_then_only_as_protobuf() {
    const ROUNDS: usize = 20_000;
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut decoded = Vec::new();
    for round in 0..ROUNDS {
        let len = 4 + (rng.next() % 60) as usize;
        let bytes = rng.bytes(len);
        let (leaves, _) = unwrap(&bytes);
        if leaves.len() != 1 || leaves[0].path.steps().len() != 1 {
            decoded.push((round, leaves[0].path.to_string()));
        }
    }
    let not_protobuf: Vec<_> = decoded
        .iter()
        .filter(|(_, path)| !path.starts_with("value > protobuf "))
        .collect();
    assert!(not_protobuf.is_empty(), "{not_protobuf:?}");
    assert!(
        decoded.len() * 1000 <= ROUNDS,
        "{} of {ROUNDS} random values decoded: {:?}",
        decoded.len(),
        &decoded[..decoded.len().min(5)]
    );
}

/// One encoding applied by the random-stack test, with the layer name it must come back as.
#[derive(Debug, Clone, Copy)]
enum Wrap {
    Base64,
    Base64UrlNoPad,
    Hex,
    Percent,
    Gzip,
    Zlib,
}

impl Wrap {
    fn layer(self) -> &'static str {
        match self {
            Wrap::Base64 | Wrap::Base64UrlNoPad => "base64",
            Wrap::Hex => "hex",
            Wrap::Percent => "percent",
            Wrap::Gzip => "gzip",
            Wrap::Zlib => "zlib",
        }
    }

    /// Percent-encoding only carries text: a percent-encoded binary layer is not a thing
    /// senders do, and the decoder refuses it on purpose.
    fn applies_to_binary(self) -> bool {
        !matches!(self, Wrap::Percent)
    }

    fn apply(self, data: &[u8]) -> (Vec<u8>, bool) {
        match self {
            Wrap::Base64 => (STANDARD.encode(data).into_bytes(), false),
            Wrap::Base64UrlNoPad => (URL_SAFE_NO_PAD.encode(data).into_bytes(), false),
            Wrap::Hex => (HEXLOWER.encode(data).into_bytes(), false),
            Wrap::Percent => (
                data.iter()
                    .map(|b| format!("%{b:02X}"))
                    .collect::<String>()
                    .into_bytes(),
                false,
            ),
            Wrap::Gzip => (gzip(data), true),
            Wrap::Zlib => (zlib(data), true),
        }
    }
}

fn wrap_strategy() -> impl Strategy<Value = Wrap> {
    prop_oneof![
        Just(Wrap::Base64),
        Just(Wrap::Base64UrlNoPad),
        Just(Wrap::Hex),
        Just(Wrap::Percent),
        Just(Wrap::Gzip),
        Just(Wrap::Zlib),
    ]
}

/// JSON leaves whose values cannot be mistaken for an encoding (the `!` is in no alphabet).
fn document_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::btree_map("[a-z][a-z_]{0,7}", "[a-z]{1,6}![a-z ]{0,12}", 1..6)
        .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_stacks_of_encodings_come_all_the_way_back(
        fields in document_strategy(),
        wraps in proptest::collection::vec(wrap_strategy(), 1..=5),
    ) {
        let document: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let mut payload = serde_json::to_vec(&document).unwrap();
        let mut binary = false;
        let mut layers = Vec::new();
        for wrap in &wraps {
            if binary && !wrap.applies_to_binary() {
                continue;
            }
            let (next, is_binary) = wrap.apply(&payload);
            // Hex of digits-and-punctuation text (hex of hex, hex of percent escapes) is all
            // digits, which the hex sniff takes for a number on purpose: a 16-digit number
            // decodes to printable bytes too often to guess.
            if matches!(wrap, Wrap::Hex) && next.iter().all(u8::is_ascii_digit) {
                continue;
            }
            payload = next;
            binary = is_binary;
            layers.insert(0, wrap.layer());
        }

        let (leaves, budget) = unwrap(&payload);
        prop_assert!(budget.notes().is_empty(), "{:?}", budget.notes());
        prop_assert_eq!(leaves.len(), fields.len());
        for (leaf, (key, value)) in leaves.iter().zip(&fields) {
            prop_assert_eq!(leaf.path.layers().collect::<Vec<_>>(), layers.clone());
            let selector = format!("$.{key}");
            prop_assert_eq!(leaf.path.last(), Some(Step::Field { decoder: "json", selector: &selector }));
            prop_assert_eq!(leaf.key.as_deref(), Some(key.as_str()));
            prop_assert_eq!(leaf.text(), value.as_str());
        }
    }
}

#[test]
fn a_double_gzip_bomb_ends_quickly_with_a_note_and_bounded_output() {
    // 128 MiB of zeros, gzipped twice and base64'd: a few hundred bytes on the wire.
    let bomb = STANDARD.encode(gzip(&gzip(&vec![0u8; 128 << 20])));
    assert!(bomb.len() < 2048, "{}", bomb.len());
    let started = std::time::Instant::now();
    let (leaves, budget) = unwrap(bomb.as_bytes());
    assert!(started.elapsed().as_secs() < 10);
    assert_eq!(leaves.len(), 1);
    assert!(budget.output_used() <= Limits::default().max_output);
    assert!(
        budget
            .notes()
            .iter()
            .any(|n| n.message.contains("compression bomb")),
        "{:?}",
        budget.notes()
    );
}

#[test]
fn nested_compression_twenty_deep_stops_at_the_depth_limit() {
    let mut payload = b"{\"url\":\"https://example.org/deep\"}".to_vec();
    for _ in 0..20 {
        payload = gzip(&payload);
    }
    let (leaves, budget) = unwrap(&payload);
    assert_eq!(leaves.len(), 1);
    assert_eq!(leaves[0].path.layers().count(), Limits::default().max_depth);
    assert!(budget.notes()[0].message.contains("nesting deeper than"));
}

#[test]
fn ten_thousand_deep_json_is_one_leaf_not_a_stack_overflow() {
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let (leaves, _) = unwrap(deep.as_bytes());
    assert_eq!(leaves.len(), 1);
    assert_eq!(leaves[0].path.steps().len(), 1);
}

#[test]
fn base64_thirty_times_stops_at_the_depth_limit() {
    let mut payload = b"{\"q\":\"private search\"}".to_vec();
    for _ in 0..30 {
        payload = STANDARD.encode(&payload).into_bytes();
    }
    let (leaves, budget) = unwrap(&payload);
    assert_eq!(leaves.len(), 1);
    let max_depth = Limits::default().max_depth;
    assert_eq!(leaves[0].path.layers().count(), max_depth);
    assert_eq!(budget.notes().len(), 1);
    let message = format!("nesting deeper than {max_depth} layers: not decoded further");
    assert_eq!(budget.notes()[0].message, message);
}

#[test]
fn a_wide_document_stops_at_the_leaf_limit() {
    let wide = format!("[{}]", vec!["1"; 200_000].join(","));
    let (leaves, budget) = unwrap(wide.as_bytes());
    assert_eq!(leaves.len(), Limits::default().max_leaves);
    assert!(
        budget
            .notes()
            .iter()
            .any(|n| n.message.starts_with("leaf limit"))
    );
}

#[test]
fn base64_of_gzip_of_protobuf_firebase_style() {
    // field 1: app instance id, field 2: model, field 3 { field 1: event url }
    let mut message = vec![0x0a, 32];
    message.extend_from_slice(b"c2a7f1e0b9d84e5f8a6b3c2d1e0f9a8b");
    message.extend_from_slice(&[0x12, 16]);
    message.extend_from_slice(b"Redmi Note 8 Pro");
    let url = b"https://example.org/a";
    message.extend_from_slice(&[0x1a, (url.len() + 2) as u8, 0x0a, url.len() as u8]);
    message.extend_from_slice(url);
    for (payload, layers) in [
        (
            STANDARD.encode(gzip(&message)).into_bytes(),
            vec!["base64", "gzip"],
        ),
        (STANDARD.encode(&message).into_bytes(), vec!["base64"]),
    ] {
        let (leaves, _) = unwrap(&payload);
        let got: Vec<(String, String)> = leaves
            .iter()
            .map(|l| {
                (
                    l.path.steps().last().unwrap().to_string(),
                    l.text().into_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "protobuf #1".to_owned(),
                    "c2a7f1e0b9d84e5f8a6b3c2d1e0f9a8b".to_owned()
                ),
                ("protobuf #2".to_owned(), "Redmi Note 8 Pro".to_owned()),
                (
                    "protobuf #3.1".to_owned(),
                    "https://example.org/a".to_owned()
                ),
            ]
        );
        assert_eq!(leaves[0].path.layers().collect::<Vec<_>>(), layers);
    }
}
