//! HAR 1.2 reader, streamed entry by entry.
//!
//! The file is never loaded as a whole: the structure scanner walks to `log.entries`, copies
//! one entry's bytes at a time and hands them to `serde_json`, so memory follows the largest
//! entry rather than the file. A bad entry (wrong types, missing URL) is a non-fatal error
//! item; broken structure or truncation ends the reader with a fatal one, after every complete
//! entry has been yielded.

use serde::Deserialize;

use super::json_scan::{ByteSource, Captured, ScanError};
use super::{BodyOrigin, CaptureError, decode_base64_lenient, finish_body, serde_message};
use crate::exchange::{Anomaly, Exchange, Header, Position};
use crate::message::MAX_BODY;
use leakscope_codecs::form;

/// Largest accepted HAR entry in bytes; a bigger one is skipped with a non-fatal error.
pub const MAX_HAR_ENTRY: usize = 512 * 1024 * 1024;

#[derive(Deserialize)]
struct HarEntry {
    request: Option<HarRequest>,
    #[serde(rename = "startedDateTime")]
    started: Option<String>,
    /// The id of the page (in `log.pages`) the request belongs to.
    pageref: Option<String>,
    /// Chrome's resource type: `document` for a page load.
    #[serde(rename = "_resourceType")]
    resource_type: Option<String>,
}

/// One of `log.pages`: browsers title a page with its URL (Chrome) or its document title.
/// Fields of another type than the HAR spec's are taken as absent, not as a broken file.
#[derive(Deserialize)]
struct HarPage {
    id: Option<serde_json::Value>,
    title: Option<serde_json::Value>,
}

/// Largest `log.pages` array read; a bigger one is skipped (pages only help tell the first
/// party).
const MAX_HAR_PAGES: usize = 16 * 1024 * 1024;

#[derive(Deserialize)]
struct HarRequest {
    method: Option<String>,
    url: Option<String>,
    #[serde(rename = "httpVersion")]
    http_version: Option<String>,
    headers: Option<Vec<HarNameValue>>,
    #[serde(rename = "postData")]
    post_data: Option<HarPostData>,
}

#[derive(Deserialize)]
struct HarNameValue {
    name: String,
    value: Option<String>,
}

#[derive(Deserialize)]
struct HarPostData {
    #[serde(rename = "mimeType")]
    mime_type: Option<String>,
    text: Option<String>,
    params: Option<Vec<HarNameValue>>,
    encoding: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not yet at `log.entries`.
    Start,
    /// Inside the entries array; `first` says no entry has been read yet.
    Entries { first: bool },
    /// Finished (or stopped after a fatal error).
    Done,
}

/// Streaming reader of a HAR file's `log.entries`.
pub(crate) struct HarReader {
    src: ByteSource,
    name: String,
    stage: Stage,
    index: usize,
    entry: Vec<u8>,
    /// `log.pages` met before `log.entries`: page id → title.
    pages: std::collections::HashMap<String, String>,
}

impl HarReader {
    pub(crate) fn new(src: ByteSource, name: &str) -> Self {
        HarReader {
            src,
            name: name.to_string(),
            stage: Stage::Start,
            index: 0,
            entry: Vec::new(),
            pages: std::collections::HashMap::new(),
        }
    }

    fn error(&self, position: Position, message: impl Into<String>, fatal: bool) -> CaptureError {
        CaptureError::Har {
            file: self.name.clone(),
            position,
            message: message.into(),
            fatal,
        }
    }

    /// A fatal error for a scan failure; inside an entry it names the entry.
    fn scan_error(&self, e: ScanError, in_entry: bool) -> CaptureError {
        let position = |offset: u64| {
            if in_entry {
                Position::Entry(self.index)
            } else {
                Position::Offset(offset)
            }
        };
        match e {
            ScanError::Io(source) => CaptureError::Io {
                file: self.name.clone(),
                position: Some(Position::Entry(self.index)),
                source,
            },
            ScanError::Eof { offset } => self.error(
                position(offset),
                format!("file ends at byte {offset} before the JSON is complete (truncated?)"),
                true,
            ),
            ScanError::Syntax { offset, message } => {
                let message = if in_entry {
                    format!("{message} at byte {offset}")
                } else {
                    message
                };
                self.error(position(offset), message, true)
            }
        }
    }

