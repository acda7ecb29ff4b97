//! Removing `Content-Encoding` from request bodies, bounded against decompression bombs.
//!
//! Telemetry SDKs often compress their beacons (gzip mostly, brotli and zstd increasingly);
//! the scanner must see the plain bytes. Because the bytes come from the capture, every decoder
//! grows its output in small steps and stops at a cap: an absolute one ([`MAX_DECODED`]) and a
//! ratio one ([`MAX_RATIO`], applied past [`RATIO_FLOOR`] bytes) that flags output far out of
//! proportion to its input. The decoders' own working memory is bounded too: brotli's window is
//! at most 16 MiB by its format, and a zstd frame declaring a window over [`MAX_ZSTD_WINDOW`] is
//! refused before decoding starts. On any failure the caller keeps the body as captured and
//! records an anomaly.

use std::io::{self, Read};

use brotli_decompressor::Decompressor;
use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

/// Most bytes one body may decode to.
pub const MAX_DECODED: usize = 64 * 1024 * 1024;
/// Most output bytes per input byte, once the output is past [`RATIO_FLOOR`].
pub const MAX_RATIO: usize = 1000;
/// Output size under which the ratio is not checked (small bodies compress extremely well).
pub const RATIO_FLOOR: usize = 1024 * 1024;
/// Largest window a zstd frame may declare (8 MiB, the limit RFC 9659 sets for zstd as an HTTP
/// content coding). The decoder keeps up to a window of output in memory before handing any
/// out, so the output cap alone could not bound its memory.
pub const MAX_ZSTD_WINDOW: u64 = 8 * 1024 * 1024;

/// Size of the brotli decompressor's input buffer.
const BROTLI_BUFFER: usize = 4096;

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

/// The magic number that starts every zstd frame (0xFD2FB528, little-endian).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The window a zstd frame header declares (RFC 8878 section 3.1.1.1): from the window
/// descriptor, or the content size when the frame is a single segment. `None` when the header
/// is cut short.
fn zstd_window(frame: &[u8]) -> Option<u64> {
    let descriptor = *frame.get(4)?;
    let single_segment = descriptor & 0x20 != 0;
    if !single_segment {
        let window_descriptor = *frame.get(5)?;
        let exponent = u32::from(window_descriptor >> 3);
        let mantissa = u64::from(window_descriptor & 0x07);
        let base = 1u64 << (10 + exponent);
        return Some(base + base / 8 * mantissa);
    }
    let dictionary_id_len = match descriptor & 0x03 {
        0 => 0,
        1 => 1,
        2 => 2,
        _ => 4,
    };
    let (size_len, bias) = match descriptor >> 6 {
        0 => (1, 0),
        1 => (2, 256),
        2 => (4, 0),
        _ => (8, 0),
    };
    let start = 5 + dictionary_id_len;
    let field = frame.get(start..start + size_len)?;
    let size = field
        .iter()
        .rev()
        .fold(0u64, |acc, &byte| acc << 8 | u64::from(byte));
    Some(size.saturating_add(bias))
}

/// A reader over every frame of a zstd body: data frames are decoded one after the other,
/// skippable frames (metadata) are passed over, and a frame whose window is over
/// [`MAX_ZSTD_WINDOW`] is an error before any of it is decoded.
struct ZstdFrames<'a> {
    /// Input not yet handed to a frame decoder.
    rest: &'a [u8],
    /// The frame being decoded.
    current: Option<StreamingDecoder<&'a [u8], FrameDecoder>>,
}

impl<'a> ZstdFrames<'a> {
    fn new(input: &'a [u8]) -> Self {
        ZstdFrames {
            rest: input,
            current: None,
        }
    }

    /// Start decoding the frame at the front of `rest`, or skip it when it is skippable.
    fn next_frame(&mut self) -> io::Result<()> {
        if let [0x50..=0x5f, 0x2a, 0x4d, 0x18, rest @ ..] = self.rest {
            let (Some(len), Some(after_len)) = (rest.get(..4), rest.get(4..)) else {
                return Err(io::Error::other("truncated skippable frame"));
            };
            let len = len
                .iter()
                .rev()
                .fold(0usize, |acc, &byte| acc << 8 | usize::from(byte));
            self.rest = after_len
                .get(len..)
                .ok_or_else(|| io::Error::other("truncated skippable frame"))?;
            return Ok(());
        }
        if !self.rest.starts_with(&ZSTD_MAGIC) {
            return Err(io::Error::other("not a zstd frame"));
        }
        let window =
            zstd_window(self.rest).ok_or_else(|| io::Error::other("truncated frame header"))?;
        if window > MAX_ZSTD_WINDOW {
            return Err(io::Error::other(format!(
                "frame window of {window} bytes exceeds {MAX_ZSTD_WINDOW} bytes"
            )));
        }
        let decoder = StreamingDecoder::new(self.rest).map_err(io::Error::other)?;
        self.current = Some(decoder);
        Ok(())
    }
}

impl Read for ZstdFrames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(decoder) = &mut self.current {
                let n = decoder.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                // The frame is finished; the slice it read from has advanced past it.
                if let Some(done) = self.current.take() {
                    self.rest = done.into_inner();
                }
                continue;
            }
            if self.rest.is_empty() {
                return Ok(0);
            }
            self.next_frame()?;
        }
    }
}

/// Remove one content coding (already lowercased and trimmed): `identity`, `gzip`/`x-gzip`
/// (concatenated members too), `deflate` (zlib or raw), `br`, `zstd` (concatenated and
/// skippable frames too).
pub fn decode_one(coding: &str, input: &[u8]) -> Result<Vec<u8>, ContentEncodingError> {
    match coding {
        "identity" => Ok(input.to_vec()),
        "gzip" | "x-gzip" => read_bounded(MultiGzDecoder::new(input), coding, input.len()),
        "br" => read_bounded(Decompressor::new(input, BROTLI_BUFFER), coding, input.len()),
        "zstd" => read_bounded(ZstdFrames::new(input), coding, input.len()),
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
        assert_eq!(zstd_window(&header), Some(1 << 30));
        let e = decode_content_encoding("zstd", &header).unwrap_err();
        assert!(e.to_string().contains("window"), "{e}");
        // Single segment: the window is the content size (2-byte field, biased by 256).
        assert_eq!(
            zstd_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x60, 0x00, 0x01]),
            Some(256 + 256)
        );
        assert_eq!(zstd_window(&[0x28, 0xb5, 0x2f, 0xfd]), None);
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
}
