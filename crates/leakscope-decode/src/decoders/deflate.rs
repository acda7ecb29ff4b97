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
    use crate::decoders::test_support::Rng;
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::Limits;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn accepts(input: &[u8]) -> bool {
        RawDeflate.sniff_alone(input) && RawDeflate.decode(input, &mut Budget::default()).is_ok()
    }

    #[test]
    fn round_trip() {
        let text = b"{\"event\":\"page_view\",\"url\":\"https://example.org/\"}";
        let packed = deflate(text);
        assert!(RawDeflate.sniff_alone(&packed));
        assert_eq!(
            RawDeflate.decode(&packed, &mut Budget::default()).unwrap(),
            text.to_vec()
        );
    }

    #[test]
    fn truncated_and_trailing_bytes_are_invalid() {
        let packed = deflate(&b"hello hello hello hello, deflate".repeat(10));
        for cut in [1, 2, 5] {
            let err = RawDeflate
                .decode(&packed[..packed.len() - cut], &mut Budget::default())
                .unwrap_err();
            assert!(!err.is_budget(), "{err}");
        }
        let mut trailing = packed.clone();
        trailing.push(0);
        assert!(
            RawDeflate
                .decode(&trailing, &mut Budget::default())
                .is_err()
        );
    }

    #[test]
    fn protobuf_and_zstd_are_plausible_output() {
        let protobuf = [0x08, 0x96, 0x01, 0x12, 0x03, 0xff, 0x00, 0x01];
        let zstd = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00];
        for payload in [&protobuf[..], &zstd] {
            let packed = deflate(payload);
            assert!(RawDeflate.sniff_alone(&packed));
            assert_eq!(
                RawDeflate.decode(&packed, &mut Budget::default()).unwrap(),
                payload.to_vec()
            );
        }
    }

    #[test]
    fn binary_output_is_implausible() {
        let noise: Vec<u8> = (0..200u32).map(|i| (i * 7919 % 251) as u8).collect();
        let packed = deflate(&noise);
        assert_eq!(
            RawDeflate.decode(&packed, &mut Budget::default()),
            Err(DecodeError::Implausible { encoding: NAME })
        );
    }

    #[test]
    fn a_bomb_is_stopped() {
        let packed = deflate(&vec![0u8; 8 << 20]);
        let mut budget = Budget::new(Limits::default());
        let err = RawDeflate.decode(&packed, &mut budget).unwrap_err();
        assert!(matches!(err, DecodeError::Budget(crate::Exceeded::Bomb { .. })), "{err}");
        assert!(budget.output_used() < 2 << 20, "{}", budget.output_used());
    }

    #[test]
    fn text_is_never_sniffed() {
        for text in [
            &b"hello world, this is text"[..],
            b"{\"a\":1}",
            b"dGhlIHF1aWNrIGJyb3duIGZveA==",
            b"",
            b"\x01\x02",
            // Reserved block type 3; a stored block whose length check fails.
            b"\x06\x00\x00\x00\x00\x00\x00",
            b"\x01\x05\x00\x00\x00\x00\x00",
        ] {
            assert!(!RawDeflate.sniff_alone(text), "{text:?}");
        }
    }

    #[test]
    fn random_bytes_are_rarely_deflate() {
        let mut rng = Rng::new(0x1234_5678_9abc_def0);
        let mut accepted = 0;
        let mut tried = 0;
        for len in MIN_LEN..70 {
            for _ in 0..200 {
                let input = rng.bytes(len);
                tried += 1;
                if accepts(&input) {
                    accepted += 1;
                }
            }
        }
        assert!(accepted * 1000 < tried, "{accepted}/{tried}");
    }

    proptest! {
        #[test]
        fn text_round_trips(text in "[ -~]{1,500}") {
            let packed = deflate(text.as_bytes());
            prop_assume!(RawDeflate.sniff_alone(&packed));
            prop_assert_eq!(
                RawDeflate.decode(&packed, &mut Budget::default()).unwrap(),
                text.into_bytes()
            );
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut budget = Budget::new(Limits { max_output: 1 << 16, ..Limits::default() });
            if RawDeflate.sniff_alone(&data) {
                let _ = RawDeflate.decode(&data, &mut budget);
            }
            prop_assert!(budget.output_used() <= 1 << 16);
        }
    }
}
