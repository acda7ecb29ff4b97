//! Peel the encoding layers off captured values.
//!
//! Telemetry rarely travels as plain text. The Sensors Analytics SDK that Xiaomi's browsers used
//! sends `data_list=` + URL-encoding of base64 of gzip of a JSON array; Firebase sends gzip of
//! protobuf; JWTs are base64url JSON. This crate turns one captured value into the *leaves* hidden
//! inside it, and every leaf remembers the whole chain of layers it came through:
//!
//! ```text
//! body form[data_list] > base64 > gzip > json $[0].properties.$model   = "Redmi Note 8 Pro"
//! ```
//!
//! The design in three pieces:
//!
//! - A [`Decoder`] takes **one** step, in one of two roles. Every decoder is an [`Encoding`]:
//!   it states its name and what a value [`Needs`] to be worth a look (length, byte classes,
//!   first byte) in its [`About`], and has a cheap [`Encoding::sniff`] that says whether the
//!   input could be this encoding.
//!   A [`Layer`] (base64, gzip) then peels the layer off and yields the bytes under it; a
//!   [`Structure`] (JSON, a query string, protobuf) splits the input and hands each named field
//!   to a sink as it finds it. Decoders are conservative: output that is not plausible (binary
//!   garbage from a word that happened to be valid base64) is rejected, so a value is only ever
//!   unwrapped when the layer is real. Adding a decoder is one file in `decoders/` and one line
//!   in [`decoders::default_decoders`]; a library user's own decoder goes into
//!   [`Unwrapper::with_decoders`] the same way.
//! - The [`Unwrapper`] applies the decoders recursively: each layer's output is sniffed again,
//!   until nothing more applies; what is left is a [`Leaf`], with its [`Path`] and, when its
//!   bytes are in the input as they are, its [`Span`]. Most values have nothing to decode: one
//!   pass makes a [`Profile`] of the value, and a table built from the decoders' needs says
//!   which (usually none) to ask.
//! - A [`Budget`] bounds all of it per request: nesting depth, total decoded bytes, expansion
//!   ratio of decompression and number of leaves. A tripped budget becomes a [`Note`] (a gzip
//!   bomb is reported, not suffered), never a panic or unbounded memory.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod budget;
mod candidates;
mod decoder;
pub mod decoders;
mod path;
mod profile;
pub mod text;
mod unwrap;

pub use budget::{Budget, Limits, MAX_NOTES, Note};
pub use decoder::{
    About, DecodeError, Decoded, Decoder, Encoding, Field, FieldRef, FieldSink, Layer, Split,
    Structure,
};
/// The limit a decoding hit ([`DecodeError::Budget`]): the decompressors' own error, held as
/// it is.
pub use leakscope_codecs::compress::Exceeded;
pub use path::{Path, Step};
pub use profile::{Needs, Profile, class};
pub use unwrap::{Leaf, LeafBuf, Span, Unwrapper, lossy_text};
