//! Raw HTTP/1.x stream reader: pipelined requests and responses as saved by "Follow TCP
//! stream" or an intercepting proxy.
//!
//! Responses are parsed so their framing is followed, then skipped (they carry no leak of the
//! client's data). The buffer holds at most the message being parsed plus one read; it grows
//! geometrically while a message is partial so a large body is re-parsed only a logarithmic
//! number of times.
//!
//! A response with neither Content-Length nor chunked framing ends at the next line that
//! parses as a request line, not at the end of the stream. A malformed message is reported as
//! a non-fatal error naming its byte offset, and reading resumes at the next line that looks
//! like a request or status line.

use std::collections::VecDeque;
use std::io::{self, Read};

use super::{BodyOrigin, CaptureError, finish_body};
use crate::exchange::{Anomaly, Exchange, Header, Position};
use crate::message::{
    HeaderField, MAX_BODY, MAX_HEADER_LINE, MAX_HEADER_SECTION, Request, Status, TargetForm,
    is_tchar, parse_request, parse_response_in_stream,
};

/// Smallest read from the underlying reader.
const READ_STEP: usize = 64 * 1024;
/// Largest message the reader buffers before giving up.
const MAX_MESSAGE: u64 = MAX_BODY + 2 * MAX_HEADER_SECTION as u64;

/// Streaming reader of a raw HTTP/1.x byte stream.
pub(crate) struct RawReader {
    reader: Box<dyn Read + Send>,
    name: String,
    buf: Vec<u8>,
    start: usize,
    base: u64,
    eof: bool,
    done: bool,
    /// Methods of requests whose response has not been seen (a HEAD response has no body).
    pending: VecDeque<String>,
    /// A malformed message was reported; skip to the next start line before parsing.
    resync: bool,
}

enum Step {
    /// Boxed: an exchange is large beside the other steps.
    Request(Box<Exchange>, usize),
    Response {
        consumed: usize,
        final_status: bool,
    },
    NeedMore,
    Failed(String),
}

impl RawReader {
    pub(crate) fn new(reader: Box<dyn Read + Send>, name: &str) -> Self {
        RawReader {
            reader,
            name: name.to_string(),
            buf: Vec::new(),
            start: 0,
            base: 0,
            eof: false,
            done: false,
            pending: VecDeque::new(),
            resync: false,
        }
    }

