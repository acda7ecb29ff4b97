//! zlib (RFC 1950), recognised by its two-byte header with checksum. The inflating is
//! `leakscope_codecs::compress::zlib`'s.

use leakscope_codecs::compress;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, text};

/// zlib decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Zlib;

impl Encoding for Zlib {
    /// A zlib header, then deflate data and a checksum: never printable text in practice.
    fn about(&self) -> About {
        About::named("zlib").needs(
            Needs::ANYTHING
                .min_len(3)
                .binary()
                // Deflate, window size 256 B to 32 KiB.
                .first_byte_in(&[0x08, 0x18, 0x28, 0x38, 0x48, 0x58, 0x68, 0x78]),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        !profile.is_text() && text::is_zlib(input)
    }
}

impl Layer for Zlib {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        // Whatever follows the checksum is left alone, as zlib's own readers do.
        Ok(compress::zlib::decode(input, budget)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_starting_like_a_header_is_refused() {
        // "x^" is a valid zlib header by checksum: printable text is not even tried, and the
        // decode refuses it anyway, since what follows is no deflate stream.
        assert!(!Zlib.sniff_alone(b"x^abc"));
        assert!(Zlib.decode(b"x^abc", &mut Budget::default()).is_err());
    }
}
