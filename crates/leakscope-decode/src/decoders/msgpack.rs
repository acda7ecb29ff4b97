//! MessagePack: a map or an array becomes one field per scalar, with the same JSONPath-like
//! selectors as JSON (`$.properties.$url`, `$[0].name`), by the walk MessagePack shares with
//! CBOR ([`tree`](super::tree)); this file reads MessagePack's items and says what is
//! convincing.
//!
//! MessagePack is JSON's shape in binary: APM tracers, game and IoT SDKs and some analytics
//! clients send it, raw or under base64 or gzip. It has no magic number, and a share of random
//! bytes parses as some MessagePack value (every byte below 0x80 is a whole integer), so a
//! document is taken only when it is convincing: exactly one map or array filling the whole
//! input, text map keys that are readable (integer keys are allowed, up to half), a name of
//! two characters or more (or, in a document without keys, a few bytes of readable text), and
//! a value (see [`MessagePack::is_convincing`]). Random bytes that open like a map or an array
//! pass about 8 times in a million (measured over two million such values; the tests keep a
//! bound). Headers are read by the `rmp` crate; lengths are checked against the bytes left
//! before anything is sliced, and nothing is allocated from a declared length.

use std::borrow::Cow;

use rmp::Marker;
use rmp::decode::{self as mp, Bytes};

use super::tree::{self, Halt, Item, Read, Tally, Tree};
use crate::{About, DecodeError, Encoding, Needs, Profile, Split, Structure};

/// MessagePack decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct MessagePack;

/// Whether `byte` starts a map or an array: fixmap, fixarray, array 16/32, map 16/32. A range
/// test, where most bytes asked about are not MessagePack.
const fn is_container_first_byte(byte: u8) -> bool {
    matches!(byte, 0x80..=0x9f | 0xdc..=0xdf)
}

/// The same bytes as a list, for [`Needs::first_byte_in`].
const CONTAINER_FIRST_BYTES: [u8; 36] = {
    let mut bytes = [0u8; 36];
    let (mut byte, mut i) = (0u8, 0);
    while i < bytes.len() {
        if is_container_first_byte(byte) {
            bytes[i] = byte;
            i += 1;
        }
        byte += 1;
    }
    bytes
};

fn malformed<E>(_: E) -> Halt {
    Halt::Invalid("a malformed or truncated header")
}

/// Reads one item at a time off the front of the input.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Read<'a> for Reader<'a> {
    fn item(&mut self) -> Result<Item<'a>, Halt> {
        let &first = self
            .rest
            .first()
            .ok_or(Halt::Invalid("a truncated document"))?;
        let mut bytes = Bytes::new(self.rest);
        let rd = &mut bytes;
        let len = |len: u32| usize::try_from(len).map_err(malformed);
        let item = match Marker::from_u8(first) {
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                Item::Map(Some(len(mp::read_map_len(rd).map_err(malformed)?)?))
            }
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                Item::Array(Some(len(mp::read_array_len(rd).map_err(malformed)?)?))
            }
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let len = mp::read_str_len(rd).map_err(malformed)?;
                Item::Text(Cow::Borrowed(take(rd, len)?))
            }
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let len = mp::read_bin_len(rd).map_err(malformed)?;
                Item::Bytes(Cow::Borrowed(take(rd, len)?))
            }
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32 => {
                let meta = mp::read_ext_meta(rd).map_err(malformed)?;
                Item::Bytes(Cow::Borrowed(take(rd, meta.size)?))
            }
            Marker::FixPos(_) => Item::Unsigned(mp::read_pfix(rd).map_err(malformed)?.into()),
            Marker::U8 => Item::Unsigned(mp::read_u8(rd).map_err(malformed)?.into()),
            Marker::U16 => Item::Unsigned(mp::read_u16(rd).map_err(malformed)?.into()),
            Marker::U32 => Item::Unsigned(mp::read_u32(rd).map_err(malformed)?.into()),
            Marker::U64 => Item::Unsigned(mp::read_u64(rd).map_err(malformed)?),
            Marker::FixNeg(_) => Item::integer(mp::read_nfix(rd).map_err(malformed)?.into()),
            Marker::I8 => Item::integer(mp::read_i8(rd).map_err(malformed)?.into()),
            Marker::I16 => Item::integer(mp::read_i16(rd).map_err(malformed)?.into()),
            Marker::I32 => Item::integer(mp::read_i32(rd).map_err(malformed)?.into()),
            Marker::I64 => Item::integer(mp::read_i64(rd).map_err(malformed)?),
            Marker::F32 => Item::Float32(mp::read_f32(rd).map_err(malformed)?),
            Marker::F64 => Item::Float(mp::read_f64(rd).map_err(malformed)?),
            Marker::True | Marker::False => {
                let value = mp::read_bool(rd).map_err(malformed)?;
                Item::Word(if value { "true" } else { "false" })
            }
            Marker::Null => {
                mp::read_nil(rd).map_err(malformed)?;
                Item::Word("null")
            }
            Marker::Reserved => return Err(Halt::Invalid("the reserved marker")),
        };
        self.rest = bytes.remaining_slice();
        Ok(item)
    }

    fn left(&self) -> usize {
        self.rest.len()
    }
}

