//! Percent-encoding (RFC 3986 `%XX`), including values encoded twice.
//!
//! Query and form values arrive here already decoded once by the HTTP layer, so a value that
//! still holds `%XX` escapes was encoded again on purpose (`url=https%3A%2F%2F…` inside a form
//! field, or an analytics payload URL-encoded before being base64'd).

use leakscope_codecs::percent;
use leakscope_codecs::url::Url;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

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
    /// `%` and two hex digits.
    fn about(&self) -> About {
        About::named("percent").needs(Needs::ANYTHING.min_len(3).all_of(class::PERCENT))
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
