//! Splitting an [`Exchange`] into the values a scanner looks at: [`request_parts`].
//!
//! This is the second step of the crate's two-step parsing: the envelope (HTTP framing, capture
//! format) is already gone, and here the *content* of the request is cut along the lines that
//! senders use to carry data: path segments, query parameters, headers, cookies and body fields.
//! Each value keeps a human-readable location, the first link of the provenance chain a report
//! shows ("body form[data] > base64 > json $.url").

use std::borrow::Cow;

use crate::cookies::parse_cookies;
use crate::exchange::Exchange;
use crate::multipart::{multipart_boundary, parse_multipart};
use crate::urlencoded::{
    FormPair, is_base64_blob, is_plausible_form, looks_like_form, parse_urlencoded, url_path,
    url_query,
};
use leakscope_codecs::percent;

/// Which kind of request part a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartKind {
    /// A segment of the URL path.
    Path,
    /// A query-string parameter.
    Query,
    /// A request header (other than Cookie).
    Header,
    /// One cookie of a Cookie header.
    Cookie,
    /// A field of a form-urlencoded body.
    FormField,
    /// A part of a multipart/form-data body.
    MultipartField,
    /// The whole body, when it has no field structure we know.
    Body,
}

/// One value of a request, ready for decoding, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// Which kind of part this is.
    pub kind: PartKind,
    /// Human-readable: `path[2]`, `query[dl]`, `header[User-Agent]`, `cookie[_ga]`,
    /// `body form[data]`, `body multipart[device]`, `body multipart[photo] filename`, `body`.
    pub location: String,
    /// The field name (`dl`, `User-Agent`, `_ga`, `data`; `filename` for the file name of a
    /// multipart part); `None` for Body and Path.
    pub key: Option<String>,
    /// Percent-decoded once for query and form values (`+` as space), raw bytes otherwise.
    pub value: Cow<'a, [u8]>,
}

fn keyed<'a>(kind: PartKind, location: String, key: String, value: Cow<'a, [u8]>) -> Part<'a> {
    Part {
        kind,
        location,
        key: Some(key),
        value,
    }
}

/// Split a request into its parts, in this order: path segments, every query parameter
/// (repeated keys each a part, keys like `ud[em]` kept verbatim, malformed %-escapes kept raw;
/// a piece without `=` is a value with key `None` at `query[]`, and a query that is not
/// `k=v` text at all, such as `?eyJ...`, is one value with key `None` at `query`),
/// every header except Cookie, each cookie of the Cookie header(s), then the body:
/// form-urlencoded fields (by Content-Type when the body has the shape of a form, or sniffed
/// when the body is clearly `k=v&k=v` text; a piece without `=` is a value with key `None`
/// at `body form[]`; JSON or a bare blob under a form Content-Type stays one `Body` part),
/// multipart/form-data parts (by boundary; a part with a file name yields first a part
/// `body multipart[name] filename` with key `filename` whose value is the file name, then its
/// content), otherwise the whole body as one `Body`
/// part (if non-empty).
///
/// HTTP/2 pseudo-headers (`:path`, `:authority`, ...) that some HAR writers list are skipped:
/// they repeat the URL, which is already split into path and query parts.
pub fn request_parts(exchange: &Exchange) -> Vec<Part<'_>> {
    let mut parts = Vec::new();

    let path = url_path(&exchange.url);
    for (i, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        parts.push(Part {
            kind: PartKind::Path,
            location: format!("path[{i}]"),
            key: None,
            value: Cow::Borrowed(segment.as_bytes()),
        });
    }

    if let Some(query) = url_query(&exchange.url).filter(|q| !q.is_empty()) {
        let query = query.as_bytes();
        if is_plausible_form(query) {
            for pair in parse_urlencoded(query) {
                parts.push(pair_part(PartKind::Query, "query", pair));
            }
        } else {
            // `?eyJ...`, `?{...}`: one value without a key. In a base64 blob `+` is a digit,
            // not an encoded space.
            parts.push(Part {
                kind: PartKind::Query,
                location: "query".to_string(),
                key: None,
                value: if is_base64_blob(query) {
                    percent::decode(query)
                } else {
                    percent::decode_form(query)
                },
            });
        }
    }

    for header in &exchange.headers {
        if header.name.eq_ignore_ascii_case("cookie") || header.name.starts_with(':') {
            continue;
        }
        parts.push(keyed(
            PartKind::Header,
            format!("header[{}]", header.name),
            header.name.clone(),
            Cow::Borrowed(header.value.as_bytes()),
        ));
    }

    for cookie_header in exchange.header_values("cookie") {
        for (name, value) in parse_cookies(cookie_header) {
            parts.push(keyed(
                PartKind::Cookie,
                format!("cookie[{name}]"),
                name.to_string(),
                Cow::Borrowed(value.as_bytes()),
            ));
        }
    }

    body_parts(exchange, &mut parts);
    parts
}

