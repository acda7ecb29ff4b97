//! CBOR (RFC 8949): a map or array becomes one field per scalar, with the same JSONPath-like
//! selectors as JSON (`$.properties.$url`, `$[0].events[2].name`).
//!
//! Some SDKs send their events as CBOR instead of JSON (smaller, and binary-safe), often under
//! gzip or base64. The headers are read with `ciborium-ll`; the contents of strings are sliced
//! from the input here, so a document is split without copying its strings.
//!
//! # Selectors and values
//!
//! - A text map key is a member step (`.name`, `['odd name']`) and the field's key; an integer
//!   key is an index step (`[3]`, `[-1]`) and, like an array element, keeps the key of its map.
//! - Text and byte strings are handed back *not* terminal: they often hold further layers (JSON
//!   in a string; gzip or protobuf in a byte string). Indefinite-length strings are joined.
//! - Integers (the full range, −2^64 to 2^64 − 1) are decimal text; floats of every width are
//!   as Rust displays them (charged to the budget); `true`, `false`, `null`, `undefined` are
//!   their names. All of those are terminal.
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
//!   [`MAX_DEPTH`] levels of nesting;
//! - every text string is valid UTF-8, and the only simple values are `false`, `true`, `null`
//!   and `undefined` (the others are unassigned: encoders do not write them);
//! - every map key is text or an integer (what protocols built on CBOR use);
//! - and it reads like something a program meant to send: printable text keys, at least half
//!   of all keys (see [`Tally::is_convincing`], a rule chosen from the rate at which random bytes
//!   pass, measured in the tests).

use std::borrow::Cow;
use std::ops::ControlFlow;

use ciborium_ll::Header;

use super::selector::{float_text, push_index, push_member};
use crate::{Budget, DecodeError, Encoding, FieldRef, FieldSink, Needs, Profile, Structure};

const NAME: &str = "cbor";

/// Deepest nesting of arrays and maps walked; deeper documents are refused. Real documents are
/// a few levels deep, and the walk recurses once a level, so this also bounds its stack.
pub const MAX_DEPTH: usize = 64;

/// Tag 55799 as its encoder writes it: marks the bytes as CBOR and means nothing else.
const SELF_DESCRIBE: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// The shortest document considered: `{"a":1}` is `a1 61 61 01`.
const MIN_LEN: usize = 4;

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

/// Why a walk ended early.
enum Halt {
    /// The input is not (plausible) CBOR.
    Invalid(&'static str),
    /// The sink said to stop: not an error.
    Stop,
    /// The budget ran out formatting a float.
    Budget(DecodeError),
}

/// Reads one header at a time off a borrowed slice. `ciborium-ll` parses each header; string
/// contents are sliced here, after their length is checked against what is left, so a length
/// is never trusted for an allocation.
struct Reader<'a> {
    input: &'a [u8],
    at: usize,
    /// Bytes of the last header read: for a float, its width (3 for half, 5 for single).
    last_header: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.input.len() - self.at
    }

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
}

/// What a document is made of, counted by the judging walk.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    /// It starts with the self-describe tag.
    self_described: bool,
    /// Map keys; those that are text; those that are printable text.
    keys: usize,
    text_keys: usize,
    printable_keys: usize,
    /// Scalars: every value that is not an array or a map.
    scalars: usize,
    /// Bytes of text values that are printable text.
    printable_text: usize,
}

impl Tally {
    /// Whether what was counted is evidence enough of CBOR.
    ///
    /// Random bytes that start with an array or map header are well-formed CBOR by the rules of
    /// the module docs about once in a thousand at 4 bytes, once in four thousand at 8 to 12
    /// bytes, once in six thousand at 16 to 24 and once in thirty thousand at 32: arrays of
    /// small numbers, byte strings and tags, or keys of control characters. What they almost
    /// never hold is text that reads as text, which is what real documents are made of. So a
    /// document must have a printable text key, or, without keys, at least [`MIN_TEXT`] bytes
    /// of printable text values; all its text keys must be printable, at least half of its keys
    /// text, and it must hold a scalar. That leaves 15 in ten million over lengths 4 to 256
    /// (`random_bytes_are_almost_never_cbor` keeps the bound).
    ///
    /// The self-describe tag is evidence of its own: random bytes start with it once in
    /// sixteen million.
    fn is_convincing(&self) -> bool {
        let named = self.printable_keys > 0 && self.printable_keys == self.text_keys;
        let keys_are_names = self.text_keys * 2 >= self.keys;
        let says_something = self.keys == 0 && self.printable_text >= MIN_TEXT;
        self.scalars > 0 && keys_are_names && (self.self_described || named || says_something)
    }
}

