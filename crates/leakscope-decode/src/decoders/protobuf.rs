//! Protocol Buffers wire format, read without a schema.
//!
//! Firebase, Google Play services and many mobile SDKs send gzip of protobuf. Without the
//! `.proto` file the field names are unknown, but the wire format alone still tells the field
//! numbers, the nesting and the values, which is enough to find an advertising ID, a device
//! model or a URL inside.
//!
//! # Selectors
//!
//! A field is named by its field number after `#`, nested messages by a dot: `#2.3.1` is field 1
//! of the message in field 3 of the message in field 2. When a field number occurs more than
//! once in the same message (a repeated field), every occurrence gets its 0-based index, as in
//! JSONPath: `#4[0].2`, `#4[1].2`. A field that occurs once has no index, because without the
//! schema a repeated field with one element cannot be told from a singular one.
//!
//! # Values
//!
//! - varint, fixed64, fixed32: unsigned decimal text, terminal. Signed (zigzag or negative
//!   two's complement) and floating-point readings are not guessed.
//! - length-delimited: a nested message when it parses as a plausible one (see below), up to
//!   [`MAX_DEPTH`] levels; otherwise the bytes as they are, *not* terminal, so the unwrapper
//!   decodes them further (JSON or a URL in a string, gzip in a `bytes` field).
//!
//! The field key is `None`: protobuf on the wire has no names, and the field number is already
//! in the selector, so repeating it as a key would only feed meaningless names to key-based rules.
//! The leaf then keeps the name of the value the protobuf came in (a form field, a header).
//!
//! # Plausibility
//!
//! Almost any short byte string parses as *some* protobuf (`hello` is field 13, varint 101,
//! ...). So a message is only accepted when all of these hold, for the whole input and for
//! every nested message:
//!
//! - it parses exactly to its end, with at least one field;
//! - it is not printable text (text is text: the text decoders handle it);
//! - it does not start with a compression magic number (gzip, zlib, zstd);
//! - field numbers are at most [`MAX_FIELD_NUMBER`] (legal up to 2^29 − 1, but real schemas
//!   number their fields from 1 and rarely pass a few thousand);
//! - no groups (wire types 3 and 4, deprecated for fifteen years) and no undefined wire types;
//! - varints are at most 10 bytes and minimally encoded (no encoder pads them);
//! - a field number is used with one wire type only (a schema gives each field one type).
//!
//! And the top level must be evidence of its own (see `is_convincing`): several fields, in
//! ascending field-number order as mainstream serializers write them, or out of order (as
//! hand-rolled encoders write them) with a text field and no length-delimited field of noise;
//! or one field that carries text or a convincing message.

use std::ops::ControlFlow;

use crate::{
    About, Budget, DecodeError, Encoding, FieldRef, FieldSink, Needs, Profile, Split, Structure,
    text,
};

/// How many levels of nested messages are expanded; deeper length-delimited values are left as
/// bytes (the unwrapper's own depth limit then applies to them).
pub const MAX_DEPTH: usize = 16;

/// Largest field number considered plausible. The wire format allows 2^29 − 1, but random bytes
/// that happen to parse produce large numbers far more often than real schemas do.
pub const MAX_FIELD_NUMBER: u64 = 1 << 16;

const NAME: &str = "protobuf";

/// Schema-less protobuf decoder: splits a message into one field per scalar, named by field
/// numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Protobuf;

/// One value as it is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

impl Value<'_> {
    fn wire_type(&self) -> u8 {
        match self {
            Value::Varint(_) => 0,
            Value::Fixed64(_) => 1,
            Value::Bytes(_) => 2,
            Value::Fixed32(_) => 5,
        }
    }

    fn is_fixed(&self) -> bool {
        matches!(self, Value::Fixed32(_) | Value::Fixed64(_))
    }
}

/// One field of one message level, not yet interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawField<'a> {
    number: u32,
    value: Value<'a>,
}

/// A base-128 varint at the start of `input` and its length, or `None` when it is truncated,
/// longer than 10 bytes, over 64 bits, or not minimally encoded (ends in a zero byte after a
/// continuation, which no encoder writes).
fn read_varint(input: &[u8]) -> Option<(u64, usize)> {
    // One-byte varints (most tags, lengths under 128, small numbers) first.
    if let [byte, ..] = input
        && byte & 0x80 == 0
    {
        return Some((u64::from(*byte), 1));
    }
    let mut value = 0u64;
    for (i, &byte) in input.iter().enumerate().take(10) {
        if i == 9 && byte > 1 {
            return None;
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if i > 0 && byte == 0 {
                return None;
            }
            return Some((value, i + 1));
        }
    }
    None
}

fn read_array<const N: usize>(input: &[u8]) -> Option<[u8; N]> {
    input.get(..N)?.try_into().ok()
}

