//! The byte codecs that reading captures and peeling layers share.
//!
//! `leakscope-http` meets URLs, query strings and form bodies while it cuts a request into
//! parts; `leakscope-decode` meets the same encodings again inside values (a URL in a form
//! field, a percent-encoded payload, hex). Both call this crate, so each encoding is read one
//! way only, and a fix to one is a fix to both.
//!
//! - [`url`]: a URL split into its parts by borrowing from the text, never allocating, and
//!   tolerant of the malformed URLs captures contain.
//! - [`percent`]: percent-decoding (`%XX`), with or without `+` as a space, and encoding.
//! - [`hex`]: hex digits and hex decoding.
//! - [`form`]: the `name=value` pairs of query strings and form bodies
//!   (`application/x-www-form-urlencoded`), and form encoding.
//!
//! Nothing here panics on any input, and there is no `unsafe`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod form;
pub mod hex;
pub mod percent;
pub mod url;
