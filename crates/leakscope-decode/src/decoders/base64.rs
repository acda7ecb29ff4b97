//! Base64 (RFC 4648): the standard and URL-safe alphabets, padded or not, with MIME line breaks.
//!
//! Base64 is the layer most likely to be "found" where there is none: every word of four or
//! more letters is valid base64. So the sniff wants a value of some length made only of one
//! alphabet, and the decode keeps its output only when it is readable text or a known binary
//! layer (gzip, zlib); noise from decoding a word or a hex digest is refused.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// Shortest value considered; shorter ones are words, flags and small numbers far more often
/// than payloads.
pub const MIN_LEN: usize = 8;

const CONFIG: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

/// Base64 decoder for both alphabets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Base64;

/// What the sniff learned about a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    url_safe: bool,
    whitespace: bool,
    spaces_only: bool,
}

/// Whether `input` (whose profile is `profile`) has the shape of base64, and which alphabet.
/// Reads the profile for the alphabet; reads the bytes again only to find padding and, for
/// values with whitespace (rare), to count the symbols.
///
/// The common case, no whitespace, is a few bit tests and a look at the end of the value: it
/// is inlined into the sniff and the decode, which both run it, since on a short value a call
/// would cost as much. Values with whitespace take [`spaced_shape`], out of line.
#[inline]
fn shape(input: &[u8], profile: &Profile) -> Option<Shape> {
    // Only the alphabet, and more than hex digits and dashes (a digest, a number, a UUID:
    // eight symbols of real base64 avoid the other 40 symbols one time in 2,500); one alphabet.
    if !profile.only(class::BASE64)
        || !profile.has(class::LETTER | class::PLUS_SLASH)
        || (profile.has(class::PLUS_SLASH) && profile.has(class::DASH_UNDERSCORE))
    {
        return None;
    }
    if profile.has(class::SPACE) {
        return spaced_shape(input, profile);
    }
    let mut padding = 0;
    if profile.has(class::EQUALS) {
        padding = input.iter().rev().take_while(|&&b| b == b'=').count();
        if memchr::memchr(b'=', &input[..input.len() - padding]).is_some() {
            return None;
        }
    }
    plausible_counts(input.len() - padding, padding).then_some(Shape {
        url_safe: profile.has(class::DASH_UNDERSCORE),
        whitespace: false,
        spaces_only: true,
    })
}

/// [`shape`] for a value with whitespace: MIME line breaks, or '+' that a form decoder turned
/// into spaces.
#[inline(never)]
fn spaced_shape(input: &[u8], profile: &Profile) -> Option<Shape> {
    // A form decoder turns base64's '+' into a space one symbol in 64; prose has a space
    // every few letters. (A plain count: values here are mostly short, where memchr's setup
    // costs more than the loop, which the compiler vectorises anyway.)
    let spaces = input.iter().filter(|&&b| b == b' ').count();
    if spaces > 2 && spaces * 8 > input.len() - spaces {
        return None;
    }
    let mut symbols = 0usize;
    let mut padding = 0usize;
    let mut spaces_only = true;
    for &b in input {
        match b {
            b'=' => padding += 1,
            b'\r' | b'\n' | b'\t' => spaces_only = false,
            b' ' => {}
            _ if padding > 0 => return None,
            _ => symbols += 1,
        }
    }
    plausible_counts(symbols, padding).then_some(Shape {
        url_safe: profile.has(class::DASH_UNDERSCORE),
        whitespace: true,
        spaces_only,
    })
}

/// Enough symbols, at most two padding characters, and not a length base64 never has.
fn plausible_counts(symbols: usize, padding: usize) -> bool {
    symbols >= MIN_LEN && padding <= 2 && (symbols + padding) % 4 != 1
}

/// Whether `input` alone has the shape of base64, as [`Base64`]'s needs and sniff see it: for
/// decoders that find base64 inside a larger value (after a tag, as the value of a lone
/// `name=value` pair).
pub(crate) fn looks_like_base64(input: &[u8]) -> bool {
    let profile = Profile::of(input);
    Base64.about().needs.met_by(input, &profile) && shape(input, &profile).is_some()
}

