//! CBOR (RFC 8949): a map or array becomes one field per scalar, with the same JSONPath-like
//! selectors as JSON (`$.properties.$url`, `$[0].events[2].name`), by the walk CBOR shares with
//! MessagePack ([`tree`](super::tree)); this file reads CBOR's items and says what is
//! convincing.
//!
//! Some SDKs send their events as CBOR instead of JSON (smaller, and binary-safe), often under
//! gzip or base64. The headers are read with `ciborium-ll`; the contents of strings are sliced
//! from the input here, so a document is split without copying its strings.
//!
//! # Items
//!
//! - Text and byte strings are handed back *not* terminal: they often hold further layers (JSON
//!   in a string; gzip or protobuf in a byte string). Indefinite-length strings are joined.
//! - Integers cover the full range, −2^64 to 2^64 − 1; floats of every width are shown at the
//!   width they were sent in; the simple values are `true`, `false`, `null`, `undefined`.
//! - Tags are walked through: their content is at the tag's own selector. Tag 55799
//!   (self-described CBOR, `d9 d9 f7`) may also prefix the document.
//!
//! # Plausibility
//!
//! CBOR has no magic number, and it is tried on binary values that nothing else took. So a
//! value is only taken for CBOR when all of these hold:
//!
//! - the whole input is exactly one data item, a map or an array (after an optional
//!   self-describe tag), and nothing follows it;
//! - it is well-formed: no reserved header values, no length past the end, no misplaced
//!   break, indefinite-length strings made of definite chunks of their own kind, at most
//!   [`MAX_DEPTH`](super::tree::MAX_DEPTH) levels of nesting;
//! - every text string is valid UTF-8, and the only simple values are `false`, `true`, `null`
//!   and `undefined` (the others are unassigned: encoders do not write them);
//! - every map key is text or an integer (what protocols built on CBOR use);
//! - and it reads like something a program meant to send: printable text keys, at least half
//!   of all keys (see [`Cbor::is_convincing`], a rule chosen from the rate at which random bytes
//!   pass, measured in the tests).

use std::borrow::Cow;

use ciborium_ll::Header;

use super::tree::{self, Halt, Item, Read, Tally, Tree};
use crate::{About, DecodeError, Encoding, Needs, Profile, Split, Structure};

/// Tag 55799 as its encoder writes it: marks the bytes as CBOR and means nothing else.
const SELF_DESCRIBE: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// The first bytes of a document: an array (0x80–0x9f) or map (0xa0–0xbf) header, or the
/// self-describe tag's first byte.
static FIRST_BYTES: [u8; 65] = {
    let mut bytes = [0xd9; 65];
    let mut i = 0;
    while i < 64 {
        bytes[i] = 0x80 + i as u8;
        i += 1;
    }
    bytes
};

/// CBOR decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cbor;

/// Reads one item at a time off a borrowed slice. `ciborium-ll` parses each header; string
/// contents are sliced here, after their length is checked against what is left, so a length
/// is never trusted for an allocation.
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    at: usize,
    /// Bytes of the last header read: for a float, its width (3 for half, 5 for single).
    last_header: usize,
}

impl<'a> Reader<'a> {
    fn header(&mut self) -> Result<Header, Halt> {
        let rest = &self.input[self.at..];
        let mut decoder = ciborium_ll::Decoder::from(rest);
        let header = decoder
            .pull()
            .map_err(|_| Halt::Invalid("a malformed or truncated header"))?;
        let used = decoder.offset();
        // ciborium-ll also reads `f8 00`..`f8 1f` as simple values, which RFC 8949 says are
        // not well-formed; only the one-byte forms of the four assigned ones are accepted.
        if matches!(header, Header::Simple(_)) && used != 1 {
            return Err(Halt::Invalid("a two-byte simple value"));
        }
        self.at += used;
        self.last_header = used;
        Ok(header)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], Halt> {
        if len > self.left() {
            return Err(Halt::Invalid("a string longer than what is left"));
        }
        let bytes = &self.input[self.at..self.at + len];
        self.at += len;
        Ok(bytes)
    }