    /// Walk from the file start into `log.entries`. `Ok(false)` when the document has none.
    fn seek_entries(&mut self) -> Result<bool, ScanError> {
        self.src.expect(b'{', "'{' at the start of a HAR file")?;
        let mut top_first = true;
        while let Some(key) = self.src.next_key(&mut top_first)? {
            if key != b"log" || self.src.peek()? != Some(b'{') {
                self.src.skip_value()?;
                continue;
            }
            self.src.expect(b'{', "'{'")?;
            let mut log_first = true;
            while let Some(key) = self.src.next_key(&mut log_first)? {
                if key == b"entries" {
                    self.src.expect(b'[', "'[' to start log.entries")?;
                    return Ok(true);
                }
                if key == b"pages" && self.src.peek()? == Some(b'[') {
                    let mut bytes = Vec::new();
                    if let Captured::Whole = self.src.capture_value(&mut bytes, MAX_HAR_PAGES)?
                        && let Ok(pages) = serde_json::from_slice::<Vec<HarPage>>(&bytes)
                    {
                        self.pages.extend(pages.into_iter().filter_map(|page| {
                            match (page.id?, page.title?) {
                                (
                                    serde_json::Value::String(id),
                                    serde_json::Value::String(title),
                                ) => Some((id, title)),
                                _ => None,
                            }
                        }));
                    }
                    continue;
                }
                self.src.skip_value()?;
            }
        }
        Ok(false)
    }

    /// After the entries array: the rest of `log`, the rest of the top object, then only
    /// whitespace. Checked so that a truncated tail is reported, not silently accepted.
    fn finish(&mut self) -> Result<(), ScanError> {
        for _object in 0..2 {
            let mut first = false;
            while self.src.next_key(&mut first)?.is_some() {
                self.src.skip_value()?;
            }
        }
        self.src.skip_ws()?;
        match self.src.peek()? {
            None => Ok(()),
            Some(b) => Err(ScanError::Syntax {
                offset: self.src.offset(),
                message: format!(
                    "unexpected {} after the end of the HAR document",
                    super::json_scan::describe(b)
                ),
            }),
        }
    }

    fn next_entry(&mut self, first: bool) -> Option<Result<Exchange, CaptureError>> {
        let step = (|| -> Result<Option<Captured>, ScanError> {
            self.src.skip_ws()?;
            if self.src.peek()? == Some(b']') {
                self.src.next_byte()?;
                return Ok(None);
            }
            if !first {
                self.src.expect(b',', "',' or ']' between entries")?;
            }
            self.src
                .capture_value(&mut self.entry, MAX_HAR_ENTRY)
                .map(Some)
        })();
        match step {
            Err(e) => {
                self.stage = Stage::Done;
                Some(Err(self.scan_error(e, true)))
            }
            Ok(None) => {
                self.stage = Stage::Done;
                match self.finish() {
                    Ok(()) => None,
                    Err(e) => Some(Err(self.scan_error(e, false))),
                }
            }
            Ok(Some(captured)) => {
                self.stage = Stage::Entries { first: false };
                let position = Position::Entry(self.index);
                self.index += 1;
                let result = match captured {
                    Captured::TooLarge => Err(self.error(
                        position,
                        format!("entry larger than {MAX_HAR_ENTRY} bytes skipped"),
                        false,
                    )),
                    Captured::Whole => entry_to_exchange(&self.entry, position, &self.pages)
                        .map_err(|message| self.error(position, message, false)),
                };
                self.entry.clear();
                if self.entry.capacity() > 1024 * 1024 {
                    // Do not keep one huge entry's buffer for the rest of the file.
                    self.entry = Vec::new();
                }
                Some(result)
            }
        }
    }
}

