//! nom parsers for the HTTP/1.x envelope: request line, status line, header block, and the
//! body framing that follows from them (Content-Length, chunked, read-to-end).
//!
//! The parsers borrow from their input and never copy unless the wire format forces it (an
//! obs-folded header value or a multi-chunk body is joined into an owned buffer).
//!
//! Every parser here is *streaming*: when the input stops before the thing being parsed is
//! complete it answers `Err::Incomplete` (and the drivers [`parse_request`] and
//! [`parse_response`] answer [`Status::Partial`]), never an error, so a reader can simply read
//! more bytes and try again. Lines are located first (with a length limit) and their content is
//! then parsed with nom's `complete` combinators; this keeps "need more" and "malformed" cleanly
//! apart.

use std::borrow::Cow;
use std::fmt;

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{digit1, space0, space1};
use nom::combinator::{all_consuming, opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::{Err, IResult, Needed, Parser};

use crate::chunked::parse_chunked_body;

/// Most header fields kept for one message; further fields are dropped with an anomaly, so a
/// hostile message cannot make us allocate without bound while the framing still works.
pub const MAX_HEADERS: usize = 256;
/// Longest accepted line (request line, status line, header line, chunk-size line), in bytes
/// including the line ending. A longer line is an error: without its end we cannot frame the
/// message, and waiting for it would mean buffering without bound.
pub const MAX_HEADER_LINE: usize = 64 * 1024;
/// Largest header section (all header lines together) in bytes.
pub const MAX_HEADER_SECTION: usize = 1024 * 1024;
/// Largest accepted message body in bytes (after removing chunked framing).
pub const MAX_BODY: u64 = 256 * 1024 * 1024;

/// The answer of a parse that may need more input, as in `httparse`: too little input is not an
/// error, it is "partial".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<T> {
    /// The whole thing was parsed.
    Complete(T),
    /// The input ends before the thing is complete; call again with more bytes.
    Partial,
}

impl<T> Status<T> {
    /// `true` for [`Status::Complete`].
    pub fn is_complete(&self) -> bool {
        matches!(self, Status::Complete(_))
    }

    /// The completed value, if any.
    pub fn complete(self) -> Option<T> {
        match self {
            Status::Complete(t) => Some(t),
            Status::Partial => None,
        }
    }
}

/// What went wrong in a malformed HTTP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpErrorKind {
    /// The first line is not `METHOD SP target SP HTTP/x.y`.
    BadRequestLine,
    /// The first line is not `HTTP/x.y SP code [SP reason]`.
    BadStatusLine,
    /// A header line has no name or no colon.
    BadHeader,
    /// A line exceeds [`MAX_HEADER_LINE`].
    LineTooLong,
    /// The header section exceeds [`MAX_HEADER_SECTION`].
    HeaderSectionTooLarge,
    /// Content-Length is not a number, or several disagree.
    BadContentLength,
    /// A request uses a transfer coding whose framing we cannot follow.
    UnsupportedTransferEncoding(String),
    /// The chunked framing is broken (bad size line, missing CRLF after the data).
    BadChunk,
    /// The body exceeds [`MAX_BODY`].
    BodyTooLarge(u64),
}

impl fmt::Display for HttpErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpErrorKind::BadRequestLine => f.write_str("malformed request line"),
            HttpErrorKind::BadStatusLine => f.write_str("malformed status line"),
            HttpErrorKind::BadHeader => f.write_str("malformed header line"),
            HttpErrorKind::LineTooLong => {
                write!(f, "line longer than {MAX_HEADER_LINE} bytes")
            }
            HttpErrorKind::HeaderSectionTooLarge => {
                write!(f, "header section larger than {MAX_HEADER_SECTION} bytes")
            }
            HttpErrorKind::BadContentLength => f.write_str("invalid Content-Length"),
            HttpErrorKind::UnsupportedTransferEncoding(te) => {
                write!(f, "unsupported Transfer-Encoding {te:?} on a request")
            }
            HttpErrorKind::BadChunk => f.write_str("malformed chunked body"),
            HttpErrorKind::BodyTooLarge(n) => {
                write!(f, "body of {n} bytes exceeds the limit of {MAX_BODY} bytes")
            }
        }
    }
}

/// A malformed HTTP message: what was wrong and at which byte of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset} of the message")]
pub struct HttpError {
    /// Offset from the start of the message where the problem was found.
    pub offset: usize,
    /// What was wrong.
    pub kind: HttpErrorKind,
}