    /// The contents of a text (`text`) or byte string whose header said `len`: borrowed from
    /// the input, or joined from the chunks of an indefinite-length string.
    fn string(&mut self, len: Option<usize>, text: bool) -> Result<Cow<'a, [u8]>, Halt> {
        let check = |chunk: &[u8]| {
            if text && std::str::from_utf8(chunk).is_err() {
                Err(Halt::Invalid("text that is not UTF-8"))
            } else {
                Ok(())
            }
        };
        if let Some(len) = len {
            let bytes = self.take(len)?;
            check(bytes)?;
            return Ok(Cow::Borrowed(bytes));
        }
        // Each chunk is a definite string of the same kind; the joined string is never longer
        // than the input.
        let mut joined = Vec::new();
        loop {
            let len = match self.header()? {
                Header::Break => return Ok(Cow::Owned(joined)),
                Header::Text(Some(len)) if text => len,
                Header::Bytes(Some(len)) if !text => len,
                _ => return Err(Halt::Invalid("a bad chunk in an indefinite-length string")),
            };
            let chunk = self.take(len)?;
            check(chunk)?;
            joined.extend_from_slice(chunk);
        }
    }
}

impl<'a> Read<'a> for Reader<'a> {
    fn item(&mut self) -> Result<Item<'a>, Halt> {
        let mut header = self.header()?;
        // A tag's content stands at the tag's own place. A loop, so a long chain of tags costs
        // no stack; a tag must tag something, so it is never followed by a break.
        let tagged = matches!(header, Header::Tag(_));
        while let Header::Tag(_) = header {
            header = self.header()?;
        }
        Ok(match header {
            Header::Array(len) => Item::Array(len),
            Header::Map(len) => Item::Map(len),
            Header::Break if tagged => {
                return Err(Halt::Invalid("a break outside an indefinite-length item"));
            }
            Header::Break => Item::Break,
            Header::Positive(n) => Item::Unsigned(n),
            // The header holds −1 − n.
            Header::Negative(n) => Item::Negative(n),
            // ciborium-ll widens every float to f64; half and single precision stay narrow.
            Header::Float(number) if self.last_header <= 5 => Item::Float32(number as f32),
            Header::Float(number) => Item::Float(number),
            Header::Simple(simple) => Item::Word(match simple {
                20 => "false",
                21 => "true",
                22 => "null",
                23 => "undefined",
                _ => return Err(Halt::Invalid("an unassigned simple value")),
            }),
            Header::Text(len) => Item::Text(self.string(len, true)?),
            Header::Bytes(len) => Item::Bytes(self.string(len, false)?),
            // Read past above.
            Header::Tag(_) => return Err(Halt::Invalid("a tag")),
        })
    }

    fn left(&self) -> usize {
        self.input.len() - self.at
    }
}

impl Tree for Cbor {
    const NAME: &'static str = "cbor";

    type Reader<'a> = Reader<'a>;

    fn open(input: &[u8]) -> Result<Reader<'_>, &'static str> {
        let at = if input.starts_with(&SELF_DESCRIBE) {
            SELF_DESCRIBE.len()
        } else {
            0
        };
        if !matches!(input.get(at), Some(0x80..=0xbf)) {
            return Err("the document is not a map or an array");
        }
        Ok(Reader {
            input,
            at,
            last_header: 0,
        })
    }

    /// Random bytes that start with an array or map header are well-formed CBOR by the rules of
    /// the module docs about once in a thousand at 4 bytes, once in four thousand at 8 to 12
    /// bytes, once in six thousand at 16 to 24 and once in thirty thousand at 32: arrays of
    /// small numbers, byte strings and tags, or keys of control characters. What they almost
    /// never hold is text that reads as text, which is what real documents are made of. So a
    /// document must have a printable text key, or, without keys, at least
    /// [`MIN_TEXT`](tree::MIN_TEXT) bytes of printable text values; all its text keys must be
    /// printable, at least half of its keys text, and it must hold a scalar. That leaves 15 in
    /// ten million over lengths 4 to 256 (`random_bytes_are_almost_never_cbor` keeps the bound).
    ///
    /// The self-describe tag is evidence of its own: random bytes start with it once in
    /// sixteen million.
    fn is_convincing(input: &[u8], tally: &Tally) -> bool {
        let self_described = input.starts_with(&SELF_DESCRIBE);
        let named = tally.printable_keys > 0 && tally.printable_keys == tally.text_keys;
        tally.scalars > 0
            && tally.keys_are_mostly_text()
            && (self_described || named || tally.says_something_without_keys())
    }
}