impl Iterator for HarReader {
    type Item = Result<Exchange, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.stage {
            Stage::Done => None,
            Stage::Start => match self.seek_entries() {
                Ok(true) => self.next_entry(true),
                Ok(false) => {
                    self.stage = Stage::Done;
                    Some(Err(self.error(
                        Position::Offset(0),
                        "no log.entries array in the HAR file",
                        true,
                    )))
                }
                Err(e) => {
                    self.stage = Stage::Done;
                    Some(Err(self.scan_error(e, false)))
                }
            },
            Stage::Entries { first } => self.next_entry(first),
        }
    }
}

/// Deserialize one entry and turn it into an exchange; the error is the message to report.
fn entry_to_exchange(
    bytes: &[u8],
    position: Position,
    pages: &std::collections::HashMap<String, String>,
) -> Result<Exchange, String> {
    let entry: HarEntry = serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's line/column are relative to the entry; keep only its explanation.
        let text = serde_message(&e);
        match text.rfind(" at line ") {
            Some(at) => text.get(..at).unwrap_or(&text).to_string(),
            None => text,
        }
    })?;
    let request = entry.request.ok_or("missing request")?;
    let url = request.url.ok_or("missing request.url")?;
    let method = request.method.ok_or("missing request.method")?;
    let headers: Vec<Header> = request
        .headers
        .unwrap_or_default()
        .into_iter()
        .map(|h| Header::new(h.name, h.value.unwrap_or_default()))
        .collect();
    let mut anomalies = Vec::new();
    let body = match request.post_data {
        Some(post) => post_data_body(post, &mut anomalies),
        None => Vec::new(),
    };
    let body = finish_body(BodyOrigin::Export, &headers, body, &mut anomalies);
    Ok(Exchange {
        method,
        url,
        http_version: request.http_version.unwrap_or_default(),
        headers,
        body,
        started: entry.started,
        position,
        anomalies,
        page: entry.pageref.and_then(|id| pages.get(&id).cloned()),
        resource_type: entry.resource_type,
    })
}

