//! Percent-decoding (RFC 3986 `%XX`), once, keeping malformed escapes.
//!
//! Trackers send broken escapes (`100%`, `%zz`, a `%` cut off at the end of a field), and a
//! scanner must still see those bytes, so a `%` not followed by two hex digits is kept as it
//! is rather than refused. Decoding happens exactly once: a value encoded twice still holds
//! `%XX` afterwards, which is a layer the decoding crate records when it peels it.
//!
//! The decoding is the `percent-encoding` crate's (the `url` crate's own), which keeps
//! malformed escapes the same way.

use std::borrow::Cow;

/// Decode `%XX` escapes; `+` stays `+`. Lends the input back when it holds no escape.
pub fn decode(input: &[u8]) -> Cow<'_, [u8]> {
    percent_encoding::percent_decode(input).into()
}

/// Decode `%XX` escapes and read `+` as a space, as query strings and form bodies mean it.
/// Lends the input back when it holds neither.
pub fn decode_form(input: &[u8]) -> Cow<'_, [u8]> {
    if memchr::memchr(b'+', input).is_none() {
        return decode(input);
    }
    let spaced: Vec<u8> = input
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    match decode(&spaced) {
        Cow::Borrowed(_) => Cow::Owned(spaced),
        Cow::Owned(decoded) => Cow::Owned(decoded),
    }
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
        assert!(matches!(decode(b"50% off"), Cow::Borrowed(_)));
        assert!(matches!(decode(b"a+b"), Cow::Borrowed(_)));
        assert!(matches!(decode_form(b"plain"), Cow::Borrowed(_)));
        assert!(matches!(decode_form(b"a+b"), Cow::Owned(_)));
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
