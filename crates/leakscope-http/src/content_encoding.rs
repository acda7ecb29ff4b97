//! Removing `Content-Encoding` from request bodies, bounded against decompression bombs.
//!
//! Telemetry SDKs often compress their beacons (gzip mostly, brotli and zstd increasingly);
//! the scanner must see the plain bytes. The decompressors are `leakscope-codecs`' (the same
//! ones that peel compressed layers off values); this module maps coding names onto them and
//! sets a body's limits: an absolute one ([`MAX_DECODED`]) and a ratio one ([`MAX_RATIO`],
//! applied past [`RATIO_FLOOR`] bytes) that flags output far out of proportion to its input.
//! A zstd frame declaring a window over [`MAX_ZSTD_WINDOW`] is refused before decoding starts.
//!
//! When a coding cannot be removed, the capture readers keep the body as captured, and record
//! an anomaly unless the body [is plausible as it is](is_already_decoded): capture tools that
//! decode bodies for display (mitmproxy's HAR export) keep the `Content-Encoding` header.

use leakscope_codecs::compress::{self, Allowance, Limits, Ratio};

/// Most bytes one body may decode to.
pub const MAX_DECODED: usize = 64 * 1024 * 1024;
/// Most output bytes per input byte, once the output is past [`RATIO_FLOOR`].
pub const MAX_RATIO: usize = 1000;
/// Output size under which the ratio is not checked (small bodies compress extremely well).
pub const RATIO_FLOOR: usize = 1024 * 1024;
/// Largest window a zstd frame may declare (8 MiB, the limit RFC 9659 sets for zstd as an HTTP
/// content coding). The decoder keeps up to a window of output in memory before handing any
/// out, so the output cap alone could not bound its memory.
pub const MAX_ZSTD_WINDOW: u64 = compress::zstd::MAX_WINDOW;

/// The limits of one body, for each coding removed from it.
const LIMITS: Limits = Limits {
    max_output: MAX_DECODED,
    ratio: Ratio {
        max_ratio: MAX_RATIO,
        floor: RATIO_FLOOR,
    },
};

/// Why a content coding could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentEncodingError {
    /// A coding we do not implement (`compress`, `exi`, `pack200-gzip`, ...).
    #[error("unsupported content-encoding {0}")]
    Unsupported(String),
    /// The data is not valid for the coding.
    #[error("content-encoding {coding} could not be decoded: {message}")]
    Corrupt {
        /// The coding being removed.
        coding: String,
        /// What the decoder said.
        message: String,
    },
    /// The output hit a cap; likely a decompression bomb.
    #[error("content-encoding {coding} output exceeds {limit} bytes (possible decompression bomb)")]
    TooLarge {
        /// The coding being removed.
        coding: String,
        /// The cap that was hit.
        limit: usize,
    },
}

impl ContentEncodingError {
    /// A codec's error on `input_len` bytes, for a person reading about `coding`.
    fn from_codec(coding: &str, input_len: usize, error: compress::Error) -> Self {
        match error {
            compress::Error::Invalid { reason, .. } => ContentEncodingError::Corrupt {
                coding: coding.to_string(),
                message: reason.into_owned(),
            },
            compress::Error::Exceeded(_) => {
                ContentEncodingError::TooLarge {
                    coding: coding.to_string(),
                    // The ratio's cap for this input, within the absolute one.
                    limit: input_len
                        .saturating_mul(MAX_RATIO)
                        .clamp(RATIO_FLOOR, MAX_DECODED),
                }
            }
        }
    }
}

/// Remove one content coding (already lowercased and trimmed): `identity`, `gzip`/`x-gzip`
/// (concatenated members too), `deflate` (zlib or raw), `br`, `zstd` (concatenated and
/// skippable frames too).
pub fn decode_one(coding: &str, input: &[u8]) -> Result<Vec<u8>, ContentEncodingError> {
    let mut allowance = Allowance::new(LIMITS);
    let decoded = match coding {
        "identity" => return Ok(input.to_vec()),
        "gzip" | "x-gzip" => compress::gzip::decode(input, &mut allowance),
        "br" => compress::brotli::decode(input, &mut allowance),
        "zstd" => compress::zstd::decode(input, &mut allowance),
        // "deflate" is specified as zlib, but many clients send a raw deflate stream; bytes
        // after either stream's end are left, as zlib's own readers leave them.
        "deflate" if compress::zlib::has_header(input) => {
            compress::zlib::decode(input, &mut allowance)
        }
        "deflate" => compress::deflate::decode(input, &mut allowance).map(|raw| raw.bytes),
        other => return Err(ContentEncodingError::Unsupported(other.to_string())),
    };
    decoded.map_err(|e| ContentEncodingError::from_codec(coding, input.len(), e))
}