/// The request body from HAR `postData`: `text` (base64-decoded when `encoding` says so), or,
/// when `text` is absent, a form body rebuilt from `params`.
fn post_data_body(post: HarPostData, anomalies: &mut Vec<Anomaly>) -> Vec<u8> {
    if let Some(text) = post.text {
        let is_base64 = post
            .encoding
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
        if !is_base64 {
            return text.into_bytes();
        }
        return match decode_base64_lenient(&text) {
            Ok(bytes) => bytes,
            Err(e) => {
                anomalies.push(Anomaly::new(format!(
                    "postData.text is marked base64 but does not decode ({e}); kept as text"
                )));
                text.into_bytes()
            }
        };
    }
    let Some(params) = post.params else {
        return Vec::new();
    };
    let is_multipart = post
        .mime_type
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().starts_with("multipart/"));
    if is_multipart {
        anomalies.push(Anomaly::new(
            "postData has params but no text; multipart body rebuilt as form-urlencoded",
        ));
    }
    let mut body = String::new();
    for param in params {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&form::encode(param.name.as_bytes()));
        body.push('=');
        body.push_str(&form::encode(param.value.unwrap_or_default().as_bytes()));
        if body.len() as u64 > MAX_BODY {
            anomalies.push(Anomaly::new(
                "body rebuilt from postData.params truncated at the body limit",
            ));
            break;
        }
    }
    body.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &'static str) -> Vec<Result<Exchange, CaptureError>> {
        HarReader::new(ByteSource::new(Box::new(s.as_bytes())), "t.har").collect()
    }

    #[test]
    fn reads_entries_after_other_keys() {
        let har = r#"{"x": {"log": 1}, "log": {"version": "1.2", "pages": [{"a": "]"}],
            "entries": [
              {"startedDateTime": "T0", "request": {"method": "GET", "url": "https://a/?q=1", "httpVersion": "h2", "headers": [{"name": "A", "value": "1"}]}},
              {"request": {"method": "POST", "url": "https://b/", "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "a b", "value": "c&d"}]}}}
            ], "comment": "done"}}"#;
        let items = read(har);
        assert_eq!(items.len(), 2);
        let first = items[0].as_ref().unwrap();
        assert_eq!(first.url, "https://a/?q=1");
        assert_eq!(first.started.as_deref(), Some("T0"));
        assert_eq!(first.position, Position::Entry(0));
        let second = items[1].as_ref().unwrap();
        assert_eq!(second.body, b"a+b=c%26d");
    }

    /// Pages before the entries name each request's page; Chrome's `_resourceType` says
    /// which requests were page loads. Both tell the first party.
    #[test]
    fn pages_and_resource_types_are_kept() {
        let har = r#"{"log": {"pages": [{"id": "page_1", "title": "https://www.example.org/a"},
              {"id": "page_2"}, {"id": 3, "title": "odd"}],
            "entries": [
              {"pageref": "page_1", "_resourceType": "document", "request": {"method": "GET", "url": "https://www.example.org/a"}},
              {"pageref": "page_2", "_resourceType": "xhr", "request": {"method": "GET", "url": "https://t.example.net/c"}},
              {"request": {"method": "GET", "url": "https://t.example.net/d"}}
            ]}}"#;
        let items: Vec<Exchange> = read(har).into_iter().map(Result::unwrap).collect();
        assert_eq!(items[0].page.as_deref(), Some("https://www.example.org/a"));
        assert_eq!(items[0].resource_type.as_deref(), Some("document"));
        assert_eq!(items[1].page, None, "a page without a title");
        assert_eq!(items[1].resource_type.as_deref(), Some("xhr"));
        assert_eq!(
            (items[2].page.as_ref(), items[2].resource_type.as_ref()),
            (None, None)
        );
    }

    #[test]
    fn bad_entry_is_not_fatal() {
        let har = r#"{"log": {"entries": [{"request": {"method": "GET"}}, {"request": {"method": "GET", "url": "u"}}]}}"#;
        let items = read(har);
        assert_eq!(items.len(), 2);
        let err = items[0].as_ref().unwrap_err();
        assert_eq!(err.to_string(), "t.har: entry 0: missing request.url");
        assert!(!err.is_fatal());
        assert!(items[1].is_ok());
    }

    #[test]
    fn serde_errors_do_not_quote_captured_values() {
        let har = r#"{"log": {"entries": [{"request": {"method": "POST", "url": "u", "postData": "email=jane@example.com"}}]}}"#;
        let items = read(har);
        assert_eq!(items.len(), 1);
        let err = items[0].as_ref().unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.har: entry 0: invalid type: string \"…\", expected struct HarPostData"
        );
        assert!(!err.is_fatal());
    }

    #[test]
    fn base64_post_data_with_either_alphabet_and_no_padding() {
        let har = r#"{"log": {"entries": [
            {"request": {"method": "POST", "url": "u", "postData": {"text": "aGk", "encoding": "base64"}}},
            {"request": {"method": "POST", "url": "u", "postData": {"text": "-_8", "encoding": "base64"}}},
            {"request": {"method": "POST", "url": "u", "postData": {"text": "%%", "encoding": "base64"}}}
        ]}}"#;
        let items = read(har);
        assert_eq!(items.len(), 3);
        let a = items[0].as_ref().unwrap();
        assert_eq!(a.body, b"hi");
        assert!(a.anomalies.is_empty());
        assert_eq!(items[1].as_ref().unwrap().body, [0xfb, 0xff]);
        let c = items[2].as_ref().unwrap();
        assert_eq!(c.body, b"%%");
        assert_eq!(c.anomalies.len(), 1);
    }

    #[test]
    fn truncation_is_fatal_after_complete_entries() {
        let har = r#"{"log": {"entries": [{"request": {"method": "GET", "url": "u"}}, {"request": {"meth"#;
        let items = read(har);
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        let err = items[1].as_ref().unwrap_err();
        assert!(err.is_fatal());
        assert_eq!(err.position(), Some(Position::Entry(1)));
    }

    #[test]
    fn missing_entries_and_not_json() {
        let items = read(r#"{"log": {"version": "1.2"}}"#);
        assert_eq!(items.len(), 1);
        assert!(items[0].as_ref().unwrap_err().is_fatal());
        let items = read("GET / HTTP/1.1");
        assert_eq!(items.len(), 1);
    }
}
