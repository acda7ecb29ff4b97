//! Capture readers: HAR 1.2, raw HTTP/1.x streams and NDJSON, each a streaming
//! `Iterator<Item = Result<Exchange, CaptureError>>` behind one [`CaptureReader`].
//!
//! Readers never hold a whole file: HAR is walked entry by entry, raw streams message by
//! message, NDJSON line by line. Errors come as items so one bad record costs only itself;
//! [`CaptureError::is_fatal`] says when the reader cannot go on (it then ends).

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::content_encoding::{ContentEncodingError, decode_content_encoding, is_already_decoded};
use crate::exchange::{Anomaly, Exchange, Header, Position};

mod har;
mod json_scan;
mod ndjson;
mod raw;

pub use har::MAX_HAR_ENTRY;
pub use ndjson::MAX_NDJSON_LINE;

/// How many leading bytes [`read_capture`] looks at to sniff the format.
pub const SNIFF_LEN: usize = 4096;

/// The capture formats leakscope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// HAR 1.2: a JSON object with `log.entries`.
    Har,
    /// A raw stream of HTTP/1.x requests and responses (e.g. "Follow TCP stream", Burp).
    RawHttp,
    /// One JSON request object per line.
    Ndjson,
}

impl fmt::Display for CaptureFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaptureFormat::Har => "HAR",
            CaptureFormat::RawHttp => "raw HTTP",
            CaptureFormat::Ndjson => "NDJSON",
        })
    }
}

impl CaptureFormat {
    /// The format's name on the command line (`--input-format`) and in reports: `har`, `raw`,
    /// `ndjson`.
    pub fn name(self) -> &'static str {
        match self {
            CaptureFormat::Har => "har",
            CaptureFormat::RawHttp => "raw",
            CaptureFormat::Ndjson => "ndjson",
        }
    }
}

fn trim_start(mut b: &[u8]) -> &[u8] {
    b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = b {
        b = rest;
    }
    b
}

/// Sniff the format from the first bytes of a file (up to a few KiB).
///
/// HAR is a JSON object whose `"log"` key shows up early; NDJSON is a file whose first
/// non-blank line is a JSON object on its own; a raw stream starts with an HTTP request line
/// or status line. A one-line JSON object is HAR when it has a `log` object and NDJSON
/// otherwise; a first line too long to judge counts as HAR when `"log"` was seen.
pub fn sniff_format(head: &[u8]) -> Option<CaptureFormat> {
    let head = trim_start(head);
    if head.starts_with(b"{") {
        let first_line = memchr::memchr(b'\n', head).and_then(|lf| head.get(..lf));
        if let Some(line) = first_line
            && let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(line)
        {
            return Some(
                if map.get("log").is_some_and(serde_json::Value::is_object) {
                    CaptureFormat::Har
                } else {
                    CaptureFormat::Ndjson
                },
            );
        }
        if memchr::memmem::find(head, b"\"log\"").is_some() {
            return Some(CaptureFormat::Har);
        }
        return Some(CaptureFormat::Ndjson);
    }
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let line = head.get(..line_end).unwrap_or(head);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if looks_like_start_line(line) {
        return Some(CaptureFormat::RawHttp);
    }
    None
}

/// `METHOD SP target SP HTTP/` or `HTTP/x.y SP ddd`.
fn looks_like_start_line(line: &[u8]) -> bool {
    if line.starts_with(b"HTTP/") {
        return line
            .split(|&b| b == b' ')
            .nth(1)
            .is_some_and(|code| code.len() == 3 && code.iter().all(u8::is_ascii_digit));
    }
    let mut fields = line.split(|&b| b == b' ').filter(|f| !f.is_empty());
    let method = fields.next().unwrap_or_default();
    let target = fields.next().unwrap_or_default();
    let version = fields.next().unwrap_or_default();
    !method.is_empty()
        && method.iter().all(|&b| crate::message::is_tchar(b))
        && !target.is_empty()
        && version.starts_with(b"HTTP/")
}

