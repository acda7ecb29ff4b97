//! Query strings, `application/x-www-form-urlencoded` bodies and percent-encoding.
//!
//! Decoding here is deliberately forgiving and deliberately shallow: a malformed `%` escape is
//! kept as it is (trackers send broken escapes, and a scanner must still see the bytes), and
//! values are decoded exactly once; deeper layers (double-encoding, base64, JSON) are the job of
//! the decoding crate, which records each layer it peels.

use std::borrow::Cow;

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decode `input` once; with `plus_as_space`, `+` becomes a space (query strings and
/// form bodies). A `%` not followed by two hex digits is kept raw. Borrows when nothing changes.
pub fn percent_decode(input: &[u8], plus_as_space: bool) -> Cow<'_, [u8]> {
    let needs_work = input
        .iter()
        .any(|&b| b == b'%' || (plus_as_space && b == b'+'));
    if !needs_work {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex_value);
                let lo = input.get(i + 2).copied().and_then(hex_value);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_as_space => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    Cow::Owned(out)
}

/// Percent-encode for a form body (`application/x-www-form-urlencoded`): unreserved bytes stay,
/// space becomes `+`, everything else `%XX`. Used to rebuild a body from HAR `params`.
pub fn form_encode(input: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &b in input {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
        }
    }
    out
}

/// One `key=value` pair of a query string or form body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPair<'a> {
    /// The key, percent-decoded once (`ud[em]` and the like kept verbatim); `None` for a
    /// piece without `=`, which is a bare value (`?eyJ...`), not a key.
    pub key: Option<Cow<'a, [u8]>>,
    /// The value, percent-decoded once.
    pub value: Cow<'a, [u8]>,
    /// The pair exactly as it appeared.
    pub raw: &'a [u8],
}

/// Split a query string or form body into its pairs, in order, repeated keys each a pair.
/// Empty pieces (`a=1&&b=2`) are skipped; a piece without `=` is a value without a key.
pub fn parse_urlencoded(input: &[u8]) -> impl Iterator<Item = FormPair<'_>> + '_ {
    input
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = match memchr::memchr(b'=', piece) {
                Some(eq) => (
                    Some(piece.get(..eq).unwrap_or_default()),
                    piece.get(eq + 1..).unwrap_or_default(),
                ),
                None => (None, piece),
            };
            FormPair {
                key: key.map(|k| percent_decode(k, true)),
                value: percent_decode(value, true),
                raw: piece,
            }
        })
}

/// The query of a URL: after the first `?`, before any `#`. `None` when there is no `?`.
pub fn url_query(url: &str) -> Option<&str> {
    let without_fragment = url.split('#').next().unwrap_or_default();
    without_fragment.split_once('?').map(|(_, q)| q)
}

/// The path of a URL (absolute or origin-form): from the first `/` after the authority up to
/// `?` or `#`. Empty when there is none.
pub fn url_path(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let before_query = url.get(..end).unwrap_or_default();
    match before_query.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(slash) => rest.get(slash..).unwrap_or_default(),
            None => "",
        },
        None => before_query,
    }
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
    fn decodes_once_keeps_bad_escapes() {
        assert_eq!(percent_decode(b"a%20b+c", true).as_ref(), b"a b c");
        assert_eq!(percent_decode(b"a+b", false).as_ref(), b"a+b");
        assert_eq!(percent_decode(b"100%", true).as_ref(), b"100%");
        assert_eq!(percent_decode(b"%zz%4", true).as_ref(), b"%zz%4");
        assert_eq!(percent_decode(b"%2541", true).as_ref(), b"%41");
        assert!(matches!(percent_decode(b"plain", true), Cow::Borrowed(_)));
    }

    #[test]
    fn pairs_in_order_with_repeats() {
        let pairs: Vec<_> = parse_urlencoded(b"a=1&&b&a=2&ud[em]=x%40y.z&=v").collect();
        let kv: Vec<(Option<&[u8]>, &[u8])> = pairs
            .iter()
            .map(|p| (p.key.as_deref(), p.value.as_ref()))
            .collect();
        assert_eq!(
            kv,
            [
                (Some(&b"a"[..]), &b"1"[..]),
                (None, b"b"),
                (Some(b"a"), b"2"),
                (Some(b"ud[em]"), b"x@y.z"),
                (Some(b""), b"v"),
            ]
        );
    }

    #[test]
    fn form_encode_round_trips() {
        let s = "a b&c=d/é";
        let encoded = form_encode(s.as_bytes());
        assert_eq!(encoded, "a+b%26c%3Dd%2F%C3%A9");
        assert_eq!(
            percent_decode(encoded.as_bytes(), true).as_ref(),
            s.as_bytes()
        );
    }

    #[test]
    fn url_pieces() {
        assert_eq!(url_query("https://h/p?a=1#frag"), Some("a=1"));
        assert_eq!(url_query("https://h/p#x?y"), None);
        assert_eq!(url_path("https://h/a/b?x"), "/a/b");
        assert_eq!(url_path("https://h?x"), "");
        assert_eq!(url_path("/rel/p?x"), "/rel/p");
    }

    #[test]
    fn plausible_forms_and_not() {
        assert!(is_plausible_form(b"ud[em]=abc%40x.y&data=eyJ1IjoxfQ%3D%3D"));
        assert!(is_plausible_form(b"a=1&bare&b=2"));
        assert!(is_plausible_form(b"flag="));
        assert!(!is_plausible_form(
            b"{\"gaid\":\"38400000-8cf0-11bd-b23e-10b96e40000d\"}"
        ));
        assert!(!is_plausible_form(b"  \n[1,2]"));
        assert!(!is_plausible_form(b"eyJhIjoxfQ=="));
        assert!(!is_plausible_form(b"eyJ1IjoxfQ"));
        assert!(!is_plausible_form(b"hello world"));
        assert!(!is_plausible_form(b"\"k\"=v"));
        assert!(!is_plausible_form(b"a b=c"));
        assert!(!is_plausible_form(b""));
        assert!(is_base64_blob(b"eyJhIjoxfQ=="));
        assert!(is_base64_blob(b"YWJjZGVmZw=="));
        assert!(!is_base64_blob(b"token="));
        assert!(!is_base64_blob(b"a=b"));
        assert!(!is_base64_blob(b"===="));
    }

    #[test]
    fn sniffs_only_clear_forms() {
        assert!(looks_like_form(
            b"v=1&tid=UA-1&cid=555.666&dl=https%3A%2F%2Fx"
        ));
        assert!(looks_like_form(b"single=value"));
        assert!(!looks_like_form(b"{\"a\":1}"));
        assert!(!looks_like_form(b"hello world"));
        assert!(!looks_like_form(b"a=1&b"));
        assert!(!looks_like_form(b"a=hello world"));
        assert!(!looks_like_form(b""));
        assert!(!looks_like_form(b"eyJhIjoxfQ=="));
    }
}
