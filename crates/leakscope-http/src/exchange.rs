//! The owned request model every capture reader produces: [`Exchange`] and its pieces.
//!
//! Readers differ wildly in what they see (HAR gives JSON strings, a raw stream gives bytes),
//! so they all normalise into this one owned shape; everything after the reader (request parts,
//! decoding, rules) only ever looks at an `Exchange`.

use std::fmt;

use leakscope_codecs::url::Url;

/// One HTTP header as captured (name case preserved).
///
/// Case is kept because reports quote the header as the client sent it; lookups that must be
/// case-insensitive go through [`Exchange::header`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    /// The header name, exactly as captured.
    pub name: String,
    /// The header value, with surrounding whitespace removed and obs-folds joined.
    pub value: String,
}

impl Header {
    /// Build a header from anything string-like; a convenience for readers and tests.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// Where in its capture file an exchange (or an error) was found.
///
/// Each capture format has its own natural coordinate, and users fix a capture faster when told
/// "entry 3" of a HAR or "line 5" of an NDJSON file than a byte offset they cannot see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// HAR `log.entries[n]`, 0-based.
    Entry(usize),
    /// Byte offset in a raw stream.
    Offset(u64),
    /// 1-based NDJSON line.
    Line(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Entry(n) => write!(f, "entry {n}"),
            Position::Offset(n) => write!(f, "byte {n}"),
            Position::Line(n) => write!(f, "line {n}"),
        }
    }
}

/// Something odd about one request that did not stop it being scanned (truncated body, limit
/// exceeded, bad content-encoding...).
///
/// Anomalies are data rather than errors so that one odd request never costs the rest of the
/// capture, and so a report can still say that something was unusual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// A short human-readable description.
    pub message: String,
}

impl Anomaly {
    /// Build an anomaly from a message.
    pub fn new(message: impl Into<String>) -> Self {
        Anomaly {
            message: message.into(),
        }
    }
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One captured HTTP request, owned (HAR gives owned strings anyway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request method as captured (`GET`, `POST`, ...).
    pub method: String,
    /// Absolute URL when known (HAR always; raw stream: built from the Host header and the
    /// request target, scheme `http` unless the target is absolute).
    pub url: String,
    /// `HTTP/1.1`, `h2`, `h3`, ... as given by the capture.
    pub http_version: String,
    /// Every request header in capture order, duplicates kept.
    pub headers: Vec<Header>,
    /// The request body with Content-Encoding already removed (if decodable) and transfer
    /// framing removed.
    pub body: Vec<u8>,
    /// HAR `startedDateTime`; NDJSON `time`.
    pub started: Option<String>,
    /// Where the request was found in its file.
    pub position: Position,
    /// Oddities noticed while reading this request.
    pub anomalies: Vec<Anomaly>,
    /// The title of the HAR page the request belongs to (browsers title a page with its URL
    /// or its document title); `None` outside HAR or without `log.pages`.
    pub page: Option<String>,
    /// The capture's own word for the kind of request (HAR `_resourceType`: `document` for a
    /// page load, `xhr`, `image`, …), when it has one.
    pub resource_type: Option<String>,
}

impl Exchange {
    /// The value of the first header called `name`, compared case-insensitively as HTTP
    /// requires.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every value of the headers called `name` (case-insensitive), in capture order; `Cookie`
    /// may legitimately appear more than once.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// The host of [`Exchange::url`] without port or user info; `None` when the URL is not
    /// absolute. Case is left as captured.
    pub fn host(&self) -> Option<&str> {
        url_host(&self.url)
    }
}

/// The host part of an absolute URL (`scheme://[userinfo@]host[:port]/...`), without port;
/// `None` when the URL has no scheme or an empty host. Case is left as captured.
///
/// Shorthand for [`Url::host`], which splits the URL by hand rather than with a URL crate
/// because captured URLs are often slightly invalid.
pub fn url_host(url: &str) -> Option<&str> {
    Url::parse(url).host().filter(|host| !host.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(url: &str) -> Exchange {
        Exchange {
            method: "GET".into(),
            url: url.into(),
            http_version: "HTTP/1.1".into(),
            headers: vec![
                Header::new("Content-Type", "text/plain"),
                Header::new("cookie", "a=1"),
                Header::new("Cookie", "b=2"),
            ],
            body: Vec::new(),
            started: None,
            position: Position::Entry(0),
            anomalies: Vec::new(),
            page: None,
            resource_type: None,
        }
    }

    #[test]
    fn positions_read_like_prose() {
        assert_eq!(Position::Entry(3).to_string(), "entry 3");
        assert_eq!(Position::Offset(1024).to_string(), "byte 1024");
        assert_eq!(Position::Line(5).to_string(), "line 5");
    }

    #[test]
    fn header_lookup_ignores_case_and_takes_the_first() {
        let ex = exchange("https://example.com/");
        assert_eq!(ex.header("content-type"), Some("text/plain"));
        assert_eq!(ex.header("COOKIE"), Some("a=1"));
        assert_eq!(
            ex.header_values("Cookie").collect::<Vec<_>>(),
            ["a=1", "b=2"]
        );
        assert_eq!(ex.header("missing"), None);
    }

    #[test]
    fn host_drops_port_and_userinfo() {
        assert_eq!(
            exchange("https://user:pw@Example.com:8443/a?b").host(),
            Some("Example.com")
        );
        assert_eq!(exchange("http://[::1]:8080/").host(), Some("[::1]"));
        assert_eq!(exchange("http://h?x=1").host(), Some("h"));
        assert_eq!(exchange("/relative/only").host(), None);
        assert_eq!(exchange("http:///nohost").host(), None);
    }
}
