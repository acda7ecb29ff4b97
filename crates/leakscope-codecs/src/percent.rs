//! Percent-decoding (RFC 3986 `%XX`), once, keeping malformed escapes.
//!
//! Trackers send broken escapes (`100%`, `%zz`, a `%` cut off at the end of a field), and a
//! scanner must still see those bytes, so a `%` not followed by two hex digits is kept as it
//! is rather than refused. Decoding happens exactly once: a value encoded twice still holds
//! `%XX` afterwards, which is a layer the decoding crate records when it peels it.
//!
//! Decoding is hand-written rather than `percent-encoding`'s `percent_decode`: on the query
//! and form values of generated captures the crate took 1.5 times as long, on values with
//! escapes and on plain ones alike (benches/benches/codecs.rs, `percent/*`, one run: 324 µs
//! against 216 µs for all values, 107 µs against 78 µs for the plain ones); it walks the
//! bytes one by one where this finds the first `%` with `memchr` and copies what is before.
//! Encoding (the forms in which a user's own values are looked for) is that crate's, with the
//! sets of bytes that encoders leave as they are.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use crate::hex;

/// What RFC 3986 leaves unencoded (its unreserved bytes): letters, digits and `-._~`.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What JavaScript's `encodeURIComponent` leaves unencoded: [`UNRESERVED`] and `!*'()`.
pub const URI_COMPONENT: &AsciiSet = &UNRESERVED
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// Percent-encode every byte of `input` in `set` (and every non-ASCII byte) as `%XX`, with
/// upper-case hex digits.
pub fn encode(input: &[u8], set: &'static AsciiSet) -> String {
    percent_encoding::percent_encode(input, set).to_string()
}

/// Decode `%XX` escapes; `+` stays `+`. Lends the input back when it holds no `%`.
pub fn decode(input: &[u8]) -> Cow<'_, [u8]> {
    match memchr::memchr(b'%', input) {
        Some(first) => Cow::Owned(decode_from(input, first, false)),
        None => Cow::Borrowed(input),
    }
}

/// Decode `%XX` escapes and read `+` as a space, as query strings and form bodies mean it.
/// Lends the input back when it holds neither `%` nor `+`.
pub fn decode_form(input: &[u8]) -> Cow<'_, [u8]> {
    match memchr::memchr2(b'%', b'+', input) {
        Some(first) => Cow::Owned(decode_from(input, first, true)),
        None => Cow::Borrowed(input),
    }
}

/// `input` decoded, given that nothing before `first` needs it.
fn decode_from(input: &[u8], first: usize, plus_as_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    out.extend_from_slice(input.get(..first).unwrap_or_default());
    let mut i = first;
    while let Some(&b) = input.get(i) {
        match b {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex::digit);
                let lo = input.get(i + 2).copied().and_then(hex::digit);
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_once_and_keeps_bad_escapes() {
        assert_eq!(decode_form(b"a%20b+c").as_ref(), b"a b c");
        assert_eq!(decode(b"a+b%20c").as_ref(), b"a+b c");
        assert_eq!(decode_form(b"100%").as_ref(), b"100%");
        assert_eq!(decode_form(b"%zz%4").as_ref(), b"%zz%4");
        assert_eq!(decode_form(b"%2541").as_ref(), b"%41");
        assert_eq!(
            decode_form(b"a=%+F").as_ref(),
            b"a=% F",
            "a sign is not a hex digit"
        );
        assert_eq!(decode(b"caf%C3%a9").as_ref(), "café".as_bytes());
        assert_eq!(decode(b"%FF%00").as_ref(), b"\xff\x00");
    }

    #[test]
    fn lends_the_input_when_there_is_nothing_to_decode() {
        assert!(matches!(decode(b"plain"), Cow::Borrowed(_)));
        assert!(matches!(decode(b"a+b"), Cow::Borrowed(_)));
        assert!(matches!(decode_form(b"plain"), Cow::Borrowed(_)));
        assert!(matches!(decode_form(b"a+b"), Cow::Owned(_)));
    }

    #[test]
    fn encodes_all_but_the_set_it_is_given() {
        let text = "a b/é~!*'()-._";
        assert_eq!(
            encode(text.as_bytes(), UNRESERVED),
            "a%20b%2F%C3%A9~%21%2A%27%28%29-._"
        );
        assert_eq!(
            encode(text.as_bytes(), URI_COMPONENT),
            "a%20b%2F%C3%A9~!*'()-._"
        );
    }

    /// The plain loop the decoders are checked against.
    fn reference(input: &[u8], plus_as_space: bool) -> Vec<u8> {
        let hex = |b: Option<&u8>| b.and_then(|&b| char::from(b).to_digit(16));
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(&b) = input.get(i) {
            if b == b'%'
                && let (Some(hi), Some(lo)) = (hex(input.get(i + 1)), hex(input.get(i + 2)))
            {
                out.extend(u8::try_from(hi << 4 | lo));
                i += 3;
                continue;
            }
            out.push(if plus_as_space && b == b'+' { b' ' } else { b });
            i += 1;
        }
        out
    }

    proptest! {
        #[test]
        fn agrees_with_the_reference(input in prop::collection::vec(
            prop_oneof![3 => prop::sample::select(b"%+aF0g".to_vec()), 1 => any::<u8>()],
            0..64,
        )) {
            prop_assert_eq!(decode(&input).into_owned(), reference(&input, false));
            prop_assert_eq!(decode_form(&input).into_owned(), reference(&input, true));
        }
    }
}
