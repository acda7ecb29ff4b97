//! Hexadecimal: `7b2275726c223a…` is `{"url":…`.
//!
//! Most hex in telemetry is a digest or an id (an MD5, a device id), which decodes to binary
//! noise: those are refused by the plausibility check, so only hex that hides text or a known
//! binary layer is unwrapped.

use leakscope_codecs::hex;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// Shortest hex value tried (8 bytes of output).
pub const MIN_LEN: usize = 16;

/// Hex decoder (upper or lower case, not mixed; no separators, so MAC addresses stay whole).
#[derive(Debug, Clone, Copy, Default)]
pub struct Hex;

impl Encoding for Hex {
    /// Hex digits only, some of them letters.
    fn about(&self) -> About {
        About::named("hex").needs(
            Needs::ANYTHING
                .min_len(MIN_LEN)
                .within(class::HEX)
                .any_of(class::HEX_LOWER | class::HEX_UPPER),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        // All digits is a number; mixed case is not how encoders write hex.
        input.len() >= MIN_LEN
            && input.len().is_multiple_of(2)
            && profile.only(class::HEX)
            && profile.has(class::HEX_LOWER | class::HEX_UPPER)
            && !(profile.has(class::HEX_LOWER) && profile.has(class::HEX_UPPER))
    }
}

impl Layer for Hex {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        if !input.len().is_multiple_of(2) {
            return Err(DecodeError::invalid("hex", "odd length"));
        }
        // Most hex is a digest or an id, which decodes to noise and is refused: a short one is
        // decoded on the stack and judged there, so refusing it costs no allocation.
        let len = input.len() / 2;
        let mut short = [0u8; SHORT];
        let mut long = Vec::new();
        let out = if len <= SHORT {
            &mut short[..len]
        } else {
            long.resize(len, 0);
            &mut long[..]
        };
        if hex::decode_into(input, out).is_err() {
            return Err(DecodeError::invalid("hex", "not a hex digit"));
        }
        if !text::is_plausible_payload(out) {
            return Err(DecodeError::Implausible { encoding: "hex" });
        }
        budget.charge_output(out.len())?;
        Ok(if len <= SHORT {
            short[..len].to_vec()
        } else {
            long
        })
    }
}

/// Output lengths decoded on the stack: a SHA-512 digest and less.
const SHORT: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoders::test_support::layer_text;

    #[test]
    fn text_around_and_past_the_stack_buffer_is_decoded_whole() {
        let long = "{\"url\":\"https://example.com/a/long/path\"} ".repeat(4);
        for len in [SHORT - 1, SHORT, SHORT + 1, long.len()] {
            let text = &long[..len];
            let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
            assert_eq!(layer_text(&Hex, &hex).as_deref(), Some(text), "{len} bytes");
        }
    }

    #[test]
    fn a_non_digit_or_an_odd_length_is_an_error_not_a_guess() {
        let mut budget = Budget::default();
        for value in [
            "48656c6c6f2c20776f726c64g1",
            "48656c6c6f2c20776f726c642",
            "4865 c6c6f2c20776f726c6421",
        ] {
            assert!(
                matches!(
                    Hex.decode(value.as_bytes(), &mut budget),
                    Err(DecodeError::Invalid { .. })
                ),
                "{value}"
            );
        }
    }
}
