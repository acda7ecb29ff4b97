//! Brotli (RFC 7932): `Content-Encoding: br` and SDKs that compress their own payloads.
//!
//! Brotli has no magic number, so the sniff takes any binary value of some length and the
//! decode does the real test: the stream must be complete, end exactly at the end of the input,
//! and decompress to something a program would send (text, a known compressed layer, or a
//! plausible protobuf message). Random bytes nearly always fail within the first few bytes
//! (the window size and meta-block headers are strict), so trying costs little. The decoding,
//! and the refusal of bytes after the stream's end, is `leakscope_codecs::compress::brotli`'s.

use leakscope_codecs::compress;

use super::deflate::accept_headerless;
use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile};

/// Shortest input tried. The smallest stream with content is a few bytes, and inputs that
/// short decode to a printable character or two by accident too often.
pub const MIN_LEN: usize = 6;

const NAME: &str = "brotli";

/// Brotli decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Brotli;

impl Encoding for Brotli {
    /// Compressed data is not text.
    fn about(&self) -> About {
        About::named(NAME).needs(Needs::ANYTHING.min_len(MIN_LEN).binary())
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        input.len() >= MIN_LEN && !profile.is_text()
    }
}

impl Layer for Brotli {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        let out = compress::brotli::decode(input, budget)?;
        accept_headerless(NAME, out, true)
    }
}
