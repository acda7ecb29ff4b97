//! Brotli (RFC 7932). It has no magic number; the stream must be complete and end exactly at
//! the end of the input.

use std::io::Read;

use brotli_decompressor::Decompressor;

use super::bounded_read::read_bounded;
use super::{Error, Format, Meter};

/// Largest input buffer of the decompressor.
const BUFFER: usize = 4096;

/// Decode the brotli stream that is the whole of `input`; bytes after its end are an error.
pub fn decode(input: &[u8], meter: &mut (impl Meter + ?Sized)) -> Result<Vec<u8>, Error> {
    // A buffer no larger than the input: setting up a big one is most of the cost of refusing
    // a short binary value.
    let mut reader = Decompressor::new(input, input.len().clamp(16, BUFFER));
    let out = read_bounded(Format::Brotli, &mut reader, input.len(), meter)?;
    // The decompressor reports input left over after the last meta-block only on the read
    // after the one that ended the stream; what it never pulled from the slice is still in
    // the slice.
    let left_over = reader.read(&mut [0u8; 1]).map_or(true, |n| n > 0);
    if left_over || !reader.get_ref().is_empty() {
        return Err(Error::invalid(
            Format::Brotli,
            "the stream does not end at the end of the input",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::compress::test_support::{allowance, small_allowance};

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
            enc.write_all(data).unwrap();
        }
        out
    }

    #[test]
    fn round_trips() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{{\"n\":{i},\"v\":\"{}\"}},", i * 7919).into_bytes())
            .collect();
        assert_eq!(decode(&brotli(&text), &mut allowance()).unwrap(), text);
        assert_eq!(decode(&brotli(b""), &mut allowance()).unwrap(), b"");
    }

    #[test]
    fn truncated_and_trailing_bytes_are_invalid() {
        let packed = brotli(&b"hello hello hello hello, brotli".repeat(10));
        for cut in [1, 2, 5] {
            let err = decode(&packed[..packed.len() - cut], &mut allowance()).unwrap_err();
            assert!(!err.is_limit(), "{err}");
        }
        for extra in [&b"x"[..], &[0u8; 10], &[0xff; 5000]] {
            let mut trailing = packed.clone();
            trailing.extend_from_slice(extra);
            let err = decode(&trailing, &mut allowance()).unwrap_err();
            assert!(!err.is_limit(), "{} extra bytes: {err}", extra.len());
        }
    }

    #[test]
    fn a_bomb_is_stopped() {
        let packed = brotli(&vec![0u8; 64 << 20]);
        let mut meter = allowance();
        let err = decode(&packed, &mut meter).unwrap_err();
        assert!(err.is_limit(), "{err}");
        assert!(meter.used() < 2 << 20, "{}", meter.used());
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
