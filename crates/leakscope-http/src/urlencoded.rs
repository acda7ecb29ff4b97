//! Query strings and `application/x-www-form-urlencoded` bodies: whether a text is one.
//!
//! Splitting and decoding them is `leakscope-codecs`' job ([`parse_urlencoded`] is its
//! [`leakscope_codecs::form::parse`]), shared with the decoding crate. Decoding is deliberately
//! forgiving and deliberately shallow: a malformed `%` escape is kept as it is (trackers send
//! broken escapes, and a scanner must still see the bytes), and values are decoded exactly
//! once; deeper layers (double-encoding, base64, JSON) are the job of the decoding crate,
//! which records each layer it peels.

use leakscope_codecs::url::Url;

pub use leakscope_codecs::form::{FormPair, parse as parse_urlencoded};

/// The query of a URL: after the first `?`, before any `#`. `None` when there is no `?`.
/// Shorthand for [`Url::query`].
pub fn url_query(url: &str) -> Option<&str> {
    Url::parse(url).query()
}

/// The path of a URL (absolute or origin-form): from the first `/` after the authority up to
/// `?` or `#`. Empty when there is none. Shorthand for [`Url::path`].
pub fn url_path(url: &str) -> &str {
    Url::parse(url).path()
}

/// Bytes a form key may contain, raw (before percent-decoding). Wider than the set used for
/// sniffing, since here a Content-Type already claims a form.
fn is_sane_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_-.[]%*~$:+!@,;/|()'".contains(&b)
}

/// Whether `input` is one bare base64 (or base64url) token with `=` padding, such as
/// `eyJhIjoxfQ==`: split at its `=` it would become a key with a value of only `=`s.
pub fn is_base64_blob(input: &[u8]) -> bool {
    let data_len = input
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    let padding = input.len() - data_len;
    data_len >= 8
        && (1..=2).contains(&padding)
        && input.len() & 3 == 0
        && input
            .get(..data_len)
            .unwrap_or_default()
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"+/-_".contains(&b))
}

/// Whether a query string or a body that a Content-Type calls form-urlencoded really has
/// the shape of one, so that splitting it into pairs loses nothing.
///
/// Not a form: JSON (first non-blank byte `{` or `[`), a bare base64 blob, text with no `=`
/// at all, or any key (the part before `=`) with bytes outside a sane key charset (quotes,
/// spaces, braces, controls, non-ASCII). A piece without `=` among real pairs is tolerated:
/// [`parse_urlencoded`] yields it as a value without a key.
pub fn is_plausible_form(input: &[u8]) -> bool {
    let trimmed = input.trim_ascii_start();
    if trimmed.is_empty() || trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        return false;
    }
    if is_base64_blob(input) {
        return false;
    }
    let mut pairs = 0usize;
    for piece in input.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        if let Some(eq) = memchr::memchr(b'=', piece) {
            let key = piece.get(..eq).unwrap_or_default();
            if !key.iter().all(|&b| is_sane_key_byte(b)) {
                return false;
            }
            pairs += 1;
        }
    }
    pairs > 0
}

/// Whether a body is clearly `k=v&k=v` text even though no Content-Type said so.
///
/// Strict on purpose: a false "yes" would split a JSON or binary body into nonsense fields,
/// while a false "no" only leaves the body whole for the decoders.
pub fn looks_like_form(body: &[u8]) -> bool {
    if body.is_empty() || body.len() > 1024 * 1024 || is_base64_blob(body) {
        return false;
    }
    let allowed_key = |b: u8| b.is_ascii_alphanumeric() || b"_-.[]%*~$:".contains(&b);
    let mut pairs = 0;
    for piece in body.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let Some(eq) = memchr::memchr(b'=', piece) else {
            return false;
        };
        let key = piece.get(..eq).unwrap_or_default();
        let value = piece.get(eq + 1..).unwrap_or_default();
        if key.is_empty() || !key.iter().all(|&b| allowed_key(b)) {
            return false;
        }
        if !value.iter().all(|&b| b.is_ascii_graphic() && b != b'"') {
            return false;
        }
        pairs += 1;
    }
    pairs > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_pieces() {
        assert_eq!(url_query("https://h/p?a=1#frag"), Some("a=1"));
        assert_eq!(url_query("https://h/p#x?y"), None);
        assert_eq!(url_path("https://h/a/b?x"), "/a/b");
        assert_eq!(url_path("https://h?x"), "");
        assert_eq!(url_path("/rel/p?x"), "/rel/p");
        assert_eq!(url_query("https://h/p?"), Some(""));
        assert_eq!(url_query("https://h/p"), None);
    }

    /// Asserts `predicate` holds for each of `yes` and for none of `no`.
    fn assert_tells_apart(predicate: fn(&[u8]) -> bool, yes: &[&str], no: &[&str]) {
        for body in yes {
            assert!(predicate(body.as_bytes()), "{body:?} should pass");
        }
        for body in no {
            assert!(!predicate(body.as_bytes()), "{body:?} should not pass");
        }
    }

    #[test]
    fn plausible_forms_and_not() {
        assert_tells_apart(
            is_plausible_form,
            &[
                "ud[em]=abc%40x.y&data=eyJ1IjoxfQ%3D%3D",
                "a=1&bare&b=2",
                "flag=",
            ],
            &[
                r#"{"gaid":"38400000-8cf0-11bd-b23e-10b96e40000d"}"#,
                "  \n[1,2]",
                "eyJhIjoxfQ==",
                "eyJ1IjoxfQ",
                "hello world",
                r#""k"=v"#,
                "a b=c",
                "",
            ],
        );
        assert_tells_apart(
            is_base64_blob,
            &["eyJhIjoxfQ==", "YWJjZGVmZw=="],
            &["token=", "a=b", "===="],
        );
    }

    #[test]
    fn sniffs_only_clear_forms() {
        assert_tells_apart(
            looks_like_form,
            &[
                "v=1&tid=UA-1&cid=555.666&dl=https%3A%2F%2Fx",
                "single=value",
            ],
            &[
                r#"{"a":1}"#,
                "hello world",
                "a=1&b",
                "a=hello world",
                "",
                "eyJhIjoxfQ==",
            ],
        );
    }
}