/// The nom error type of this module: where (the remaining input) and what.
///
/// A custom type rather than `nom::error::Error` so that limit violations keep their meaning
/// ("line too long") instead of collapsing into a generic nom `ErrorKind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageError<'a> {
    /// The input remaining where the error was found.
    pub input: &'a [u8],
    /// What was wrong.
    pub kind: HttpErrorKind,
}

impl<'a> MessageError<'a> {
    /// An error of `kind` at `input`.
    pub fn new(input: &'a [u8], kind: HttpErrorKind) -> Self {
        MessageError { input, kind }
    }

    /// Turn into an [`HttpError`] with an offset relative to `whole`, the input the parse
    /// started from (of which `self.input` is a suffix).
    pub fn into_http_error(self, whole: &[u8]) -> HttpError {
        HttpError {
            offset: whole.len().saturating_sub(self.input.len()),
            kind: self.kind,
        }
    }
}

impl<'a> ParseError<&'a [u8]> for MessageError<'a> {
    fn from_error_kind(input: &'a [u8], _kind: ErrorKind) -> Self {
        // Callers replace the kind with what they were parsing (see `relabel`).
        MessageError::new(input, HttpErrorKind::BadHeader)
    }

    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

/// Shorthand for this module's parser results.
pub type MResult<'a, T> = IResult<&'a [u8], T, MessageError<'a>>;

fn fail<T>(input: &[u8], kind: HttpErrorKind) -> MResult<'_, T> {
    Err(Err::Error(MessageError::new(input, kind)))
}

/// Give a parse error of a sub-parser the meaning of what we were parsing, located at `at`.
fn relabel<'a>(
    at: &'a [u8],
    kind: HttpErrorKind,
) -> impl Fn(Err<MessageError<'a>>) -> Err<MessageError<'a>> {
    move |e| match e {
        Err::Incomplete(n) => Err::Incomplete(n),
        Err::Error(_) => Err::Error(MessageError::new(at, kind.clone())),
        Err::Failure(_) => Err::Failure(MessageError::new(at, kind.clone())),
    }
}

/// Split off one line ending in LF (a CR before the LF is removed, so bare-LF lines are
/// tolerated). `Incomplete` when no LF is in sight yet; an error when the line would exceed
/// [`MAX_HEADER_LINE`].
pub fn parse_line(input: &[u8]) -> MResult<'_, &[u8]> {
    let window = input.get(..MAX_HEADER_LINE).unwrap_or(input);
    match memchr::memchr(b'\n', window) {
        Some(lf) => {
            let line = input.get(..lf).unwrap_or_default();
            let rest = input.get(lf + 1..).unwrap_or_default();
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            Ok((rest, line))
        }
        None if input.len() >= MAX_HEADER_LINE => fail(input, HttpErrorKind::LineTooLong),
        None => Err(Err::Incomplete(Needed::Unknown)),
    }
}

/// `TCHAR[b]` says whether byte `b` is an RFC 9110 `tchar` (a lookup, since every byte of every
/// method and header name is checked).
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// RFC 9110 `tchar`: the characters of a method or header name.
#[inline]
pub fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// A request target: visible ASCII or any non-ASCII byte, up to the next space. Written with
/// `memchr` and a branch-free check rather than a byte-at-a-time `take_while1`, because targets
/// of analytics beacons run to hundreds of bytes.
fn request_target(input: &[u8]) -> MResult<'_, &[u8]> {
    let end = memchr::memchr2(b' ', b'\t', input).unwrap_or(input.len());
    let (target, rest) = input.split_at(end);
    // Count the bytes that are not allowed (controls, DEL); a fold without early exit lets the
    // compiler vectorise it.
    let invalid = target
        .iter()
        .fold(0usize, |n, &b| n + usize::from(b <= b' ' || b == 0x7f));
    if target.is_empty() || invalid != 0 {
        return fail(input, HttpErrorKind::BadRequestLine);
    }
    Ok((rest, target))
}

fn ascii(bytes: &[u8]) -> &str {
    // Only called on slices already checked to be ASCII by their parser.
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// `HTTP/1.1`, also `HTTP/1` or `HTTP/2` as some tools write them.
fn http_version(input: &[u8]) -> MResult<'_, &[u8]> {
    recognize((tag(&b"HTTP/"[..]), digit1, opt((tag(&b"."[..]), digit1)))).parse(input)
}

