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

#[cfg(test)]
mod tests {
    use crate::decoders::test_support::Rng;
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::Limits;

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
            enc.write_all(data).unwrap();
        }
        out
    }

    fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        Brotli.decode(input, &mut Budget::default())
    }

    fn accepts(input: &[u8]) -> bool {
        Brotli.sniff_alone(input) && Brotli.decode(input, &mut Budget::default()).is_ok()
    }

    #[test]
    fn round_trip() {
        let text = b"{\"event\":\"page_view\",\"url\":\"https://example.org/\"}";
        let packed = brotli(text);
        assert!(Brotli.sniff_alone(&packed));
        assert_eq!(decode(&packed).unwrap(), text);
    }

    #[test]
    fn truncated_and_trailing_bytes_are_invalid() {
        let packed = brotli(&b"hello hello hello hello, brotli".repeat(10));
        for cut in [1, 2, 5] {
            let err = decode(&packed[..packed.len() - cut]).unwrap_err();
            assert!(!err.is_budget(), "{err}");
        }
        for extra in [&b"x"[..], &[0u8; 10], &[0xff; 5000]] {
            let mut trailing = packed.clone();
            trailing.extend_from_slice(extra);
            assert!(decode(&trailing).is_err(), "{} extra bytes", extra.len());
        }
    }

    #[test]
    fn binary_output_is_implausible() {
        let noise: Vec<u8> = (0..200u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert_eq!(
            decode(&brotli(&noise)),
            Err(DecodeError::Implausible { encoding: NAME })
        );
    }

    #[test]
    fn a_bomb_is_stopped() {
        let packed = brotli(&vec![0u8; 64 << 20]);
        let mut budget = Budget::new(Limits::default());
        let err = Brotli.decode(&packed, &mut budget).unwrap_err();
        assert!(err.is_budget(), "{err}");
        assert!(budget.output_used() < 2 << 20, "{}", budget.output_used());
    }

    #[test]
    fn text_is_never_sniffed() {
        for text in [
            &b"hello world, this is text"[..],
            b"{\"a\":1}",
            b"dGhlIHF1aWNrIGJyb3duIGZveA==",
            "Grüße, 世界".as_bytes(),
            b"",
        ] {
            assert!(!Brotli.sniff_alone(text), "{text:?}");
        }
    }

    #[test]
    fn random_bytes_are_rarely_brotli() {
        let mut rng = Rng::new(0x0fed_cba9_8765_4321);
        let mut accepted = 0;
        let mut tried = 0;
        for len in [6, 8, 12, 16, 24, 32, 64, 256, 1024] {
            for _ in 0..400 {
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
            let packed = brotli(text.as_bytes());
            prop_assume!(Brotli.sniff_alone(&packed));
            prop_assert_eq!(decode(&packed).unwrap(), text.into_bytes());
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut budget = Budget::new(Limits { max_output: 1 << 16, ..Limits::default() });
            if Brotli.sniff_alone(&data) {
                let _ = Brotli.decode(&data, &mut budget);
            }
            prop_assert!(budget.output_used() <= 1 << 16);
        }
    }
}