/// Errors reading captures: each names the file and, where there is one, the position.
///
/// Displayed as `capture.har: entry 3: missing request.url`.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be opened or read.
    #[error("{file}: {}", self.detail())]
    Io {
        /// The file name.
        file: String,
        /// Where reading failed, if it was past the start.
        position: Option<Position>,
        /// The I/O error.
        source: io::Error,
    },
    /// The format could not be recognised from the first bytes.
    #[error("{file}: {}", self.detail())]
    UnknownFormat {
        /// The file name.
        file: String,
    },
    /// A HAR problem: a bad entry (non-fatal) or broken JSON structure (fatal).
    #[error("{file}: {}", self.detail())]
    Har {
        /// The file name.
        file: String,
        /// The entry, or a byte offset outside the entries.
        position: Position,
        /// What was wrong.
        message: String,
        /// Whether the reader stopped after this error.
        fatal: bool,
    },
    /// A raw HTTP stream problem: a malformed message (non-fatal: the reader skips to the
    /// next line that looks like a request or status line), or a truncated or oversized one
    /// (fatal).
    #[error("{file}: {}", self.detail())]
    Http {
        /// The file name.
        file: String,
        /// Byte offset of the message that failed.
        position: Position,
        /// What was wrong.
        message: String,
        /// Whether the reader stopped after this error.
        fatal: bool,
    },
    /// An NDJSON line that could not be read (non-fatal).
    #[error("{file}: {}", self.detail())]
    Ndjson {
        /// The file name.
        file: String,
        /// The line.
        position: Position,
        /// What was wrong.
        message: String,
    },
}

impl CaptureError {
    /// What went wrong and where in the file, without the file's name (the message is
    /// `{file}: {detail}`): for a report that names the file on its own.
    pub fn detail(&self) -> String {
        match self {
            CaptureError::Io {
                position, source, ..
            } => match position {
                Some(position) => format!("{position}: {source}"),
                None => source.to_string(),
            },
            CaptureError::UnknownFormat { .. } => {
                "unknown capture format (expected HAR, raw HTTP/1.x or NDJSON)".to_owned()
            }
            CaptureError::Har {
                position, message, ..
            }
            | CaptureError::Http {
                position, message, ..
            }
            | CaptureError::Ndjson {
                position, message, ..
            } => format!("{position}: {message}"),
        }
    }

    /// Where in the file the problem is, when known.
    pub fn position(&self) -> Option<Position> {
        match self {
            CaptureError::Io { position, .. } => *position,
            CaptureError::UnknownFormat { .. } => None,
            CaptureError::Har { position, .. }
            | CaptureError::Http { position, .. }
            | CaptureError::Ndjson { position, .. } => Some(*position),
        }
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            CaptureError::Io { file, .. }
            | CaptureError::UnknownFormat { file }
            | CaptureError::Har { file, .. }
            | CaptureError::Http { file, .. }
            | CaptureError::Ndjson { file, .. } => file,
        }
    }

    /// True when the reader cannot go on after this error (it yields nothing more).
    pub fn is_fatal(&self) -> bool {
        match self {
            CaptureError::Io { .. } | CaptureError::UnknownFormat { .. } => true,
            CaptureError::Har { fatal, .. } | CaptureError::Http { fatal, .. } => *fatal,
            CaptureError::Ndjson { .. } => false,
        }
    }
}

/// Where a capture's bodies were written from, which decides how a body that is not in its
/// declared coding is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyOrigin {
    /// The bytes as they crossed the wire (a raw HTTP/1.x stream): a body that is not in its
    /// declared coding is an oddity of the sender or of a proxy, worth an anomaly.
    Wire,
    /// A tool's export (HAR, NDJSON), whose text fields may hold a body the tool already
    /// decoded while the headers still name the coding (mitmproxy 11's HAR export does).
    Export,
}

/// Remove the Content-Encoding named in `headers` from `body`; on failure keep the body as
/// captured and say why in `anomalies`. Shared by every reader so they agree on bodies.
///
/// In an [export](BodyOrigin::Export), a body that is not in its declared coding but
/// [is plausible as it is](is_already_decoded) is taken as already decoded, without an
/// anomaly. One that hit a limit, or whose coding we do not implement, keeps its anomaly
/// whatever it looks like, and so does any body off the [wire](BodyOrigin::Wire).
pub(crate) fn finish_body(
    origin: BodyOrigin,
    headers: &[Header],
    body: Vec<u8>,
    anomalies: &mut Vec<Anomaly>,
) -> Vec<u8> {
    let encoding = headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-encoding"))
        .map(|h| h.value.trim())
        .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("identity"));
    let Some(encoding) = encoding else {
        return body;
    };
    if body.is_empty() {
        return body;
    }
    match decode_content_encoding(encoding, &body) {
        Ok(decoded) => decoded,
        Err(ContentEncodingError::Corrupt { .. })
            if origin == BodyOrigin::Export && is_already_decoded(&body) =>
        {
            body
        }
        Err(e) => {
            anomalies.push(Anomaly::new(format!("{e}; body kept as captured")));
            body
        }
    }
}