/// Printable text that a document without keys must hold to be convincing.
const MIN_TEXT: usize = 4;

/// The part of a walk that hands fields over; absent while judging.
struct Out<'w, 's> {
    budget: &'w mut Budget,
    sink: &'w mut FieldSink<'s>,
    /// Floats are formatted here, reused from one to the next.
    number: String,
}

/// One walk over a document: first to judge it (no `out`), then to hand its fields over.
struct Walk<'a, 'w, 's> {
    reader: Reader<'a>,
    selector: String,
    tally: Tally,
    out: Option<Out<'w, 's>>,
}

impl<'a> Walk<'a, '_, '_> {
    fn emit(&mut self, key: Option<&str>, value: &[u8], terminal: bool) -> Result<(), Halt> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        let field = FieldRef {
            selector: &self.selector,
            key,
            value,
            terminal,
        };
        match (out.sink)(out.budget, field) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Halt::Stop),
        }
    }

    fn emit_integer(&mut self, key: Option<&str>, number: i128) -> Result<(), Halt> {
        let mut text = itoa::Buffer::new();
        self.emit(key, text.format(number).as_bytes(), true)
    }

    fn emit_float(
        &mut self,
        key: Option<&str>,
        number: impl std::fmt::Display,
    ) -> Result<(), Halt> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        let mut text = std::mem::take(&mut out.number);
        let result = match float_text(&mut text, number, out.budget) {
            Ok(()) => self.emit(key, text.as_bytes(), true),
            Err(error) => Err(Halt::Budget(error)),
        };
        if let Some(out) = self.out.as_mut() {
            out.number = text;
        }
        result
    }

    /// The whole input as one document.
    fn document(&mut self) -> Result<(), Halt> {
        if self.reader.input.starts_with(&SELF_DESCRIBE) {
            self.reader.at = SELF_DESCRIBE.len();
            self.tally.self_described = true;
        }
        let first = self.reader.input.get(self.reader.at).copied();
        if !matches!(first, Some(0x80..=0xbf)) {
            return Err(Halt::Invalid("the document is not a map or an array"));
        }
        self.item(None, 0)?;
        if self.reader.left() > 0 {
            return Err(Halt::Invalid("bytes after the document"));
        }
        Ok(())
    }

    /// One data item at the current selector, known by `key`; `depth` containers around it.
    fn item(&mut self, key: Option<&str>, depth: usize) -> Result<(), Halt> {
        let header = self.reader.header()?;
        self.item_from(header, key, depth)
    }

    /// [`Walk::item`] whose first header was already read.
    fn item_from(&mut self, header: Header, key: Option<&str>, depth: usize) -> Result<(), Halt> {
        match self.untag(header)? {
            Header::Array(len) => self.array(len, key, depth + 1),
            Header::Map(len) => self.map(len, key, depth + 1),
            Header::Break => Err(Halt::Invalid("a break outside an indefinite-length item")),
            scalar => {
                self.tally.scalars += 1;
                self.scalar(scalar, key)
            }
        }
    }

    /// The first header after any tags starting at `header`: a tag's content stands at the
    /// tag's own place. A loop, so a long chain of tags costs no stack.
    fn untag(&mut self, mut header: Header) -> Result<Header, Halt> {
        while let Header::Tag(_) = header {
            header = self.reader.header()?;
        }
        Ok(header)
    }

    fn scalar(&mut self, header: Header, key: Option<&str>) -> Result<(), Halt> {
        match header {
            Header::Positive(n) => self.emit_integer(key, i128::from(n)),
            // The header holds −1 − n.
            Header::Negative(n) => self.emit_integer(key, -1 - i128::from(n)),
            // ciborium-ll widens every float to f64; shown at the width it was sent in, a
            // single-precision 48.8584 reads as written, not as 48.8583984375.
            Header::Float(number) if self.reader.last_header <= 5 => {
                self.emit_float(key, number as f32)
            }
            Header::Float(number) => self.emit_float(key, number),
            Header::Simple(simple) => {
                let text: &[u8] = match simple {
                    20 => b"false",
                    21 => b"true",
                    22 => b"null",
                    23 => b"undefined",
                    _ => return Err(Halt::Invalid("an unassigned simple value")),
                };
                self.emit(key, text, true)
            }
            Header::Text(len) => {
                let text = self.string(len, true)?;
                if crate::text::is_printable_text(&text) {
                    self.tally.printable_text += text.len();
                }
                self.emit(key, &text, false)
            }
            Header::Bytes(len) => {
                let bytes = self.string(len, false)?;
                self.emit(key, &bytes, false)
            }
            Header::Tag(_) | Header::Break | Header::Array(_) | Header::Map(_) => {
                Err(Halt::Invalid("not a scalar"))
            }
        }
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
            let bytes = self.reader.take(len)?;
            check(bytes)?;
            return Ok(Cow::Borrowed(bytes));
        }
        // Each chunk is a definite string of the same kind; the joined string is never longer
        // than the input.
        let mut joined = Vec::new();
        loop {
            let len = match self.reader.header()? {
                Header::Break => return Ok(Cow::Owned(joined)),
                Header::Text(Some(len)) if text => len,
                Header::Bytes(Some(len)) if !text => len,
                _ => return Err(Halt::Invalid("a bad chunk in an indefinite-length string")),
            };
            let chunk = self.reader.take(len)?;
            check(chunk)?;
            joined.extend_from_slice(chunk);
        }
    }

    /// Extend the selector: only when fields are handed over (judging needs none).
    fn push_step(&mut self, push: impl FnOnce(&mut String)) {
        if self.out.is_some() {
            push(&mut self.selector);
        }
    }

    fn enter(&mut self, depth: usize) -> Result<(), Halt> {
        if depth > MAX_DEPTH {
            return Err(Halt::Invalid("nested too deep"));
        }
        Ok(())
    }

    /// The header of the entry after `index` entries of a container of `len` (`None`: of
    /// indefinite length), or `None` at the container's end.
    fn next_entry(&mut self, len: Option<usize>, index: usize) -> Result<Option<Header>, Halt> {
        if len == Some(index) {
            return Ok(None);
        }
        let header = self.reader.header()?;
        Ok((len.is_some() || header != Header::Break).then_some(header))
    }

    fn array(&mut self, len: Option<usize>, key: Option<&str>, depth: usize) -> Result<(), Halt> {
        self.enter(depth)?;
        // Every item takes at least a byte.
        if len.is_some_and(|len| len > self.reader.left()) {
            return Err(Halt::Invalid("more items declared than bytes left"));
        }
        let mut index = 0usize;
        while let Some(header) = self.next_entry(len, index)? {
            let mark = self.selector.len();
            self.push_step(|selector| push_index(selector, index));
            self.item_from(header, key, depth)?;
            self.selector.truncate(mark);
            index += 1;
        }
        Ok(())
    }

    fn map(&mut self, len: Option<usize>, key: Option<&str>, depth: usize) -> Result<(), Halt> {
        self.enter(depth)?;
        // Every entry takes at least two bytes.
        if len.is_some_and(|len| len > self.reader.left() / 2) {
            return Err(Halt::Invalid("more entries declared than bytes left"));
        }
        let mut index = 0usize;
        while let Some(header) = self.next_entry(len, index)? {
            self.tally.keys += 1;
            let mark = self.selector.len();
            let name = match self.untag(header)? {
                Header::Text(len) => {
                    self.tally.text_keys += 1;
                    let name = self.string(len, true)?;
                    if crate::text::is_printable_text(&name) {
                        self.tally.printable_keys += 1;
                    }
                    Some(into_text(name)?)
                }
                Header::Positive(n) => {
                    self.push_step(|selector| push_index(selector, i128::from(n)));
                    None
                }
                Header::Negative(n) => {
                    self.push_step(|selector| push_index(selector, -1 - i128::from(n)));
                    None
                }
                _ => {
                    return Err(Halt::Invalid(
                        "a map key that is neither text nor an integer",
                    ));
                }
            };
            match name {
                Some(name) => {
                    self.push_step(|selector| push_member(selector, &name));
                    self.item(Some(&name), depth)?;
                }
                // An integer key names no more than an array index does.
                None => self.item(key, depth)?,
            }
            self.selector.truncate(mark);
            index += 1;
        }
        Ok(())
    }
}

