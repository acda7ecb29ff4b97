//! Reference encoders for tests that need compressed input: flate2 (gzip, zlib, raw deflate),
//! the `brotli` crate and ruzstd, each at one fixed setting.
//!
//! They are other implementations than the decoders beside them, so a round trip through one
//! tests the decoder against the format rather than against itself. leakscope never
//! compresses: the module exists under `cfg(test)` and the `reference-encoders` feature, which
//! the workspace's crates enable in their dev-dependencies only.

use std::io::Write;

/// The message of the one `expect` here: writing to a vector cannot fail.
const IN_MEMORY: &str = "writing to a Vec cannot fail";

/// One gzip member of `data`, at flate2's default level.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect(IN_MEMORY);
    encoder.finish().expect(IN_MEMORY)
}

/// A zlib stream of `data`, at flate2's default level.
pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect(IN_MEMORY);
    encoder.finish().expect(IN_MEMORY)
}

/// A raw deflate stream of `data`, at flate2's default level.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect(IN_MEMORY);
    encoder.finish().expect(IN_MEMORY)
}

/// A brotli stream of `data`: quality 9, a 4 MiB window.
pub fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
        encoder.write_all(data).expect(IN_MEMORY);
    }
    out
}

/// One Zstandard frame of `data`, at ruzstd's fastest level.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}
