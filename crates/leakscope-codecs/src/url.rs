//! A URL split into its parts by borrowing from its text: [`Url`].
//!
//! Captured URLs are often not valid URLs (unescaped spaces, a second `?`, a bare `#`,
//! non-UTF-8 bytes in a value), and a scanner must still see every part of them, so parsing
//! never fails: it finds the delimiters the way RFC 3986's appendix B does and leaves every
//! byte between them as it is. Nothing is decoded, normalised or copied; each part is a slice
//! of the input, and the parts joined with their delimiters give back the input.
//!
//! ```text
//! https://user:pw@www.example.org:8443/a/b?q=1#top
//! └─┬─┘   └──┬──┘ └──────┬──────┘ └┬─┘└┬─┘ └┬┘ └┬┘
//! scheme  userinfo      host      port path query fragment
//!         └──────────────┬──────────────┘
//!                    authority
//! ```
//!
//! Where this differs from a full URL parser (the `url` crate), it is on purpose: a scheme is
//! recognised only before `://` (so `mailto:x` and `host:8080/p` are paths), the scheme may be
//! any text without `/`, `?` or `#` before that `://` (`foo+bar.baz://`), and a host is not
//! checked, lowercased or IDNA-mapped.

use std::ops::Range;

/// Text a [`Url`] can be parsed from: `str` (URLs of requests and headers) or `[u8]` (URLs
/// found inside decoded values, which need not be UTF-8).
///
/// Every delimiter is ASCII, so a `str` is only ever cut at character boundaries.
pub trait Text: sealed::Sealed {
    /// The text's bytes.
    fn bytes(&self) -> &[u8];
    /// The part of the text at `range` (empty if `range` is not in it, which parsing never
    /// asks for).
    fn part(&self, range: Range<usize>) -> &Self;
}

impl Text for str {
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }

    fn part(&self, range: Range<usize>) -> &str {
        self.get(range).unwrap_or_default()
    }
}

impl Text for [u8] {
    fn bytes(&self) -> &[u8] {
        self
    }

    fn part(&self, range: Range<usize>) -> &[u8] {
        self.get(range).unwrap_or_default()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for str {}
    impl Sealed for [u8] {}
}

/// A URL (absolute, or a path such as an origin-form request target) split into its parts,
/// each lent from the text it was parsed from.
///
/// Built by [`Url::parse`]; see the [module documentation](self) for what it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Url<'a, T: Text + ?Sized = str> {
    text: &'a T,
    /// Where the `://` after the scheme starts.
    scheme_end: Option<usize>,
    /// Where the authority ends and the path starts (0 without a scheme).
    authority_end: usize,
    /// Where the host starts: after the userinfo's `@`, or where the authority starts.
    host_start: usize,
    /// Where the host ends: at the port's `:`, after an IPv6 literal's `]`, or where the
    /// authority ends.
    host_end: usize,
    /// Where the port starts (after its `:`).
    port_start: Option<usize>,
    /// Where the path ends: at the `?` of the query, the `#` of the fragment, or the end.
    path_end: usize,
    /// Where the `#` of the fragment is.
    hash: Option<usize>,
}

impl<'a, T: Text + ?Sized> Url<'a, T> {
    /// Split `text` into the parts of a URL. Never fails and never allocates: text that is
    /// not much of a URL is a URL with only a path (`hello` is the path `hello`).
    pub fn parse(text: &'a T) -> Self {
        let bytes = text.bytes();
        let hash = memchr::memchr(b'#', bytes);
        let before_hash = bytes.get(..hash.unwrap_or(bytes.len())).unwrap_or_default();
        let path_end = memchr::memchr(b'?', before_hash).unwrap_or(before_hash.len());
        let head = before_hash.get(..path_end).unwrap_or_default();
        let scheme_end = scheme_end(head);
        let (authority_start, authority_end) = match scheme_end {
            Some(end) => {
                let start = end + 3;
                let rest = head.get(start..).unwrap_or_default();
                (
                    start,
                    start + memchr::memchr(b'/', rest).unwrap_or(rest.len()),
                )
            }
            None => (0, 0),
        };
        let authority = bytes
            .get(authority_start..authority_end)
            .unwrap_or_default();
        let host_start =
            memchr::memrchr(b'@', authority).map_or(authority_start, |at| authority_start + at + 1);
        let host_port = bytes.get(host_start..authority_end).unwrap_or_default();
        let (host_end, port_start) = if host_port.first() == Some(&b'[') {
            // `[` opens an IPv6 literal, whose `:`s are not a port's.
            match memchr::memchr(b']', host_port) {
                Some(close) => {
                    let end = host_start + close + 1;
                    let port =
                        (bytes.get(end) == Some(&b':') && end < authority_end).then_some(end + 1);
                    (end, port)
                }
                None => (authority_end, None),
            }
        } else {
            match memchr::memchr(b':', host_port) {
                Some(colon) => (host_start + colon, Some(host_start + colon + 1)),
                None => (authority_end, None),
            }
        };
        Url {
            text,
            scheme_end,
            authority_end,
            host_start,
            host_end,
            port_start,
            path_end,
            hash,
        }
    }

