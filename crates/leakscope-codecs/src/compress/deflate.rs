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
    use super::*;
    use crate::compress::reference::deflate;
    use crate::compress::test_support::allowance;

    #[test]
    fn the_output_says_where_the_stream_ends() {
        let text = b"{\"event\":\"page_view\",\"url\":\"https://example.org/\"}";
        let mut packed = deflate(text);
        let len = packed.len();
        packed.extend_from_slice(b"after");
        assert_eq!(
            decode(&packed, &mut allowance()),
            Ok(Inflated {
                bytes: text.to_vec(),
                used: len
            })
        );
    }
}
