//! Percent-encoding (RFC 3986 `%XX`), including values encoded twice.
//!
//! Query and form values arrive here already decoded once by the HTTP layer, so a value that
//! still holds `%XX` escapes was encoded again on purpose (`url=https%3A%2F%2F…` inside a form
//! field, or an analytics payload URL-encoded before being base64'd).

use crate::{Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// Percent-decoder. `+` is left alone: it only means a space in form context, which the HTTP
/// layer has already handled.
#[derive(Debug, Clone, Copy, Default)]
pub struct Percent;

/// The value of one hex digit (either case); shared by the hex and query decoders.
pub(crate) const fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decode `%XX` escapes, keeping malformed ones as they are; with `plus_as_space` (query and
/// form context) `+` is a space too. Shared by the percent and query decoders.
pub(crate) fn percent_decode(input: &[u8], plus_as_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let byte = input[i];
        if byte == b'%'
            && let Some((Some(hi), Some(lo))) = input
                .get(i + 1)
                .zip(input.get(i + 2))
                .map(|(&h, &l)| (hex_value(h), hex_value(l)))
        {
            out.push(hi << 4 | lo);
            i += 3;
            continue;
        }
        out.push(if plus_as_space && byte == b'+' {
            b' '
        } else {
            byte
        });
        i += 1;
    }
    out
}

/// A full URL is percent-encoded by design; decoding its escapes would change what it says.
/// It is left for a URL-aware decoder.
fn looks_like_url(input: &[u8]) -> bool {
    let scheme_end = input.iter().take(16).position(|&b| b == b':');
    matches!(scheme_end, Some(n) if n > 0 && input[n..].starts_with(b"://")
        && input[..n].iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
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
                && hex_value(hi).is_some()
                && hex_value(lo).is_some()
            {
                return !looks_like_url(input);
            }
            rest = &rest[at + 1..];
        }
        false
    }
}

impl Layer for Percent {
    fn peel(
        &self,
        input: &[u8],
        _profile: &Profile,
        budget: &mut Budget,
    ) -> Result<Vec<u8>, DecodeError> {
        super::keep(
            "percent",
            percent_decode(input, false),
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