/// The next `len` bytes, if there are that many.
fn take<'a>(rd: &mut Bytes<'a>, len: u32) -> Result<&'a [u8], Halt> {
    let rest = rd.remaining_slice();
    let len = usize::try_from(len).map_err(malformed)?;
    if len > rest.len() {
        return Err(Halt::Invalid("a string longer than what is left"));
    }
    let (taken, after) = rest.split_at(len);
    *rd = Bytes::new(after);
    Ok(taken)
}

impl Tree for MessagePack {
    const NAME: &'static str = "msgpack";

    type Reader<'a> = Reader<'a>;

    fn open(input: &[u8]) -> Result<Reader<'_>, &'static str> {
        if !input.first().is_some_and(|&b| is_container_first_byte(b)) {
            return Err("the document is not a map or an array");
        }
        Ok(Reader { rest: input })
    }

    /// Random bytes that open with a container header parse as MessagePack often (every byte
    /// below 0x80 is a whole integer) and sometimes with a string in them; what they almost
    /// never hold is a name of two readable characters or more in the place of a key, or, in
    /// an array, a few bytes of readable text. So a document's text keys must all be readable
    /// (or empty), and it must have such a name (and at least half its keys text), or, without
    /// keys, [`MIN_TEXT`](tree::MIN_TEXT) bytes of readable string values; and a value.
    fn is_convincing(_: &[u8], tally: &Tally) -> bool {
        let keys_readable = tally.printable_keys + tally.empty_keys == tally.text_keys;
        let says_something = tally.names > 0 || tally.says_something_without_keys();
        keys_readable && tally.scalars > 0 && tally.keys_are_mostly_text() && says_something
    }
}

/// Whether `bytes` is a MessagePack document this decoder takes: what a base64 or hex layer
/// may reveal (see [`text::is_plausible_payload`](crate::text::is_plausible_payload)).
pub(crate) fn is_convincing_document(bytes: &[u8]) -> bool {
    tree::is_convincing_document::<MessagePack>(bytes)
}

impl Encoding for MessagePack {
    /// Binary, opening with a map or an array.
    fn about(&self) -> About {
        About::named(Self::NAME).needs(
            Needs::ANYTHING
                .min_len(tree::MIN_LEN)
                .binary()
                .first_byte_in(&CONTAINER_FIRST_BYTES),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        input.len() >= tree::MIN_LEN && !profile.is_text() && is_container_first_byte(input[0])
    }
}

impl Structure for MessagePack {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        tree::split::<MessagePack>(input, to)
    }
}

