//! Hexadecimal: `7b2275726c223a…` is `{"url":…`.
//!
//! Most hex in telemetry is a digest or an id (an MD5, a device id), which decodes to binary
//! noise: those are refused by the plausibility check, so only hex that hides text or a known
//! binary layer is unwrapped.

use super::percent::hex_value;
use crate::{Budget, DecodeError, Decoded, Decoder, Needs, Profile, class, text};

/// Shortest hex value tried (8 bytes of output).
pub const MIN_LEN: usize = 16;

/// Hex decoder (upper or lower case, not mixed; no separators, so MAC addresses stay whole).
#[derive(Debug, Clone, Copy, Default)]
pub struct Hex;

impl Decoder for Hex {
    fn name(&self) -> &'static str {
        "hex"
    }

    /// Hex digits only, some of them letters.
    fn needs(&self) -> Needs {
        Needs::ANYTHING
            .min_len(MIN_LEN)
            .within(class::HEX)
            .any_of(class::HEX_LOWER | class::HEX_UPPER)
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        // All digits is a number; mixed case is not how encoders write hex.
        input.len() >= MIN_LEN
            && input.len().is_multiple_of(2)
            && profile.only(class::HEX)
            && profile.has(class::HEX_LOWER | class::HEX_UPPER)
            && !(profile.has(class::HEX_LOWER) && profile.has(class::HEX_UPPER))
    }

    fn decode<'a>(&self, input: &'a [u8], budget: &mut Budget) -> Result<Decoded<'a>, DecodeError> {
        let mut out = Vec::with_capacity(input.len() / 2);
        for pair in input.chunks(2) {
            match pair {
                [hi, lo] => match (hex_value(*hi), hex_value(*lo)) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(DecodeError::invalid("hex", "not a hex digit")),
                },
                _ => return Err(DecodeError::invalid("hex", "odd length")),
            }
        }
        if !text::is_plausible_payload(&out) {
            return Err(DecodeError::Implausible { encoding: "hex" });
        }
        budget.charge_output(out.len())?;
        Ok(Decoded::Bytes(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(input: &str) -> Option<String> {
        super::super::test_support::layer_text(&Hex, input)
    }

    #[test]
    fn hex_of_text_is_decoded() {
        assert_eq!(
            decode("7b2275726c223a2268747470733a2f2f782e6f7267227d").as_deref(),
            Some("{\"url\":\"https://x.org\"}")
        );
        assert_eq!(
            decode("48656C6C6F2C20776F726C6421").as_deref(),
            Some("Hello, world!")
        );
    }

    #[test]
    fn digests_ids_and_numbers_are_left_alone() {
        for value in [
            "d41d8cd98f00b204e9800998ecf8427e",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "0467ede7dcf0ee81",
            "12345678901234567890",
            "48656c6C6F2C20776F726C6421",
        ] {
            assert_eq!(decode(value), None, "{value}");
        }
    }
}