/// The form of a request target (RFC 9112 section 3.2), which decides how the URL is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetForm {
    /// `/path?query`: the usual form; the host comes from the Host header.
    Origin,
    /// `http://host/path`: used towards proxies; the target is the URL.
    Absolute,
    /// `host:port`: only for CONNECT.
    Authority,
    /// `*`: only for server-wide OPTIONS.
    Asterisk,
}

impl TargetForm {
    /// Classify a request target.
    pub fn of(target: &[u8]) -> TargetForm {
        if target == b"*" {
            TargetForm::Asterisk
        } else if target.starts_with(b"/") {
            TargetForm::Origin
        } else if memchr::memmem::find(target, b"://").is_some() {
            TargetForm::Absolute
        } else {
            TargetForm::Authority
        }
    }
}

/// A parsed request line, borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The method (`tchar`s only).
    pub method: &'a str,
    /// The request target as sent; may contain non-UTF-8 bytes.
    pub target: &'a [u8],
    /// Which form the target has.
    pub form: TargetForm,
    /// `HTTP/1.1` and the like.
    pub version: &'a str,
    /// The target held unencoded spaces (`GET /search?q=foo bar HTTP/1.1`): it was taken as
    /// everything between the method and the version after the last space.
    pub spaces_in_target: bool,
}

/// Parse `METHOD SP request-target SP HTTP-version` and its line ending.
///
/// Lenient about unencoded spaces inside the target, which broken clients send: when the
/// strict form does not match, the version is taken after the last space and everything
/// between the method and it is the target ([`RequestLine::spaces_in_target`] is set).
pub fn parse_request_line(input: &[u8]) -> MResult<'_, RequestLine<'_>> {
    let (rest, line) = parse_line(input)?;
    let mut fields = all_consuming((
        take_while1(is_tchar),
        space1,
        request_target,
        space1,
        http_version,
        space0,
    ));
    let parsed = match fields.parse(line) {
        Ok((_, (method, _, target, _, version, _))) => (method, target, version, false),
        Err(e) => match lenient_request_line(line) {
            Some((method, target, version)) => (method, target, version, true),
            None => return Err(relabel(input, HttpErrorKind::BadRequestLine)(e)),
        },
    };
    let (method, target, version, spaces_in_target) = parsed;
    Ok((
        rest,
        RequestLine {
            method: ascii(method),
            target,
            form: TargetForm::of(target),
            version: ascii(version),
            spaces_in_target,
        },
    ))
}

/// `METHOD SP target-with-spaces SP HTTP-version`: the version after the last space, the
/// target everything between (no control bytes but space).
fn lenient_request_line(line: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let line = trim_ows(line);
    let method_end = line.iter().position(|&b| !is_tchar(b))?;
    let (method, after) = line.split_at(method_end);
    if method.is_empty() || after.first() != Some(&b' ') {
        return None;
    }
    let last_space = after.iter().rposition(|&b| b == b' ')?;
    let version = after.get(last_space + 1..)?;
    let target = trim_ows(after.get(..last_space)?);
    let version_ok = all_consuming(http_version)
        .parse(version)
        .is_ok_and(|(_, v): (&[u8], &[u8])| !v.is_empty());
    let target_ok =
        !target.is_empty() && target.iter().all(|&b| b == b' ' || (b > b' ' && b != 0x7f));
    (version_ok && target_ok).then_some((method, target, version))
}

/// A parsed status line, borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine<'a> {
    /// `HTTP/1.1` and the like.
    pub version: &'a str,
    /// The three-digit status code.
    pub code: u16,
    /// The reason phrase (may be empty, may be non-UTF-8).
    pub reason: &'a [u8],
}

/// Parse `HTTP-version SP status-code [SP reason-phrase]` and its line ending.
pub fn parse_status_line(input: &[u8]) -> MResult<'_, StatusLine<'_>> {
    let (rest, line) = parse_line(input)?;
    let mut fields = (
        http_version,
        space1,
        nom::bytes::complete::take_while_m_n(3, 3, |b: u8| b.is_ascii_digit()),
        opt((space1, take_while(|_| true))),
    );
    let (after, (version, _, code, reason)) = fields
        .parse(line)
        .map_err(relabel(input, HttpErrorKind::BadStatusLine))?;
    if !after.is_empty() {
        return fail(input, HttpErrorKind::BadStatusLine);
    }
    let code = ascii(code).parse::<u16>().unwrap_or(0);
    Ok((
        rest,
        StatusLine {
            version: ascii(version),
            code,
            reason: reason.map(|(_, r)| r).unwrap_or_default(),
        },
    ))
}

