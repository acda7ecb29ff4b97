//! Base32 (RFC 4648): `A`–`Z`, `2`–`7`, `=` padding. Seen in TOTP secrets, some device ids and
//! DNS-safe payloads. Only uppercase values of some length are tried, and only plausible output
//! is kept: most all-caps strings are codes and constants, not base32.

use data_encoding::BASE32_NOPAD;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// Shortest value tried (10 bytes of output).
pub const MIN_LEN: usize = 16;

/// Base32 decoder (standard alphabet, padded or not).
#[derive(Debug, Clone, Copy, Default)]
pub struct Base32;

fn body(input: &[u8]) -> Option<&[u8]> {
    let padding = input.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &input[..input.len() - padding];
    let valid = body.len() >= MIN_LEN
        && padding <= 6
        && body.iter().all(|b| matches!(b, b'A'..=b'Z' | b'2'..=b'7'))
        // Both letters and digits: all-letter values are words and constants.
        && body.iter().any(u8::is_ascii_digit)
        && matches!(body.len() % 8, 0 | 2 | 4 | 5 | 7);
    valid.then_some(body)
}

impl Encoding for Base32 {
    /// Capitals and the digits 2-7, padding.
    fn about(&self) -> About {
        About::named("base32").needs(
            Needs::ANYTHING
                .min_len(MIN_LEN)
                .all_of(class::DIGIT)
                .within(class::HEX_UPPER | class::LETTER | class::DIGIT | class::EQUALS),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        profile.only(class::HEX_UPPER | class::LETTER | class::DIGIT | class::EQUALS)
            && !profile.has(class::HEX_LOWER)
            && body(input).is_some()
    }
}

impl Layer for Base32 {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        let body = body(input).ok_or_else(|| DecodeError::invalid("base32", "not base32"))?;
        let out = BASE32_NOPAD
            .decode(body)
            .map_err(|e| DecodeError::invalid("base32", e.to_string()))?;
        super::keep("base32", out, text::is_plausible_payload, budget)
    }
}

#[cfg(test)]
mod tests {
    use data_encoding::BASE32;
    use proptest::prelude::*;

    use super::*;
    use crate::decoders::test_support::layer_text;

    proptest! {
        #[test]
        fn round_trips_printable_text(text in "[ -~]{10,80}") {
            let encoded = BASE32.encode(text.as_bytes());
            let has_digit = encoded.trim_end_matches('=').bytes().any(|b| b.is_ascii_digit());
            prop_assume!(has_digit);
            prop_assert_eq!(layer_text(&Base32, &encoded), Some(text));
        }
    }
}