/// A query or form pair as a part: `query[key]`, or `query[]` with key `None` for a bare
/// value among pairs.
fn pair_part<'a>(kind: PartKind, prefix: &str, pair: FormPair<'a>) -> Part<'a> {
    match pair.key {
        Some(key) => {
            let key = String::from_utf8_lossy(&key).into_owned();
            keyed(kind, format!("{prefix}[{key}]"), key, pair.value)
        }
        None => Part {
            kind,
            location: format!("{prefix}[]"),
            key: None,
            value: pair.value,
        },
    }
}

fn body_parts<'a>(exchange: &'a Exchange, parts: &mut Vec<Part<'a>>) {
    let body = exchange.body.as_slice();
    if body.is_empty() {
        return;
    }
    let content_type = exchange.header("content-type").unwrap_or_default();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();

    if let Some(boundary) = multipart_boundary(content_type) {
        if let Some(fields) = parse_multipart(body, &boundary) {
            for field in fields {
                // File names leak on their own (`IMG_20200429_101500.jpg`, `contacts.vcf`).
                if let Some(filename) = field.filename {
                    parts.push(keyed(
                        PartKind::MultipartField,
                        format!("body multipart[{}] filename", field.name),
                        "filename".to_string(),
                        Cow::Owned(filename.into_bytes()),
                    ));
                }
                parts.push(keyed(
                    PartKind::MultipartField,
                    format!("body multipart[{}]", field.name),
                    field.name,
                    Cow::Borrowed(field.body),
                ));
            }
            return;
        }
    } else if (mime == "application/x-www-form-urlencoded" && is_plausible_form(body))
        || looks_like_form(body)
    {
        // A form Content-Type on JSON or a bare blob (jQuery `$.post`, Volley) is not trusted:
        // such a body falls through to one whole `Body` part below.
        for pair in parse_urlencoded(body) {
            parts.push(pair_part(PartKind::FormField, "body form", pair));
        }
        return;
    }

    parts.push(Part {
        kind: PartKind::Body,
        location: "body".to_string(),
        key: None,
        value: Cow::Borrowed(body),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Header, Position};

    fn exchange(url: &str, headers: &[(&str, &str)], body: &[u8]) -> Exchange {
        Exchange {
            method: "POST".into(),
            url: url.into(),
            http_version: "HTTP/1.1".into(),
            headers: headers.iter().map(|(n, v)| Header::new(*n, *v)).collect(),
            body: body.to_vec(),
            started: None,
            position: Position::Entry(0),
            anomalies: Vec::new(),
            page: None,
            resource_type: None,
        }
    }

    fn summary(parts: &[Part<'_>]) -> Vec<(String, String)> {
        parts
            .iter()
            .map(|p| {
                (
                    p.location.clone(),
                    String::from_utf8_lossy(&p.value).into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn a_google_analytics_style_hit() {
        let ex = exchange(
            "https://www.google-analytics.com/g/collect?v=2&dl=https%3A%2F%2Fsite%2Fpage&en=page_view&en=scroll&bad=%zz&sp=a+b#frag",
            &[
                ("User-Agent", "Mozilla/5.0"),
                ("Cookie", "_ga=GA1.1.123.456; theme=dark"),
                ("cookie", "x=1"),
                (":authority", "www.google-analytics.com"),
            ],
            b"",
        );
        let parts = request_parts(&ex);
        let want: Vec<(String, String)> = [
            ("path[0]", "g"),
            ("path[1]", "collect"),
            ("query[v]", "2"),
            ("query[dl]", "https://site/page"),
            ("query[en]", "page_view"),
            ("query[en]", "scroll"),
            ("query[bad]", "%zz"),
            ("query[sp]", "a b"),
            ("header[User-Agent]", "Mozilla/5.0"),
            ("cookie[_ga]", "GA1.1.123.456"),
            ("cookie[theme]", "dark"),
            ("cookie[x]", "1"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(summary(&parts), want);
        assert_eq!(parts[0].key, None);
        assert_eq!(parts[3].key.as_deref(), Some("dl"));
        assert_eq!(parts[3].kind, PartKind::Query);
        assert_eq!(parts[9].kind, PartKind::Cookie);
    }

    #[test]
    fn form_bodies_by_type_and_by_sniffing() {
        let ex = exchange(
            "https://h/tr",
            &[(
                "Content-Type",
                "application/x-www-form-urlencoded; charset=UTF-8",
            )],
            b"ud[em]=abc%40x.y&data=eyJ1IjoxfQ%3D%3D",
        );
        let parts = request_parts(&ex);
        let body: Vec<_> = parts
            .iter()
            .filter(|p| p.kind == PartKind::FormField)
            .collect();
        assert_eq!(body.len(), 2);
        assert_eq!(body[0].location, "body form[ud[em]]");
        assert_eq!(body[0].value.as_ref(), b"abc@x.y");
        assert_eq!(body[1].value.as_ref(), b"eyJ1IjoxfQ==");

        let sniffed = exchange("https://h/", &[("Content-Type", "text/plain")], b"a=1&b=2");
        assert_eq!(
            request_parts(&sniffed)
                .iter()
                .filter(|p| p.kind == PartKind::FormField)
                .count(),
            2
        );

        let json = exchange(
            "https://h/",
            &[("Content-Type", "text/plain")],
            b"{\"a\":1}",
        );
        let parts = request_parts(&json);
        assert_eq!(parts.last().map(|p| p.kind), Some(PartKind::Body));
        assert_eq!(parts.last().map(|p| p.location.as_str()), Some("body"));
    }

    /// The parts of `kind`, as (location, key, value); the values of these tests are text.
    fn only<'p>(parts: &'p [Part<'_>], kind: PartKind) -> Vec<(&'p str, Option<&'p str>, &'p str)> {
        parts
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| {
                let value = std::str::from_utf8(&p.value).expect("a text value");
                (p.location.as_str(), p.key.as_deref(), value)
            })
            .collect()
    }

    const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

    #[test]
    fn json_under_a_form_content_type_stays_whole() {
        let json = br#"{"gaid":"38400000-8cf0-11bd-b23e-10b96e40000d"}"#;
        let ex = exchange("https://h/", &[FORM], json);
        let parts = request_parts(&ex);
        assert!(only(&parts, PartKind::FormField).is_empty());
        assert_eq!(
            only(&parts, PartKind::Body),
            [("body", None, std::str::from_utf8(json).unwrap())]
        );
        let ex = exchange("https://h/", &[FORM], b" \n[1,2]");
        let parts = request_parts(&ex);
        assert_eq!(only(&parts, PartKind::Body).len(), 1);
    }

    #[test]
    fn non_forms_under_a_form_content_type_stay_whole() {
        for body in ["eyJhIjoxfQ==", "eyJ1IjoxfQ", "hello world", r#""k"=v&x=1"#] {
            let body = body.as_bytes();
            let ex = exchange("https://h/", &[FORM], body);
            let parts = request_parts(&ex);
            assert!(only(&parts, PartKind::FormField).is_empty(), "{body:?}");
            let whole = only(&parts, PartKind::Body);
            assert_eq!(whole.len(), 1, "{body:?}");
            assert_eq!(whole[0].2.as_bytes(), body);
        }
    }

    #[test]
    fn a_bare_piece_in_a_form_is_a_value_without_key() {
        let ex = exchange("https://h/", &[FORM], b"a=1&eyJ1IjoxfQ&b=2");
        let parts = request_parts(&ex);
        assert_eq!(
            only(&parts, PartKind::FormField),
            [
                ("body form[a]", Some("a"), "1"),
                ("body form[]", None, "eyJ1IjoxfQ"),
                ("body form[b]", Some("b"), "2"),
            ]
        );
    }

    #[test]
    fn bare_query_values_are_values() {
        let ex = exchange("https://h/p?eyJ1IjoxfQ", &[], b"");
        let parts = request_parts(&ex);
        assert_eq!(
            only(&parts, PartKind::Query),
            [("query", None, "eyJ1IjoxfQ")]
        );
        let ex = exchange("https://h/p?YWJj+2RlZg==", &[], b"");
        let parts = request_parts(&ex);
        assert_eq!(
            only(&parts, PartKind::Query),
            [("query", None, "YWJj+2RlZg==")]
        );
        let ex = exchange("https://h/p?v=2&eyJ1IjoxfQ", &[], b"");
        let parts = request_parts(&ex);
        assert_eq!(
            only(&parts, PartKind::Query),
            [
                ("query[v]", Some("v"), "2"),
                ("query[]", None, "eyJ1IjoxfQ")
            ]
        );
        let ex = exchange("https://h/p?", &[], b"");
        assert!(only(&request_parts(&ex), PartKind::Query).is_empty());
    }

    #[test]
    fn multipart_fields() {
        let ex = exchange(
            "https://h/upload",
            &[("Content-Type", "multipart/form-data; boundary=B")],
            b"--B\r\nContent-Disposition: form-data; name=\"device\"\r\n\r\nPixel\r\n--B--\r\n",
        );
        let parts = request_parts(&ex);
        let last = parts.last().unwrap();
        assert_eq!(last.kind, PartKind::MultipartField);
        assert_eq!(last.location, "body multipart[device]");
        assert_eq!(last.value.as_ref(), b"Pixel");
    }

    #[test]
    fn multipart_file_names_are_parts_of_their_own() {
        let body = b"--XyZ\r\n\
Content-Disposition: form-data; name=\"photo\"; filename=\"IMG_20200429_101500.jpg\"\r\n\
Content-Type: image/jpeg\r\n\r\n\
\xff\xd8\xff\xe0JFIF\r\n\
--XyZ\r\n\
Content-Disposition: form-data; name=\"backup\"; filename=\"contacts.vcf\"\r\n\r\n\
BEGIN:VCARD\r\nFN:Ann\r\nEND:VCARD\r\n\
--XyZ\r\n\
Content-Disposition: form-data; name=\"device\"\r\n\r\n\
Pixel 4\r\n\
--XyZ--\r\n";
        let ex = exchange(
            "https://h/upload",
            &[("Content-Type", "multipart/form-data; boundary=XyZ")],
            body,
        );
        let parts = request_parts(&ex);
        let body_parts: Vec<_> = parts
            .iter()
            .filter(|p| p.kind == PartKind::MultipartField)
            .collect();
        let summary: Vec<(&str, Option<&str>, String)> = body_parts
            .iter()
            .map(|p| {
                (
                    p.location.as_str(),
                    p.key.as_deref(),
                    String::from_utf8_lossy(&p.value).into_owned(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "body multipart[photo] filename",
                    Some("filename"),
                    "IMG_20200429_101500.jpg".to_string()
                ),
                (
                    "body multipart[photo]",
                    Some("photo"),
                    "\u{fffd}\u{fffd}\u{fffd}\u{fffd}JFIF".to_string()
                ),
                (
                    "body multipart[backup] filename",
                    Some("filename"),
                    "contacts.vcf".to_string()
                ),
                (
                    "body multipart[backup]",
                    Some("backup"),
                    "BEGIN:VCARD\r\nFN:Ann\r\nEND:VCARD".to_string()
                ),
                (
                    "body multipart[device]",
                    Some("device"),
                    "Pixel 4".to_string()
                ),
            ]
        );
    }

    #[test]
    fn empty_body_gives_no_body_part() {
        let ex = exchange("https://h", &[], b"");
        assert!(request_parts(&ex).is_empty());
    }
}