    /// Read until at least `want` more bytes are buffered or the stream ends.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        let target = self.buf.len().saturating_add(want);
        while self.buf.len() < target && !self.eof {
            let old = self.buf.len();
            self.buf.resize(target, 0);
            let read = self
                .reader
                .read(self.buf.get_mut(old..).unwrap_or_default());
            match read {
                Ok(0) => {
                    self.buf.truncate(old);
                    self.eof = true;
                }
                Ok(n) => self.buf.truncate(old + n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(old),
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn fatal(&mut self, offset: u64, message: String) -> Option<Result<Exchange, CaptureError>> {
        self.done = true;
        Some(Err(CaptureError::Http {
            file: self.name.clone(),
            position: Position::Offset(offset),
            message,
            fatal: true,
        }))
    }

    /// Drop the bytes before `self.start`.
    fn compact(&mut self) {
        if self.start > 0 {
            let start = self.start.min(self.buf.len());
            self.buf.drain(..start);
            self.base += start as u64;
            self.start = 0;
        }
    }

    /// After a malformed message at `self.start`: skip its first line, then every line up to
    /// the next one that looks like a request line or a status line, and leave `self.start`
    /// there. `Ok(false)` when the stream ends first.
    fn resynchronise(&mut self) -> io::Result<bool> {
        let mut at_line_start = false;
        loop {
            self.compact();
            let lf = memchr::memchr(b'\n', &self.buf);
            if at_line_start {
                match lf {
                    Some(lf) => {
                        let line = self.buf.get(..lf).unwrap_or_default();
                        if is_start_line(line.strip_suffix(b"\r").unwrap_or(line)) {
                            return Ok(true);
                        }
                        self.start = lf + 1;
                    }
                    None if self.eof => return Ok(is_start_line(&self.buf)),
                    None if self.buf.len() > MAX_HEADER_LINE => {
                        // Too long for a start line: skip to the end of it.
                        at_line_start = false;
                        self.start = self.buf.len();
                    }
                    None => self.fill(READ_STEP)?,
                }
            } else {
                match lf {
                    Some(lf) => {
                        self.start = lf + 1;
                        at_line_start = true;
                    }
                    None if self.eof => return Ok(false),
                    None => {
                        self.start = self.buf.len();
                        self.compact();
                        self.fill(READ_STEP)?;
                    }
                }
            }
        }
    }

    fn step(&self, data: &[u8], offset: u64) -> Step {
        if data.starts_with(b"HTTP/") {
            let method = self.pending.front().map(String::as_str);
            return match parse_response_in_stream(data, method, self.eof) {
                Ok(Status::Complete((resp, n))) => Step::Response {
                    consumed: n,
                    final_status: resp.line.code >= 200,
                },
                Ok(Status::Partial) => Step::NeedMore,
                Err(e) => Step::Failed(format!("response: {e}")),
            };
        }
        if !self.eof && data.len() < 5 && b"HTTP/".starts_with(data) {
            return Step::NeedMore;
        }
        match parse_request(data) {
            Ok(Status::Complete((req, n))) => {
                Step::Request(Box::new(request_to_exchange(req, offset)), n)
            }
            Ok(Status::Partial) => Step::NeedMore,
            Err(e) => Step::Failed(format!("request: {e}")),
        }
    }
}

impl Iterator for RawReader {
    type Item = Result<Exchange, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.resync {
            self.resync = false;
            match self.resynchronise() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => return self.io_error(e),
            }
        }
        loop {
            // Blank lines between messages are tolerated (RFC 9112 section 2.2).
            while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.buf.get(self.start) {
                self.start += 1;
            }
            if self.start >= self.buf.len() {
                if self.eof {
                    self.done = true;
                    return None;
                }
                self.compact();
                if let Err(e) = self.fill(READ_STEP) {
                    return self.io_error(e);
                }
                continue;
            }
            // Messages are parsed where they are in the buffer; the bytes before them are
            // dropped only when more must be read (dropping them after every message moved
            // the rest of the buffer each time: a tenth of a scan of small requests).
            let offset = self.base + self.start as u64;
            match self.step(&self.buf[self.start..], offset) {
                Step::Request(exchange, n) => {
                    self.pending.push_back(exchange.method.clone());
                    self.start += n;
                    return Some(Ok(*exchange));
                }
                Step::Response {
                    consumed,
                    final_status,
                } => {
                    if final_status {
                        self.pending.pop_front();
                    }
                    self.start += consumed;
                }
                Step::NeedMore => {
                    self.compact();
                    if self.eof {
                        let end = self.base + self.buf.len() as u64;
                        return self.fatal(
                            offset,
                            format!(
                                "stream ends at byte {end} inside an HTTP message (truncated?)"
                            ),
                        );
                    }
                    if self.buf.len() as u64 > MAX_MESSAGE {
                        return self.fatal(
                            offset,
                            format!("HTTP message larger than {MAX_MESSAGE} bytes"),
                        );
                    }
                    if let Err(e) = self.fill(self.buf.len().max(READ_STEP)) {
                        return self.io_error(e);
                    }
                }
                Step::Failed(message) => {
                    // One broken message costs only itself: report it, then look for the next
                    // request or status line (on the next call). A broken response still
                    // answered the oldest request: the next response belongs to the one after.
                    self.compact();
                    if self.buf.starts_with(b"HTTP/") {
                        self.pending.pop_front();
                    }
                    self.resync = true;
                    return Some(Err(CaptureError::Http {
                        file: self.name.clone(),
                        position: Position::Offset(offset),
                        message: format!("{message}; skipped to the next HTTP message"),
                        fatal: false,
                    }));
                }
            }
        }
    }
}

impl RawReader {
    fn io_error(&mut self, source: io::Error) -> Option<Result<Exchange, CaptureError>> {
        self.done = true;
        Some(Err(CaptureError::Io {
            file: self.name.clone(),
            position: Some(Position::Offset(self.base + self.start as u64)),
            source,
        }))
    }
}

/// A line that can start a message: `HTTP/1.x NNN ...`, or `METHOD SP target SP HTTP/1.x`
/// (the target may hold spaces; the version is the last field).
fn is_start_line(line: &[u8]) -> bool {
    let is_version = |v: &[u8]| {
        v.strip_prefix(b"HTTP/1")
            .is_some_and(|minor| matches!(minor, [] | [b'.', b'0'..=b'9']))
    };
    if line.starts_with(b"HTTP/") {
        let mut fields = line.split(|&b| b == b' ');
        let version = fields.next().unwrap_or_default();
        let code = fields.next().unwrap_or_default();
        return is_version(version) && code.len() == 3 && code.iter().all(u8::is_ascii_digit);
    }
    let line = line.trim_ascii_end();
    let Some(first_space) = memchr::memchr(b' ', line) else {
        return false;
    };
    let Some(last_space) = memchr::memrchr(b' ', line) else {
        return false;
    };
    let method = line.get(..first_space).unwrap_or_default();
    let target = line.get(first_space + 1..last_space).unwrap_or_default();
    let version = line.get(last_space + 1..).unwrap_or_default();
    !method.is_empty()
        && method.iter().all(|&b| is_tchar(b))
        && !target.trim_ascii().is_empty()
        && target.iter().all(|&b| b >= b' ' && b != 0x7f)
        && is_version(version)
}

fn to_header(field: &HeaderField<'_>) -> Header {
    Header::new(
        String::from_utf8_lossy(field.name),
        String::from_utf8_lossy(&field.value),
    )
}

/// Turn a parsed request into an owned exchange: absolute URL from Host + target, headers
/// (trailers appended), body with Content-Encoding removed.
fn request_to_exchange(req: Request<'_>, offset: u64) -> Exchange {
    let mut anomalies: Vec<Anomaly> = req.anomalies.iter().map(Anomaly::new).collect();
    let mut headers: Vec<Header> = req.headers.fields.iter().map(to_header).collect();
    if !req.trailers.is_empty() {
        headers.extend(req.trailers.iter().map(to_header));
    }
    let target = String::from_utf8_lossy(req.line.target);
    let host = req
        .headers
        .get("host")
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .filter(|h| !h.is_empty());
    let url = match (req.line.form, host) {
        (TargetForm::Absolute, _) => target.into_owned(),
        (TargetForm::Authority, _) => format!("http://{target}"),
        (TargetForm::Origin, Some(host)) => format!("http://{host}{target}"),
        (TargetForm::Asterisk, Some(host)) => format!("http://{host}"),
        (_, None) => {
            anomalies.push(Anomaly::new("no Host header; URL is relative"));
            target.into_owned()
        }
    };
    let body = finish_body(
        BodyOrigin::Wire,
        &headers,
        req.body.into_owned(),
        &mut anomalies,
    );
    Exchange {
        method: req.line.method.to_string(),
        url,
        http_version: req.line.version.to_string(),
        headers,
        body,
        started: None,
        position: Position::Offset(offset),
        anomalies,
        page: None,
        resource_type: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per read, to exercise partial parsing.
    struct Trickle(Vec<u8>, usize);

    impl Read for Trickle {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.get(self.1), out.first_mut()) {
                (Some(&b), Some(slot)) => {
                    *slot = b;
                    self.1 += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn read_all(bytes: &[u8]) -> Vec<Result<Exchange, CaptureError>> {
        RawReader::new(Box::new(Trickle(bytes.to_vec(), 0)), "s.txt").collect()
    }

    #[test]
    fn pipelined_requests_and_responses() {
        let stream = b"GET /a?x=1 HTTP/1.1\r\nHost: h.example\r\n\r\n\
HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
HEAD /b HTTP/1.1\nHost: h.example\n\n\
HTTP/1.1 200 OK\nContent-Length: 99\n\n\
POST http://other.example/c HTTP/1.1\r\nContent-Length: 3\r\n\r\nq=1";
        let items = read_all(stream);
        let urls: Vec<_> = items
            .iter()
            .map(|r| r.as_ref().unwrap().url.clone())
            .collect();
        assert_eq!(
            urls,
            [
                "http://h.example/a?x=1",
                "http://h.example/b",
                "http://other.example/c"
            ]
        );
        assert_eq!(items[0].as_ref().unwrap().position, Position::Offset(0));
        assert_eq!(items[2].as_ref().unwrap().body, b"q=1");
    }

    #[test]
    fn truncation_names_the_offset() {
        let stream = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc";
        let items = read_all(stream);
        assert_eq!(items.len(), 2);
        let err = items[1].as_ref().unwrap_err();
        assert!(err.is_fatal());
        assert_eq!(err.position(), Some(Position::Offset(27)));
        assert!(
            err.to_string().starts_with("s.txt: byte 27: stream ends"),
            "{err}"
        );
    }

    #[test]
    fn trailing_garbage_is_reported_and_ends_the_stream() {
        let items = read_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n\x00\x01\x02 nonsense\r\n");
        assert_eq!(items.len(), 2);
        let err = items[1].as_ref().unwrap_err();
        assert!(!err.is_fatal());
        assert_eq!(err.position(), Some(Position::Offset(27)));
    }

    #[test]
    fn a_garbage_block_costs_only_itself() {
        let stream = b"GET /one HTTP/1.1\r\nHost: a\r\n\r\n\
\x00\x01garbage line\r\nmore garbage: \xff\r\nGET not-a-request\r\n\r\n\
GET /two HTTP/1.1\r\nHost: a\r\n\r\n";
        let items = read_all(stream);
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(items[0].as_ref().unwrap().url, "http://a/one");
        let err = items[1].as_ref().unwrap_err();
        assert!(!err.is_fatal());
        assert_eq!(err.position(), Some(Position::Offset(30)));
        assert!(
            err.to_string().starts_with("s.txt: byte 30: request: "),
            "{err}"
        );
        assert!(err.detail().starts_with("byte 30: request: "), "{err}");
        let two = items[2].as_ref().unwrap();
        assert_eq!(two.url, "http://a/two");
        let two_at = stream.windows(8).position(|w| w == b"GET /two").unwrap();
        assert_eq!(two.position, Position::Offset(two_at as u64));
    }

    #[test]
    fn a_broken_header_block_resyncs_at_the_next_response_or_request() {
        let stream = b"POST /x HTTP/1.1\r\nbroken header\r\n\r\nbody\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\
GET /y HTTP/1.1\r\nHost: b\r\n\r\n";
        let items = read_all(stream);
        assert_eq!(items.len(), 2, "{items:?}");
        assert!(!items[0].as_ref().unwrap_err().is_fatal());
        assert_eq!(items[1].as_ref().unwrap().url, "http://b/y");
    }

    #[test]
    fn a_broken_response_answers_its_request_so_the_next_one_is_framed_by_its_own() {
        // The HEAD's response is broken; the GET's response has a body. Were the HEAD still
        // waiting, the GET's response would be read as bodiless and "hello" as a request.
        let stream = b"HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n\
HTTP/1.1 200 OK\r\nno colon here\r\n\r\n\
GET /b HTTP/1.1\r\nHost: h\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello\
GET /c HTTP/1.1\r\nHost: h\r\n\r\n";
        let items = read_all(stream);
        let requests: Vec<(&str, &str)> = items
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|e| (e.method.as_str(), e.url.as_str()))
            .collect();
        // Not "helloGET /c": the body was read as the GET's, not left to run into the next
        // request.
        assert_eq!(
            requests,
            [
                ("HEAD", "http://h/a"),
                ("GET", "http://h/b"),
                ("GET", "http://h/c")
            ]
        );
        assert_eq!(items.iter().filter(|r| r.is_err()).count(), 1, "{items:?}");
    }

    #[test]
    fn a_space_in_the_target_is_an_anomaly() {
        let items = read_all(b"GET /search?q=foo bar HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(items.len(), 1);
        let ex = items[0].as_ref().unwrap();
        assert_eq!(ex.url, "http://h/search?q=foo bar");
        assert_eq!(ex.anomalies.len(), 1, "{:?}", ex.anomalies);
    }

    #[test]
    fn an_unframed_response_does_not_swallow_later_requests() {
        let stream = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n\
HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>\nGET me</html>\n\
POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nx=1\
HTTP/1.1 204 No Content\r\n\r\n\
GET /c HTTP/1.1\r\nHost: h\r\n\r\n";
        let urls: Vec<String> = read_all(stream)
            .into_iter()
            .map(|r| r.unwrap().url)
            .collect();
        assert_eq!(urls, ["http://h/a", "http://h/b", "http://h/c"]);
    }

    #[test]
    fn start_lines_for_resync() {
        assert!(is_start_line(b"GET /a HTTP/1.1"));
        assert!(is_start_line(b"GET /a b HTTP/1.0"));
        assert!(is_start_line(b"HTTP/1.1 200 OK"));
        assert!(!is_start_line(b"GET not-a-request"));
        assert!(!is_start_line(b"GET  HTTP/1.1"));
        assert!(!is_start_line(b"HTTP/1.1 20 OK"));
        assert!(!is_start_line(b"G(T / HTTP/1.1"));
        assert!(!is_start_line(b""));
    }
}
