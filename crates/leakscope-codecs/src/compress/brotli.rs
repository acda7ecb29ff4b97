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
    use super::*;
    use crate::compress::reference::brotli;
    use crate::compress::test_support::allowance;

    #[test]
    fn any_bytes_after_the_stream_are_invalid() {
        let packed = brotli(&b"hello hello hello hello, brotli".repeat(10));
        for extra in [&b"x"[..], &[0u8; 10], &[0xff; 5000]] {
            let mut trailing = packed.clone();
            trailing.extend_from_slice(extra);
            let err = decode(&trailing, &mut allowance()).unwrap_err();
            assert!(!err.is_limit(), "{} extra bytes: {err}", extra.len());
        }
    }
}