#[cfg(test)]
mod tests {
    use crate::Budget;
    use base64::Engine as _;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::decoders::test_support::{Rng, gzip};
    use crate::decoders::tree::MAX_DEPTH;
    use crate::{Path, Unwrapper};

    /// `value` as MessagePack, by the reference encoder.
    fn encode(value: &Value) -> Vec<u8> {
        rmp_serde::to_vec(value).unwrap()
    }

    /// Every leaf the default unwrapper finds in `body`.
    fn unwrapped(body: &[u8]) -> Vec<crate::LeafBuf> {
        Unwrapper::new().unwrap_to_vec(Path::from_part("body"), None, body, &mut Budget::default())
    }

    fn fields(input: &[u8]) -> Vec<(String, Option<String>, String, bool)> {
        crate::decoders::test_support::structure_fields(&MessagePack, input)
    }

    fn accepts(input: &[u8]) -> bool {
        MessagePack.sniff_alone(input) && MessagePack.decode(input, &mut Budget::default()).is_ok()
    }

    fn event() -> Value {
        json!([{
            "distinct_id": "a1b2c3",
            "time": 1588155300000u64,
            "properties": {
                "$os": "Android",
                "$model": "Redmi Note 8 Pro",
                "$screen_width": 1080,
                "$latitude": 48.8584,
                "$wifi": true,
                "$referrer": null,
                "$url": "https://www.example.com/search?q=private"
            }
        }])
    }

    #[test]
    fn maps_and_arrays_become_fields_with_json_selectors() {
        let got = fields(&encode(&event()));
        let find = |selector: &str| got.iter().find(|f| f.0 == selector).cloned();
        assert_eq!(
            find("$[0].distinct_id"),
            Some((
                "$[0].distinct_id".into(),
                Some("distinct_id".into()),
                "a1b2c3".into(),
                false
            ))
        );
        assert_eq!(find("$[0].time").unwrap().2, "1588155300000");
        assert_eq!(
            find("$[0].properties.$model").unwrap().2,
            "Redmi Note 8 Pro"
        );
        assert_eq!(find("$[0].properties.$screen_width").unwrap().2, "1080");
        assert_eq!(find("$[0].properties.$latitude").unwrap().2, "48.8584");
        assert_eq!(find("$[0].properties.$wifi").unwrap().2, "true");
        assert_eq!(find("$[0].properties.$referrer").unwrap().2, "null");
        let url = find("$[0].properties.$url").unwrap();
        assert_eq!(url.1.as_deref(), Some("$url"));
        assert!(
            !url.3,
            "strings are not terminal: they may hold another layer"
        );
        assert_eq!(got.len(), 9);
    }

    #[test]
    fn found_raw_under_base64_and_under_gzip() {
        let doc = encode(&event());
        let b64 = base64::engine::general_purpose::STANDARD.encode(&doc);
        for (input, path) in [
            (doc.clone(), "body > msgpack $[0].properties.$url"),
            (
                b64.into_bytes(),
                "body > base64 > msgpack $[0].properties.$url",
            ),
            (gzip(&doc), "body > gzip > msgpack $[0].properties.$url"),
        ] {
            let leaves = unwrapped(&input);
            let url = leaves
                .iter()
                .find(|l| l.key.as_deref() == Some("$url"))
                .unwrap_or_else(|| panic!("no $url leaf for {path}: {leaves:?}"));
            assert_eq!(url.path.to_string(), path);
            assert_eq!(url.text(), "https://www.example.com/search?q=private");
        }
    }

    #[test]
    fn strings_are_lent_from_the_input_so_leaves_have_spans() {
        let doc = encode(&json!({"url": "https://example.com/a"}));
        let leaves = unwrapped(&doc);
        let span = leaves[0].span.expect("a span");
        assert_eq!(&doc[span.start..span.end], b"https://example.com/a");
    }