/// Remove every coding listed in a Content-Encoding header value (`gzip`, `deflate, gzip`...),
/// last applied first.
pub fn decode_content_encoding(header: &str, body: &[u8]) -> Result<Vec<u8>, ContentEncodingError> {
    let codings: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    let mut current = body.to_vec();
    for coding in codings.iter().rev() {
        current = decode_one(coding, &current)?;
    }
    Ok(current)
}

/// Whether a body that is not in its declared coding is plausible as it is, already decoded:
/// text a program sends (JSON, a form, XML), that is UTF-8 without control characters other
/// than tab, CR and LF. Compressed data is not text (gzip and zstd start with bytes that are
/// not), so such a body was decoded by whatever captured it; mitmproxy 11's HAR export writes
/// `postData.text` gunzipped and keeps `Content-Encoding: gzip`. A body that is neither
/// (binary, say truncated gzip) still gets its anomaly.
pub fn is_already_decoded(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| {
        !text.is_empty()
            && !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gzip_zlib_and_raw_deflate() {
        let text = b"cid=555&dl=https://example.com/";
        assert_eq!(decode_content_encoding("gzip", &gzip(text)).unwrap(), text);
        assert_eq!(
            decode_content_encoding("X-GZIP", &gzip(text)).unwrap(),
            text
        );
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(text).unwrap();
        assert_eq!(
            decode_content_encoding("deflate", &z.finish().unwrap()).unwrap(),
            text
        );
        let mut d = DeflateEncoder::new(Vec::new(), Compression::default());
        d.write_all(text).unwrap();
        assert_eq!(
            decode_content_encoding("deflate", &d.finish().unwrap()).unwrap(),
            text
        );
    }

    #[test]
    fn stacked_codings_are_removed_in_reverse() {
        let text = b"twice";
        let twice = gzip(&gzip(text));
        assert_eq!(decode_content_encoding("gzip, gzip", &twice).unwrap(), text);
        assert_eq!(
            decode_content_encoding("identity, gzip", &gzip(text)).unwrap(),
            text
        );
    }

    #[test]
    fn failures_are_reported() {
        assert!(matches!(
            decode_content_encoding("gzip", b"not gzip"),
            Err(ContentEncodingError::Corrupt { .. })
        ));
        assert_eq!(
            decode_content_encoding("compress", b"x")
                .unwrap_err()
                .to_string(),
            "unsupported content-encoding compress"
        );
        for coding in ["br", "zstd"] {
            assert!(
                matches!(
                    decode_content_encoding(coding, b"\xff\xfe not compressed at all"),
                    Err(ContentEncodingError::Corrupt { .. })
                ),
                "{coding}"
            );
        }
    }

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut e = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
            e.write_all(data).unwrap();
        }
        out
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
    }

    fn beacon() -> Vec<u8> {
        (0..2000u32)
            .flat_map(|i| format!("{{\"event\":\"page_view\",\"n\":{i}}},").into_bytes())
            .collect()
    }

    #[test]
    fn brotli_round_trip() {
        let text = beacon();
        assert_eq!(decode_content_encoding("br", &brotli(&text)).unwrap(), text);
        assert_eq!(decode_content_encoding(" BR ", &brotli(b"")).unwrap(), b"");
    }

    #[test]
    fn truncated_brotli_is_corrupt() {
        let packed = brotli(&beacon());
        let cut = packed.get(..packed.len() / 2).unwrap();
        assert!(matches!(
            decode_content_encoding("br", cut),
            Err(ContentEncodingError::Corrupt { .. })
        ));
    }

    #[test]
    fn zstd_round_trip_with_several_and_skippable_frames() {
        let text = beacon();
        assert_eq!(decode_content_encoding("zstd", &zstd(&text)).unwrap(), text);

        // Two frames with a skippable frame (magic 0x184D2A53, 3 bytes of metadata) between.
        let mut body = zstd(b"first;");
        body.extend_from_slice(&[0x53, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
        body.extend_from_slice(&zstd(b"second"));
        assert_eq!(
            decode_content_encoding("zstd", &body).unwrap(),
            b"first;second"
        );
        // A skippable frame first.
        let mut body = vec![0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0];
        body.extend_from_slice(&zstd(b"after metadata"));
        assert_eq!(
            decode_content_encoding("zstd", &body).unwrap(),
            b"after metadata"
        );

        let packed = zstd(&text);
        let cut = packed.get(..packed.len() - 3).unwrap();
        assert!(decode_content_encoding("zstd", cut).is_err());
        let mut trailing = packed.clone();
        trailing.extend_from_slice(b"junk");
        assert!(decode_content_encoding("zstd", &trailing).is_err());
    }

    #[test]
    fn zstd_frames_declaring_a_huge_window_are_refused_before_decoding() {
        // Magic, descriptor (no single segment, no checksum, no dictionary), window
        // descriptor with exponent 20: a 1 GiB window.
        let header = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00];
        let e = decode_content_encoding("zstd", &header).unwrap_err();
        assert!(e.to_string().contains("window"), "{e}");
    }

    #[test]
    fn stacked_gzip_then_brotli() {
        let text = beacon();
        // `Content-Encoding: gzip, br`: gzip was applied first, brotli last.
        let body = brotli(&gzip(&text));
        assert_eq!(decode_content_encoding("gzip, br", &body).unwrap(), text);
        let body = gzip(&zstd(&text));
        assert_eq!(decode_content_encoding("zstd,gzip", &body).unwrap(), text);
        // The wrong order fails instead of returning garbage.
        assert!(decode_content_encoding("br, gzip", &brotli(&gzip(&text))).is_err());
    }

    #[test]
    fn brotli_and_zstd_bombs_hit_the_ratio_cap() {
        let zeros = vec![0u8; 8 * 1024 * 1024];
        for (coding, bomb) in [("br", brotli(&zeros)), ("zstd", zstd(&zeros[..4 << 20]))] {
            assert!(bomb.len() < 1024, "{coding}: {} bytes", bomb.len());
            assert!(
                matches!(
                    decode_content_encoding(coding, &bomb),
                    Err(ContentEncodingError::TooLarge { limit, .. }) if limit == RATIO_FLOOR
                ),
                "{coding}"
            );
        }
        // Stacked: a gzip layer around a brotli bomb does not hide it.
        let layered = gzip(&brotli(&zeros));
        assert!(matches!(
            decode_content_encoding("br, gzip", &layered),
            Err(ContentEncodingError::TooLarge { .. })
        ));
    }

    #[test]
    fn bombs_hit_the_cap() {
        let bomb = gzip(&vec![0u8; MAX_DECODED + 1024]);
        assert!(matches!(
            decode_content_encoding("gzip", &bomb),
            Err(ContentEncodingError::TooLarge { .. })
        ));
    }

    #[test]
    fn text_is_already_decoded_and_binary_is_not() {
        for text in [
            &b"{\"event\":\"page_view\",\"email\":\"a@example.com\"}"[..],
            b"cid=555&dl=https%3A%2F%2Fexample.com%2F",
            b"<xml a=\"1\">\r\n\t</xml>",
            "Grüße, 世界".as_bytes(),
        ] {
            assert!(is_already_decoded(text), "{text:?}");
        }
        let truncated_gzip = gzip(b"{\"a\":1}");
        for binary in [
            &truncated_gzip[..truncated_gzip.len() - 4],
            b"",
            b"abc\x00def",
            b"\xff\xfe not compressed at all",
            b"\x08\x96\x01\x12\x03abc",
        ] {
            assert!(!is_already_decoded(binary), "{binary:?}");
        }
    }
}