/// One header field, borrowing unless obs-fold continuation lines had to be joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField<'a> {
    /// The name as sent (case preserved).
    pub name: &'a [u8],
    /// The value without surrounding whitespace; folded lines joined with one space.
    pub value: Cow<'a, [u8]>,
}

/// A header block: its fields in order (duplicates kept) and how many were dropped over
/// [`MAX_HEADERS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderBlock<'a> {
    /// The fields in wire order.
    pub fields: Vec<HeaderField<'a>>,
    /// Fields beyond [`MAX_HEADERS`] that were parsed (for framing) but not kept.
    pub dropped: usize,
}

impl<'a> HeaderBlock<'a> {
    /// The first value of the header `name`, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| f.value.as_ref())
    }

    /// Every value of the header `name`, compared case-insensitively, in wire order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s [u8]> + 's {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|f| f.value.as_ref())
    }
}

fn trim_ows(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

/// Parse header lines up to and including the empty line that ends the block.
///
/// Tolerates bare LF line endings, whitespace before the colon, and obs-fold continuation lines
/// (a line starting with space or tab continues the previous value), because captured traffic
/// from old or odd clients does all of these.
pub fn parse_headers(input: &[u8]) -> MResult<'_, HeaderBlock<'_>> {
    // Most requests carry fewer than 16 fields: one allocation instead of several regrowths.
    let mut block = HeaderBlock {
        fields: Vec::with_capacity(16),
        dropped: 0,
    };
    let mut rest = input;
    loop {
        let consumed = input.len().saturating_sub(rest.len());
        if consumed > MAX_HEADER_SECTION {
            return fail(rest, HttpErrorKind::HeaderSectionTooLarge);
        }
        let at = rest;
        let (after, line) = parse_line(rest)?;
        rest = after;
        if line.is_empty() {
            return Ok((rest, block));
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            // obs-fold: continues the previous field's value.
            let extra = trim_ows(line);
            if block.dropped > 0 {
                continue;
            }
            let Some(last) = block.fields.last_mut() else {
                return fail(at, HttpErrorKind::BadHeader);
            };
            if !extra.is_empty() {
                let value = last.value.to_mut();
                if !value.is_empty() {
                    value.push(b' ');
                }
                value.extend_from_slice(extra);
            }
            continue;
        }
        let mut field = (take_while1(is_tchar), space0, tag(&b":"[..]));
        let (value, (name, _, _)) = field
            .parse(line)
            .map_err(relabel(at, HttpErrorKind::BadHeader))?;
        if block.fields.len() >= MAX_HEADERS {
            block.dropped += 1;
            continue;
        }
        block.fields.push(HeaderField {
            name,
            value: Cow::Borrowed(trim_ows(value)),
        });
    }
}

/// How the body of a message is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body at all.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Everything up to the end of the stream (responses only).
    UntilEof,
}

/// The Content-Length of a header block: `Ok(None)` when absent; an error when malformed or
/// when several values disagree (a classic request-smuggling shape).
fn content_length(headers: &HeaderBlock<'_>) -> Result<Option<u64>, HttpErrorKind> {
    let mut found: Option<u64> = None;
    for value in headers.get_all("content-length") {
        for item in value.split(|&b| b == b',') {
            let item = trim_ows(item);
            if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
                return Err(HttpErrorKind::BadContentLength);
            }
            let n = ascii(item)
                .parse::<u64>()
                .map_err(|_| HttpErrorKind::BadContentLength)?;
            match found {
                Some(prev) if prev != n => return Err(HttpErrorKind::BadContentLength),
                _ => found = Some(n),
            }
        }
    }
    Ok(found)
}

