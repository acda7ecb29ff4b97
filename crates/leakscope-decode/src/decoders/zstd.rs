//! Zstandard (RFC 8878), recognised by its magic number; concatenated frames are all read and
//! skippable frames are skipped.
//!
//! The decoding is `leakscope_codecs::compress::zstd`'s (pure-Rust `ruzstd`; frames declaring a
//! window over 8 MiB refused before decoding, the reserved bit and content checksums checked),
//! which request bodies' `Content-Encoding: zstd` goes through too.

use leakscope_codecs::compress;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class};

/// The magic number that starts every Zstandard frame (0xFD2FB528, little-endian).
pub use compress::zstd::MAGIC;

const NAME: &str = "zstd";

/// Zstandard decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Zstd;

impl Encoding for Zstd {
    /// The magic number 28 b5 2f fd has high bytes and is not UTF-8.
    fn about(&self) -> About {
        About::named(NAME).needs(
            Needs::ANYTHING
                .min_len(4)
                .all_of(class::HIGH)
                .first_byte_in(&[0x28])
                .binary(),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        input.starts_with(&MAGIC)
    }
}

impl Layer for Zstd {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        if !input.starts_with(&MAGIC) {
            return Err(DecodeError::invalid(NAME, "no zstd magic number"));
        }
        Ok(compress::zstd::decode(input, budget)?)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ruzstd::encoding::{CompressionLevel, compress_to_vec};

    use super::*;
    use crate::Limits;

    fn zstd(data: &[u8]) -> Vec<u8> {
        compress_to_vec(data, CompressionLevel::Fastest)
    }

    fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        Zstd.decode(input, &mut Budget::default())
    }

    #[test]
    fn round_trip_and_a_skippable_frame_first_is_not_zstd_to_the_sniff() {
        let text = b"{\"event\":\"page_view\",\"url\":\"https://example.org/\"}".repeat(20);
        let packed = zstd(&text);
        assert!(Zstd.sniff_alone(&packed));
        assert_eq!(decode(&packed).unwrap(), text);
        let mut skippable_first = vec![0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0];
        skippable_first.extend_from_slice(&packed);
        assert!(!Zstd.sniff_alone(&skippable_first));
        assert!(decode(&skippable_first).is_err());
    }

    #[test]
    fn a_bomb_is_stopped_by_the_ratio() {
        let packed = zstd(&vec![0u8; 64 << 20]);
        assert!(packed.len() < 64 << 10, "{}", packed.len());
        let mut budget = Budget::new(Limits::default());
        let err = Zstd.decode(&packed, &mut budget).unwrap_err();
        assert!(err.is_budget(), "{err}");
        assert!(budget.output_used() < 2 << 20, "{}", budget.output_used());
    }

    #[test]
    fn text_is_never_sniffed() {
        for text in [&b"hello world"[..], b"{\"a\":1}", b"", b"(\xb5/"] {
            assert!(!Zstd.sniff_alone(text));
        }
    }

    proptest! {
        #[test]
        fn arbitrary_frames_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut input = MAGIC.to_vec();
            input.extend(tail);
            let mut budget = Budget::new(Limits { max_output: 1 << 16, ..Limits::default() });
            let _ = Zstd.decode(&input, &mut budget);
            prop_assert!(budget.output_used() <= 1 << 16);
        }
    }
}