/// The field at the start of `input` and how many bytes it takes, or `None` when it is
/// malformed or implausible (field number 0 or over [`MAX_FIELD_NUMBER`], a group, an undefined
/// wire type, a length past the end).
fn read_field(input: &[u8]) -> Option<(RawField<'_>, usize)> {
    let (tag, tag_len) = read_varint(input)?;
    let number = tag >> 3;
    if number == 0 || number > MAX_FIELD_NUMBER {
        return None;
    }
    let number = u32::try_from(number).ok()?;
    let rest = input.get(tag_len..)?;
    let (value, value_len) = match tag & 7 {
        0 => {
            let (v, n) = read_varint(rest)?;
            (Value::Varint(v), n)
        }
        1 => (Value::Fixed64(u64::from_le_bytes(read_array(rest)?)), 8),
        2 => {
            let (len, n) = read_varint(rest)?;
            let end = n.checked_add(usize::try_from(len).ok()?)?;
            (Value::Bytes(rest.get(n..end)?), end)
        }
        5 => (Value::Fixed32(u32::from_le_bytes(read_array(rest)?)), 4),
        _ => return None,
    };
    Some((RawField { number, value }, tag_len + value_len))
}

/// The fields of one message level, in wire order. The input is known to parse to its end
/// (it passed [`read_level`] or [`scans_exactly`]); should it not, the iteration just stops.
fn fields(input: &[u8]) -> impl Iterator<Item = RawField<'_>> {
    let mut rest = input;
    std::iter::from_fn(move || {
        let (field, used) = read_field(rest)?;
        rest = rest.get(used..)?;
        Some(field)
    })
}

/// Walks the top level of `input` without allocating: true when it is a sequence of at least one
/// well-formed field ending exactly at the end. This is the cheap part of the plausibility test.
fn scans_exactly(input: &[u8]) -> bool {
    let mut rest = input;
    while !rest.is_empty() {
        match read_field(rest) {
            Some((_, used)) => rest = &rest[used..],
            None => return false,
        }
    }
    !input.is_empty()
}

/// A compressed stream: it belongs to its decompressor even if it parses.
fn is_compressed(input: &[u8]) -> bool {
    text::has_compression_magic(input) || input.starts_with(&super::zstd::MAGIC)
}

/// Field numbers below this are tracked in bit sets; larger ones (rare in real schemas) in a
/// sorted vector.
const SMALL: u32 = 128;

/// What one pass over a plausible message level learns: enough to judge it
/// ([`is_convincing`]) and to index its repeated fields ([`Walker::walk`]), without keeping
/// the fields themselves. Reading a level allocates nothing unless it has field numbers of
/// [`SMALL`] or more.
struct Level<'a> {
    /// How many fields, repeated ones counted each time.
    count: usize,
    /// The first field: what a single-field message is judged by.
    first: RawField<'a>,
    /// Field numbers never go down.
    ascending: bool,
    /// Every field is fixed32 or fixed64.
    only_fixed: bool,
    /// The numbers below [`SMALL`] that occur more than once, as bits.
    repeated_small: u128,
    /// The numbers from [`SMALL`] up that occur more than once, sorted.
    repeated_large: Vec<u32>,
}

/// One level of `input` when it is a plausible message (see the module docs), else `None`.
fn read_level(input: &[u8]) -> Option<Level<'_>> {
    if input.len() < 2 || is_compressed(input) {
        return None;
    }
    // Numbers seen, by wire type: a number seen under one type must not come again under
    // another (a schema gives each field one type).
    let mut seen = [0u128; 6];
    let mut repeated_small = 0u128;
    let mut large: Vec<(u32, u8)> = Vec::new();
    let (mut count, mut ascending, mut only_fixed) = (0, true, true);
    let (mut first, mut previous) = (None, 0);
    let mut rest = input;
    while !rest.is_empty() {
        let (field, used) = read_field(rest)?;
        rest = rest.get(used..)?;
        first.get_or_insert(field);
        count += 1;
        ascending &= field.number >= previous;
        only_fixed &= field.value.is_fixed();
        previous = field.number;
        if field.number < SMALL {
            let bit = 1u128 << field.number;
            let slot = usize::from(field.value.wire_type());
            if seen.iter().fold(0, |all, numbers| all | numbers) & bit != 0 {
                if seen[slot] & bit == 0 {
                    return None;
                }
                repeated_small |= bit;
            }
            seen[slot] |= bit;
        } else {
            large.push((field.number, field.value.wire_type()));
        }
    }
    // Text is text, whatever it parses as: the text decoders handle it. Asked only now, as
    // most text fails the parse within a few bytes.
    if text::is_printable_text(input) {
        return None;
    }
    let mut repeated_large = Vec::new();
    large.sort_unstable();
    for pair in large.windows(2) {
        if pair[0].0 == pair[1].0 {
            if pair[0].1 != pair[1].1 {
                return None;
            }
            if repeated_large.last() != Some(&pair[0].0) {
                repeated_large.push(pair[0].0);
            }
        }
    }
    Some(Level {
        count,
        // At least two bytes parsed to their end: there is a field.
        first: first?,
        ascending,
        only_fixed,
        repeated_small,
        repeated_large,
    })
}

