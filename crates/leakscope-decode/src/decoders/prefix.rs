//! A short tag before base64: `v2|H4sI…`, `1:eyJ…`, `v3.AAEC…`.
//!
//! SDKs that change their payload format over time mark each value with its format's version,
//! then base64 the payload after it. The tag says nothing about the user; what follows it is the
//! payload, so the tag is peeled off as a field named by the tag itself (`prefix[v2|]`) and the
//! rest goes back to the unwrapper, which decodes the base64 under it.
//!
//! Tags and separators are common in ordinary values too (`GA1.2.…` cookies, `10:15:00`,
//! `www.example.com`), so the rest is only claimed when it is base64, long enough that noise
//! rarely passes, *and* decodes to text or a compressed stream. (A binary payload, protobuf
//! say, after a tag is not claimed: random ids decode to a convincing binary document too
//! often for a tag to tip the balance.)

use crate::decoders::base64;
use crate::{About, DecodeError, Encoding, FieldRef, Needs, Profile, Split, Structure, class};

/// Version-tag decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Prefixed;

/// Longest tag: `v2`, `1`, `abcd`. Longer words before a separator are names, hosts or
/// cookie fields, not format versions.
const MAX_TAG: usize = 4;

/// Shortest base64 after the tag: 12 bytes of payload. A shorter word after `id:` or `en.`
/// decodes to printable bytes too often to be taken for a payload.
const MIN_REST: usize = 16;

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The tag with its separator, and the rest, when `input` has the shape `tag|rest` and the
/// rest has no other separator (base64 has none; dotted names and clocks do).
fn split(input: &[u8]) -> Option<(&[u8], &[u8])> {
    // A plain search: the head is five bytes, shorter than memchr's setup.
    let head = input.get(..=MAX_TAG)?;
    let sep = head.iter().position(|&b| is_separator(b))?;
    let (tag, rest) = (&input[..sep], &input[sep + 1..]);
    (sep > 0
        && rest.len() >= MIN_REST
        && tag.iter().all(u8::is_ascii_alphanumeric)
        && memchr::memchr3(b'|', b':', b'.', rest).is_none())
    .then_some((&input[..=sep], rest))
}

fn is_separator(byte: u8) -> bool {
    matches!(byte, b'|' | b':' | b'.')
}

impl Encoding for Prefixed {
    /// An alphanumeric first byte, the separator, otherwise only base64's alphabet without
    /// whitespace; and a digit, which version tags have and base64 of a payload nearly always
    /// has (gzip's is `H4sI`): hosts and dotted names are not offered.
    fn about(&self) -> About {
        About::named("prefix").needs(
            Needs::ANYTHING
                .min_len(2 + MIN_REST)
                .first_byte_in(ALNUM)
                .all_of(class::PUNCTUATION | class::DIGIT)
                .within((class::BASE64 & !class::SPACE) | class::PUNCTUATION),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        profile.has(class::DIGIT)
            && !profile.has(class::SPACE)
            && split(input).is_some_and(|(_, rest)| base64::looks_like_base64(rest))
    }
}

impl Structure for Prefixed {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        let (tag, rest) = split(input)
            .filter(|(_, rest)| base64::decodes_to_text_or_compressed(rest, budget))
            .ok_or_else(|| DecodeError::invalid("prefix", "not a tag before base64"))?;
        let selector = format!("[{}]", String::from_utf8_lossy(tag));
        let _ = sink(
            budget,
            FieldRef {
                selector: &selector,
                key: None,
                value: rest,
                terminal: false,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Budget;
    use ::base64::Engine as _;
    use ::base64::engine::general_purpose::STANDARD;

    use super::*;

    #[test]
    fn the_tag_is_a_field_and_the_rest_its_value() {
        let value = format!("v2|{}", STANDARD.encode(r#"{"uid":"u-8812"}"#));
        assert!(Prefixed.sniff_alone(value.as_bytes()));
        let fields = Prefixed
            .decode(value.as_bytes(), &mut Budget::default())
            .unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].selector, "[v2|]");
        assert_eq!(fields[0].key, None);
        assert_eq!(&fields[0].value[..], &value.as_bytes()[3..]);
    }

    #[test]
    fn a_rest_that_only_looks_like_base64_is_refused_by_the_decode() {
        // Base64's alphabet and length, but the bytes under it are noise.
        let value = b"v1|AbCdEfGhIjKlMnOpQrStUvWx";
        assert!(Prefixed.sniff_alone(value));
        assert!(Prefixed.decode(value, &mut Budget::default()).is_err());
    }
}
