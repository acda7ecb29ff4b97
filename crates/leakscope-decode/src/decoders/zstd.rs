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
    use leakscope_codecs::compress::reference::zstd;

    use super::*;

    #[test]
    fn a_skippable_frame_first_or_a_cut_magic_is_not_zstd_to_the_sniff() {
        let mut skippable_first = vec![0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0];
        skippable_first.extend_from_slice(&zstd(b"{\"event\":\"page_view\"}"));
        assert!(!Zstd.sniff_alone(&skippable_first));
        assert!(
            Zstd.decode(&skippable_first, &mut Budget::default())
                .is_err()
        );
        assert!(!Zstd.sniff_alone(b"(\xb5/"));
    }
}