/// A text string already checked to be UTF-8, as `str`.
fn into_text(bytes: Cow<'_, [u8]>) -> Result<Cow<'_, str>, Halt> {
    let invalid = |_| Halt::Invalid("text that is not UTF-8");
    Ok(match bytes {
        Cow::Borrowed(bytes) => Cow::Borrowed(std::str::from_utf8(bytes).map_err(invalid)?),
        Cow::Owned(bytes) => {
            Cow::Owned(String::from_utf8(bytes).map_err(|e| invalid(e.utf8_error()))?)
        }
    })
}

/// Judges `input` as a whole: the tally of a well-formed document, or why it is not one.
fn judge(input: &[u8]) -> Result<Tally, &'static str> {
    let mut walk = Walk {
        reader: Reader {
            input,
            at: 0,
            last_header: 0,
        },
        selector: String::new(),
        tally: Tally::default(),
        out: None,
    };
    match walk.document() {
        Ok(()) => Ok(walk.tally),
        Err(Halt::Invalid(reason)) => Err(reason),
        // Nothing is handed over or charged while judging.
        Err(Halt::Stop | Halt::Budget(_)) => Err("stopped"),
    }
}

/// Whether `bytes` is a CBOR document convincing enough to be a layer of its own (what a base64
/// or hex decoder, or a headerless decompressor, may produce).
pub(crate) fn is_convincing_document(bytes: &[u8]) -> bool {
    // The first byte first: most bytes asked about are not CBOR, and a judging walk costs its
    // setup even when its first header refuses them.
    bytes.len() >= MIN_LEN
        && (matches!(bytes[0], 0x80..=0xbf) || bytes.starts_with(&SELF_DESCRIBE))
        && judge(bytes).is_ok_and(|tally| tally.is_convincing())
}