/// The transfer codings listed in every Transfer-Encoding header, lowercased, in order.
fn transfer_codings(headers: &HeaderBlock<'_>) -> Vec<String> {
    headers
        .get_all("transfer-encoding")
        .flat_map(|v| v.split(|&b| b == b','))
        .map(|c| String::from_utf8_lossy(trim_ows(c)).to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Decide the framing of a message from its headers (RFC 9112 section 6.3). Notes about odd
/// but survivable combinations go to `anomalies`.
fn framing(
    headers: &HeaderBlock<'_>,
    is_request: bool,
    anomalies: &mut Vec<String>,
) -> Result<BodyFraming, HttpErrorKind> {
    let codings = transfer_codings(headers);
    if let Some(last) = codings.last() {
        if headers.get("content-length").is_some() {
            anomalies
                .push("both Transfer-Encoding and Content-Length; Content-Length ignored".into());
        }
        if last == "chunked" {
            let others: Vec<&str> = codings
                .iter()
                .take(codings.len().saturating_sub(1))
                .map(String::as_str)
                .collect();
            if !others.is_empty() {
                anomalies.push(format!(
                    "transfer-coding {} not removed from the body",
                    others.join(", ")
                ));
            }
            return Ok(BodyFraming::Chunked);
        }
        if is_request {
            return Err(HttpErrorKind::UnsupportedTransferEncoding(
                codings.join(", "),
            ));
        }
        return Ok(BodyFraming::UntilEof);
    }
    match content_length(headers)? {
        Some(0) => Ok(BodyFraming::None),
        Some(n) => Ok(BodyFraming::Length(n)),
        None if is_request => Ok(BodyFraming::None),
        None => Ok(BodyFraming::UntilEof),
    }
}

/// A complete HTTP/1.x message, borrowing from the input where possible: a [`Request`] or a
/// [`Response`], which differ only in their start line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a, Line> {
    /// The start line: a [`RequestLine`] or a [`StatusLine`].
    pub line: Line,
    /// The header block.
    pub headers: HeaderBlock<'a>,
    /// The body with transfer framing removed (content codings are still on).
    pub body: Cow<'a, [u8]>,
    /// Trailer fields of a chunked body.
    pub trailers: Vec<HeaderField<'a>>,
    /// Oddities that did not stop parsing.
    pub anomalies: Vec<String>,
}

/// A complete HTTP/1.x request.
pub type Request<'a> = Message<'a, RequestLine<'a>>;

/// A complete HTTP/1.x response.
pub type Response<'a> = Message<'a, StatusLine<'a>>;

type Body<'a> = (Cow<'a, [u8]>, Vec<HeaderField<'a>>);

impl<'a, Line> Message<'a, Line> {
    fn new(
        line: Line,
        headers: HeaderBlock<'a>,
        (body, trailers): Body<'a>,
        anomalies: Vec<String>,
    ) -> Self {
        Message {
            line,
            headers,
            body,
            trailers,
            anomalies,
        }
    }
}

/// Read a body of the given framing. `at_eof` says the input is the whole rest of the stream
/// (only then can [`BodyFraming::UntilEof`] complete).
/// With `stop_at_request`, a [`BodyFraming::UntilEof`] body ends before the first line that
/// parses as a complete request line.
fn parse_body(
    input: &[u8],
    framing: BodyFraming,
    at_eof: bool,
    stop_at_request: bool,
) -> MResult<'_, Body<'_>> {
    match framing {
        BodyFraming::None => Ok((input, (Cow::Borrowed(&[][..]), Vec::new()))),
        BodyFraming::Length(n) => {
            if n > MAX_BODY {
                return fail(input, HttpErrorKind::BodyTooLarge(n));
            }
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            match (input.get(..n), input.get(n..)) {
                (Some(body), Some(rest)) => Ok((rest, (Cow::Borrowed(body), Vec::new()))),
                _ => Err(Err::Incomplete(Needed::new(n.saturating_sub(input.len())))),
            }
        }
        BodyFraming::Chunked => {
            let (rest, chunked) = parse_chunked_body(input)?;
            Ok((rest, (chunked.data, chunked.trailers)))
        }
        BodyFraming::UntilEof if stop_at_request => {
            // In a dump of several messages, "until the end" means "until the next request".
            if let Some(end) = next_request_line(input) {
                if end as u64 > MAX_BODY {
                    return fail(input, HttpErrorKind::BodyTooLarge(end as u64));
                }
                let (body, rest) = input.split_at(end);
                return Ok((rest, (Cow::Borrowed(body), Vec::new())));
            }
            parse_body(input, framing, at_eof, false)
        }
        BodyFraming::UntilEof => {
            let len = input.len() as u64;
            if len > MAX_BODY {
                return fail(input, HttpErrorKind::BodyTooLarge(len));
            }
            if at_eof {
                Ok((&[][..], (Cow::Borrowed(input), Vec::new())))
            } else {
                Err(Err::Incomplete(Needed::Unknown))
            }
        }
    }
}

/// Offset of the first line of `input` (at its start or after an LF) that parses as a whole
/// strict request line (`METHOD SP target SP HTTP/1.x`), if any.
fn next_request_line(input: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let candidate = input.get(at..)?;
        if candidate.first().copied().is_some_and(is_tchar)
            && let Ok((_, line)) = parse_request_line(candidate)
            && !line.spaces_in_target
            && line.version.starts_with("HTTP/1")
        {
            return Some(at);
        }
        at += memchr::memchr(b'\n', candidate)? + 1;
    }
}