/// A serde_json error message without the captured data it quotes: serde writes
/// `invalid type: string "email=jane@example.com", expected struct HarPostData at line 1
/// column 40`, which would put what a privacy scan finds into its report and onto stderr.
///
/// Each `"..."` (with its `\"` escapes) becomes `"…"`, and each `` `...` `` becomes
/// `` `…` `` (serde quotes integers and variants that way) except after `field `, where it
/// names a field of our schema (`missing field `url``). The category and the line/column stay.
pub(crate) fn redact_serde_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push_str("\"…\"");
                while let Some(inner) = chars.next() {
                    match inner {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '`' => {
                let keep = out.ends_with("field ");
                out.push('`');
                if !keep {
                    out.push('…');
                }
                for inner in chars.by_ref() {
                    if inner == '`' {
                        break;
                    }
                    if keep {
                        out.push(inner);
                    }
                }
                out.push('`');
            }
            _ => out.push(c),
        }
    }
    out
}

/// A serde_json error as a message safe to report (see [`redact_serde_message`]).
pub(crate) fn serde_message(e: &serde_json::Error) -> String {
    redact_serde_message(&e.to_string())
}

/// Standard alphabet, padding optional.
const BASE64_STANDARD: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);
/// URL-safe alphabet, padding optional.
const BASE64_URL_SAFE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decode a base64 body as capture tools write it: whitespace ignored, padding optional,
/// standard alphabet first, then URL-safe. The error is the standard engine's.
pub(crate) fn decode_base64_lenient(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    BASE64_STANDARD
        .decode(&compact)
        .or_else(|e| BASE64_URL_SAFE.decode(&compact).map_err(|_| e))
}

enum Inner {
    Har(har::HarReader),
    Raw(raw::RawReader),
    Ndjson(ndjson::NdjsonReader),
}

/// Streaming reader: yields exchanges in file order. After a non-fatal error item it goes on
/// with the next entry/message (in a raw stream, the next line that looks like a request or
/// status line); a truncated file yields every complete message before the
/// error. After a fatal error it yields nothing more.
pub struct CaptureReader {
    inner: Inner,
    format: CaptureFormat,
    done: bool,
}

impl CaptureReader {
    /// The format being read (given or sniffed).
    pub fn format(&self) -> CaptureFormat {
        self.format
    }
}

impl fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureReader")
            .field("format", &self.format)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Iterator for CaptureReader {
    type Item = Result<Exchange, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = match &mut self.inner {
            Inner::Har(r) => r.next(),
            Inner::Raw(r) => r.next(),
            Inner::Ndjson(r) => r.next(),
        };
        match &item {
            None => self.done = true,
            Some(Err(e)) if e.is_fatal() => self.done = true,
            Some(_) => {}
        }
        item
    }
}

/// Read a capture from any reader. `name` is the file name used in errors. `format: None`
/// sniffs the format from the first [`SNIFF_LEN`] bytes.
pub fn read_capture<R: Read + Send + 'static>(
    mut reader: R,
    name: &str,
    format: Option<CaptureFormat>,
) -> Result<CaptureReader, CaptureError> {
    let (format, source): (CaptureFormat, Box<dyn Read + Send>) = match format {
        Some(f) => (f, Box::new(reader)),
        None => {
            let mut head = Vec::with_capacity(SNIFF_LEN);
            (&mut reader)
                .take(SNIFF_LEN as u64)
                .read_to_end(&mut head)
                .map_err(|source| CaptureError::Io {
                    file: name.to_string(),
                    position: None,
                    source,
                })?;
            let format = sniff_format(&head).ok_or_else(|| CaptureError::UnknownFormat {
                file: name.to_string(),
            })?;
            (format, Box::new(io::Cursor::new(head).chain(reader)))
        }
    };
    let inner = match format {
        CaptureFormat::Har => Inner::Har(har::HarReader::new(
            json_scan::ByteSource::new(source),
            name,
        )),
        CaptureFormat::RawHttp => Inner::Raw(raw::RawReader::new(source, name)),
        CaptureFormat::Ndjson => Inner::Ndjson(ndjson::NdjsonReader::new(source, name)),
    };
    Ok(CaptureReader {
        inner,
        format,
        done: false,
    })
}

