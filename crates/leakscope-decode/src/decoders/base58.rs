//! Base58 (the Bitcoin alphabet: no `0`, `O`, `I`, `l`). Some SDKs use it for compact ids and
//! payloads. Tried after base64 (most base58 strings are also valid base64 of noise) and only
//! kept when the output is plausible. Decoding is quadratic in the length, so long values are
//! left alone.

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// Shortest value tried.
pub const MIN_LEN: usize = 12;
/// Longest value tried: base58 decoding is quadratic.
pub const MAX_LEN: usize = 4096;

/// Base58 decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Base58;

fn is_alphabet(input: &[u8]) -> bool {
    input
        .iter()
        .all(|b| b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l'))
}

impl Encoding for Base58 {
    /// Letters of both cases and digits.
    fn about(&self) -> About {
        About::named("base58").needs(
            Needs::ANYTHING
                .min_len(MIN_LEN)
                .all_of(class::DIGIT | class::HEX_UPPER)
                .any_of(class::LETTER | class::HEX_LOWER)
                .within(class::ALNUM),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        (MIN_LEN..=MAX_LEN).contains(&input.len())
            && profile.only(class::ALNUM)
            // Mixed case with digits: words, numbers and hex are not base58 payloads.
            && profile.has(class::DIGIT)
            && profile.has(class::LETTER | class::HEX_LOWER)
            && profile.has(class::HEX_UPPER)
            && is_alphabet(input)
    }
}

impl Layer for Base58 {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        if input.len() > MAX_LEN {
            return Err(DecodeError::invalid("base58", "too long"));
        }
        let out = bs58::decode(input)
            .into_vec()
            .map_err(|e| DecodeError::invalid("base58", e.to_string()))?;
        super::keep("base58", out, text::is_plausible_payload, budget)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::decoders::test_support::layer_text;

    proptest! {
        #[test]
        fn round_trips_printable_text(text in "[ -~]{10,60}") {
            let encoded = bs58::encode(text.as_bytes()).into_string();
            let profile = Profile::of(encoded.as_bytes());
            prop_assume!(Base58.sniff(encoded.as_bytes(), &profile));
            prop_assert_eq!(layer_text(&Base58, &encoded), Some(text));
        }
    }
}
