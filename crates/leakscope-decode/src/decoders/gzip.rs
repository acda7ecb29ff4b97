//! gzip (RFC 1952), recognised by its magic number; concatenated members are all read.
//!
//! The decoding (member headers, inflating straight into the output, each member's CRC-32 and
//! length checked against its trailer) is `leakscope_codecs::compress::gzip`, which request
//! bodies' `Content-Encoding: gzip` goes through too.

use leakscope_codecs::compress;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

const NAME: &str = "gzip";

/// gzip decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gzip;

impl Encoding for Gzip {
    /// ID1 ID2 = 0x1f 0x8b: a control character and a high byte.
    fn about(&self) -> About {
        About::named(NAME).needs(
            Needs::ANYTHING
                .min_len(3)
                .all_of(class::CONTROL | class::HIGH)
                .first_byte_in(&[0x1f])
                .binary(),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        text::is_gzip(input)
    }
}

impl Layer for Gzip {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        Ok(compress::gzip::decode(input, budget)?)
    }
}