    /// The text the URL was parsed from.
    pub fn as_text(&self) -> &'a T {
        self.text
    }

    /// The scheme (`https`), as written; `None` when the text has no `://` before its path.
    pub fn scheme(&self) -> Option<&'a T> {
        self.scheme_end.map(|end| self.text.part(0..end))
    }

    /// Everything between `://` and the path: userinfo, host and port (`user@host:8080`);
    /// `None` without a scheme, empty in `file:///etc`.
    pub fn authority(&self) -> Option<&'a T> {
        self.scheme_end
            .map(|end| self.text.part(end + 3..self.authority_end))
    }

    /// The userinfo before the host (`user:password`), without its `@`.
    pub fn userinfo(&self) -> Option<&'a T> {
        let start = self.scheme_end? + 3;
        (self.host_start > start).then(|| self.text.part(start..self.host_start - 1))
    }

    /// The host, as written: case kept, an IPv6 literal with its brackets (`[::1]`), a
    /// percent-encoded host still encoded. `None` without a scheme; may be empty
    /// (`http:///path`).
    pub fn host(&self) -> Option<&'a T> {
        self.scheme_end?;
        Some(self.text.part(self.host_start..self.host_end))
    }

    /// The port after the host's `:` (may be empty or not a number: it is not checked).
    pub fn port(&self) -> Option<&'a T> {
        self.port_start
            .map(|start| self.text.part(start..self.authority_end))
    }

    /// The authority without its userinfo: the host and port (`host:8080`).
    pub fn host_and_port(&self) -> Option<&'a T> {
        self.scheme_end?;
        Some(self.text.part(self.host_start..self.authority_end))
    }

    /// The path: from the end of the authority (or the start, without a scheme) up to `?` or
    /// `#`. Empty when there is none (`https://host?q`).
    pub fn path(&self) -> &'a T {
        self.text.part(self.authority_end..self.path_end)
    }

    /// The query, without its `?`, up to the fragment's `#`; `Some("")` for a URL that ends
    /// in `?`, `None` for one without a `?` (before any `#`).
    pub fn query(&self) -> Option<&'a T> {
        let end = self.hash.unwrap_or(self.text.bytes().len());
        (self.path_end < end).then(|| self.text.part(self.path_end + 1..end))
    }

    /// The path and the query with its `?`, as one slice (`/a/b?c=d`).
    pub fn path_and_query(&self) -> &'a T {
        let end = self.hash.unwrap_or(self.text.bytes().len());
        self.text.part(self.authority_end..end)
    }

    /// The fragment, without its `#` (it may hold `?` and more `#`s).
    pub fn fragment(&self) -> Option<&'a T> {
        self.hash
            .map(|hash| self.text.part(hash + 1..self.text.bytes().len()))
    }

    /// The query, or when there is none, the query that a fragment carries after a `?`, up to
    /// any further `#`: apps that route in the fragment put their parameters there
    /// (`https://app.example/#/search?q=flights`).
    pub fn query_or_fragment_query(&self) -> Option<&'a T> {
        if let Some(query) = self.query() {
            return Some(query);
        }
        let hash = self.hash?;
        let fragment = self.text.bytes().get(hash + 1..).unwrap_or_default();
        let start = hash + 1 + memchr::memchr(b'?', fragment)? + 1;
        let rest = self.text.bytes().get(start..).unwrap_or_default();
        let end = start + memchr::memchr(b'#', rest).unwrap_or(rest.len());
        Some(self.text.part(start..end))
    }
}