/// Shortest non-ASCII text [`decodes_to_text_or_compressed`] takes: 24 random bytes are
/// printable UTF-8 a few times in a billion; 12, about once in ten thousand.
const MIN_UTF8_TEXT: usize = 24;

/// Whether `input` is base64 (as [`Base64`] reads it, without whitespace) of text or of a
/// compressed stream, within what `budget` has left: for decoders that must know a part of
/// their input is real base64 before they claim it. Stricter than [`Base64`]'s own test, which
/// takes any plausible payload (binary MessagePack, CBOR and protobuf too) and a zlib header
/// alone: base64 after a tag or a name is weaker evidence than a value that is all base64, and
/// random ids decode to a convincing binary document, or to two bytes that pass for a zlib
/// header, about once in two thousand. So a zlib stream must inflate. Not charged: the
/// unwrapper decodes (and charges) that part again when it gets there.
pub(crate) fn decodes_to_text_or_compressed(input: &[u8], budget: &Budget) -> bool {
    let profile = Profile::of(input);
    if !Base64.about().needs.met_by(input, &profile) || input.len() / 4 * 3 > budget.output_left() {
        return false;
    }
    let Some(shape) = shape(input, &profile).filter(|shape| !shape.whitespace) else {
        return false;
    };
    let engine = if shape.url_safe { &URL_SAFE } else { &STANDARD };
    let Some(out) = decode_with(engine, input) else {
        return false;
    };
    // Random bytes pass for UTF-8 text with a few two-byte characters far more often than
    // for ASCII: short non-ASCII text is not evidence enough here.
    let text = text::is_printable_text(&out) && (out.is_ascii() || out.len() >= MIN_UTF8_TEXT);
    if text || text::is_gzip(&out) || text::is_zstd(&out) {
        return true;
    }
    let mut trial = Budget::new(crate::Limits {
        max_output: budget.output_left(),
        ..*budget.limits()
    });
    text::is_zlib(&out) && super::Zlib.decode(&out, &mut trial).is_ok()
}

fn decode_with(engine: &GeneralPurpose, input: &[u8]) -> Option<Vec<u8>> {
    engine.decode(input).ok()
}

