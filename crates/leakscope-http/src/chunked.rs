//! The chunked transfer coding (RFC 9112 section 7.1): size lines with optional extensions,
//! data, the last chunk and an optional trailer section.
//!
//! Chunk sizes come from the wire, so every size is checked against [`MAX_BODY`] before any
//! byte is waited for or copied.

use std::borrow::Cow;

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::space0;
use nom::combinator::{all_consuming, opt};
use nom::{Err, Needed, Parser};

use crate::message::{
    HeaderField, HttpErrorKind, MAX_BODY, MResult, MessageError, parse_headers, parse_line,
};

/// A de-chunked body: the joined data and any trailer fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkedBody<'a> {
    /// The data of all chunks, joined; borrowed when the body had a single chunk.
    pub data: Cow<'a, [u8]>,
    /// Trailer fields after the last chunk.
    pub trailers: Vec<HeaderField<'a>>,
}

fn bad_chunk(input: &[u8]) -> Err<MessageError<'_>> {
    Err::Error(MessageError::new(input, HttpErrorKind::BadChunk))
}

/// Parse a chunk-size line: hex size, optional whitespace and `;extension`s.
pub fn parse_chunk_size(input: &[u8]) -> MResult<'_, u64> {
    let (rest, line) = parse_line(input)?;
    let mut fields = all_consuming((
        take_while1(|b: u8| b.is_ascii_hexdigit()),
        space0,
        opt((tag(&b";"[..]), take_while(|_| true))),
    ));
    let parsed: MResult<'_, (&[u8], &[u8], _)> = fields.parse(line);
    let (_, (hex, _, _)) = parsed.map_err(|_| bad_chunk(input))?;
    let mut size: u64 = 0;
    for &digit in hex {
        let value = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            b'A'..=b'F' => digit - b'A' + 10,
            _ => return Err(bad_chunk(input)),
        };
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(value)))
            .ok_or_else(|| {
                Err::Error(MessageError::new(
                    input,
                    HttpErrorKind::BodyTooLarge(u64::MAX),
                ))
            })?;
    }
    Ok((rest, size))
}

/// The line ending after chunk data: CRLF or a bare LF.
fn chunk_data_end(input: &[u8]) -> MResult<'_, ()> {
    match input {
        [b'\r', b'\n', rest @ ..] | [b'\n', rest @ ..] => Ok((rest, ())),
        [] | [b'\r'] => Err(Err::Incomplete(Needed::Unknown)),
        _ => Err(bad_chunk(input)),
    }
}

/// Parse a whole chunked body, up to and including the trailer section's empty line.
pub fn parse_chunked_body(input: &[u8]) -> MResult<'_, ChunkedBody<'_>> {
    let mut rest = input;
    let mut data: Cow<'_, [u8]> = Cow::Borrowed(&[]);
    let mut total: u64 = 0;
    loop {
        let (after, size) = parse_chunk_size(rest)?;
        if size == 0 {
            let (after, trailers) = parse_headers(after)?;
            return Ok((
                after,
                ChunkedBody {
                    data,
                    trailers: trailers.fields,
                },
            ));
        }
        total = total.saturating_add(size);
        if total > MAX_BODY {
            return Err(Err::Error(MessageError::new(
                rest,
                HttpErrorKind::BodyTooLarge(total),
            )));
        }
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let (Some(chunk), Some(after_chunk)) = (after.get(..size), after.get(size..)) else {
            return Err(Err::Incomplete(Needed::new(
                size.saturating_sub(after.len()),
            )));
        };
        let (after_end, ()) = chunk_data_end(after_chunk)?;
        if data.is_empty() {
            data = Cow::Borrowed(chunk);
        } else {
            data.to_mut().extend_from_slice(chunk);
        }
        rest = after_end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_lines() {
        assert_eq!(parse_chunk_size(b"1a\r\n").unwrap().1, 26);
        assert_eq!(parse_chunk_size(b"1A;name=val;x\n").unwrap().1, 26);
        assert_eq!(parse_chunk_size(b"0 \r\n").unwrap().1, 0);
        assert!(parse_chunk_size(b"zz\r\n").is_err());
        assert!(parse_chunk_size(b"10000000000000000\r\n").is_err());
        assert!(matches!(parse_chunk_size(b"1a"), Err(Err::Incomplete(_))));
    }

    #[test]
    fn single_chunk_borrows_many_chunks_join() {
        let (rest, body) = parse_chunked_body(b"3\r\nabc\r\n0\r\n\r\nNEXT").unwrap();
        assert_eq!(rest, b"NEXT");
        assert!(matches!(body.data, Cow::Borrowed(b"abc")));
        let (_, body) = parse_chunked_body(b"3\nabc\n2\nde\n0\nT: 1\n\n").unwrap();
        assert_eq!(body.data.as_ref(), b"abcde");
        assert_eq!(body.trailers.len(), 1);
    }

    #[test]
    fn broken_and_partial_chunks() {
        assert!(parse_chunked_body(b"3\r\nabcX\r\n0\r\n\r\n").is_err());
        assert!(matches!(
            parse_chunked_body(b"3\r\nab"),
            Err(Err::Incomplete(_))
        ));
        assert!(matches!(
            parse_chunked_body(b"3\r\nabc\r"),
            Err(Err::Incomplete(_))
        ));
        assert!(matches!(
            parse_chunked_body(b"3\r\nabc\r\n0\r\n"),
            Err(Err::Incomplete(_))
        ));
        assert!(parse_chunked_body(b"fffffffffff\r\n").is_err());
    }
}
