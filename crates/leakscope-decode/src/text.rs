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
    bytes.starts_with(&leakscope_codecs::compress::zstd::MAGIC)
}

/// gzip member header: ID1 ID2 and the deflate method.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&leakscope_codecs::compress::gzip::MAGIC)
}

/// zlib header (RFC 1950): deflate method, window at most 32 KiB, header checksum, no preset
/// dictionary.
pub fn is_zlib(bytes: &[u8]) -> bool {
    leakscope_codecs::compress::zlib::has_header(bytes)
}

/// True when `bytes` is UTF-8 text without control characters other than tab, CR and LF: what
/// a decoded layer of text (JSON, a URL, a name) looks like, and what random bytes almost never
/// look like.
///
/// Inlined, with everything but the commonest case out of line: decoded payloads are mostly
/// short printable ASCII, where a call and its register saves would cost about as much as the
/// scan.
#[inline]
pub fn is_printable_text(bytes: &[u8]) -> bool {
    (!bytes.is_empty() && is_plain_ascii(bytes)) || is_printable_text_slow(bytes)
}

/// [`is_printable_text`] for text with tab, CR or LF, or with non-ASCII bytes, and for what is
/// not text at all.
///
/// Binary (protobuf, compressed data, random bytes) nearly always has a control byte within its
/// first few dozen bytes, so that is looked for first, a block at a time with an early way out;
/// only text that passes pays for the UTF-8 check.
#[inline(never)]
fn is_printable_text_slow(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && !has_ascii_control(bytes)
        && (bytes.is_ascii() || crate::profile::printable_utf8(bytes))
}

/// Whether an ASCII control byte other than tab, LF and CR (or DEL) occurs: a branch-free
/// test per 64-byte block, so the first block of binary answers.
fn has_ascii_control(bytes: &[u8]) -> bool {
    fn is_control(b: u8) -> bool {
        ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0x7f)
    }
    bytes
        .chunks(64)
        .any(|block| block.iter().fold(false, |seen, &b| seen | is_control(b)))
}

/// Whether every byte is printable ASCII, 0x20..=0x7e: the common case of text, without tab,
/// CR or LF.
#[inline]
fn is_plain_ascii(bytes: &[u8]) -> bool {
    // Shifted down by 0x20 (wrapping, so controls land at 0xe0 and up), printable ASCII is
    // 0..=0x5e: one unsigned max per byte. Sixteen lanes, one vector register, whatever the
    // length: a loop the compiler unrolls further would leave a short payload (48 bytes from
    // 64 of base64) to its scalar tail. The tail here is the last sixteen bytes again,
    // overlapping bytes already seen, which a max does not mind.
    fn fold16(lanes: &mut [u8; 16], block: &[u8; 16]) {
        for (lane, &b) in lanes.iter_mut().zip(block) {
            *lane = (*lane).max(b.wrapping_sub(0x20));
        }
    }
    let Some(last) = bytes.last_chunk::<16>() else {
        // Short values on their own path: filling the lanes byte by byte would make the vector
        // path read them back from memory.
        return bytes.iter().all(|&b| b.wrapping_sub(0x20) < 0x5f);
    };
    let mut lanes = [0u8; 16];
    for block in bytes.as_chunks::<16>().0 {
        fold16(&mut lanes, block);
    }
    fold16(&mut lanes, last);
    // A compare per lane and one mask, rather than a chain of shuffles down to one maximum.
    lanes.iter().fold(true, |ok, &lane| ok & (lane < 0x5f))
}

/// The output of a text-to-bytes decoding (base64, hex) is kept when it is readable text,
/// starts a known binary layer, or is a convincing MessagePack or CBOR document or protobuf
/// message.
pub fn is_plausible_payload(bytes: &[u8]) -> bool {
    has_compression_magic(bytes)
        || is_printable_text(bytes)
        || crate::decoders::msgpack::is_convincing_document(bytes)
        || crate::decoders::cbor::is_convincing_document(bytes)
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

    /// UTF-8 without controls but tab, CR and LF, and without U+FFFD, char by char.
    fn naive_printable(bytes: &[u8]) -> bool {
        std::str::from_utf8(bytes).is_ok_and(|t| {
            !t.is_empty()
                && t.chars().all(|c| {
                    (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && c != '\u{fffd}'
                })
        })
    }

    /// Every byte value at the edges and middles of the 256-byte chunks of a long text.
    #[test]
    fn every_byte_in_every_chunk_of_a_long_text() {
        let line: Vec<u8> = (0x20..0x7f).collect();
        let text: Vec<u8> = line.iter().copied().cycle().take(700).collect();
        for at in [0, 1, 128, 255, 256, 300, 511, 512, 699] {
            for byte in 0..=255u8 {
                let mut bytes = text.clone();
                bytes[at] = byte;
                assert_eq!(
                    is_printable_text(&bytes),
                    naive_printable(&bytes),
                    "{byte:#x} at {at}"
                );
            }
        }
    }

    /// Text with non-ASCII characters takes the slow path; a control byte past its first
    /// 64-byte block must still refuse it.
    #[test]
    fn a_control_byte_late_in_non_ascii_text_is_found() {
        let text = "Grüße aus Köln, 世界! ".repeat(10);
        assert!(is_printable_text(text.as_bytes()));
        for at in [70, 150, text.len() - 1] {
            let mut bytes = text.clone().into_bytes();
            // On an ASCII byte, so the rest stays valid UTF-8.
            let at = (at..bytes.len()).find(|&i| bytes[i] == b' ').unwrap_or(at);
            bytes[at] = 0x01;
            assert!(!is_printable_text(&bytes), "control at {at}");
            bytes[at] = 0x7f;
            assert!(!is_printable_text(&bytes), "DEL at {at}");
            assert_eq!(is_printable_text(&bytes), naive_printable(&bytes));
        }
    }

    proptest::proptest! {
        #[test]
        fn long_texts_agree_with_the_naive_check(
            text in "[ -~\t\n\r]{0,800}",
            intruders in proptest::collection::vec(
                (proptest::prelude::any::<proptest::sample::Index>(), proptest::num::u8::ANY),
                0..3,
            ),
        ) {
            let mut bytes = text.into_bytes();
            for (at, byte) in intruders {
                if !bytes.is_empty() {
                    let at = at.index(bytes.len());
                    bytes[at] = byte;
                }
            }
            proptest::prop_assert_eq!(is_printable_text(&bytes), naive_printable(&bytes));
        }
    }

    #[test]
    fn magic_numbers() {
        assert!(is_gzip(&[0x1f, 0x8b, 0x08, 0, 0]));
        assert!(is_zlib(&[0x78, 0x9c, 0x01]));
        assert!(is_zlib(&[0x78, 0xda, 0x01]));
        assert!(!is_zlib(b"x y"));
    }
}
