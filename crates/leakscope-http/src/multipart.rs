//! `multipart/form-data` bodies (RFC 7578): split by boundary, each part with its own headers.
//!
//! Only what a scanner needs is extracted: the field name, the file name, the part's content
//! type and its bytes (borrowed from the body). A body that does not follow the format yields
//! `None`, and the caller falls back to scanning the body whole.

use memchr::memmem;

use crate::message::{HeaderBlock, parse_headers};

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartPart<'a> {
    /// The `name` parameter of Content-Disposition (empty when absent).
    pub name: String,
    /// The `filename` parameter of Content-Disposition, if any.
    pub filename: Option<String>,
    /// The part's Content-Type header, if any.
    pub content_type: Option<String>,
    /// The part's header block.
    pub headers: HeaderBlock<'a>,
    /// The part's content.
    pub body: &'a [u8],
}

/// The value of parameter `param` in a header value like `form-data; name="x"; filename=y`
/// or `multipart/form-data; boundary=----abc`. Parameter names compare case-insensitively;
/// quoted values may contain `;` and backslash escapes.
pub fn header_param(value: &str, param: &str) -> Option<String> {
    let mut rest = value;
    // Skip the main value (e.g. `form-data`).
    let semi = rest.find(';')?;
    rest = rest.get(semi + 1..)?;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            return None;
        }
        let eq = rest.find(['=', ';']).unwrap_or(rest.len());
        let name = rest.get(..eq)?.trim();
        let has_value = rest.get(eq..)?.starts_with('=');
        rest = rest.get(eq..)?;
        if !has_value {
            continue;
        }
        rest = rest.get(1..)?.trim_start();
        let parsed_value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => out.push(c),
                }
            }
            parsed_value = out;
            rest = quoted.get(end..).unwrap_or_default();
        } else {
            let end = rest.find(';').unwrap_or(rest.len());
            parsed_value = rest.get(..end)?.trim().to_string();
            rest = rest.get(end..)?;
        }
        if name.eq_ignore_ascii_case(param) {
            return Some(parsed_value);
        }
    }
}

/// The boundary of a `multipart/*` Content-Type, or `None` if it is not multipart or has none.
pub fn multipart_boundary(content_type: &str) -> Option<String> {
    let main = content_type.split(';').next()?.trim();
    if !main.to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    header_param(content_type, "boundary").filter(|b| !b.is_empty() && b.len() <= 200)
}

/// Split a multipart body by `boundary`. Returns `None` when the body does not start with a
/// boundary line or a part is malformed; a body truncated before the closing boundary keeps
/// the parts read so far (the last one running to the end of the body).
pub fn parse_multipart<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<MultipartPart<'a>>> {
    let mut delimiter = Vec::with_capacity(boundary.len() + 2);
    delimiter.extend_from_slice(b"--");
    delimiter.extend_from_slice(boundary.as_bytes());
    let finder = memmem::Finder::new(&delimiter);

    // The preamble (usually empty) ends at the first delimiter.
    let first = finder.find(body)?;
    let mut rest = body.get(first + delimiter.len()..)?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts); // closing delimiter
        }
        // Rest of the delimiter line (transport padding) up to LF.
        let lf = memchr::memchr(b'\n', rest)?;
        rest = rest.get(lf + 1..)?;
        let (after_headers, headers) = parse_headers(rest).ok()?;
        let (content, next) = match finder.find(after_headers) {
            Some(at) => {
                let content = after_headers.get(..at)?;
                let next = after_headers.get(at + delimiter.len()..)?;
                (content, Some(next))
            }
            None => (after_headers, None),
        };
        // The line break before the delimiter belongs to the delimiter.
        let content = content
            .strip_suffix(b"\r\n")
            .or_else(|| content.strip_suffix(b"\n"))
            .unwrap_or(content);
        let disposition = headers
            .get("content-disposition")
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        parts.push(MultipartPart {
            name: header_param(&disposition, "name").unwrap_or_default(),
            filename: header_param(&disposition, "filename"),
            content_type: headers
                .get("content-type")
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            headers,
            body: content,
        });
        match next {
            Some(next) => rest = next,
            None => return Some(parts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_quoted_and_bare() {
        let v = r#"form-data; name="device"; filename="a;b \"c\".txt""#;
        assert_eq!(header_param(v, "name").as_deref(), Some("device"));
        assert_eq!(
            header_param(v, "FILENAME").as_deref(),
            Some(r#"a;b "c".txt"#)
        );
        assert_eq!(
            header_param("form-data; name=x", "name").as_deref(),
            Some("x")
        );
        assert_eq!(header_param("form-data", "name"), None);
        assert_eq!(
            multipart_boundary("multipart/form-data; boundary=----WebKitX").as_deref(),
            Some("----WebKitX")
        );
        assert_eq!(multipart_boundary("text/plain; boundary=x"), None);
    }

    #[test]
    fn splits_parts_with_names_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"device\"\r\n\r\nPixel 7\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n--XyZ--\r\n";
        let parts = parse_multipart(body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "device");
        assert_eq!(parts[0].body, b"Pixel 7");
        assert_eq!(parts[1].filename.as_deref(), Some("a.txt"));
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[1].body, b"line1\r\nline2");
    }

    #[test]
    fn lf_only_and_truncated_bodies() {
        let body = b"--b\nContent-Disposition: form-data; name=a\n\n1\n--b\nContent-Disposition: form-data; name=b\n\n2 trunc";
        let parts = parse_multipart(body, "b").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].body, b"1");
        assert_eq!(parts[1].body, b"2 trunc");
        assert!(parse_multipart(b"no boundary here", "b").is_none());
    }
}
