//! The decoders, one encoding a file.
//!
//! To add one: write a type implementing [`Decoder`](crate::Decoder) in a new file here and add
//! it to [`default_decoders`]. Order matters: the first decoder whose sniff says yes and whose
//! decode succeeds wins, so self-identifying formats (magic numbers, JSON) come before the
//! text encodings that could also match them.

mod base32;
mod base58;
mod base64;
mod bounded_read;
mod brotli;
mod deflate;
mod escapes;
mod gzip;
mod hex;
mod html;
mod json;
mod jwt;
mod percent;
pub(crate) mod protobuf;
mod query;
mod url;
mod zlib;
mod zstd;

pub use self::base32::Base32;
pub use self::base58::Base58;
pub use self::base64::Base64;
pub use self::brotli::Brotli;
pub use self::deflate::RawDeflate;
pub use self::escapes::Escapes;
pub use self::gzip::Gzip;
pub use self::hex::Hex;
pub use self::html::HtmlEntities;
pub use self::json::Json;
pub use self::jwt::Jwt;
pub use self::percent::Percent;
pub use self::protobuf::Protobuf;
pub use self::query::QueryString;
pub use self::url::Url;
pub use self::zlib::Zlib;
pub use self::zstd::Zstd;

use crate::Decoder;

/// The decoders the unwrapper uses unless told otherwise, in the order they are tried.
pub fn default_decoders() -> Vec<Box<dyn Decoder>> {
    vec![
        // Binary layers with a magic number: unambiguous.
        Box::new(Gzip),
        Box::new(Zlib),
        Box::new(Zstd),
        // Structures that say what they are in their first bytes.
        Box::new(Jwt),
        Box::new(Json),
        Box::new(Url),
        // A query string before percent-decoding: each parameter is decoded on its own, so a
        // `%26` inside a value does not split it.
        Box::new(QueryString),
        Box::new(Percent),
        Box::new(Escapes),
        Box::new(HtmlEntities),
        // Hex before base64: every hex string is also valid base64 (of noise).
        Box::new(Hex),
        Box::new(Base64),
        Box::new(Base32),
        // After base64: most base58 strings are valid base64 of noise, which base64 refuses.
        Box::new(Base58),
        // Binary formats without a magic number, tried last and never on text. Compression
        // first: it only accepts a stream that ends exactly at the end of the input, while a
        // small share of random bytes parses as protobuf.
        Box::new(Brotli),
        Box::new(RawDeflate),
        Box::new(Protobuf),
    ]
}

/// Helpers shared by the decoders' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use std::io::Write;

    use crate::{Budget, Decoded, Decoder};

    /// What a layer decoder makes of `input`, as text: `None` when its sniff or its decode
    /// declines, or the output is not UTF-8.
    pub(crate) fn layer_text(decoder: &dyn Decoder, input: &str) -> Option<String> {
        if !decoder.sniff_alone(input.as_bytes()) {
            return None;
        }
        match decoder.decode(input.as_bytes(), &mut Budget::default()) {
            Ok(Decoded::Bytes(out)) => String::from_utf8(out).ok(),
            _ => None,
        }
    }

    /// gzip with the default level (the reference encoder).
    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("writing to a Vec");
        enc.finish().expect("writing to a Vec")
    }
}