fn header_anomalies(headers: &HeaderBlock<'_>, anomalies: &mut Vec<String>) {
    if headers.dropped > 0 {
        anomalies.push(format!(
            "{} header fields beyond the limit of {MAX_HEADERS} were dropped",
            headers.dropped
        ));
    }
}

/// nom parser for a whole request: line, headers, body.
pub fn parse_request_message(input: &[u8]) -> MResult<'_, Request<'_>> {
    let (rest, line) = parse_request_line(input)?;
    let (rest, headers) = parse_headers(rest)?;
    let mut anomalies = Vec::new();
    if line.spaces_in_target {
        anomalies.push(
            "unencoded space in the request target; version taken after the last space".into(),
        );
    }
    header_anomalies(&headers, &mut anomalies);
    let framing = framing(&headers, true, &mut anomalies)
        .map_err(|kind| Err::Error(MessageError::new(rest, kind)))?;
    let (rest, (body, trailers)) = parse_body(rest, framing, false, false)?;
    Ok((
        rest,
        Message::new(line, headers, (body, trailers), anomalies),
    ))
}

/// nom parser for a whole response: line, headers, body. `request_method` is the method of
/// the request it answers, when known (a response to HEAD has no body); `at_eof` says `input`
/// is the whole rest of the stream.
pub fn parse_response_message<'a>(
    input: &'a [u8],
    request_method: Option<&str>,
    at_eof: bool,
) -> MResult<'a, Response<'a>> {
    response_message(input, request_method, at_eof, false)
}

fn response_message<'a>(
    input: &'a [u8],
    request_method: Option<&str>,
    at_eof: bool,
    in_stream: bool,
) -> MResult<'a, Response<'a>> {
    let (rest, line) = parse_status_line(input)?;
    let (rest, headers) = parse_headers(rest)?;
    let mut anomalies = Vec::new();
    header_anomalies(&headers, &mut anomalies);
    let no_body = request_method.is_some_and(|m| m.eq_ignore_ascii_case("HEAD"))
        || (100..200).contains(&line.code)
        || line.code == 204
        || line.code == 304
        || (request_method.is_some_and(|m| m.eq_ignore_ascii_case("CONNECT"))
            && (200..300).contains(&line.code));
    let framing = if no_body {
        BodyFraming::None
    } else {
        framing(&headers, false, &mut anomalies)
            .map_err(|kind| Err::Error(MessageError::new(rest, kind)))?
    };
    let (rest, (body, trailers)) = parse_body(rest, framing, at_eof, in_stream)?;
    if in_stream && framing == BodyFraming::UntilEof && !rest.is_empty() {
        anomalies.push(
            "response without Content-Length or chunked framing; body ended at the next request line"
                .into(),
        );
    }
    Ok((
        rest,
        Message::new(line, headers, (body, trailers), anomalies),
    ))
}

/// Convert a nom result into the httparse-style answer, with the number of bytes consumed.
fn to_status<'a, T>(
    whole: &'a [u8],
    result: MResult<'a, T>,
) -> Result<Status<(T, usize)>, HttpError> {
    match result {
        Ok((rest, value)) => Ok(Status::Complete((
            value,
            whole.len().saturating_sub(rest.len()),
        ))),
        Err(Err::Incomplete(_)) => Ok(Status::Partial),
        Err(Err::Error(e) | Err::Failure(e)) => Err(e.into_http_error(whole)),
    }
}

/// Parse one request from the start of `buf`.
///
/// Answers `Complete((request, bytes_consumed))`, `Partial` when `buf` ends before the request
/// does, or an error when the bytes cannot be an HTTP/1.x request.
pub fn parse_request(buf: &[u8]) -> Result<Status<(Request<'_>, usize)>, HttpError> {
    to_status(buf, parse_request_message(buf))
}

/// Parse one response from the start of `buf`; see [`parse_response_message`] for the
/// arguments. A response without Content-Length or chunked framing stays `Partial` until
/// `at_eof`.
pub fn parse_response<'a>(
    buf: &'a [u8],
    request_method: Option<&str>,
    at_eof: bool,
) -> Result<Status<(Response<'a>, usize)>, HttpError> {
    to_status(buf, parse_response_message(buf, request_method, at_eof))
}