/// Whether a plausible top-level message is evidence enough to call the value protobuf. One
/// lone number is what random bytes most often parse as (a tag byte, then a varint), so a
/// single field only counts when it carries text or a convincing message of its own.
///
/// Several fields in ascending field-number order, as every mainstream serializer writes
/// them, are evidence enough; random bytes parse as fields in any order. Fields out of order
/// are legal, and hand-rolled encoders write them, so such a message is taken too when its
/// length-delimited fields account for themselves (see [`accounts_for_its_bytes`]). And a
/// message made only of fixed-width numbers is refused: fixed32/fixed64 fields swallow any
/// bytes, so that is what noise parses into.
fn is_convincing(message: &[u8], level: &Level<'_>) -> bool {
    // A chain of single-field messages is followed at most `MAX_DEPTH` levels down: hostile
    // input nests thousands deep, and each level costs a pass over what is left.
    let mut inner;
    let mut level = level;
    for _ in 0..MAX_DEPTH {
        if level.only_fixed {
            return false;
        }
        if level.count > 1 {
            // A single field is always in order, so `message` is still the top level here.
            return level.ascending || accounts_for_its_bytes(message);
        }
        match level.first.value {
            Value::Bytes(bytes) if bytes.len() >= 4 && text::is_printable_text(bytes) => {
                return true;
            }
            Value::Bytes(bytes) => match read_level(bytes) {
                Some(next) => {
                    inner = next;
                    level = &inner;
                }
                None => return false,
            },
            _ => return false,
        }
    }
    false
}

/// Shortest text that counts as evidence in a message whose fields are out of order.
const MIN_EVIDENCE_TEXT: usize = 4;

/// The evidence a message out of field order must bring instead of its order: at least one
/// length-delimited field of text ([`MIN_EVIDENCE_TEXT`] bytes or more), and no
/// length-delimited field that is noise: each is text, empty, compressed, or a plausible
/// message of its own. Random bytes that happen to parse carry bytes fields of noise.
fn accounts_for_its_bytes(message: &[u8]) -> bool {
    let mut text = false;
    for field in fields(message) {
        let Value::Bytes(bytes) = field.value else {
            continue;
        };
        if text::is_printable_text(bytes) {
            text |= bytes.len() >= MIN_EVIDENCE_TEXT;
        } else if !(bytes.is_empty() || is_compressed(bytes) || read_level(bytes).is_some()) {
            return false;
        }
    }
    text
}

/// Whether `bytes` is a protobuf message convincing enough to be a layer of its own (what a
/// base64 or hex decoder may produce).
pub(crate) fn is_convincing_message(bytes: &[u8]) -> bool {
    read_level(bytes).is_some_and(|level| is_convincing(bytes, &level))
}

/// Whether `bytes` is a plausible protobuf message by the same rules the decoder applies. The
/// compression decoders use it to accept protobuf as a plausible decompressed payload.
pub(crate) fn is_plausible_message(bytes: &[u8]) -> bool {
    read_level(bytes).is_some()
}

/// The next 0-based index of each repeated field number of one level, as the walk meets them.
struct Indexes {
    /// The repeated numbers below [`SMALL`], as bits.
    small: u128,
    /// One counter for each bit of `small`, in bit order.
    small_next: Vec<u32>,
    /// The repeated numbers from [`SMALL`] up, sorted, with their counters.
    large: Vec<(u32, u32)>,
}

impl Indexes {
    /// Allocates only for a level with repeated fields.
    fn of(level: &Level<'_>) -> Indexes {
        Indexes {
            small: level.repeated_small,
            small_next: vec![0; level.repeated_small.count_ones() as usize],
            large: level.repeated_large.iter().map(|&n| (n, 0)).collect(),
        }
    }

    /// The index of this occurrence of `number`, or `None` when the number occurs only once.
    fn next(&mut self, number: u32) -> Option<u32> {
        let counter = if number < SMALL {
            let bit = 1u128 << number;
            if self.small & bit == 0 {
                return None;
            }
            let at = (self.small & (bit - 1)).count_ones() as usize;
            self.small_next.get_mut(at)?
        } else {
            let at = self.large.binary_search_by_key(&number, |&(n, _)| n).ok()?;
            &mut self.large.get_mut(at)?.1
        };
        let index = *counter;
        *counter += 1;
        Some(index)
    }
}

/// Hands the fields of a parsed message to the sink, depth first.
struct Walker<'w, 's> {
    budget: &'w mut Budget,
    sink: &'w mut FieldSink<'s>,
}

/// The sink said to stop.
struct Stop;

