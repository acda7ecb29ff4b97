//! Backslash escapes: `\u0022` (with surrogate pairs), `\xNN`, and the usual `\n \t \" \\ \/`.
//!
//! They appear when a payload is serialised twice (a JSON document escaped into a string that
//! was then form-encoded) or logged from JavaScript; JSON strings themselves are unescaped by
//! the JSON decoder already.

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

/// Backslash-escape decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Escapes;

fn hex_digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        let digit = char::from(b).to_digit(16)?;
        Some(acc * 16 + digit)
    })
}

/// The `\uXXXX` or `\xNN` escape at the start of `input`, with its length.
fn numeric_escape(input: &[u8]) -> Option<(u32, usize)> {
    match input {
        [b'\\', b'u', rest @ ..] if rest.len() >= 4 => Some((hex_digits(&rest[..4])?, 6)),
        [b'\\', b'x', rest @ ..] if rest.len() >= 2 => Some((hex_digits(&rest[..2])?, 4)),
        _ => None,
    }
}

impl Encoding for Escapes {
    /// `\xNN` or `\uNNNN`.
    fn about(&self) -> About {
        About::named("escapes").needs(Needs::ANYTHING.min_len(4).all_of(class::BACKSLASH))
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        profile.has(class::BACKSLASH)
            && memchr::memchr_iter(b'\\', input).any(|at| numeric_escape(&input[at..]).is_some())
    }
}

impl Layer for Escapes {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        let mut out = String::with_capacity(input.len());
        let mut i = 0;
        while i < input.len() {
            let rest = &input[i..];
            if let Some((unit, len)) = numeric_escape(rest) {
                i += len;
                let c = if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate wants a low one right after it.
                    match numeric_escape(&input[i..]) {
                        Some((low, 6)) if (0xDC00..0xE000).contains(&low) => {
                            i += 6;
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        }
                        _ => None,
                    }
                } else {
                    char::from_u32(unit)
                };
                out.push(c.ok_or_else(|| DecodeError::invalid("escapes", "bad code point"))?);
                continue;
            }
            if let [b'\\', next, ..] = rest {
                let simple = match next {
                    b'n' => Some('\n'),
                    b't' => Some('\t'),
                    b'r' => Some('\r'),
                    b'"' => Some('"'),
                    b'\'' => Some('\''),
                    b'\\' => Some('\\'),
                    b'/' => Some('/'),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    i += 2;
                    continue;
                }
            }
            // Copy one UTF-8 character (or one byte of invalid input, which fails below).
            let width = match rest[0] {
                0x00..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let chunk = &rest[..width.min(rest.len())];
            match std::str::from_utf8(chunk) {
                Ok(s) => out.push_str(s),
                Err(_) => return Err(DecodeError::invalid("escapes", "not UTF-8 text")),
            }
            i += chunk.len();
        }
        super::keep("escapes", out.into_bytes(), text::is_printable_text, budget)
    }
}