/// Where the `://` that ends a scheme starts in `head` (the text before any `?` or `#`): the
/// first `://` with no `/` before it.
fn scheme_end(head: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + memchr::memchr2(b':', b'/', head.get(from..)?)?;
        if head.get(at) != Some(&b':') {
            return None;
        }
        if head.get(at + 1..at + 3) == Some(b"//") {
            return Some(at);
        }
        from = at + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every part of `text`, in order: scheme, authority, userinfo, host, port, path, query,
    /// fragment.
    type Parts<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );

    fn parts(text: &str) -> Parts<'_> {
        let url = Url::parse(text);
        (
            url.scheme(),
            url.authority(),
            url.userinfo(),
            url.host(),
            url.port(),
            url.path(),
            url.query(),
            url.fragment(),
        )
    }

    #[test]
    fn a_full_url_has_every_part() {
        assert_eq!(
            parts("https://user:pw@www.example.org:8443/a/b?q=1&r=2#top"),
            (
                Some("https"),
                Some("user:pw@www.example.org:8443"),
                Some("user:pw"),
                Some("www.example.org"),
                Some("8443"),
                "/a/b",
                Some("q=1&r=2"),
                Some("top")
            )
        );
        let url = Url::parse("https://user:pw@www.example.org:8443/a/b?q=1#top");
        assert_eq!(url.host_and_port(), Some("www.example.org:8443"));
        assert_eq!(url.path_and_query(), "/a/b?q=1");
        assert_eq!(
            url.as_text(),
            "https://user:pw@www.example.org:8443/a/b?q=1#top"
        );
    }

    #[test]
    fn without_a_scheme_everything_before_the_query_is_path() {
        assert_eq!(
            parts("/collect?v=1#x"),
            (
                None,
                None,
                None,
                None,
                None,
                "/collect",
                Some("v=1"),
                Some("x")
            )
        );
        assert_eq!(
            parts("www.example.org/a"),
            (
                None,
                None,
                None,
                None,
                None,
                "www.example.org/a",
                None,
                None
            )
        );
        assert_eq!(parts("mailto:a@b.c").5, "mailto:a@b.c");
        assert_eq!(parts("localhost:8080/p").5, "localhost:8080/p");
        assert_eq!(parts("//cdn.example.org/x").5, "//cdn.example.org/x");
        // A `://` after a `/` is inside the path, not the end of a scheme.
        assert_eq!(parts("/r/https://x.org").0, None);
        assert_eq!(parts("").5, "");
    }

    #[test]
    fn no_path_and_empty_parts() {
        assert_eq!(
            parts("https://h"),
            (
                Some("https"),
                Some("h"),
                None,
                Some("h"),
                None,
                "",
                None,
                None
            )
        );
        assert_eq!(parts("https://h?q=1").5, "");
        assert_eq!(parts("https://h?q=1").6, Some("q=1"));
        assert_eq!(parts("https://h/?").6, Some(""), "empty query");
        assert_eq!(parts("https://h/#").7, Some(""), "empty fragment");
        assert_eq!(
            parts("#"),
            (None, None, None, None, None, "", None, Some(""))
        );
        assert_eq!(parts("?").6, Some(""));
        assert_eq!(
            parts("http:///etc"),
            (
                Some("http"),
                Some(""),
                None,
                Some(""),
                None,
                "/etc",
                None,
                None
            )
        );
        assert_eq!(parts("://h/p").0, Some(""));
        assert_eq!(parts("h:/p").0, None);
    }

    #[test]
    fn userinfo_ends_at_the_last_at_sign() {
        let url = Url::parse("https://a@b:c@host:1/p@q");
        assert_eq!(url.userinfo(), Some("a@b:c"));
        assert_eq!(url.host(), Some("host"));
        assert_eq!(url.port(), Some("1"));
        assert_eq!(url.path(), "/p@q");
        assert_eq!(Url::parse("https://@h/").userinfo(), Some(""));
        assert_eq!(Url::parse("https://h:/").port(), Some(""));
    }

    #[test]
    fn an_ipv6_host_keeps_its_brackets_and_colons() {
        let url = Url::parse("http://[::1]:8080/x");
        assert_eq!(url.host(), Some("[::1]"));
        assert_eq!(url.port(), Some("8080"));
        assert_eq!(
            Url::parse("http://[fe80::1%25en0]/").host(),
            Some("[fe80::1%25en0]")
        );
        assert_eq!(Url::parse("http://[::1]/").port(), None);
        // Unclosed: the whole authority is the host.
        assert_eq!(Url::parse("http://[::1/x").host(), Some("[::1"));
        // Junk after the bracket is neither host nor port.
        let junk = Url::parse("http://[::1]x:1/");
        assert_eq!((junk.host(), junk.port()), (Some("[::1]"), None));
        assert_eq!(junk.host_and_port(), Some("[::1]x:1"));
    }

    #[test]
    fn a_question_mark_in_the_fragment_is_fragment() {
        let url = Url::parse("https://app.example/#/search?q=flights#more");
        assert_eq!(url.query(), None);
        assert_eq!(url.fragment(), Some("/search?q=flights#more"));
        assert_eq!(url.query_or_fragment_query(), Some("q=flights"));
        let both = Url::parse("https://h/p?a=1#f?b=2");
        assert_eq!(both.query_or_fragment_query(), Some("a=1"));
        assert_eq!(Url::parse("https://h/p#f").query_or_fragment_query(), None);
    }

    #[test]
    fn a_percent_encoded_host_stays_encoded() {
        let url = Url::parse("https://ex%61mple.org%2Fevil/");
        assert_eq!(url.host(), Some("ex%61mple.org%2Fevil"));
        assert_eq!(url.path(), "/");
    }

    #[test]
    fn bytes_need_not_be_utf8() {
        let text: &[u8] = b"http://h\xff/p\xfe?k=\xc3(#\x80";
        let url = Url::parse(text);
        assert_eq!(url.scheme(), Some(&b"http"[..]));
        assert_eq!(url.host(), Some(&b"h\xff"[..]));
        assert_eq!(url.path(), b"/p\xfe");
        assert_eq!(url.query(), Some(&b"k=\xc3("[..]));
        assert_eq!(url.fragment(), Some(&b"\x80"[..]));
    }

    #[test]
    fn a_multibyte_character_next_to_a_delimiter_is_not_cut() {
        let url = Url::parse("https://bücher.example/straße?ä=ö#é");
        assert_eq!(url.host(), Some("bücher.example"));
        assert_eq!(url.path(), "/straße");
        assert_eq!(url.query(), Some("ä=ö"));
        assert_eq!(url.fragment(), Some("é"));
    }

    /// The text again, from its parts and their delimiters.
    fn rejoin(url: &Url<'_, [u8]>) -> Vec<u8> {
        let mut out = Vec::new();
        if let (Some(scheme), Some(authority)) = (url.scheme(), url.authority()) {
            out.extend_from_slice(scheme);
            out.extend_from_slice(b"://");
            out.extend_from_slice(authority);
        }
        out.extend_from_slice(url.path());
        if let Some(query) = url.query() {
            out.push(b'?');
            out.extend_from_slice(query);
        }
        if let Some(fragment) = url.fragment() {
            out.push(b'#');
            out.extend_from_slice(fragment);
        }
        out
    }

    /// Bytes rich in URL delimiters, so that every branch of the parser is reached.
    fn url_like() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            4 => prop::sample::select(b":/?#@[]%.a1".to_vec()),
            1 => any::<u8>(),
        ];
        prop_oneof![
            prop::collection::vec(byte.clone(), 0..40),
            prop::collection::vec(byte, 0..40).prop_map(|tail| [&b"https://"[..], &tail].concat()),
        ]
    }

    proptest! {
        #[test]
        fn parts_rejoin_to_the_text(text in url_like()) {
            let url = Url::parse(&text[..]);
            prop_assert_eq!(rejoin(&url), text.clone());
            if let Some(authority) = url.authority() {
                let host_and_port = url.host_and_port().unwrap_or_default();
                prop_assert!(authority.ends_with(host_and_port));
                prop_assert!(host_and_port.starts_with(url.host().unwrap_or_default()));
                if let Some(userinfo) = url.userinfo() {
                    prop_assert_eq!(
                        [userinfo, b"@", host_and_port].concat(),
                        authority.to_vec()
                    );
                }
                if let Some(port) = url.port() {
                    prop_assert!(host_and_port.ends_with(port));
                }
            }
            let _ = url.query_or_fragment_query();
            let _ = url.path_and_query();
        }

        #[test]
        fn any_str_parses_without_panicking(text in ".*") {
            let url = Url::parse(text.as_str());
            let joined = format!(
                "{}{}{}{}",
                url.scheme().map(|s| format!("{s}://{}", url.authority().unwrap_or_default())).unwrap_or_default(),
                url.path(),
                url.query().map(|q| format!("?{q}")).unwrap_or_default(),
                url.fragment().map(|f| format!("#{f}")).unwrap_or_default(),
            );
            prop_assert_eq!(joined, text);
        }
    }
}