impl Walker<'_, '_> {
    fn emit(&mut self, selector: &str, value: &[u8], terminal: bool) -> Result<(), Stop> {
        let field = FieldRef {
            selector,
            key: None,
            value,
            terminal,
        };
        match (self.sink)(self.budget, field) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Stop),
        }
    }

    fn emit_number(&mut self, selector: &str, number: u64) -> Result<(), Stop> {
        self.emit(
            selector,
            itoa::Buffer::new().format(number).as_bytes(),
            true,
        )
    }

    /// The fields of `message`, a level [`read_level`] found plausible as `level`.
    fn walk(
        &mut self,
        message: &[u8],
        level: &Level<'_>,
        selector: &mut String,
        depth: usize,
    ) -> Result<(), Stop> {
        // Repeated fields get an index (`#3[0]`, `#3[1]`); a field that occurs once does not.
        let mut indexes = Indexes::of(level);
        for field in fields(message) {
            let len = selector.len();
            selector.push(if depth == 0 { '#' } else { '.' });
            selector.push_str(itoa::Buffer::new().format(field.number));
            if let Some(index) = indexes.next(field.number) {
                selector.push('[');
                selector.push_str(itoa::Buffer::new().format(index));
                selector.push(']');
            }
            match field.value {
                Value::Varint(v) | Value::Fixed64(v) => self.emit_number(selector, v)?,
                Value::Fixed32(v) => self.emit_number(selector, u64::from(v))?,
                Value::Bytes(bytes) => {
                    let nested = if depth + 1 < MAX_DEPTH {
                        read_level(bytes)
                    } else {
                        None
                    };
                    match nested {
                        Some(nested) => self.walk(bytes, &nested, selector, depth + 1)?,
                        None => self.emit(selector, bytes, bytes.is_empty())?,
                    }
                }
            }
            selector.truncate(len);
        }
        Ok(())
    }
}

impl Encoding for Protobuf {
    /// A message that reads as printable text is left to the text decoders.
    fn about(&self) -> About {
        About::named(NAME).needs(Needs::ANYTHING.min_len(2).binary())
    }

    /// Text is refused from the profile; then a top-level walk of the tags and lengths, with
    /// no allocation.
    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        input.len() >= 2 && !profile.is_text() && !is_compressed(input) && scans_exactly(input)
    }
}

