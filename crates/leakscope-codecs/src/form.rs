//! The `name=value` pairs of query strings and form bodies
//! (`application/x-www-form-urlencoded`), and form encoding.
//!
//! Splitting is by hand rather than with `form_urlencoded::parse`, which decodes every name
//! and value into a `str` (replacing bytes that are not UTF-8) and reads a piece without `=`
//! as a name with an empty value; a scanner needs the bytes as sent, and a piece without `=`
//! (`?eyJhIjoxfQ`) is a value without a name.

use std::borrow::Cow;

use crate::percent;

/// One piece of a query string or form body, as it is in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPair<'a> {
    /// The text before the first `=`; `None` for a piece without `=`.
    pub key: Option<&'a [u8]>,
    /// The text after the first `=`, or the whole piece when it has none.
    pub value: &'a [u8],
    /// The whole piece.
    pub raw: &'a [u8],
}

/// The pieces of a query string or form body between `&`s, in order, repeated names each a
/// piece; empty pieces (`a=1&&b=2`) are skipped. Nothing is decoded.
pub fn split(input: &[u8]) -> impl Iterator<Item = RawPair<'_>> + '_ {
    input
        .split(|&b| b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match memchr::memchr(b'=', piece) {
            Some(eq) => RawPair {
                key: Some(piece.get(..eq).unwrap_or_default()),
                value: piece.get(eq + 1..).unwrap_or_default(),
                raw: piece,
            },
            None => RawPair {
                key: None,
                value: piece,
                raw: piece,
            },
        })
}

/// One `key=value` pair of a query string or form body, decoded.
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

/// The pairs of a query string or form body ([`split`]), each key and value percent-decoded
/// once with `+` as a space.
pub fn parse(input: &[u8]) -> impl Iterator<Item = FormPair<'_>> + '_ {
    split(input).map(|pair| FormPair {
        key: pair.key.map(percent::decode_form),
        value: percent::decode_form(pair.value),
        raw: pair.raw,
    })
}

/// Form-encode `input` (`application/x-www-form-urlencoded`): letters, digits and `*-._`
/// stay, a space becomes `+`, every other byte `%XX`.
pub fn encode(input: &[u8]) -> String {
    form_urlencoded::byte_serialize(input).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_in_order_with_repeats() {
        let kv: Vec<(Option<Vec<u8>>, Vec<u8>)> = parse(b"a=1&&b&a=2&ud[em]=x%40y.z&=v")
            .map(|p| (p.key.map(Cow::into_owned), p.value.into_owned()))
            .collect();
        let expected: [(Option<&[u8]>, &[u8]); 5] = [
            (Some(b"a"), b"1"),
            (None, b"b"),
            (Some(b"a"), b"2"),
            (Some(b"ud[em]"), b"x@y.z"),
            (Some(b""), b"v"),
        ];
        let expected: Vec<(Option<Vec<u8>>, Vec<u8>)> = expected
            .iter()
            .map(|(k, v)| (k.map(<[u8]>::to_vec), v.to_vec()))
            .collect();
        assert_eq!(kv, expected);
    }

    #[test]
    fn split_keeps_the_bytes_as_sent() {
        let pairs: Vec<RawPair<'_>> = split(b"a+b=%41=&bare").collect();
        assert_eq!(
            pairs,
            [
                RawPair {
                    key: Some(b"a+b"),
                    value: b"%41=",
                    raw: b"a+b=%41="
                },
                RawPair {
                    key: None,
                    value: b"bare",
                    raw: b"bare"
                },
            ]
        );
        assert_eq!(split(b"&&").count(), 0);
    }

    #[test]
    fn encode_round_trips() {
        let s = "a b&c=d/é~*-._";
        let encoded = encode(s.as_bytes());
        assert_eq!(encoded, "a+b%26c%3Dd%2F%C3%A9%7E*-._");
        assert_eq!(
            percent::decode_form(encoded.as_bytes()).as_ref(),
            s.as_bytes()
        );
    }
}
