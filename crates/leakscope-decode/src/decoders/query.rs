//! Query strings inside values: `a=1&b=2` nested in a form field, a JSON string or a cookie.
//!
//! Parameters become fields named `query[a]`, with their values percent-decoded (`+` as a
//! space), so the rules see every parameter under its own name.

use super::percent::percent_decode;
use crate::{Budget, DecodeError, Decoded, Decoder, Field, Needs, Profile, class};

/// Nested query-string decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryString;

/// Longest parameter name considered; longer "names" are payloads that contain a `=`.
const MAX_NAME: usize = 64;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']' | b'$' | b'%')
}

fn pairs(input: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut pairs = Vec::new();
    for pair in input.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let eq = pair.iter().position(|&b| b == b'=')?;
        let (name, value) = (&pair[..eq], &pair[eq + 1..]);
        if name.is_empty() || name.len() > MAX_NAME || !name.iter().all(|&b| is_name_byte(b)) {
            return None;
        }
        if value
            .iter()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return None;
        }
        pairs.push((name, value));
    }
    Some(pairs)
}

/// Split a query string into fields; shared with the URL decoder.
pub(crate) fn query_fields<'a>(
    input: &'a [u8],
    budget: &mut Budget,
) -> Result<Vec<Field<'a>>, DecodeError> {
    let pairs =
        pairs(input).ok_or_else(|| DecodeError::invalid("query", "not name=value pairs"))?;
    let mut fields = Vec::with_capacity(pairs.len());
    for (name, value) in pairs {
        let name = String::from_utf8_lossy(&percent_decode(name, true)).into_owned();
        let value = percent_decode(value, true);
        budget.charge_output(value.len())?;
        fields.push(Field {
            selector: format!("[{name}]"),
            key: Some(name.into()),
            value: value.into(),
            terminal: false,
        });
    }
    Ok(fields)
}

impl Decoder for QueryString {
    fn name(&self) -> &'static str {
        "query"
    }

    /// Two `name=value` pairs joined by `&`.
    fn needs(&self) -> Needs {
        Needs::ANYTHING
            .min_len(3)
            .all_of(class::AMPERSAND | class::EQUALS)
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        // One `name=value` alone is too weak a signal (base64 padding, `a=b` in prose): want
        // at least two parameters.
        profile.has(class::AMPERSAND)
            && profile.has(class::EQUALS)
            && pairs(input).is_some_and(|p| p.len() >= 2)
    }

    fn decode<'a>(&self, input: &'a [u8], budget: &mut Budget) -> Result<Decoded<'a>, DecodeError> {
        let fields = query_fields(input, budget)?;
        if fields.len() < 2 {
            return Err(DecodeError::invalid("query", "fewer than two parameters"));
        }
        Ok(Decoded::Fields(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_named_fields() {
        let input = b"dl=https%3A%2F%2Fexample.org%2Fa&q=cheap+flights&empty=";
        assert!(QueryString.sniff_alone(input));
        let Decoded::Fields(fields) = QueryString.decode(input, &mut Budget::default()).unwrap()
        else {
            panic!("fields expected");
        };
        let got: Vec<(&str, &[u8])> = fields
            .iter()
            .map(|f| (f.selector.as_str(), &f.value[..]))
            .collect();
        assert_eq!(
            got,
            [
                ("[dl]", &b"https://example.org/a"[..]),
                ("[q]", &b"cheap flights"[..]),
                ("[empty]", &b""[..]),
            ]
        );
        assert_eq!(fields[1].key.as_deref(), Some("q"));
    }

    #[test]
    fn a_sign_is_not_a_hex_digit() {
        let Decoded::Fields(fields) = QueryString
            .decode(b"a=%+F&b=%2B1", &mut Budget::default())
            .unwrap()
        else {
            panic!("fields expected");
        };
        assert_eq!(
            &fields[0].value[..],
            b"% F",
            "malformed escape kept, + as space"
        );
        assert_eq!(&fields[1].value[..], b"+1");
    }

    #[test]
    fn prose_base64_and_single_pairs_are_not_query_strings() {
        for value in [
            "fish & chips = dinner",
            "eyJhIjoxfQ==",
            "a=1",
            "x = 1 & y = 2",
            "&&&",
        ] {
            assert!(!QueryString.sniff_alone(value.as_bytes()), "{value}");
        }
    }
}