/// Whether `bytes` is a CBOR document convincing enough to be a layer of its own (what a base64
/// or hex decoder, or a headerless decompressor, may produce).
pub(crate) fn is_convincing_document(bytes: &[u8]) -> bool {
    tree::is_convincing_document::<Cbor>(bytes)
}

impl Encoding for Cbor {
    /// Binary, starting with an array or map header or the self-describe tag.
    fn about(&self) -> About {
        About::named(Self::NAME).needs(
            Needs::ANYTHING
                .min_len(tree::MIN_LEN)
                .binary()
                .first_byte_in(&FIRST_BYTES),
        )
    }

    /// The first byte only (and the self-describe tag whole): a header costs too little to
    /// be worth parsing twice.
    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        input.len() >= tree::MIN_LEN
            && !profile.is_text()
            && match input[0] {
                0x80..=0xbf => true,
                _ => input.starts_with(&SELF_DESCRIBE),
            }
    }
}

impl Structure for Cbor {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        tree::split::<Cbor>(input, to)
    }
}

#[cfg(test)]
mod tests {
    use crate::Budget;

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use ciborium::Value;
    use proptest::prelude::*;

    use super::*;
    use crate::decoders::selector::{push_index, push_member};
    use crate::decoders::test_support::{Rng, gzip, handed_within, keeps_to_budget, taken_by};
    use crate::decoders::tree::MAX_DEPTH;
    use crate::decoders::{Brotli, MessagePack, RawDeflate};
    use crate::{Decoder, Path, Unwrapper};

    fn cbor(value: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(value, &mut out).expect("writing to a Vec");
        out
    }

    fn text(t: &str) -> Value {
        Value::Text(t.to_owned())
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(entries.iter().map(|(k, v)| (text(k), v.clone())).collect())
    }

    fn fields(input: &[u8]) -> Vec<(String, Option<String>, String, bool)> {
        crate::decoders::test_support::structure_fields(&Cbor, input)
    }

    fn want(
        items: &[(&str, Option<&str>, &str, bool)],
    ) -> Vec<(String, Option<String>, String, bool)> {
        items
            .iter()
            .map(|(s, k, v, t)| (s.to_string(), k.map(str::to_owned), v.to_string(), *t))
            .collect()
    }

    fn accepts(input: &[u8]) -> bool {
        Cbor.sniff_alone(input) && Cbor.decode(input, &mut Budget::default()).is_ok()
    }

    /// (path, key, value) of every leaf the default unwrapper finds in `body`.
    fn unwrap(body: &[u8]) -> Vec<(String, Option<String>, String)> {
        let mut budget = Budget::default();
        let leaves =
            Unwrapper::new().unwrap_to_vec(Path::from_part("body"), None, body, &mut budget);
        assert!(budget.notes().is_empty(), "{:?}", budget.notes());
        leaves
            .iter()
            .map(|l| (l.path.to_string(), l.key.clone(), l.text().into_owned()))
            .collect()
    }

    fn sensors_event() -> Value {
        map(&[
            ("distinct_id", text("a1b2c3d4e5f60718")),
            ("time", Value::Integer(1_588_155_300_000u64.into())),
            (
                "properties",
                map(&[
                    ("$os", text("Android")),
                    ("$model", text("Redmi Note 8 Pro")),
                    ("$url", text("https://example.org/checkout")),
                    ("$wifi", Value::Bool(true)),
                ]),
            ),
        ])
    }

    #[test]
    fn a_sensors_like_event_unwraps_as_it_is_and_under_base64_or_gzip() {
        let event = cbor(&sensors_event());
        let leaves = |prefix: &str| {
            [
                ("$.distinct_id", "distinct_id", "a1b2c3d4e5f60718"),
                ("$.time", "time", "1588155300000"),
                ("$.properties.$os", "$os", "Android"),
                ("$.properties.$model", "$model", "Redmi Note 8 Pro"),
                ("$.properties.$url", "$url", "https://example.org/checkout"),
                ("$.properties.$wifi", "$wifi", "true"),
            ]
            .map(|(s, k, v)| {
                (
                    format!("body > {prefix}cbor {s}"),
                    Some(k.to_owned()),
                    v.to_owned(),
                )
            })
            .to_vec()
        };
        assert_eq!(unwrap(&event), leaves(""));
        assert_eq!(
            unwrap(STANDARD.encode(&event).as_bytes()),
            leaves("base64 > ")
        );
        assert_eq!(unwrap(&gzip(&event)), leaves("gzip > "));
    }