impl Encoding for Cbor {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Binary, starting with an array or map header or the self-describe tag.
    fn needs(&self) -> Needs {
        Needs::ANYTHING
            .min_len(MIN_LEN)
            .binary()
            .first_byte_in(&FIRST_BYTES)
    }

    /// The first byte only (and the self-describe tag whole): a header costs too little to
    /// be worth parsing twice.
    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        input.len() >= MIN_LEN
            && !profile.is_text()
            && match input[0] {
                0x80..=0xbf => true,
                _ => input.starts_with(&SELF_DESCRIBE),
            }
    }
}

impl Structure for Cbor {
    fn split(
        &self,
        input: &[u8],
        _profile: &Profile,
        budget: &mut Budget,
        fields: &mut FieldSink<'_>,
    ) -> Result<(), DecodeError> {
        // The whole document is judged before any field is handed over, so that noise which
        // starts like CBOR hands nothing over before it breaks.
        let tally = judge(input).map_err(|reason| DecodeError::invalid(NAME, reason))?;
        if input.len() < MIN_LEN || !tally.is_convincing() {
            return Err(DecodeError::Implausible { encoding: NAME });
        }
        let mut walk = Walk {
            reader: Reader {
                input,
                at: 0,
                last_header: 0,
            },
            selector: String::from("$"),
            tally: Tally::default(),
            out: Some(Out {
                budget,
                sink: fields,
                number: String::new(),
            }),
        };
        match walk.document() {
            // Stopping early (the leaf limit) is not an error.
            Ok(()) | Err(Halt::Stop) => Ok(()),
            Err(Halt::Budget(error)) => Err(error),
            Err(Halt::Invalid(reason)) => Err(DecodeError::invalid(NAME, reason)),
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use ciborium::Value;
    use proptest::prelude::*;

    use super::*;
    use crate::decoders::test_support::{Rng, gzip};
    use crate::{Limits, Path, Unwrapper};

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

    /// The fields as (selector, key, value, terminal).
    fn fields(input: &[u8]) -> Vec<(String, Option<String>, String, bool)> {
        assert!(Cbor.sniff_alone(input), "sniff {input:02x?}");
        Cbor.decode(input, &mut Budget::default())
            .unwrap()
            .into_iter()
            .map(|f| {
                (
                    f.selector,
                    f.key,
                    String::from_utf8_lossy(&f.value).into_owned(),
                    f.terminal,
                )
            })
            .collect()
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
        let mut budget = Budget::new(Limits {
            max_output: 64 * 1024,
            ..Limits::default()
        });
        let mut handed = 0usize;
        let error = Cbor
            .split(&many, &Profile::of(&many), &mut budget, &mut |_, field| {
                handed += field.value.len();
                ControlFlow::Continue(())
            })
            .unwrap_err();
        assert!(error.is_budget(), "{error}");
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
            for other in [
                crate::Decoder::layer(crate::decoders::Brotli),
                crate::Decoder::layer(crate::decoders::RawDeflate),
                crate::Decoder::structure(crate::decoders::MessagePack),
            ] {
                prop_assert!(
                    !other.sniff_alone(&encoded) || other.decode(&encoded, &mut Budget::default()).is_err(),
                    "{} took a CBOR document", other.name()
                );
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut budget = Budget::new(Limits { max_output: 1 << 12, ..Limits::default() });
            let _ = Cbor.sniff_alone(&data);
            let _ = Cbor.decode(&data, &mut budget);
            prop_assert!(budget.output_used() <= 1 << 12);
        }
    }
}
