//! Raw deflate (RFC 1951): no header, no checksum, no magic number.
//!
//! SDKs and servers that mean "deflate" but skip the zlib wrapper (the old `Content-Encoding:
//! deflate` confusion, `DeflaterOutputStream(nowrap)` on Android) produce it. With nothing to
//! recognise it by, the decoder only believes it when the stream is complete, ends exactly at
//! the end of the input, and inflates to something a program would send: text, a known
//! compressed layer, or a plausible protobuf message. The inflating is
//! `leakscope_codecs::compress::deflate`'s.

use leakscope_codecs::compress;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, text};

/// Shortest input tried. The deflate of one character is 3 bytes, and inputs that short
/// inflate to one or two printable characters by accident far too often.
pub const MIN_LEN: usize = 6;

const NAME: &str = "deflate";

/// Raw deflate decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawDeflate;

/// The verdict on a stream of a format without a magic number (raw deflate, brotli), shared by
/// both: it must end exactly at the end of the input, and what it decompressed to must be worth
/// believing: text (JSON, a URL), a known compressed layer, or a plausible protobuf message.
pub(crate) fn accept_headerless(
    name: &'static str,
    out: Vec<u8>,
    ends_at_input_end: bool,
) -> Result<Vec<u8>, DecodeError> {
    if !ends_at_input_end {
        return Err(DecodeError::invalid(
            name,
            "the stream does not end at the end of the input",
        ));
    }
    if !(text::is_plausible_payload(&out) || super::protobuf::is_plausible_message(&out)) {
        return Err(DecodeError::Implausible { encoding: name });
    }
    Ok(out)
}

/// The first block header (RFC 1951 section 3.2.3): not the reserved block type, and for a
/// stored block, a length followed by its one's complement. Half of all random inputs fail
/// this, before any decompressor state is set up.
fn first_block_header_is_valid(input: &[u8]) -> bool {
    match input {
        [first, ..] if first & 0x06 == 0x06 => false,
        [first, l0, l1, n0, n1, ..] if first & 0x06 == 0 => {
            u16::from_le_bytes([*l0, *l1]) == !u16::from_le_bytes([*n0, *n1])
        }
        [_, ..] => true,
        [] => false,
    }
}

impl Encoding for RawDeflate {
    /// Compressed data is not text.
    fn about(&self) -> About {
        About::named(NAME).needs(Needs::ANYTHING.min_len(MIN_LEN).binary())
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        input.len() >= MIN_LEN && !profile.is_text() && first_block_header_is_valid(input)
    }
}

impl Layer for RawDeflate {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        let raw = compress::deflate::decode(input, budget)?;
        accept_headerless(NAME, raw.bytes, raw.used == input.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_valid_first_block_header_is_sniffed() {
        for (input, sniffed) in [
            (&b"\x01\x05\x00\xfa\xffhello"[..], true),
            (b"\x01\x02", false),
            // Reserved block type 3; a stored block whose length check fails.
            (b"\x06\x00\x00\x00\x00\x00\x00", false),
            (b"\x01\x05\x00\x00\x00\x00\x00", false),
        ] {
            assert_eq!(RawDeflate.sniff_alone(input), sniffed, "{input:?}");
        }
    }
}