    #[test]
    fn integer_keys_binary_and_extension_values() {
        let mut doc = Vec::new();
        rmp::encode::write_map_len(&mut doc, 4).unwrap();
        rmp::encode::write_uint(&mut doc, 7).unwrap();
        rmp::encode::write_str(&mut doc, "seven").unwrap();
        rmp::encode::write_sint(&mut doc, -2).unwrap();
        rmp::encode::write_str(&mut doc, "minus two").unwrap();
        rmp::encode::write_str(&mut doc, "blob").unwrap();
        rmp::encode::write_bin(&mut doc, &gzip(b"{\"ssid\":\"HomeNet\"}")).unwrap();
        rmp::encode::write_str(&mut doc, "when").unwrap();
        rmp::encode::write_ext_meta(&mut doc, 4, -1).unwrap();
        doc.extend_from_slice(&1_588_155_300u32.to_be_bytes());
        let got = fields(&doc);
        let selectors: Vec<&str> = got.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(selectors, ["$[7]", "$[-2]", "$.blob", "$.when"]);
        assert_eq!(got[0].2, "seven");
        // The binary value is handed on whole, to be unwrapped again.
        let leaves = unwrapped(&doc);
        let ssid = leaves
            .iter()
            .find(|l| l.key.as_deref() == Some("ssid"))
            .unwrap();
        assert_eq!(
            ssid.path.to_string(),
            "body > msgpack $.blob > gzip > json $.ssid"
        );
        assert_eq!(ssid.text(), "HomeNet");
    }

    #[test]
    fn floats_read_as_written_at_their_width_and_are_charged() {
        let mut doc = Vec::new();
        rmp::encode::write_map_len(&mut doc, 2).unwrap();
        rmp::encode::write_str(&mut doc, "lat").unwrap();
        rmp::encode::write_f32(&mut doc, 48.8584).unwrap();
        rmp::encode::write_str(&mut doc, "big").unwrap();
        rmp::encode::write_f64(&mut doc, 1e300).unwrap();
        let got = fields(&doc);
        assert_eq!(got[0].2, "48.8584");
        assert_eq!(got[1].2.len(), 301);
        let mut budget = Budget::new(crate::Limits {
            max_output: 100,
            ..crate::Limits::default()
        });
        let error = MessagePack.decode(&doc, &mut budget).unwrap_err();
        assert!(error.is_budget(), "{error}");
    }

    #[test]
    fn a_cbor_document_that_parses_as_messagepack_is_left_to_cbor() {
        // CBOR `[{"k": 1}, 1364("abc")]`; as MessagePack, a map keyed by "a" and 1, whose
        // one-letter name is too little to go on.
        let cbor = [
            0x82, 0xa1, 0x61, 0x6b, 0x01, 0xd9, 0x05, 0x54, 0x63, 0x61, 0x62, 0x63,
        ];
        assert!(!accepts(&cbor));
        let leaves = unwrapped(&cbor);
        assert!(
            leaves[0].path.to_string().starts_with("body > cbor "),
            "{leaves:?}"
        );
    }

    #[test]
    fn truncated_padded_and_nameless_documents_are_refused() {
        let doc = encode(&event());
        assert!(accepts(&doc));
        for cut in [1, 2, doc.len() / 2, doc.len() - 1] {
            assert!(!accepts(&doc[..cut]), "cut at {cut}");
        }
        let mut padded = doc.clone();
        padded.push(0);
        assert!(!accepts(&padded), "trailing bytes");
        // Numbers only: nothing readable to report, and what random bytes look like.
        assert!(!accepts(&encode(&json!([1, 2, 3, 4, 5]))));
        // A name that is not text.
        let mut binary_name = Vec::new();
        rmp::encode::write_map_len(&mut binary_name, 1).unwrap();
        rmp::encode::write_str(&mut binary_name, "\u{1}\u{2}\u{3}").unwrap();
        rmp::encode::write_str(&mut binary_name, "value").unwrap();
        assert!(!accepts(&binary_name));
    }

