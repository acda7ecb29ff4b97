//! Removing `Content-Encoding` from request bodies, bounded against decompression bombs.
//!
//! Telemetry SDKs often gzip their beacons; the scanner must see the plain bytes. Because the
//! bytes come from the capture, every decoder grows its output in small steps and stops at a
//! cap: an absolute one ([`MAX_DECODED`]) and a ratio one ([`MAX_RATIO`], applied past
//! [`RATIO_FLOOR`] bytes) that flags output far out of proportion to its input. On any failure
//! the caller keeps the body as captured and records an anomaly.

use std::io::Read;

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

/// Most bytes one body may decode to.
pub const MAX_DECODED: usize = 64 * 1024 * 1024;
/// Most output bytes per input byte, once the output is past [`RATIO_FLOOR`].
pub const MAX_RATIO: usize = 1000;
/// Output size under which the ratio is not checked (small bodies compress extremely well).
pub const RATIO_FLOOR: usize = 1024 * 1024;

/// Why a content coding could not be removed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentEncodingError {
    /// A coding we do not implement (`br`, `zstd`, `compress`, ...).
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

/// Read a decoder to its end in 64 KiB steps under the caps.
fn read_bounded(
    mut decoder: impl Read,
    coding: &str,
    input_len: usize,
) -> Result<Vec<u8>, ContentEncodingError> {
    let ratio_cap = input_len.saturating_mul(MAX_RATIO).max(RATIO_FLOOR);
    let limit = ratio_cap.min(MAX_DECODED);
    let mut out = Vec::new();
    let mut step = vec![0u8; 64 * 1024];
    loop {
        let n = decoder
            .read(&mut step)
            .map_err(|e| ContentEncodingError::Corrupt {
                coding: coding.to_string(),
                message: e.to_string(),
            })?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(step.get(..n).unwrap_or_default());
        if out.len() > limit {
            return Err(ContentEncodingError::TooLarge {
                coding: coding.to_string(),
                limit,
            });
        }
    }
}

/// Remove one content coding (already lowercased and trimmed).
pub fn decode_one(coding: &str, input: &[u8]) -> Result<Vec<u8>, ContentEncodingError> {
    match coding {
        "identity" => Ok(input.to_vec()),
        "gzip" | "x-gzip" => read_bounded(MultiGzDecoder::new(input), coding, input.len()),
        "deflate" => {
            // "deflate" is specified as zlib, but many clients send a raw deflate stream.
            let zlib = input.first().zip(input.get(1)).is_some_and(|(&cmf, &flg)| {
                cmf & 0x0f == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
            });
            if zlib {
                read_bounded(ZlibDecoder::new(input), coding, input.len())
            } else {
                read_bounded(DeflateDecoder::new(input), coding, input.len())
            }
        }
        other => Err(ContentEncodingError::Unsupported(other.to_string())),
    }
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
            decode_content_encoding("br", b"x").unwrap_err().to_string(),
            "unsupported content-encoding br"
        );
    }

    #[test]
    fn bombs_hit_the_cap() {
        let bomb = gzip(&vec![0u8; MAX_DECODED + 1024]);
        assert!(matches!(
            decode_content_encoding("gzip", &bomb),
            Err(ContentEncodingError::TooLarge { .. })
        ));
    }
}