/// Open and read a capture file; errors name the file as given.
pub fn open_capture(
    path: &Path,
    format: Option<CaptureFormat>,
) -> Result<CaptureReader, CaptureError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| CaptureError::Io {
        file: name.clone(),
        position: None,
        source,
    })?;
    read_capture(io::BufReader::with_capacity(64 * 1024, file), &name, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_format() {
        assert_eq!(
            sniff_format(b"{\"log\":{\"entries\":[]}}"),
            Some(CaptureFormat::Har)
        );
        assert_eq!(
            sniff_format(b"\xEF\xBB\xBF{\n  \"log\": {"),
            Some(CaptureFormat::Har)
        );
        assert_eq!(
            sniff_format(b"\n{\"method\":\"GET\",\"url\":\"u\"}\n{\"method\""),
            Some(CaptureFormat::Ndjson)
        );
        assert_eq!(
            sniff_format(b"POST /x HTTP/1.1\r\nHost: a\r\n"),
            Some(CaptureFormat::RawHttp)
        );
        assert_eq!(
            sniff_format(b"HTTP/1.1 200 OK\r\n"),
            Some(CaptureFormat::RawHttp)
        );
        assert_eq!(sniff_format(b"hello world"), None);
        assert_eq!(sniff_format(b""), None);
    }

    #[test]
    fn errors_read_like_file_position_message() {
        let e = CaptureError::Har {
            file: "capture.har".into(),
            position: Position::Entry(3),
            message: "missing request.url".into(),
            fatal: false,
        };
        assert_eq!(e.to_string(), "capture.har: entry 3: missing request.url");
        let e = CaptureError::Io {
            file: "x".into(),
            position: None,
            source: io::Error::other("boom"),
        };
        assert_eq!(e.to_string(), "x: boom");
        assert!(e.is_fatal());
    }

    #[test]
    fn base64_bodies_decode_with_either_alphabet_and_any_padding() {
        assert_eq!(decode_base64_lenient("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64_lenient("aGk").unwrap(), b"hi");
        assert_eq!(decode_base64_lenient("aG\nk=").unwrap(), b"hi");
        assert_eq!(decode_base64_lenient("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_base64_lenient("+/8=").unwrap(), [0xfb, 0xff]);
        assert!(decode_base64_lenient("not base64!").is_err());
    }

    #[test]
    fn serde_messages_do_not_quote_captured_data() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct HarPostData {
            text: Option<String>,
        }
        let e = serde_json::from_str::<HarPostData>(r#""email=jane@example.com""#).unwrap_err();
        assert!(e.to_string().contains("jane@example.com"));
        let safe = serde_message(&e);
        assert_eq!(
            safe,
            "invalid type: string \"…\", expected struct HarPostData at line 1 column 24"
        );
        let e = serde_json::from_str::<HarPostData>(r#"{"text": 4155550123}"#).unwrap_err();
        let safe = serde_message(&e);
        assert!(!safe.contains("4155550123"), "{safe}");
        assert!(safe.contains("at line 1 column"), "{safe}");
        assert_eq!(
            redact_serde_message(r#"a "x\"y" b `1` missing field `url`"#),
            "a \"…\" b `…` missing field `url`"
        );
        assert_eq!(
            redact_serde_message("unterminated \"ab"),
            "unterminated \"…\""
        );
    }

    #[test]
    fn unknown_format_is_an_error() {
        let e =
            read_capture(io::Cursor::new(b"\x00\x01binary".to_vec()), "b.bin", None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "b.bin: unknown capture format (expected HAR, raw HTTP/1.x or NDJSON)"
        );
    }
}