/// Like [`parse_response`], for a response inside a dump of several messages: a body with
/// neither Content-Length nor chunked framing ends before the next line that parses as a
/// request line, instead of swallowing the rest of the stream (an anomaly says so).
pub fn parse_response_in_stream<'a>(
    buf: &'a [u8],
    request_method: Option<&str>,
    at_eof: bool,
) -> Result<Status<(Response<'a>, usize)>, HttpError> {
    to_status(buf, response_message(buf, request_method, at_eof, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request that is the whole of `msg`: the test fails if it is partial or leaves
    /// bytes over.
    fn whole_request(msg: &[u8]) -> Request<'_> {
        let (req, used) = parse_request(msg).unwrap().complete().expect("complete");
        assert_eq!(used, msg.len(), "the request is the whole message");
        req
    }

    #[test]
    fn request_line_forms() {
        let (rest, line) = parse_request_line(b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\n").unwrap();
        assert_eq!(line.method, "GET");
        assert_eq!(line.target, b"/a?b=1");
        assert_eq!(line.form, TargetForm::Origin);
        assert_eq!(line.version, "HTTP/1.1");
        assert_eq!(rest, b"Host: x\r\n");

        let (_, line) = parse_request_line(b"GET http://h/p HTTP/1.0\n").unwrap();
        assert_eq!(line.form, TargetForm::Absolute);
        let (_, line) = parse_request_line(b"CONNECT h:443 HTTP/1.1\r\n").unwrap();
        assert_eq!(line.form, TargetForm::Authority);
        let (_, line) = parse_request_line(b"OPTIONS * HTTP/1.1\r\n").unwrap();
        assert_eq!(line.form, TargetForm::Asterisk);
    }

    #[test]
    fn request_line_errors_and_partials() {
        assert!(matches!(
            parse_request_line(b"GET / HTTP/1.1"),
            Err(Err::Incomplete(_))
        ));
        assert!(matches!(parse_request_line(b""), Err(Err::Incomplete(_))));
        let e = parse_request_line(b"GET /\r\n").unwrap_err();
        assert!(matches!(
            e,
            Err::Error(MessageError {
                kind: HttpErrorKind::BadRequestLine,
                ..
            })
        ));
        let e = parse_request_line(b"G(T / HTTP/1.1\r\n").unwrap_err();
        assert!(matches!(e, Err::Error(_)));
        let long = vec![b'a'; MAX_HEADER_LINE + 10];
        let e = parse_request_line(&long).unwrap_err();
        assert!(matches!(
            e,
            Err::Error(MessageError {
                kind: HttpErrorKind::LineTooLong,
                ..
            })
        ));
    }

    #[test]
    fn spaces_in_the_target_are_tolerated_with_an_anomaly() {
        let msg = b"GET /search?q=foo bar HTTP/1.1\r\nHost: h\r\n\r\n";
        let req = whole_request(msg);
        assert_eq!(req.line.target, b"/search?q=foo bar");
        assert_eq!(req.line.version, "HTTP/1.1");
        assert!(req.line.spaces_in_target);
        assert_eq!(req.anomalies.len(), 1);
        let (_, line) = parse_request_line(b"GET /a HTTP/1.1\r\n").unwrap();
        assert!(!line.spaces_in_target);
        assert!(parse_request_line(b"GET /a b\r\n").is_err());
        assert!(parse_request_line(b"GET /a\x01 b HTTP/1.1\r\n").is_err());
        assert!(parse_request_line(b"GET  HTTP/1.1\r\n").is_err());
    }

    #[test]
    fn unframed_response_in_a_stream_stops_at_the_next_request() {
        let msg = b"HTTP/1.0 200 OK\r\n\r\n<html>GET it</html>\r\nPOST /c HTTP/1.1\r\n\r\n";
        let Status::Complete((resp, n)) = parse_response_in_stream(msg, None, false).unwrap()
        else {
            panic!("partial")
        };
        assert_eq!(resp.body.as_ref(), b"<html>GET it</html>\r\n");
        assert!(msg[n..].starts_with(b"POST /c "));
        assert_eq!(resp.anomalies.len(), 1);
        // No request line in sight: still read to the end.
        let msg = b"HTTP/1.0 200 OK\r\n\r\nGET a b c\r\nto the end";
        assert_eq!(
            parse_response_in_stream(msg, None, false).unwrap(),
            Status::Partial
        );
        let Status::Complete((resp, n)) = parse_response_in_stream(msg, None, true).unwrap() else {
            panic!("partial")
        };
        assert_eq!(n, msg.len());
        assert!(resp.anomalies.is_empty());
        // A request right after the headers: empty body.
        let msg = b"HTTP/1.0 200 OK\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        let Status::Complete((resp, n)) = parse_response_in_stream(msg, None, false).unwrap()
        else {
            panic!("partial")
        };
        assert!(resp.body.is_empty());
        assert_eq!(&msg[n..], b"GET / HTTP/1.1\r\n\r\n");
    }

    #[test]
    fn status_line_with_and_without_reason() {
        let (_, s) = parse_status_line(b"HTTP/1.1 404 Not Found\r\n").unwrap();
        assert_eq!(
            (s.version, s.code, s.reason),
            ("HTTP/1.1", 404, &b"Not Found"[..])
        );
        let (_, s) = parse_status_line(b"HTTP/1.1 204\n").unwrap();
        assert_eq!((s.code, s.reason), (204, &b""[..]));
        assert!(parse_status_line(b"HTTP/1.1 2000 OK\r\n").is_err());
    }

    #[test]
    fn headers_fold_duplicate_and_lf_only() {
        let input =
            b"Host: example.com\nX-Long: one\n  two\n\tthree\nAccept: a\r\nAccept: b\r\n\r\nBODY";
        let (rest, block) = parse_headers(input).unwrap();
        assert_eq!(rest, b"BODY");
        assert_eq!(block.get("host"), Some(&b"example.com"[..]));
        assert_eq!(block.get("x-long"), Some(&b"one two three"[..]));
        assert_eq!(
            block.get_all("ACCEPT").collect::<Vec<_>>(),
            [&b"a"[..], &b"b"[..]]
        );
        assert!(matches!(
            parse_headers(b"Host: x\r\n"),
            Err(Err::Incomplete(_))
        ));
        assert!(parse_headers(b"no colon here\r\n\r\n").is_err());
        assert!(parse_headers(b" leading fold\r\n\r\n").is_err());
    }

    #[test]
    fn too_many_headers_is_an_anomaly_not_an_error() {
        let mut msg = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..MAX_HEADERS + 3 {
            msg.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        msg.extend_from_slice(b"\r\n");
        let req = whole_request(&msg);
        assert_eq!(req.headers.fields.len(), MAX_HEADERS);
        assert_eq!(req.headers.dropped, 3);
        assert_eq!(req.anomalies.len(), 1);
    }

    #[test]
    fn content_length_body_and_pipelining() {
        let msg = b"POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n";
        let Status::Complete((req, n)) = parse_request(msg).unwrap() else {
            panic!("partial")
        };
        assert_eq!(req.body.as_ref(), b"hello");
        assert!(matches!(req.body, Cow::Borrowed(_)));
        let Status::Complete((next, m)) = parse_request(&msg[n..]).unwrap() else {
            panic!("partial")
        };
        assert_eq!(next.line.method, "GET");
        assert_eq!(n + m, msg.len());
    }

    #[test]
    fn bad_content_length_is_an_error_with_offset() {
        let msg = b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!";
        let e = parse_request(msg).unwrap_err();
        assert_eq!(e.kind, HttpErrorKind::BadContentLength);
        assert_eq!(e.offset, msg.len() - 6);
        let msg = b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n";
        assert!(parse_request(msg).is_err());
        let msg = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n";
        assert!(matches!(
            parse_request(msg).unwrap_err().kind,
            HttpErrorKind::UnsupportedTransferEncoding(_)
        ));
    }

    #[test]
    fn chunked_request_with_extensions_and_trailers() {
        let msg = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Sum: 1\r\n\r\n";
        let req = whole_request(msg);
        assert_eq!(req.body.as_ref(), b"Wikipedia");
        assert_eq!(req.trailers.len(), 1);
    }

    #[test]
    fn responses_follow_their_framing() {
        let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        assert!(parse_response(msg, None, false).unwrap().is_complete());
        let msg = b"HTTP/1.1 200 OK\r\n\r\nto the end";
        assert_eq!(parse_response(msg, None, false).unwrap(), Status::Partial);
        let Status::Complete((resp, n)) = parse_response(msg, None, true).unwrap() else {
            panic!("partial")
        };
        assert_eq!(resp.body.as_ref(), b"to the end");
        assert_eq!(n, msg.len());
        let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
        let Status::Complete((resp, _)) = parse_response(msg, Some("HEAD"), false).unwrap() else {
            panic!("partial")
        };
        assert!(resp.body.is_empty());
        let msg = b"HTTP/1.1 304 Not Modified\r\n\r\n";
        assert!(parse_response(msg, None, false).unwrap().is_complete());
    }
}
