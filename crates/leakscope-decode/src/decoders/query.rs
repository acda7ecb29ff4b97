//! Query strings inside values: `a=1&b=2` nested in a form field, a JSON string or a cookie.
//!
//! Parameters become fields named `query[a]`, with their values percent-decoded (`+` as a
//! space), so the rules see every parameter under its own name.
//!
//! One `name=value` alone is a weak signal (`a=b` in prose, base64 padding), so a lone pair is
//! only split when its value is [`MIN_LONE_VALUE`] or more symbols of base64 of text or of a
//! compressed stream (`uid=ZmQ5ZjA0…` as a whole cookie): then the name is the best key the
//! payload has.

use leakscope_codecs::{form, percent};

use super::base64;
use crate::{
    About, Budget, DecodeError, Encoding, FieldRef, FieldSink, Needs, Profile, Split, Structure,
    class,
};

/// Nested query-string decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryString;

/// Longest parameter name considered; longer "names" are payloads that contain a `=`.
const MAX_NAME: usize = 64;

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']' | b'$' | b'%')
}

/// Longest name of a lone pair: an identifier, not a payload that contains a `=`.
const MAX_LONE_NAME: usize = 32;

/// Shortest value of a lone pair: 12 bytes of payload. Shorter ids after a name decode to
/// printable bytes too often to be taken for a payload.
pub const MIN_LONE_VALUE: usize = 16;

/// The name and value of a value that is one `name=value` pair whose value has the shape of
/// base64: `name` an identifier starting with a letter, `value` without `&` or `%` (it is
/// handed on as it is, so `+` stays base64's `+`).
fn lone_pair<'a>(input: &'a [u8], profile: &Profile) -> Option<Pair<'a>> {
    if profile.has(class::AMPERSAND | class::PERCENT | class::SPACE) {
        return None;
    }
    let head = &input[..input.len().min(MAX_LONE_NAME + 1)];
    let eq = memchr::memchr(b'=', head)?;
    let (name, value) = (&input[..eq], &input[eq + 1..]);
    (name.first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && value.len() >= MIN_LONE_VALUE
        && base64::looks_like_base64(value))
    .then_some((name, value))
}

/// A parameter's name and value, as they are in the input.
pub(crate) type Pair<'a> = (&'a [u8], &'a [u8]);

fn pairs(input: &[u8]) -> Option<Vec<Pair<'_>>> {
    let mut pairs = Vec::new();
    for pair in form::split(input) {
        let (name, value) = (pair.key?, pair.value);
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

/// The pairs of a query string, or an error naming the decoder.
pub(crate) fn parse<'a>(
    input: &'a [u8],
    decoder: &'static str,
) -> Result<Vec<Pair<'a>>, DecodeError> {
    pairs(input).ok_or_else(|| DecodeError::invalid(decoder, "not name=value pairs"))
}

/// Hand each pair to `sink` as a field selected by `{prefix}[name]`; shared with the URL
/// decoder.
pub(crate) fn split_pairs(
    pairs: &[Pair<'_>],
    prefix: &str,
    budget: &mut Budget,
    sink: &mut FieldSink<'_>,
) -> Result<(), DecodeError> {
    let mut selector = String::from(prefix);
    for (name, value) in pairs {
        let name = String::from_utf8_lossy(&percent::decode_form(name)).into_owned();
        // Not charged: a decoded value is no longer than its text, and lent for the call.
        let value = percent::decode_form(value);
        selector.truncate(prefix.len());
        selector.push('[');
        selector.push_str(&name);
        selector.push(']');
        let field = FieldRef {
            selector: &selector,
            key: Some(&name),
            value: &value,
            terminal: false,
        };
        if sink(budget, field).is_break() {
            break;
        }
    }
    Ok(())
}

impl Encoding for QueryString {
    /// Two `name=value` pairs joined by `&`, or one whose value is base64.
    fn about(&self) -> About {
        About::named("query").needs(Needs::ANYTHING.min_len(3).all_of(class::EQUALS))
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        // One `name=value` alone is too weak a signal (base64 padding, `a=b` in prose): want
        // at least two parameters, or a value that is base64 (which the decode checks).
        if !profile.has(class::EQUALS) {
            return false;
        }
        if profile.has(class::AMPERSAND) {
            pairs(input).is_some_and(|p| p.len() >= 2)
        } else {
            lone_pair(input, profile).is_some()
        }
    }
}

impl Structure for QueryString {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split {
            profile,
            budget,
            sink,
        } = to;
        if let Some((name, value)) = lone_pair(input, profile) {
            if !base64::decodes_to_text_or_compressed(value, budget) {
                return Err(DecodeError::invalid(
                    "query",
                    "one parameter, and its value is not base64",
                ));
            }
            // Checked above: an ASCII identifier.
            let name = String::from_utf8_lossy(name);
            let selector = format!("[{name}]");
            let _ = sink(
                budget,
                FieldRef {
                    selector: &selector,
                    key: Some(&name),
                    value,
                    terminal: false,
                },
            );
            return Ok(());
        }
        let pairs = parse(input, "query")?;
        if pairs.len() < 2 {
            return Err(DecodeError::invalid("query", "fewer than two parameters"));
        }
        split_pairs(&pairs, "", budget, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_named_fields() {
        let input = b"dl=https%3A%2F%2Fexample.org%2Fa&q=cheap+flights&empty=";
        assert!(QueryString.sniff_alone(input));
        let fields = QueryString.decode(input, &mut Budget::default()).unwrap();
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
        let fields = QueryString
            .decode(b"a=%+F&b=%2B1", &mut Budget::default())
            .unwrap();
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
            "uid=a1b2c3d4e5f60718",
            "uid=eyJhIjoxfQ==",
            "1uid=eyJhIjoxfQ==",
            "u=eyJhIjoxfQ==&",
        ] {
            assert!(!QueryString.sniff_alone(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn a_lone_pair_is_split_only_when_its_value_decodes_as_base64() {
        let fields = QueryString
            .decode(b"uid=eyJhIjoxLCJiIjoyfQ==", &mut Budget::default())
            .unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].selector, "[uid]");
        assert_eq!(fields[0].key.as_deref(), Some("uid"));
        assert_eq!(&fields[0].value[..], b"eyJhIjoxLCJiIjoyfQ==");
        // The shape of base64, but noise under it.
        for value in ["session=abcdefghijklmnop", "sid=Ab3dEf7hIj9kLm1n"] {
            assert!(QueryString.sniff_alone(value.as_bytes()), "{value}");
            assert!(
                QueryString
                    .decode(value.as_bytes(), &mut Budget::default())
                    .is_err(),
                "{value}"
            );
        }
    }
}
