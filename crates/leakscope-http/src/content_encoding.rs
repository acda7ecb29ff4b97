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
            compress::Error::Exceeded(_) => ContentEncodingError::TooLarge {
                coding: coding.to_string(),
                // Where the decompressor stopped: the ratio's cap for this input, within the
                // absolute one.
                limit: LIMITS.cap(input_len),
            },
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
    use leakscope_codecs::compress::reference::{brotli, deflate, gzip, zlib, zstd};

    use super::*;

    fn beacon() -> Vec<u8> {
        (0..2000u32)
            .flat_map(|i| format!("{{\"event\":\"page_view\",\"n\":{i}}},").into_bytes())
            .collect()
    }

    /// How headers name codings: in any case, with spaces, `x-gzip` for gzip, `deflate` for
    /// zlib or raw deflate, several removed last applied first.
    #[test]
    fn every_coding_a_header_names_is_removed() {
        let text = beacon();
        for (header, body) in [
            ("gzip", gzip(&text)),
            ("X-GZIP", gzip(&text)),
            (" BR ", brotli(&text)),
            ("zstd", zstd(&text)),
            ("deflate", zlib(&text)),
            ("deflate", deflate(&text)),
            ("identity", text.clone()),
            ("gzip, gzip", gzip(&gzip(&text))),
            ("identity, gzip", gzip(&text)),
            ("gzip, br", brotli(&gzip(&text))),
            ("zstd,gzip", gzip(&zstd(&text))),
        ] {
            let decoded = decode_content_encoding(header, &body);
            assert_eq!(decoded.as_deref(), Ok(&text[..]), "{header}");
        }
    }

    #[test]
    fn failures_say_what_failed() {
        let junk = b"\xff\xfe not compressed".to_vec();
        // Magic, descriptor, window descriptor with exponent 20: a 1 GiB window, refused
        // before decoding.
        let huge_window = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00];
        // The wrong order fails instead of returning garbage.
        let br_of_gzip = brotli(&gzip(&beacon()));
        for (header, body, message) in [
            ("compress", vec![], "unsupported content-encoding compress"),
            ("gzip", junk.clone(), "content-encoding gzip could not"),
            ("br", junk.clone(), "content-encoding br could not"),
            ("zstd", junk, "content-encoding zstd could not"),
            ("zstd", huge_window, "window"),
            ("br, gzip", br_of_gzip, "content-encoding gzip could not"),
        ] {
            let error = decode_content_encoding(header, &body).unwrap_err();
            assert!(error.to_string().contains(message), "{header}: {error}");
        }
    }

    /// A bomb is stopped at the ratio's cap for its input (at least [`RATIO_FLOOR`]), under
    /// another coding too.
    #[test]
    fn bombs_are_too_large_for_the_ratio_s_cap() {
        let zeros = vec![0u8; 8 << 20];
        let big_gzip = gzip(&vec![0u8; MAX_DECODED + 1024]);
        for (header, bomb, cap) in [
            ("br", brotli(&zeros), RATIO_FLOOR),
            ("zstd", zstd(&zeros[..4 << 20]), RATIO_FLOOR),
            ("br, gzip", gzip(&brotli(&zeros)), RATIO_FLOOR),
            (
                "gzip",
                big_gzip.clone(),
                big_gzip.len() * (MAX_RATIO + 1) - 1,
            ),
        ] {
            let error = decode_content_encoding(header, &bomb).unwrap_err();
            assert!(
                matches!(error, ContentEncodingError::TooLarge { limit, .. } if limit == cap),
                "{header}: {error}"
            );
        }
    }

    #[test]
    fn text_is_already_decoded_and_binary_is_not() {
        let truncated_gzip = gzip(b"{\"a\":1}");
        for (body, already_decoded) in [
            (&br#"{"email":"a@example.com"}"#[..], true),
            (b"cid=555&dl=https%3A%2F%2Fexample.com%2F", true),
            (b"<xml a=\"1\">\r\n\t</xml>", true),
            ("Grüße, 世界".as_bytes(), true),
            (&truncated_gzip[..truncated_gzip.len() - 4], false),
            (b"", false),
            (b"abc\x00def", false),
            (b"\xff\xfe not compressed at all", false),
            (b"\x08\x96\x01\x12\x03abc", false),
        ] {
            assert_eq!(is_already_decoded(body), already_decoded, "{body:?}");
        }
    }
}
