//! Base64 (RFC 4648): the standard and URL-safe alphabets, padded or not, with MIME line breaks.
//!
//! Base64 is the layer most likely to be "found" where there is none: every word of four or
//! more letters is valid base64. So the sniff wants a value of some length made only of one
//! alphabet, and the decode keeps its output only when it is readable text or a known binary
//! layer (gzip, zlib); noise from decoding a word or a hex digest is refused.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::{Budget, DecodeError, Decoded, Decoder, text};

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
    standard_only: bool,
    url_safe_only: bool,
    whitespace: bool,
    spaces_only: bool,
}

fn shape(input: &[u8]) -> Option<Shape> {
    let mut shape = Shape {
        standard_only: false,
        url_safe_only: false,
        whitespace: false,
        spaces_only: true,
    };
    let mut symbols = 0usize;
    let mut padding = 0usize;
    let mut all_hex = true;
    let mut all_digits = true;
    for &b in input {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' if padding == 0 => {
                symbols += 1;
                all_hex &= b.is_ascii_hexdigit();
                all_digits &= b.is_ascii_digit();
            }
            b'+' | b'/' if padding == 0 => {
                symbols += 1;
                shape.standard_only = true;
                all_hex = false;
                all_digits = false;
            }
            b'-' | b'_' if padding == 0 => {
                symbols += 1;
                shape.url_safe_only = true;
                all_hex = false;
                all_digits = false;
            }
            b'=' => padding += 1,
            b'\r' | b'\n' | b'\t' => {
                shape.whitespace = true;
                shape.spaces_only = false;
            }
            b' ' => shape.whitespace = true,
            _ => return None,
        }
    }
    let plausible = symbols >= MIN_LEN
        && padding <= 2
        && (symbols + padding) % 4 != 1
        && !(shape.standard_only && shape.url_safe_only)
        && !all_hex
        && !all_digits;
    plausible.then_some(shape)
}

fn decode_with(engine: &GeneralPurpose, input: &[u8]) -> Option<Vec<u8>> {
    engine.decode(input).ok()
}

impl Decoder for Base64 {
    fn name(&self) -> &'static str {
        "base64"
    }

    fn sniff(&self, input: &[u8]) -> bool {
        shape(input).is_some()
    }

    fn decode(&self, input: &[u8], budget: &mut Budget) -> Result<Decoded, DecodeError> {
        let shape = shape(input).ok_or_else(|| DecodeError::invalid("base64", "not base64"))?;
        let mut candidates: Vec<Vec<u8>> = Vec::with_capacity(2);
        if shape.whitespace {
            // MIME wraps lines; a form decoder that met an unescaped '+' turned it into a space.
            let compact: Vec<u8> = input
                .iter()
                .copied()
                .filter(|b| !matches!(b, b'\r' | b'\n' | b'\t' | b' '))
                .collect();
            if shape.spaces_only && !shape.url_safe_only {
                candidates.push(
                    input
                        .iter()
                        .map(|&b| if b == b' ' { b'+' } else { b })
                        .collect(),
                );
            }
            candidates.push(compact);
        } else {
            candidates.push(input.to_vec());
        }
        let engine = if shape.url_safe_only {
            &URL_SAFE
        } else {
            &STANDARD
        };
        for candidate in &candidates {
            if let Some(out) = decode_with(engine, candidate) {
                if text::is_plausible_payload(&out) {
                    budget.charge_output(out.len())?;
                    return Ok(Decoded::Bytes(out));
                }
                return Err(DecodeError::Implausible { encoding: "base64" });
            }
        }
        Err(DecodeError::invalid(
            "base64",
            "bad length or trailing bits",
        ))
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};

    use super::*;

    fn decode(input: &str) -> Option<String> {
        if !Base64.sniff(input.as_bytes()) {
            return None;
        }
        match Base64.decode(input.as_bytes(), &mut Budget::default()) {
            Ok(Decoded::Bytes(out)) => String::from_utf8(out).ok(),
            _ => None,
        }
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
    fn words_digests_uuids_and_numbers_are_not_base64() {
        for value in [
            "test",
            "password",
            "properties",
            "d41d8cd98f00b204e9800998ecf8427e",
            "38400000-8cf0-11bd-b23e-10b96e40000d",
            "1588155300000",
            "Redmi Note 8 Pro",
            "V12.0.4.0.QGGMIXM",
        ] {
            assert_eq!(decode(value), None, "{value}");
        }
    }
}
