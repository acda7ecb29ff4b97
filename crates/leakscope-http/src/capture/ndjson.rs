//! NDJSON reader: one request object per line.
//!
//! Accepted fields: `method`, `url`, `headers` (a list of `[name, value]` pairs, a list of
//! `{"name", "value"}` objects, or an object of name to value or list of values), `body`
//! (text) or `body_base64`, optional `time`, `id` and `http_version`. Blank lines are skipped;
//! a bad line is a non-fatal error. Lines are read with a length cap so one huge line cannot
//! exhaust memory.

use std::io::{self, BufRead, BufReader, Read};

use serde::Deserialize;
use serde_json::Value;

use super::{BodyOrigin, CaptureError, decode_base64_lenient, finish_body, serde_message};
use crate::exchange::{Anomaly, Exchange, Header, Position};

/// Longest accepted NDJSON line in bytes; a longer line is skipped with a non-fatal error.
pub const MAX_NDJSON_LINE: usize = 512 * 1024 * 1024;

#[derive(Deserialize)]
struct Record {
    method: Option<String>,
    url: Option<String>,
    #[serde(default)]
    headers: Value,
    body: Option<String>,
    body_base64: Option<String>,
    time: Option<Value>,
    http_version: Option<String>,
}

/// Streaming reader of NDJSON requests.
pub(crate) struct NdjsonReader {
    reader: BufReader<Box<dyn Read + Send>>,
    name: String,
    line_no: usize,
    line: Vec<u8>,
    done: bool,
}

impl NdjsonReader {
    pub(crate) fn new(reader: Box<dyn Read + Send>, name: &str) -> Self {
        NdjsonReader {
            reader: BufReader::with_capacity(64 * 1024, reader),
            name: name.to_string(),
            line_no: 0,
            line: Vec::new(),
            done: false,
        }
    }

    /// Read the next line into `self.line` (without its line ending). `Ok(None)` at the end;
    /// `Ok(Some(false))` when the line was over the cap (it is consumed but not kept).
    fn read_line(&mut self) -> io::Result<Option<bool>> {
        self.line.clear();
        let mut fit = true;
        let mut any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, used, ended) = match memchr::memchr(b'\n', available) {
                Some(lf) => (available.get(..lf).unwrap_or_default(), lf + 1, true),
                None => (available, available.len(), false),
            };
            if self.line.len() + chunk.len() <= MAX_NDJSON_LINE {
                self.line.extend_from_slice(chunk);
            } else {
                fit = false;
            }
            self.reader.consume(used);
            if ended {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        Ok(Some(fit))
    }

    fn error(&self, message: impl Into<String>) -> CaptureError {
        CaptureError::Ndjson {
            file: self.name.clone(),
            position: Position::Line(self.line_no),
            message: message.into(),
        }
    }
}

impl Iterator for NdjsonReader {
    type Item = Result<Exchange, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            let fit = match self.read_line() {
                Ok(Some(fit)) => fit,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(source) => {
                    self.done = true;
                    return Some(Err(CaptureError::Io {
                        file: self.name.clone(),
                        position: Some(Position::Line(self.line_no + 1)),
                        source,
                    }));
                }
            };
            self.line_no += 1;
            if !fit {
                return Some(Err(
                    self.error(format!("line longer than {MAX_NDJSON_LINE} bytes skipped"))
                ));
            }
            if self.line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let position = Position::Line(self.line_no);
            return Some(record_to_exchange(&self.line, position).map_err(|m| self.error(m)));
        }
    }
}

/// Headers in any of the accepted shapes.
fn headers_from(value: Value) -> Result<Vec<Header>, String> {
    let text = |v: Value| match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                let pair = match item {
                    Value::Array(pair) => {
                        let mut it = pair.into_iter();
                        (it.next().and_then(text), it.next().and_then(text))
                    }
                    Value::Object(mut obj) => (
                        obj.remove("name").and_then(text),
                        obj.remove("value").and_then(text),
                    ),
                    _ => (None, None),
                };
                match pair {
                    (Some(name), Some(value)) => out.push(Header::new(name, value)),
                    _ => {
                        return Err(
                            "headers: each header must be [name, value] or {\"name\", \"value\"}"
                                .into(),
                        );
                    }
                }
            }
        }
        Value::Object(map) => {
            for (name, value) in map {
                match value {
                    Value::Array(values) => {
                        for v in values {
                            let v = text(v).ok_or("headers: values must be strings")?;
                            out.push(Header::new(name.clone(), v));
                        }
                    }
                    other => {
                        let v = text(other).ok_or("headers: values must be strings")?;
                        out.push(Header::new(name, v));
                    }
                }
            }
        }
        _ => return Err("headers must be a list or an object".into()),
    }
    Ok(out)
}