    #[test]
    fn protobuf_that_opens_like_a_map_is_left_to_protobuf() {
        // Field 16 (length-delimited) opens with 0x82, a MessagePack map header; its text
        // is a run of MessagePack integers.
        let mut message = vec![0x82, 0x01, 11];
        message.extend_from_slice(b"hello world");
        message.extend_from_slice(&[0x88, 0x01, 0x96, 0x01]);
        assert!(MessagePack.sniff_alone(&message));
        assert!(!accepts(&message));
        let leaves = unwrapped(&message);
        assert_eq!(leaves[0].path.to_string(), "body > protobuf #16");
        assert_eq!(leaves[0].text(), "hello world");
    }

    #[test]
    fn declared_lengths_past_the_input_and_deep_nesting_are_refused_cheaply() {
        // A map of 4 billion members, a string of 4 GB: refused at the end of the input,
        // nothing allocated from the declared length.
        assert!(!accepts(&[
            0xdf, 0xff, 0xff, 0xff, 0xff, 0xa2, b'a', b'b', 0x01
        ]));
        assert!(
            accepts(&[0x81, 0xa2, b'a', b'b', 0x01]),
            "the same, declared right"
        );
        assert!(!accepts(&[0x91, 0xdb, 0xff, 0xff, 0xff, 0xff, b'a', b'b']));
        // 100,000 nested one-element arrays around a string.
        let mut deep = vec![0x91; 100_000];
        deep.extend_from_slice(b"\xa5hello");
        assert!(!accepts(&deep));
        let mut shallow = vec![0x91; MAX_DEPTH];
        shallow.extend_from_slice(b"\xa5hello");
        assert!(accepts(&shallow));
        let mut one_too_deep = vec![0x91; MAX_DEPTH + 1];
        one_too_deep.extend_from_slice(b"\xa5hello");
        assert!(!accepts(&one_too_deep));
    }

    #[test]
    fn random_bytes_are_almost_never_msgpack() {
        // The hard case: random bytes that open with a map or an array header.
        let mut rng = Rng::new(0x5eed);
        for len in [4, 8, 16, 64, 256] {
            let accepted = (0..20_000)
                .filter(|i| {
                    let mut bytes = rng.bytes(len);
                    bytes[0] = CONTAINER_FIRST_BYTES[i % CONTAINER_FIRST_BYTES.len()];
                    accepts(&bytes) || is_convincing_document(&bytes)
                })
                .count();
            assert!(
                accepted <= 2,
                "{accepted} of 20,000 random {len}-byte values"
            );
        }
    }

    /// Random JSON-like documents: objects with text names, arrays, and every kind of scalar.
    fn documents() -> impl Strategy<Value = Value> {
        let scalar = prop_oneof![
            "[a-zA-Z0-9 :/._-]{0,24}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            // Quarters: exact in binary and in short decimals, so the JSON side (whose
            // parser may round the last digit of other floats) reads the same number.
            (-4_000_000i32..4_000_000).prop_map(|n| Value::from(f64::from(n) / 4.0)),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ];
        let tree = scalar.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map("[a-z$_][a-z0-9_]{0,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        // A document worth reporting: a readable name and a value (an empty container under
        // a name says nothing, and is refused).
        tree.prop_map(|value| json!({"payload": value, "sdk": "test"}))
    }

    /// Every scalar of `value` with its selector, as the JSON decoder reports them.
    fn json_fields(value: &Value) -> Vec<(String, String)> {
        let text = serde_json::to_vec(value).unwrap();
        crate::decoders::Json
            .decode(&text, &mut Budget::default())
            .unwrap()
            .into_iter()
            .map(|f| (f.selector, String::from_utf8_lossy(&f.value).into_owned()))
            .collect()
    }

    proptest! {
        #[test]
        fn every_scalar_comes_back_as_json_would_report_it(value in documents()) {
            let got: Vec<(String, String)> = fields(&encode(&value))
                .into_iter()
                .map(|(selector, _, value, _)| (selector, value))
                .collect();
            prop_assert_eq!(got, json_fields(&value));
        }
    }
}
