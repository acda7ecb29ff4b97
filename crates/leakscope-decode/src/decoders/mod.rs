//! The decoders, one encoding a file.
//!
//! To add one: write a type implementing [`Decoder`](crate::Decoder) in a new file here and add
//! it to [`default_decoders`]. Order matters: the first decoder whose sniff says yes and whose
//! decode succeeds wins, so self-identifying formats (magic numbers, JSON) come before the
//! text encodings that could also match them.

mod base64;
mod bounded_read;
mod gzip;
mod json;
mod percent;
mod zlib;

pub use self::base64::Base64;
pub use self::gzip::Gzip;
pub use self::json::Json;
pub use self::percent::Percent;
pub use self::zlib::Zlib;

use crate::Decoder;

/// The decoders the unwrapper uses unless told otherwise, in the order they are tried.
pub fn default_decoders() -> Vec<Box<dyn Decoder>> {
    vec![
        Box::new(Gzip),
        Box::new(Zlib),
        Box::new(Json),
        Box::new(Percent),
        Box::new(Base64),
    ]
}
