//! zlib (RFC 1950): a two-byte header with its own checksum, deflate data, an Adler-32.

use super::inflate::{Stream, Wrapper, inflate};
use super::{Error, Format, Meter};

/// Whether `input` starts with a zlib header this decoder takes: deflate, a window of at most
/// 32 KiB, the header checksum right, no preset dictionary.
pub fn has_header(input: &[u8]) -> bool {
    match input {
        [cmf, flg, _, ..] => {
            cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && flg & 0x20 == 0
                && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// Inflate the zlib stream at the start of `input`, checking its Adler-32. Whatever follows the
/// checksum is left alone, as zlib's own readers do.
pub fn decode(input: &[u8], meter: &mut (impl Meter + ?Sized)) -> Result<Vec<u8>, Error> {
    let stream = Stream::whole(Format::Zlib, input, Wrapper::Zlib);
    let mut out = Vec::new();
    inflate(&stream, &mut out, meter)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::reference::zlib;
    use crate::compress::test_support::allowance;

    #[test]
    fn a_wrong_checksum_is_invalid() {
        let mut packed = zlib(&b"{\"event\":\"page_view\"}".repeat(20));
        assert!(has_header(&packed));
        *packed.last_mut().unwrap() ^= 1;
        let err = decode(&packed, &mut allowance()).unwrap_err();
        assert!(err.to_string().contains("Adler-32"), "{err}");
    }

    #[test]
    fn headers_and_not() {
        assert!(has_header(&[0x78, 0x9c, 0x00]));
        assert!(
            has_header(b"x^abc"),
            "printable, and a valid header by checksum"
        );
        assert!(!has_header(&[0x78, 0x9c]), "too short to hold any data");
        assert!(!has_header(&[0x78, 0xbb, 0x00]), "a preset dictionary");
        assert!(!has_header(&[0x88, 0x1c, 0x00]), "a 64 KiB window");
        assert!(decode(b"x^abc", &mut allowance()).is_err());
    }
}
