//! Raw deflate (RFC 1951): no header, no checksum, no magic number.

use super::inflate::{Stream, Wrapper, inflate};
use super::{Error, Format, Meter};

/// A raw deflate stream's output and where it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflated {
    /// The inflated bytes.
    pub bytes: Vec<u8>,
    /// How many bytes of the input the stream took; what follows is not deflate data.
    pub used: usize,
}

/// Inflate the raw deflate stream at the start of `input`. With nothing to recognise the format
/// by, the caller decides what bytes after the stream's end mean ([`Inflated::used`]).
pub fn decode(input: &[u8], meter: &mut (impl Meter + ?Sized)) -> Result<Inflated, Error> {
    let stream = Stream::whole(Format::Deflate, input, Wrapper::Raw);
    let mut bytes = Vec::new();
    let used = inflate(&stream, &mut bytes, meter)?;
    Ok(Inflated { bytes, used })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::compress::test_support::{allowance, small_allowance};
    use crate::compress::{Allowance, Limits, Ratio};

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn round_trip_and_where_the_stream_ends() {
        let text = b"{\"event\":\"page_view\",\"url\":\"https://example.org/\"}";
        let mut packed = deflate(text);
        let len = packed.len();
        assert_eq!(
            decode(&packed, &mut allowance()).unwrap(),
            Inflated {
                bytes: text.to_vec(),
                used: len
            }
        );
        packed.extend_from_slice(b"after");
        assert_eq!(decode(&packed, &mut allowance()).unwrap().used, len);
    }

    #[test]
    fn a_cut_stream_is_invalid() {
        let packed = deflate(&b"hello hello hello hello, deflate".repeat(10));
        for cut in [1, 2, 5] {
            let err = decode(&packed[..packed.len() - cut], &mut allowance()).unwrap_err();
            assert!(!err.is_limit(), "{err}");
        }
    }

    #[test]
    fn a_bomb_stops_at_the_ratio() {
        // Deflate compresses at most about 1000:1, so 64 MiB of zeros is still 64 KiB of input,
        // and a ratio limit of 200 lets it reach about 13 MiB before it is stopped.
        let packed = deflate(&vec![0u8; 64 << 20]);
        let limits = Limits {
            max_output: 64 << 20,
            ratio: Ratio {
                max_ratio: 200,
                floor: 1 << 20,
            },
        };
        let mut meter = Allowance::new(limits);
        let err = decode(&packed, &mut meter).unwrap_err();
        assert!(matches!(err, Error::Bomb { .. }), "{err}");
        assert!(meter.used() <= packed.len() * 201 + (64 << 10));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_nor_pass_the_allowance(
            data in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let mut meter = small_allowance();
            let _ = decode(&data, &mut meter);
            prop_assert!(meter.used() <= 1 << 16);
        }
    }
}
