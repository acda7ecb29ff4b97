//! Plausibility checks: does a decoded byte string look like something a program meant to send?
//!
//! These are what keep a conservative unwrapper from "decoding" a word that happens to be valid
//! base64 into binary noise.

/// Known magic numbers of binary layers a decoder may legitimately produce.
pub fn has_compression_magic(bytes: &[u8]) -> bool {
    is_gzip(bytes) || is_zlib(bytes) || is_zstd(bytes)
}

/// zstd frame magic number.
pub fn is_zstd(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}

/// gzip member header: ID1 ID2 and the deflate method.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b, 0x08])
}

/// zlib header (RFC 1950): deflate method, window at most 32 KiB, header checksum, no preset
/// dictionary.
pub fn is_zlib(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, _, ..] => {
            cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && flg & 0x20 == 0
                && (u16::from(*cmf) * 256 + u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// True when `bytes` is UTF-8 text without control characters other than tab, CR and LF: what
/// a decoded layer of text (JSON, a URL, a name) looks like, and what random bytes almost never
/// look like.
pub fn is_printable_text(bytes: &[u8]) -> bool {
    // Decoded payloads are mostly ASCII: a branch-free scan the compiler vectorises answers
    // those; anything else gets the full UTF-8 check.
    if !bytes.is_empty() && is_printable_ascii(bytes) {
        return true;
    }
    crate::Profile::of(bytes).is_text()
}

fn is_printable_ascii(bytes: &[u8]) -> bool {
    bytes.chunks(64).all(|chunk| {
        chunk.iter().fold(true, |ok, &b| {
            ok & ((0x20..0x7f).contains(&b) | (b == b'\t') | (b == b'\n') | (b == b'\r'))
        })
    })
}

/// The output of a text-to-bytes decoding (base64, hex) is kept when it is readable text,
/// starts a known binary layer, or is a convincing protobuf message.
pub fn is_plausible_payload(bytes: &[u8]) -> bool {
    has_compression_magic(bytes)
        || is_printable_text(bytes)
        || crate::decoders::protobuf::is_convincing_message(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_text_and_noise_is_not() {
        assert!(is_printable_text(b"{\"url\":\"https://example.com\"}"));
        assert!(is_printable_text("Grüße, 世界\n".as_bytes()));
        assert!(!is_printable_text(&[0xa5, 0xab, 0x2c, 0xc2, 0x8a, 0x1d]));
        assert!(!is_printable_text(b"abc\x00def"));
        assert!(!is_printable_text(b""));
    }

    #[test]
    fn magic_numbers() {
        assert!(is_gzip(&[0x1f, 0x8b, 0x08, 0, 0]));
        assert!(is_zlib(&[0x78, 0x9c, 0x01]));
        assert!(is_zlib(&[0x78, 0xda, 0x01]));
        assert!(!is_zlib(b"x y"));
    }
}