fn record_to_exchange(line: &[u8], position: Position) -> Result<Exchange, String> {
    let record: Record = serde_json::from_slice(line).map_err(|e| serde_message(&e))?;
    let url = record.url.ok_or("missing url")?;
    let method = record.method.unwrap_or_else(|| "GET".to_string());
    let headers = headers_from(record.headers)?;
    let mut anomalies = Vec::new();
    let body = match (record.body, record.body_base64) {
        (_, Some(b64)) => match decode_base64_lenient(&b64) {
            Ok(bytes) => bytes,
            Err(e) => {
                // The URL and headers can still leak: keep the request, drop only the body.
                anomalies.push(Anomaly::new(format!(
                    "body_base64 does not decode ({e}); body left empty"
                )));
                Vec::new()
            }
        },
        (Some(text), None) => text.into_bytes(),
        (None, None) => Vec::new(),
    };
    let body = finish_body(BodyOrigin::Export, &headers, body, &mut anomalies);
    let started = match record.time {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Null) | None => None,
        Some(_) => {
            anomalies.push(Anomaly::new(
                "time is neither a string nor a number; ignored",
            ));
            None
        }
    };
    Ok(Exchange {
        method,
        url,
        http_version: record.http_version.unwrap_or_default(),
        headers,
        body,
        started,
        position,
        anomalies,
        page: None,
        resource_type: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &'static str) -> Vec<Result<Exchange, CaptureError>> {
        NdjsonReader::new(Box::new(s.as_bytes()), "r.ndjson").collect()
    }

    #[test]
    fn header_shapes_bodies_and_blank_lines() {
        let items = read(concat!(
            "{\"method\":\"POST\",\"url\":\"https://a/\",\"headers\":[[\"A\",\"1\"]],\"body\":\"x=1\",\"time\":\"T\"}\n",
            "\n",
            "{\"url\":\"https://b/\",\"headers\":[{\"name\":\"B\",\"value\":\"2\"}],\"body_base64\":\"aGk=\"}\r\n",
            "{\"url\":\"https://c/\",\"headers\":{\"C\":\"3\",\"D\":[\"4\",\"5\"]},\"id\":7}",
        ));
        assert_eq!(items.len(), 3);
        let a = items[0].as_ref().unwrap();
        assert_eq!(
            (a.method.as_str(), a.body.as_slice()),
            ("POST", &b"x=1"[..])
        );
        assert_eq!(a.started.as_deref(), Some("T"));
        let b = items[1].as_ref().unwrap();
        assert_eq!(b.body, b"hi");
        assert_eq!(b.position, Position::Line(3));
        let c = items[2].as_ref().unwrap();
        assert_eq!(c.headers.len(), 3);
        assert_eq!(c.header("d"), Some("4"));
    }

    #[test]
    fn bad_base64_keeps_the_request_without_body() {
        let items = read(concat!(
            "{\"url\":\"https://a/?id=1\",\"headers\":[[\"X-Id\",\"7\"]],\"body_base64\":\"%%%not base64\"}\n",
            "{\"url\":\"https://b/\",\"body_base64\":\"-_8\"}\n",
        ));
        assert_eq!(items.len(), 2);
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.url, "https://a/?id=1");
        assert_eq!(a.header("x-id"), Some("7"));
        assert!(a.body.is_empty());
        assert_eq!(a.anomalies.len(), 1);
        assert!(a.anomalies[0].to_string().contains("body_base64"));
        let b = items[1].as_ref().unwrap();
        assert_eq!(b.body, [0xfb, 0xff]);
        assert!(b.anomalies.is_empty());
    }

    #[test]
    fn errors_do_not_quote_captured_values() {
        let items = read(
            "{\"url\":\"https://a/\",\"body\":{\"email\":\"jane@example.com\"}}\n{\"url\":[\"email=jane@example.com\"]}\n",
        );
        assert_eq!(items.len(), 2);
        for item in &items {
            let e = item.as_ref().unwrap_err().to_string();
            assert!(!e.contains("jane"), "{e}");
            assert!(e.contains("line 1 column"), "{e}");
        }
    }

    #[test]
    fn bad_lines_are_not_fatal() {
        let items = read("not json\n{\"method\":\"GET\"}\n{\"url\":\"u\"}\n");
        assert_eq!(items.len(), 3);
        let e = items[0].as_ref().unwrap_err();
        assert!(!e.is_fatal());
        assert!(e.to_string().starts_with("r.ndjson: line 1: "));
        assert_eq!(
            items[1].as_ref().unwrap_err().to_string(),
            "r.ndjson: line 2: missing url"
        );
        assert!(items[2].is_ok());
    }
}