impl Structure for Protobuf {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        // The whole message is parsed and judged before any field is handed over.
        let level = read_level(input)
            .filter(|level| is_convincing(input, level))
            .ok_or_else(|| DecodeError::invalid(NAME, "not a plausible protobuf message"))?;
        let mut walker = Walker { budget, sink };
        // Stopping early (the leaf limit) is not an error.
        let _ = walker.walk(input, &level, &mut String::new(), 0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::decoders::test_support::{Rng, keeps_to_budget, structure_fields, taken_by};
    use crate::decoders::{Brotli, RawDeflate};
    use crate::{Decoder, Limits};

    /// A tiny protobuf encoder for the tests.
    #[derive(Debug, Clone)]
    enum Enc {
        Varint(u32, u64),
        Fixed64(u32, u64),
        Fixed32(u32, u32),
        Bytes(u32, Vec<u8>),
        Message(u32, Vec<Enc>),
    }

    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn encode(fields: &[Enc]) -> Vec<u8> {
        let mut out = Vec::new();
        for field in fields {
            match field {
                Enc::Varint(n, v) => {
                    put_varint(&mut out, u64::from(*n) << 3);
                    put_varint(&mut out, *v);
                }
                Enc::Fixed64(n, v) => {
                    put_varint(&mut out, u64::from(*n) << 3 | 1);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                Enc::Fixed32(n, v) => {
                    put_varint(&mut out, u64::from(*n) << 3 | 5);
                    out.extend_from_slice(&v.to_le_bytes());
                }
                Enc::Bytes(n, b) => {
                    put_varint(&mut out, u64::from(*n) << 3 | 2);
                    put_varint(&mut out, b.len() as u64);
                    out.extend_from_slice(b);
                }
                Enc::Message(n, inner) => {
                    let b = encode(inner);
                    put_varint(&mut out, u64::from(*n) << 3 | 2);
                    put_varint(&mut out, b.len() as u64);
                    out.extend_from_slice(&b);
                }
            }
        }
        out
    }

    fn s(n: u32, text: &str) -> Enc {
        Enc::Bytes(n, text.as_bytes().to_vec())
    }

    fn accepts(input: &[u8]) -> bool {
        Protobuf.sniff_alone(input) && Protobuf.decode(input, &mut Budget::default()).is_ok()
    }

    fn leaves(input: &[u8]) -> Vec<(String, String, bool)> {
        structure_fields(&Protobuf, input)
            .into_iter()
            .map(|(selector, key, value, terminal)| {
                assert_eq!(key, None);
                (selector, value, terminal)
            })
            .collect()
    }

    fn want(items: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
        items
            .iter()
            .map(|(s, v, t)| (s.to_string(), v.to_string(), *t))
            .collect()
    }

    fn random_acceptance(len: usize, count: usize) -> usize {
        let mut rng = Rng::new(0x5eed_0000 + len as u64);
        (0..count).filter(|_| accepts(&rng.bytes(len))).count()
    }

    #[test]
    fn scalars_strings_and_nested_messages() {
        let msg = encode(&[
            Enc::Varint(1, 150),
            s(2, "testing"),
            Enc::Message(3, vec![Enc::Varint(1, 7), Enc::Fixed32(2, 42)]),
            Enc::Fixed64(4, u64::MAX),
        ]);
        assert_eq!(
            leaves(&msg),
            want(&[
                ("#1", "150", true),
                ("#2", "testing", false),
                ("#3.1", "7", true),
                ("#3.2", "42", true),
                ("#4", "18446744073709551615", true),
            ])
        );
    }

    #[test]
    fn the_classic_example_bytes() {
        // From the protobuf encoding guide: field 1 = 150, then field 2 = "testing".
        let msg = [
            0x08, 0x96, 0x01, 0x12, 0x07, b't', b'e', b's', b't', b'i', b'n', b'g',
        ];
        assert_eq!(
            leaves(&msg),
            want(&[("#1", "150", true), ("#2", "testing", false)])
        );
    }

    #[test]
    fn a_hundred_thousand_nested_single_fields_neither_overflow_nor_convince() {
        // field 2 (length-delimited) wrapping field 2 wrapping … wrapping "abcd": headers are
        // worked out inside-out, then written outside-in.
        let mut headers: Vec<Vec<u8>> = Vec::new();
        let mut len = 4usize;
        for _ in 0..100_000 {
            let mut header = vec![0x12];
            let mut rest = len;
            while rest >= 0x80 {
                header.push((rest as u8 & 0x7f) | 0x80);
                rest >>= 7;
            }
            header.push(rest as u8);
            len += header.len();
            headers.push(header);
        }
        let mut msg: Vec<u8> = headers.iter().rev().flatten().copied().collect();
        msg.extend_from_slice(b"abcd");
        let started = std::time::Instant::now();
        assert!(!accepts(&msg));
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn one_lone_number_is_not_evidence_enough() {
        // `08 96 01` alone is valid protobuf, and also what random bytes look like most often.
        assert!(!accepts(&[0x08, 0x96, 0x01]));
        // One field of text, or one nested message with two fields, is.
        assert!(accepts(&encode(&[s(1, "Redmi Note 8 Pro")])));
        assert!(accepts(&encode(&[Enc::Message(
            2,
            vec![Enc::Varint(1, 5), s(2, "x")]
        )])));
    }

    #[test]
    fn fields_out_of_order_with_text_are_taken() {
        // A hand-rolled encoder: field 2, then 1, then 5, then 3.
        let msg = encode(&[
            s(2, "Pixel 7"),
            Enc::Varint(1, 34),
            s(5, "https://example.org/a"),
            Enc::Message(4, vec![Enc::Varint(2, 1), Enc::Varint(1, 9)]),
            Enc::Bytes(6, vec![]),
        ]);
        assert_eq!(
            leaves(&msg),
            want(&[
                ("#2", "Pixel 7", false),
                ("#1", "34", true),
                ("#5", "https://example.org/a", false),
                ("#4.2", "1", true),
                ("#4.1", "9", true),
                ("#6", "", true),
            ])
        );
        assert!(is_convincing_message(&msg));
    }

    #[test]
    fn fields_out_of_order_without_text_or_with_noise_are_not() {
        for msg in [
            // Numbers only.
            encode(&[Enc::Varint(2, 5), Enc::Varint(1, 7), Enc::Fixed32(3, 9)]),
            // Text, but too short to count.
            encode(&[s(2, "ab"), Enc::Varint(1, 7)]),
            // Text, and a bytes field of noise.
            encode(&[
                s(2, "Pixel 7"),
                Enc::Varint(1, 7),
                Enc::Bytes(3, vec![0xff, 0x00, 0x9c, 0x03, 0x80]),
            ]),
        ] {
            assert!(!accepts(&msg), "{msg:02x?}");
            assert!(!is_convincing_message(&msg), "{msg:02x?}");
        }
    }

    #[test]
    fn random_bytes_that_parse_out_of_order_are_rarely_taken() {
        // The strings the order rule used to refuse, and nothing else did: uniform random
        // bytes, and random fields in random order whose bytes fields hold noise (the
        // parses random bytes land on, found a thousand times faster).
        let mut rng = Rng::new(0x0bad_0bad);
        let (mut parsed, mut taken) = (0, 0);
        for round in 0..400_000 {
            let bytes = if round % 2 == 0 {
                rng.bytes(6 + round % 30)
            } else {
                let fields: Vec<Enc> = (0..2 + rng.next() % 4)
                    .map(|_| {
                        let number = 1 + (rng.next() % 12) as u32;
                        match rng.next() % 3 {
                            0 => Enc::Varint(number, rng.next() % 300),
                            1 => Enc::Fixed32(number, rng.next() as u32),
                            _ => {
                                let len = (rng.next() % 12) as usize;
                                Enc::Bytes(number, rng.bytes(len))
                            }
                        }
                    })
                    .collect();
                encode(&fields)
            };
            let Some(level) = read_level(&bytes) else {
                continue;
            };
            if level.ascending || level.only_fixed || level.count < 2 {
                continue;
            }
            parsed += 1;
            taken += usize::from(accepts(&bytes));
        }
        eprintln!("random strings out of order: {taken} of {parsed} taken");
        assert!(parsed > 10_000, "{parsed}");
        assert!(taken * 100 < parsed, "{taken} of {parsed}");
    }

    #[test]
    fn repeated_fields_are_indexed() {
        let msg = encode(&[
            Enc::Varint(1, 1),
            Enc::Message(4, vec![s(2, "first")]),
            Enc::Message(4, vec![s(2, "second"), Enc::Varint(3, 9)]),
            s(5, "a"),
            s(5, "b"),
        ]);
        assert_eq!(
            leaves(&msg),
            want(&[
                ("#1", "1", true),
                ("#4[0].2", "first", false),
                ("#4[1].2", "second", false),
                ("#4[1].3", "9", true),
                ("#5[0]", "a", false),
                ("#5[1]", "b", false),
            ])
        );
    }

    proptest! {
        /// Repeated numbers below 128 are tracked in bit sets, larger ones in a vector: both
        /// sides, and the edge between them, index their occurrences like a plain count does.
        #[test]
        fn repeated_numbers_either_side_of_the_bit_sets_are_indexed(
            picks in proptest::collection::vec(0usize..6, 2..12),
        ) {
            const NUMBERS: [u32; 6] = [1, 2, 127, 128, 129, 5000];
            let mut numbers: Vec<u32> = picks.iter().map(|&i| NUMBERS[i]).collect();
            numbers.sort_unstable();
            // Odd numbers carry varints, even ones text: one wire type a number.
            let value = |at: usize, n: u32| {
                if n % 2 == 1 { Enc::Varint(n, at as u64) } else { s(n, &format!("v{at}")) }
            };
            let msg = encode(
                &numbers.iter().enumerate().map(|(at, &n)| value(at, n)).collect::<Vec<_>>(),
            );
            let mut seen = std::collections::HashMap::new();
            let expected: Vec<(String, String, bool)> = numbers
                .iter()
                .enumerate()
                .map(|(at, &n)| {
                    let count = numbers.iter().filter(|&&m| m == n).count();
                    let index = seen.entry(n).or_insert(0);
                    let selector = if count > 1 { format!("#{n}[{index}]") } else { format!("#{n}") };
                    *index += 1;
                    let (text, terminal) =
                        if n % 2 == 1 { (at.to_string(), true) } else { (format!("v{at}"), false) };
                    (selector, text, terminal)
                })
                .collect();
            prop_assert_eq!(leaves(&msg), expected);
        }
    }

    #[test]
    fn repeated_fields_interleaved_in_a_nested_message_count_each_number_apart() {
        // Nested levels need not be in field order: 1, 2, 1, 2.
        let inner = vec![s(1, "a"), Enc::Varint(2, 7), s(1, "b"), Enc::Varint(2, 8)];
        let msg = encode(&[Enc::Varint(1, 1), Enc::Message(4, inner)]);
        assert_eq!(
            leaves(&msg),
            want(&[
                ("#1", "1", true),
                ("#4.1[0]", "a", false),
                ("#4.2[0]", "7", true),
                ("#4.1[1]", "b", false),
                ("#4.2[1]", "8", true),
            ])
        );
    }

    #[test]
    fn a_firebase_like_message() {
        let event = Enc::Message(
            6,
            vec![
                s(1, "screen_view"),
                Enc::Varint(2, 1_700_000_000_123),
                Enc::Message(
                    3,
                    vec![s(1, "page_location"), s(2, "https://example.org/a?b=c")],
                ),
            ],
        );
        let msg = encode(&[Enc::Message(
            1,
            vec![
                s(1, "c4f1a3b2d5e6f708192a3b4c5d6e7f80"),
                s(2, "Pixel 7"),
                s(3, "14"),
                Enc::Varint(4, 34),
                event,
            ],
        )]);
        assert_eq!(
            leaves(&msg),
            want(&[
                ("#1.1", "c4f1a3b2d5e6f708192a3b4c5d6e7f80", false),
                ("#1.2", "Pixel 7", false),
                ("#1.3", "14", false),
                ("#1.4", "34", true),
                ("#1.6.1", "screen_view", false),
                ("#1.6.2", "1700000000123", true),
                ("#1.6.3.1", "page_location", false),
                ("#1.6.3.2", "https://example.org/a?b=c", false),
            ])
        );
    }

    #[test]
    fn binary_and_compressed_bytes_fields_stay_bytes() {
        let gz = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
        let msg = encode(&[Enc::Bytes(1, gz.clone()), Enc::Bytes(2, vec![])]);
        let fields = Protobuf.decode(&msg, &mut Budget::default()).unwrap();
        assert_eq!(fields[0].selector, "#1");
        assert_eq!(fields[0].value, gz);
        assert!(!fields[0].terminal);
        assert_eq!(&fields[1].value[..], b"");
        assert!(fields[1].terminal, "an empty value holds nothing more");
    }

    #[test]
    fn nesting_stops_at_the_depth_limit() {
        // Two fields a level: a chain of lone fields is refused before it is walked.
        let mut msg = vec![Enc::Varint(1, 5), Enc::Varint(3, 6)];
        for _ in 0..40 {
            msg = vec![Enc::Varint(1, 1), Enc::Message(2, msg)];
        }
        let out = leaves(&encode(&msg));
        let deepest = out
            .iter()
            .max_by_key(|(selector, _, _)| selector.matches('.').count())
            .unwrap();
        assert_eq!(deepest.0.matches('.').count(), MAX_DEPTH - 1);
        assert!(!deepest.2, "the unexpanded rest is handed on as bytes");
    }

    #[test]
    fn malformed_wire_data_is_refused() {
        for bad in [
            &[0x08][..],                              // tag without value
            &[0x08, 0x96],                            // truncated varint
            &[0x00, 0x01],                            // field number 0
            &[0x0b, 0x0c],                            // group start/end
            &[0x0e, 0x01],                            // wire type 6
            &[0x0a, 0x05, b'a'],                      // length past the end
            &[0x08, 0x01, 0x10],                      // trailing byte
            &[0x08, 0x80, 0x00],                      // overlong varint
            &[0x08, 0x01, 0x0a, 0x01, 0],             // field 1 as varint and as bytes
            &[0x80, 0x08, 0x01, 0x82, 0x08, 0x01, 0], // field 128 as varint and as bytes
            &[0x0d, 1, 2, 3],                         // truncated fixed32
            &[0xf8, 0xff, 0xff, 0xff, 0x0f, 0x01],    // field 2^29 - 1: over the cap
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
            ], // > 64 bits
        ] {
            assert!(!accepts(bad), "{bad:02x?}");
        }
        // Ten-byte varints are fine when they fit in 64 bits (negative int64).
        assert!(accepts(&[
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0x01
        ]));
    }

    #[test]
    fn text_is_not_protobuf() {
        let corpus: &[&[u8]] = &[
            b"hello",
            b"Hello, world!",
            b"The quick brown fox jumps over the lazy dog.",
            b"Redmi Note 8 Pro",
            b"38400000-8cf0-11bd-b23e-10b96e40000d",
            b"d41d8cd98f00b204e9800998ecf8427e",
            b"da39a3ee5e6b4b0d3255bfef95601890afd80709",
            b"{\"event\":\"page_view\",\"ts\":1588155300000}",
            b"[1,2,3]",
            b"function(a){return a.b&&a.c(1)};var x=window.y||{};",
            b"https://example.com/path?q=1",
            b"1588155300000",
            // Field 1 = a 32-byte string: valid protobuf, but printable, so taken as text.
            b"\n the quick brown fox jumps over!!",
            b"dGhlIHF1aWNrIGJyb3duIGZveA==",
            "Grüße".as_bytes(),
        ];
        for text in corpus {
            assert!(!accepts(text), "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn compressed_streams_are_not_protobuf() {
        // zlib of "a": 0x78 parses as field 15, varint.
        assert!(!accepts(&[
            0x78, 0x9c, 0x4b, 0x04, 0x00, 0x00, 0x62, 0x00, 0x62
        ]));
        assert!(!accepts(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x01]));
    }

    #[test]
    fn random_bytes_are_rarely_protobuf() {
        let accepted = random_acceptance(32, 1000);
        eprintln!("random 32-byte strings accepted as protobuf: {accepted}/1000");
        for len in [4, 8, 16, 64, 256] {
            let n = random_acceptance(len, 1000);
            eprintln!("random {len}-byte strings accepted as protobuf: {n}/1000");
        }
        assert!(accepted < 50, "{accepted}/1000 accepted");
    }

    #[test]
    fn the_output_is_charged_and_bounded() {
        let msg = encode(&[s(1, "0123456789"), s(2, "abcdefghij")]);
        let mut budget = Budget::new(Limits {
            max_output: 15,
            ..Limits::default()
        });
        assert!(matches!(
            Protobuf.decode(&msg, &mut budget),
            Err(DecodeError::Budget(crate::Exceeded::Output { .. }))
        ));
        // The first field was kept: its value and its selector `#1`.
        assert_eq!(budget.output_used(), 12);

        let many: Vec<Enc> = (0..50).map(|i| Enc::Varint(1, i)).collect();
        let mut budget = Budget::new(Limits {
            max_leaves: 10,
            ..Limits::default()
        });
        let encoded = encode(&many);
        let fields = Protobuf.decode(&encoded, &mut budget).unwrap();
        assert_eq!(
            fields.len(),
            11,
            "one past the leaf limit, so the limit is noted"
        );
    }

    #[test]
    fn the_unwrapper_finds_json_inside_a_string_field() {
        let msg = encode(&[
            Enc::Varint(1, 3),
            s(2, r#"{"email":"someone@example.org"}"#),
        ]);
        let unwrapper = crate::Unwrapper::with_decoders(vec![
            crate::Decoder::structure(Protobuf),
            crate::Decoder::structure(crate::decoders::Json),
        ]);
        let leaves = unwrapper.unwrap_to_vec(
            crate::Path::from_part("body"),
            None,
            &msg,
            &mut Budget::default(),
        );
        let paths: Vec<String> = leaves.iter().map(|l| l.path.to_string()).collect();
        assert_eq!(
            paths,
            ["body > protobuf #1", "body > protobuf #2 > json $.email"]
        );
        assert_eq!(leaves[1].key.as_deref(), Some("email"));
    }

    #[test]
    fn gzip_of_protobuf_unwraps_in_the_recommended_order() {
        use crate::decoders::{Base64, Brotli, Gzip, Json, RawDeflate, Zlib, Zstd};

        let msg = encode(&[Enc::Message(
            1,
            vec![
                s(2, "Pixel 7"),
                Enc::Message(6, vec![s(2, r#"{"url":"https://example.org/a"}"#)]),
            ],
        )]);
        let body = crate::decoders::test_support::gzip(&msg);
        let unwrapper = crate::Unwrapper::with_decoders(vec![
            Decoder::layer(Gzip),
            Decoder::layer(Zlib),
            Decoder::layer(Zstd),
            Decoder::structure(Json),
            Decoder::layer(Base64),
            Decoder::layer(Brotli),
            Decoder::layer(RawDeflate),
            Decoder::structure(Protobuf),
        ]);
        let mut budget = Budget::default();
        let leaves =
            unwrapper.unwrap_to_vec(crate::Path::from_part("body"), None, &body, &mut budget);
        let got: Vec<(String, String)> = leaves
            .iter()
            .map(|l| (l.path.to_string(), l.text().into_owned()))
            .collect();
        assert_eq!(
            got,
            [
                ("body > gzip > protobuf #1.2", "Pixel 7"),
                (
                    "body > gzip > protobuf #1.6.2 > json $.url",
                    "https://example.org/a"
                ),
            ]
            .map(|(p, v)| (p.to_owned(), v.to_owned()))
        );
        assert!(budget.notes().is_empty());
    }

    fn leaf_strategy() -> impl Strategy<Value = Enc> {
        // Field numbers are assigned by the message strategy, so 0 here.
        prop_oneof![
            any::<u64>().prop_map(|v| Enc::Varint(0, v)),
            any::<u64>().prop_map(|v| Enc::Fixed64(0, v)),
            any::<u32>().prop_map(|v| Enc::Fixed32(0, v)),
            "[a-zA-Z0-9 :/.?=&_-]{1,40}".prop_map(|t| Enc::Bytes(0, t.into_bytes())),
        ]
    }

    /// Gives the fields distinct numbers (so no repeated-field indices and no clash of wire
    /// types) and a non-text first field, so that every message is plausible.
    fn number(fields: Vec<Enc>, numbers: &[u32]) -> Vec<Enc> {
        fields
            .into_iter()
            .zip(numbers)
            .map(|(f, &n)| match f {
                Enc::Varint(_, v) => Enc::Varint(n, v),
                Enc::Fixed64(_, v) => Enc::Fixed64(n, v),
                Enc::Fixed32(_, v) => Enc::Fixed32(n, v),
                Enc::Bytes(_, b) => Enc::Bytes(n, b),
                Enc::Message(_, m) => Enc::Message(n, m),
            })
            .collect()
    }

    fn message_strategy() -> impl Strategy<Value = Vec<Enc>> {
        let leaf = leaf_strategy();
        let tree = leaf.prop_recursive(3, 24, 4, |inner| {
            (
                proptest::collection::vec(inner, 1..4),
                proptest::collection::btree_set(1u32..3000, 4),
                any::<u64>(),
            )
                .prop_map(|(fields, numbers, first)| {
                    let numbers: Vec<u32> = numbers.into_iter().collect();
                    // A leading fixed32 with a NUL byte: the message is never printable text.
                    let mut all = vec![Enc::Fixed32(0, (first as u32) << 8)];
                    all.extend(fields);
                    Enc::Message(0, number(all, &numbers))
                })
        });
        (
            proptest::collection::vec(tree, 1..5),
            proptest::collection::btree_set(1u32..3000, 5),
        )
            .prop_map(|(fields, numbers)| {
                let numbers: Vec<u32> = numbers.into_iter().collect();
                // A leading varint 7 (a control byte: never text) also keeps the top level
                // from being only fixed-width fields, which the decoder refuses as noise.
                let mut all = vec![Enc::Varint(0, 7)];
                all.extend(fields);
                number(all, &numbers)
            })
    }

    fn expected(fields: &[Enc], prefix: &str, out: &mut Vec<(String, String, bool)>) {
        for field in fields {
            let sep = if prefix.is_empty() { "#" } else { "." };
            let (n, value, terminal) = match field {
                Enc::Varint(n, v) | Enc::Fixed64(n, v) => (n, v.to_string(), true),
                Enc::Fixed32(n, v) => (n, v.to_string(), true),
                Enc::Bytes(n, b) => (n, String::from_utf8(b.clone()).unwrap(), false),
                Enc::Message(n, inner) => {
                    expected(inner, &format!("{prefix}{sep}{n}"), out);
                    continue;
                }
            };
            out.push((format!("{prefix}{sep}{n}"), value, terminal));
        }
    }

    proptest! {
        #[test]
        fn messages_decode_back_to_their_leaves(msg in message_strategy()) {
            let mut want = Vec::new();
            expected(&msg, "", &mut want);
            let encoded = encode(&msg);
            prop_assert_eq!(leaves(&encoded), want);
            // Tried before protobuf, the decoders of headerless compression must not take it.
            let before = [Decoder::layer(Brotli), Decoder::layer(RawDeflate)];
            prop_assert_eq!(taken_by(&before, &encoded), None);
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert!(keeps_to_budget(Decoder::structure(Protobuf), &data, 1 << 12));
        }
    }
}