impl Encoding for Base64 {
    /// One alphabet, more than hex digits and dashes.
    fn about(&self) -> About {
        About::named("base64").needs(
            Needs::ANYTHING
                .min_len(MIN_LEN)
                .within(class::BASE64)
                .any_of(class::LETTER | class::PLUS_SLASH),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        shape(input, profile).is_some()
    }
}

impl Layer for Base64 {
    fn peel(
        &self,
        input: &[u8],
        profile: &Profile,
        budget: &mut Budget,
    ) -> Result<Vec<u8>, DecodeError> {
        let shape =
            shape(input, profile).ok_or_else(|| DecodeError::invalid("base64", "not base64"))?;
        let engine = if shape.url_safe { &URL_SAFE } else { &STANDARD };
        let accept = |out: Plausible, budget: &mut Budget| match out {
            Plausible::Yes(out) => {
                budget.charge_output(out.len())?;
                Ok(out)
            }
            Plausible::No => Err(DecodeError::Implausible { encoding: "base64" }),
        };
        if !shape.whitespace {
            // The common case decodes straight from the input, no copy.
            return match decode_plausible(engine, input) {
                Some(out) => accept(out, budget),
                None => Err(DecodeError::invalid(
                    "base64",
                    "bad symbol, length or trailing bits",
                )),
            };
        }
        // MIME wraps lines; a form decoder that met an unescaped '+' turned it into a space.
        if shape.spaces_only && !shape.url_safe {
            let plus: Vec<u8> = input
                .iter()
                .map(|&b| if b == b' ' { b'+' } else { b })
                .collect();
            if let Some(out) = decode_plausible(engine, &plus) {
                return accept(out, budget);
            }
        }
        let compact: Vec<u8> = input
            .iter()
            .copied()
            .filter(|b| !matches!(b, b'\r' | b'\n' | b'\t' | b' '))
            .collect();
        match decode_plausible(engine, &compact) {
            Some(out) => accept(out, budget),
            None => Err(DecodeError::invalid(
                "base64",
                "bad symbol, length or trailing bits",
            )),
        }
    }
}

/// What [`decode_plausible`] made of valid base64.
enum Plausible {
    /// A plausible payload ([`text::is_plausible_payload`]).
    Yes(Vec<u8>),
    /// Noise: what most short words and ids that pass the sniff decode to.
    No,
}

/// Longest input decoded on the stack: the decoded bytes of up to this many symbols fit in
/// [`SHORT_OUT`] bytes.
const SHORT_IN: usize = 256;
/// The stack buffer for inputs of up to [`SHORT_IN`] symbols (the crate wants room for its
/// estimate, three bytes for every four symbols or part of four).
const SHORT_OUT: usize = SHORT_IN / 4 * 3;

/// `input` decoded by `engine` and judged, or `None` when it is not valid base64. A short
/// input is decoded onto the stack and judged there, and only a plausible payload is copied
/// into a vector: the words and ids that pass the sniff (`screen_view` in every event of a
/// protobuf batch) decode to noise, and allocating for each cost more than decoding it.
fn decode_plausible(engine: &GeneralPurpose, input: &[u8]) -> Option<Plausible> {
    let judge = |out: &[u8]| text::is_plausible_payload(out);
    if input.len() <= SHORT_IN {
        let mut short = [0u8; SHORT_OUT];
        let len = engine.decode_slice(input, &mut short).ok()?;
        let out = short.get(..len)?;
        return Some(if judge(out) {
            Plausible::Yes(out.to_vec())
        } else {
            Plausible::No
        });
    }
    let out = decode_with(engine, input)?;
    Some(if judge(&out) {
        Plausible::Yes(out)
    } else {
        Plausible::No
    })
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};

    use super::*;

    fn decode(input: &str) -> Option<String> {
        super::super::test_support::layer_text(&Base64, input)
    }

    #[test]
    fn decodes_both_alphabets_padded_or_not() {
        let text = "{\"url\":\"https://example.com/?a=1\"}>>??";
        for encoded in [
            STANDARD.encode(text),
            STANDARD_NO_PAD.encode(text),
            URL_SAFE_NO_PAD.encode(text),
        ] {
            assert_eq!(decode(&encoded).as_deref(), Some(text), "{encoded}");
        }
    }

    #[test]
    fn decodes_mime_lines_and_pluses_turned_into_spaces() {
        let text = "a longer value that wraps over lines when MIME encodes it ~~~ ???";
        let encoded = STANDARD.encode(text);
        let wrapped = format!("{}\r\n{}", &encoded[..40], &encoded[40..]);
        assert_eq!(decode(&wrapped).as_deref(), Some(text));
        let plus = STANDARD.encode("?>?>?>?>?>");
        assert!(plus.contains('+') || plus.contains('/'), "{plus}");
        assert_eq!(
            decode(&plus.replace('+', " ")).as_deref(),
            Some("?>?>?>?>?>")
        );
    }

    #[test]
    fn uuids_and_prose_are_refused_by_the_sniff_without_decoding() {
        for value in [
            "38400000-8cf0-11bd-b23e-10b96e40000d",
            "0123abcd_4567_89ef",
            "The quick brown fox jumps over the lazy dog",
            "Redmi Note 8 Pro",
        ] {
            assert!(!Base64.sniff_alone(value.as_bytes()), "{value}");
        }
        // A long value whose '+' became spaces keeps its rare spaces.
        let plus = STANDARD
            .encode("?>?>?>?>?>?>?>?>?>?>?>?>?>?>")
            .replace('+', " ");
        assert!(Base64.sniff_alone(plus.as_bytes()), "{plus}");
    }
}