    #[test]
    fn a_byte_string_holding_a_layer_is_unwrapped_further() {
        let doc = cbor(&map(&[
            ("v", Value::Integer(2.into())),
            (
                "payload",
                Value::Bytes(gzip(br#"{"email":"jane@example.org"}"#)),
            ),
        ]));
        assert_eq!(
            unwrap(&doc),
            [
                ("body > cbor $.v", Some("v"), "2"),
                (
                    "body > cbor $.payload > gzip > json $.email",
                    Some("email"),
                    "jane@example.org"
                ),
            ]
            .map(|(p, k, v)| (p.to_owned(), k.map(str::to_owned), v.to_owned()))
        );
    }

    #[test]
    fn indefinite_length_containers_and_strings() {
        let mut doc = vec![0xbf]; // {_
        doc.extend_from_slice(b"\x63app\x7f\x62Re\x63dmi\xff"); // "app": (_ "Re", "dmi")
        doc.extend_from_slice(b"\x64tags\x9f\x61a\x9f\xff\x61b\xff"); // "tags": [_ "a", [_ ], "b"]
        doc.extend_from_slice(b"\x62id\x5f\x42\x01\x02\x41\x03\xff"); // "id": (_ h'0102', h'03')
        doc.push(0xff);
        assert_eq!(
            fields(&doc),
            want(&[
                ("$.app", Some("app"), "Redmi", false),
                ("$.tags[0]", Some("tags"), "a", false),
                ("$.tags[2]", Some("tags"), "b", false),
                ("$.id", Some("id"), "\u{1}\u{2}\u{3}", false),
            ])
        );
        // A chunk of the wrong kind, a nested indefinite chunk, a missing break.
        for bad in [
            &b"\xa1\x61a\x7f\x41x\xff"[..],
            b"\xa1\x61a\x7f\x7f\x61x\xff\xff",
            b"\xa1\x61a\x9f\x01\x02",
            b"\xbf\x61a\x01",
            b"\xbf\x61a\xff", // a key without its value
        ] {
            assert!(!accepts(bad), "{bad:02x?}");
        }
    }

    #[test]
    fn the_self_describe_tag_is_transparent_and_other_tags_keep_their_place() {
        // 55799({"t": 1(1588207012), "u": 32("https://example.org/")})
        let doc =
            b"\xd9\xd9\xf7\xa2\x61t\xc1\x1a\x5e\xaa\x1d\xa4\x61u\xd8\x20\x74https://example.org/";
        assert_eq!(
            fields(doc),
            want(&[
                ("$.t", Some("t"), "1588207012", true),
                ("$.u", Some("u"), "https://example.org/", false),
            ])
        );
        // Self-described, a document needs no more evidence than being well-formed.
        assert!(accepts(b"\xd9\xd9\xf7\x83\x01\x02\x03"));
        assert!(!accepts(b"\x83\x01\x02\x03"));
    }

    #[test]
    fn integer_keys_are_indices_and_keep_the_name_of_their_map() {
        let doc = cbor(&Value::Map(vec![
            (
                text("device"),
                Value::Map(vec![
                    (Value::Integer(1.into()), text("Pixel 7")),
                    (Value::Integer((-3).into()), Value::Integer(14.into())),
                ]),
            ),
            (text("os"), text("Android")),
            (text("odd name"), Value::Null),
        ]));
        assert_eq!(
            fields(&doc),
            want(&[
                ("$.device[1]", Some("device"), "Pixel 7", false),
                ("$.device[-3]", Some("device"), "14", true),
                ("$.os", Some("os"), "Android", false),
                ("$['odd name']", Some("odd name"), "null", true),
            ])
        );
        // Keys must be mostly text, and text or integers.
        assert!(!accepts(&cbor(&Value::Map(vec![
            (Value::Integer(1.into()), text("Pixel 7")),
            (Value::Integer(2.into()), text("Android")),
            (text("os"), text("14")),
        ]))));
        assert!(!accepts(&cbor(&Value::Map(vec![
            (text("os"), text("14")),
            (Value::Bool(true), text("Android")),
        ]))));
    }

    #[test]
    fn scalars_of_every_kind_and_width() {
        let mut doc = vec![0xa8];
        for (key, item) in [
            (
                &b"\x63max"[..],
                &b"\x1b\xff\xff\xff\xff\xff\xff\xff\xff"[..],
            ), // 2^64 - 1
            (b"\x63min", b"\x3b\xff\xff\xff\xff\xff\xff\xff\xff"), // -2^64
            (b"\x63neg", b"\x20"),                                 // -1
            (b"\x64half", b"\xf9\x3e\x00"),                        // 1.5
            (b"\x66single", b"\xfa\x42\x43\x6f\x00"), // 48.8584, as written (not 48.8583984375)
            (b"\x66double", b"\xfb\x3f\xf1\x99\x99\x99\x99\x99\x9a"), // 1.1
            (b"\x63inf", b"\xf9\xfc\x00"),            // -inf
            (b"\x62no", b"\x84\xf4\xf5\xf6\xf7"),     // [false, true, null, undefined]
        ] {
            doc.extend_from_slice(key);
            doc.extend_from_slice(item);
        }
        assert_eq!(
            fields(&doc),
            want(&[
                ("$.max", Some("max"), "18446744073709551615", true),
                ("$.min", Some("min"), "-18446744073709551616", true),
                ("$.neg", Some("neg"), "-1", true),
                ("$.half", Some("half"), "1.5", true),
                ("$.single", Some("single"), "48.8584", true),
                ("$.double", Some("double"), "1.1", true),
                ("$.inf", Some("inf"), "-inf", true),
                ("$.no[0]", Some("no"), "false", true),
                ("$.no[1]", Some("no"), "true", true),
                ("$.no[2]", Some("no"), "null", true),
                ("$.no[3]", Some("no"), "undefined", true),
            ])
        );
        // Unassigned simple values, and the two-byte form of an assigned one.
        assert!(!accepts(b"\xa1\x61a\xf0"));
        assert!(!accepts(b"\xa1\x61a\xf8\x20"));
        assert!(!accepts(b"\xa1\x61a\xf8\x15"));
    }

    /// How many of `count` random inputs of `len` bytes that start with an array or map
    /// header (the others never reach the decoder) are taken for CBOR.
    fn random_acceptance(len: usize, count: usize) -> usize {
        let mut rng = Rng::new(0x5eed_c0b0 + len as u64);
        (0..count)
            .filter(|_| {
                let mut bytes = rng.bytes(len);
                bytes[0] = 0x80 | (bytes[0] & 0x3f);
                accepts(&bytes) || is_convincing_document(&bytes)
            })
            .count()
    }

    #[test]
    fn random_bytes_are_almost_never_cbor() {
        // Measured with a million inputs a length: 3 of them at 4 bytes, 1 at 5, 4 at 6, 2 at
        // 8, 3 at 12, none at 16, 2 at 24, none at 32, 64 and 256. A quarter of random inputs
        // start with such a header, so the rate on random bytes is about 4 in ten million.
        let lengths = [4, 5, 6, 8, 12, 16, 24, 32, 64, 256];
        let accepted: usize = lengths
            .iter()
            .map(|&len| random_acceptance(len, 50_000))
            .sum();
        assert!(
            accepted <= 5,
            "{accepted} of {} accepted",
            50_000 * lengths.len()
        );
    }

    /// Protobuf is tried after CBOR, and a message whose first field number is 16 or more
    /// starts with a byte that reads as an array or map header.
    #[test]
    fn protobuf_messages_are_left_to_protobuf() {
        fn varint(out: &mut Vec<u8>, mut v: u64) {
            while v >= 0x80 {
                out.push(v as u8 | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
        let words = [
            "Pixel 7",
            "screen_view",
            "https://example.org/a",
            "en-US",
            "14",
        ];
        let mut rng = Rng::new(0x9b0f);
        let mut taken = 0;
        for _ in 0..20_000 {
            let mut message = Vec::new();
            let mut number = 16 + rng.next() % 200;
            for _ in 0..1 + rng.next() % 5 {
                match rng.next() % 3 {
                    0 => {
                        varint(&mut message, number << 3);
                        varint(&mut message, rng.next() >> (rng.next() % 64));
                    }
                    1 => {
                        let word = words[(rng.next() % 5) as usize];
                        varint(&mut message, number << 3 | 2);
                        varint(&mut message, word.len() as u64);
                        message.extend_from_slice(word.as_bytes());
                    }
                    _ => {
                        varint(&mut message, number << 3 | 5);
                        message.extend_from_slice(&rng.bytes(4));
                    }
                }
                number += 1 + rng.next() % 100;
            }
            taken += usize::from(accepts(&message) || is_convincing_document(&message));
        }
        assert_eq!(taken, 0);
    }

    #[test]
    fn cut_short_or_followed_by_more_is_refused() {
        let doc = cbor(&sensors_event());
        assert!(accepts(&doc));
        for cut in 0..doc.len() {
            assert!(!accepts(&doc[..cut]), "cut at {cut}");
        }
        for tail in [&[0x00][..], &[0xff], &[0xa0], &doc] {
            let mut longer = doc.clone();
            longer.extend_from_slice(tail);
            assert!(!accepts(&longer), "followed by {tail:02x?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_quickly_without_overflowing() {
        let started = std::time::Instant::now();
        for open in [0x81u8, 0x9f, 0xa1] {
            let mut deep = Vec::new();
            for _ in 0..100_000 {
                deep.push(open);
                if open == 0xa1 {
                    deep.extend_from_slice(b"\x61k");
                }
            }
            deep.push(0x01);
            assert!(!accepts(&deep), "{open:#x}");
        }
        // A long chain of tags is walked in a loop, not by recursion.
        let mut tags = b"\xa1\x61a".to_vec();
        tags.extend(std::iter::repeat_n(0xc1, 100_000));
        tags.push(0x01);
        assert!(accepts(&tags));
        assert!(started.elapsed().as_secs() < 5);
        // Up to the limit is fine.
        let mut deep = vec![0xa1, 0x61, b'a'];
        deep.extend(std::iter::repeat_n(0x81, MAX_DEPTH - 1));
        deep.push(0x01);
        assert_eq!(
            fields(&deep)[0].0,
            format!("$.a{}", "[0]".repeat(MAX_DEPTH - 1))
        );
        deep.insert(3, 0x81);
        assert!(!accepts(&deep));
    }

    #[test]
    fn declared_lengths_past_the_end_are_refused_without_allocating() {
        for huge in [
            &b"\xa1\x61a\x5b\xff\xff\xff\xff\xff\xff\xff\xffabc"[..], // bytes of 2^64 - 1
            b"\xa1\x61a\x7b\x00\x00\x00\x01\x00\x00\x00\x00abc",      // text of 2^32
            b"\xa1\x61a\x9b\xff\xff\xff\xff\xff\xff\xff\xff\x01",     // array of 2^64 - 1
            b"\xbb\x00\x00\x00\x01\x00\x00\x00\x00\x61a\x01",         // map of 2^32
            b"\xa1\x61a\x5f\x5a\xff\xff\xff\xff\x01\xff",             // a chunk of 2^32 - 1
        ] {
            assert!(!accepts(huge), "{huge:02x?}");
        }
    }

    #[test]
    fn text_and_other_binary_are_not_sniffed() {
        assert!(Cbor.sniff_alone(b"\xa1\x61a\x01"));
        assert!(Cbor.sniff_alone(b"\xd9\xd9\xf7\x81\x01"));
        assert!(
            !Cbor.sniff_alone(b"\xd9\xd9\x81\x01"),
            "half a self-describe tag"
        );
        assert!(!Cbor.sniff_alone(br#"{"a":1}"#));
        assert!(!Cbor.sniff_alone(b"\x1f\x8b\x08\x00"));
        assert!(!Cbor.sniff_alone(b"\xa1\x61"), "too short");
    }

    #[test]
    fn floats_are_charged_and_the_leaf_limit_stops_the_walk() {
        let many = Value::Array(vec![Value::Float(1e300); 1000]);
        let many = cbor(&map(&[("xs", many)]));
        // Streaming, as the unwrapper does it: nothing is kept, yet the long text is paid for.
        let handed = handed_within(&Cbor, &many, 64 * 1024);
        assert!(handed <= 64 * 1024, "{handed} bytes handed over");

        let wide = cbor(&map(&[("xs", Value::Array(vec![Value::Null; 200_000]))]));
        let mut budget = Budget::default();
        let fields = Cbor.decode(&wide, &mut budget).unwrap();
        assert_eq!(fields.len(), budget.limits().max_leaves + 1);
    }

    /// A JSON-like value, as the round trip generates it.
    #[derive(Debug, Clone)]
    enum Tree {
        Null,
        Bool(bool),
        Integer(i128),
        Float(f64),
        Text(String),
        Array(Vec<Tree>),
        Object(Vec<(String, Tree)>),
    }

    impl Tree {
        fn to_cbor(&self) -> Value {
            match self {
                Tree::Null => Value::Null,
                Tree::Bool(b) => Value::Bool(*b),
                Tree::Integer(n) => Value::Integer((*n).try_into().expect("in CBOR's range")),
                Tree::Float(x) => Value::Float(*x),
                Tree::Text(t) => text(t),
                Tree::Array(items) => Value::Array(items.iter().map(Tree::to_cbor).collect()),
                Tree::Object(members) => Value::Map(
                    members
                        .iter()
                        .map(|(k, v)| (text(k), v.to_cbor()))
                        .collect(),
                ),
            }
        }

        /// The scalars in order, as the decoder should hand them over.
        fn expected(
            &self,
            selector: &mut String,
            key: Option<&str>,
            out: &mut Vec<(String, Option<String>, String, bool)>,
        ) {
            let mut leaf = |value: String, terminal: bool| {
                out.push((selector.clone(), key.map(str::to_owned), value, terminal));
            };
            match self {
                Tree::Null => leaf("null".into(), true),
                Tree::Bool(b) => leaf(b.to_string(), true),
                Tree::Integer(n) => leaf(n.to_string(), true),
                Tree::Float(x) => leaf(x.to_string(), true),
                Tree::Text(t) => leaf(t.clone(), false),
                Tree::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let mark = selector.len();
                        push_index(selector, i);
                        item.expected(selector, key, out);
                        selector.truncate(mark);
                    }
                }
                Tree::Object(members) => {
                    for (name, value) in members {
                        let mark = selector.len();
                        push_member(selector, name);
                        value.expected(selector, Some(name), out);
                        selector.truncate(mark);
                    }
                }
            }
        }
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let integer = prop_oneof![
            any::<i64>().prop_map(i128::from),
            any::<u64>().prop_map(i128::from),
            any::<u64>().prop_map(|n| -1 - i128::from(n)),
        ];
        let leaf = prop_oneof![
            Just(Tree::Null),
            any::<bool>().prop_map(Tree::Bool),
            integer.prop_map(Tree::Integer),
            any::<f64>()
                .prop_filter("NaN is not equal to itself", |x| !x.is_nan())
                .prop_map(Tree::Float),
            "\\PC{0,24}".prop_map(Tree::Text),
        ];
        let tree = leaf.clone().prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Tree::Array),
                proptest::collection::vec((key(), inner), 0..6).prop_map(Tree::Object),
            ]
        });
        // An object with a name and a scalar, at the top or in an array (a batch of events):
        // what real documents look like (an array of numbers alone is what random bytes look
        // like, and is refused, and a document of empty containers holds nothing to believe
        // it by). An array at the top also opens like a MessagePack map, which is tried first.
        let object = (
            (key(), leaf),
            proptest::collection::vec((key(), tree), 0..5),
        )
            .prop_map(|(first, rest)| Tree::Object([first].into_iter().chain(rest).collect()));
        (proptest::collection::vec(object, 1..4), any::<bool>()).prop_map(|(mut objects, batch)| {
            if batch {
                Tree::Array(objects)
            } else {
                objects.swap_remove(0)
            }
        })
    }

    fn key() -> impl Strategy<Value = String> {
        "[a-zA-Z_$][a-zA-Z0-9_$ .'\\\\é-]{0,12}"
    }

    proptest! {
        #[test]
        fn documents_decode_back_to_their_scalars(doc in tree()) {
            let encoded = cbor(&doc.to_cbor());
            let mut want = Vec::new();
            doc.expected(&mut String::from("$"), None, &mut want);
            prop_assert!(is_convincing_document(&encoded));
            prop_assert_eq!(fields(&encoded), want);
            // Tried before CBOR, headerless compression and MessagePack must not take it.
            let before = [
                Decoder::layer(Brotli),
                Decoder::layer(RawDeflate),
                Decoder::structure(MessagePack),
            ];
            prop_assert_eq!(taken_by(&before, &encoded), None);
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert!(keeps_to_budget(Decoder::structure(Cbor), &data, 1 << 12));
        }
    }
}
