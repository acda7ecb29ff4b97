//! HTTP parsing and capture reading for leakscope.
//!
//! This crate turns captured traffic into requests a privacy scanner can look at. It reads
//! three capture formats (HAR 1.2, raw HTTP/1.x byte streams, NDJSON) into one owned model,
//! [`Exchange`], and cuts each request into the values that senders use to carry data:
//! [`request_parts`] yields path segments, query parameters, headers, cookies and body fields,
//! each with a readable location such as `query[dl]` or `body form[data]`.
//!
//! # Two steps: the envelope, then the content
//!
//! Following the rusticata parsers, parsing happens in two separate steps. The *envelope* is
//! the framing: where a message starts and ends, which bytes are headers and which are body
//! (the nom parsers in [`message`] and [`chunked`], or the JSON structure of a HAR file). The
//! *content* is what the request says: the query string, the form fields, the multipart parts
//! ([`urlencoded`], [`cookies`], [`multipart`], [`parts`]). Keeping them apart means the same
//! content parsers serve every capture format, and an odd body never breaks framing.
//!
//! The nom parsers borrow from their input and are streaming: too little input is answered
//! "partial, need more" ([`Status::Partial`]), never an error, as `httparse` does. Limits
//! ([`MAX_HEADERS`], [`MAX_HEADER_LINE`], [`MAX_BODY`]) are named constants checked before
//! anything is buffered; breaking one is an [`Anomaly`] on the request when the message can
//! still be framed, and an error only when it cannot.
//!
//! # Why streaming
//!
//! Captures get big (a day of a phone's traffic is gigabytes of HAR), and a scanner is often
//! run on machines that cannot hold such a file in memory. So every reader is an iterator that
//! holds only the record being read: the HAR reader walks the JSON structure with a small byte
//! scanner and deserializes one entry at a time; the raw reader buffers one message; the NDJSON
//! reader one line. Errors are items of the iterator: a broken entry costs only that entry,
//! and [`CaptureError::is_fatal`] says when the file cannot be read further.
//!
//! # Safety against hostile input
//!
//! Captures come from untrusted apps and servers. Nothing here panics on any input, there is
//! no `unsafe`, and decompression of request bodies ([`content_encoding`], with the decompressors
//! of `leakscope-codecs`) grows in steps under both an absolute cap and a ratio cap.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod capture;
pub mod chunked;
pub mod content_encoding;
pub mod cookies;
pub mod exchange;
pub mod message;
pub mod multipart;
pub mod parts;
pub mod urlencoded;

pub use capture::{
    CaptureError, CaptureFormat, CaptureReader, open_capture, read_capture, sniff_format,
};
pub use exchange::{Anomaly, Exchange, Header, Position, url_host};
pub use message::{
    HttpError, MAX_BODY, MAX_HEADER_LINE, MAX_HEADERS, Status, parse_headers, parse_request,
    parse_request_line, parse_response, parse_status_line,
};
pub use parts::{Part, PartKind, request_parts};
