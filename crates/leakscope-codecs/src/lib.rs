//! The byte codecs that reading captures and peeling layers share.
//!
//! Two crates meet the same encodings from two sides. `leakscope-http` meets URLs, query
//! strings and form bodies while it cuts a request into parts, and removes a request's
//! `Content-Encoding`; `leakscope-decode` meets the same encodings again inside values (a URL in
//! a form field, a percent-encoded payload, hex, `base64(gzip(JSON))`). Each codec lives here
//! once, so both sides read the same bytes the same way, with the same checks, at the speed of
//! the faster of them, and a fix to one is a fix to both. Neither of those crates depends on
//! the other; both depend on this one, which depends on no other workspace crate.
//!
//! - [`url`]: a URL split into its parts by borrowing from the text, never allocating, and
//!   tolerant of the malformed URLs captures contain.
//! - [`percent`]: percent-decoding (`%XX`), with or without `+` as a space, and encoding.
//! - [`hex`]: hex digits and hex decoding.
//! - [`form`]: the `name=value` pairs of query strings and form bodies
//!   (`application/x-www-form-urlencoded`), and form encoding.
//! - [`compress`]: gzip (all members), zlib, raw deflate, brotli and zstd, each decoded under an
//!   output allowance and an expansion-ratio check, so a decompression bomb is an error, not
//!   gigabytes of memory. With the `reference-encoders` feature, `compress::reference` holds
//!   the encoders the workspace's tests compress their input with (flate2, brotli, ruzstd).
//!
//! Everything here takes untrusted bytes: no `unsafe`, no panics on any input.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod compress;
pub mod form;
pub mod hex;
pub mod percent;
pub mod url;
