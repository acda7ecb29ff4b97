//! HTML character references: `&quot;`, `&amp;`, `&#34;`, `&#x22;`.
//!
//! A payload pasted into an HTML attribute or a server-rendered page arrives with its quotes
//! and ampersands escaped; unescaped, it is JSON or a query string again.

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// HTML character-reference decoder (the named references that matter for payloads, and every
/// numeric one).
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlEntities;

const NAMED: &[(&str, char)] = &[
    ("quot", '"'),
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("sol", '/'),
    ("colon", ':'),
    ("equals", '='),
];

/// The reference at the start of `input` (which starts with `&`): its character and length.
fn reference(input: &[u8]) -> Option<(char, usize)> {
    let end = input.iter().take(12).position(|&b| b == b';')?;
    let body = std::str::from_utf8(input.get(1..end)?).ok()?;
    let c = if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
    } else if let Some(decimal) = body.strip_prefix('#') {
        char::from_u32(decimal.parse().ok()?)?
    } else {
        NAMED.iter().find(|(name, _)| *name == body)?.1
    };
    Some((c, end + 1))
}

impl Encoding for HtmlEntities {
    /// `&name;` or `&#N;`.
    fn about(&self) -> About {
        About::named("html").needs(Needs::ANYTHING.min_len(4).all_of(class::AMPERSAND))
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        profile.has(class::AMPERSAND)
            && memchr::memchr_iter(b'&', input).any(|at| reference(&input[at..]).is_some())
    }
}

impl Layer for HtmlEntities {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        let text =
            std::str::from_utf8(input).map_err(|_| DecodeError::invalid("html", "not UTF-8"))?;
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            match reference(&rest.as_bytes()[at..]) {
                Some((c, len)) => {
                    out.push(c);
                    rest = &rest[at + len..];
                }
                None => {
                    out.push('&');
                    rest = &rest[at + 1..];
                }
            }
        }
        out.push_str(rest);
        super::keep("html", out.into_bytes(), text::is_printable_text, budget)
    }
}
