//! Percent-encoding (RFC 3986 `%XX`), including values encoded twice.
//!
//! Query and form values arrive here already decoded once by the HTTP layer, so a value that
//! still holds `%XX` escapes was encoded again on purpose (`url=https%3A%2F%2F…` inside a form
//! field, or an analytics payload URL-encoded before being base64'd).

use leakscope_codecs::percent;
use leakscope_codecs::url::Url;

use crate::{Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// Percent-decoder. `+` is left alone: it only means a space in form context, which the HTTP
/// layer has already handled.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percent;

/// A full URL is percent-encoded by design; decoding its escapes would change what it says.
/// It is left for a URL-aware decoder.
fn looks_like_url(input: &[u8]) -> bool {
    Url::parse(input).scheme().is_some_and(|scheme| {
        (1..16).contains(&scheme.len())
            && scheme
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    })
}

impl Encoding for Percent {
    fn name(&self) -> &'static str {
        "percent"
    }

    /// `%` and two hex digits.
    fn needs(&self) -> Needs {
        Needs::ANYTHING.min_len(3).all_of(class::PERCENT)
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        if !profile.has(class::PERCENT) {
            return false;
        }
        let mut rest = input;
        while let Some(at) = memchr::memchr(b'%', rest) {
            if let [_, hi, lo, ..] = rest[at..]
                && hi.is_ascii_hexdigit()
                && lo.is_ascii_hexdigit()
            {
                return !looks_like_url(input);
            }
            rest = &rest[at + 1..];
        }
        false
    }
}

impl Layer for Percent {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        super::keep(
            "percent",
            percent::decode(input).into_owned(),
            text::is_printable_text,
            budget,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(input: &str) -> Option<String> {
        super::super::test_support::layer_text(&Percent, input)
    }

    #[test]
    fn decodes_escapes_and_keeps_malformed_ones() {
        assert_eq!(
            decode("https%3A%2F%2Fexample.com%2Fa%20b").as_deref(),
            Some("https://example.com/a b")
        );
        assert_eq!(decode("100%25 and 50%").as_deref(), Some("100% and 50%"));
        assert_eq!(decode("caf%C3%A9").as_deref(), Some("café"));
    }

    #[test]
    fn leaves_plain_text_and_urls_alone() {
        assert_eq!(decode("no escapes here"), None);
        assert_eq!(decode("50% off"), None);
        assert_eq!(decode("https://example.com/search?q=a%20b"), None);
    }

    #[test]
    fn refuses_escapes_that_decode_to_binary() {
        assert_eq!(decode("%00%01%02"), None);
        assert_eq!(decode("%FF%FE"), None);
    }
}
