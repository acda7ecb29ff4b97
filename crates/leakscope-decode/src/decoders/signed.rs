//! Two-part signed tokens: `signature.payload` and `payload.signature`.
//!
//! Facebook's `signed_request` is base64url of an HMAC-SHA256, a dot, then base64url of a JSON
//! object with the user's id; many session cookies are the same two parts the other way round,
//! with a hex or base64url MAC. (Three parts, `header.payload.signature`, are JWTs: see
//! [`Jwt`](super::Jwt).) The signature is a MAC and says nothing about the user, so it is
//! dropped; the JSON side becomes a field named `payload`, which the unwrapper decodes.
//!
//! Two dotted parts are common (`jane.doe`, hosts, `1588155300.123`), so both sides must look
//! the part: the payload base64url starting `eyJ` (`{"`) that decodes to a JSON object, the
//! signature at least [`MIN_SIGNATURE`] characters of base64url or hex.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::{About, DecodeError, Encoding, FieldRef, Needs, Profile, Split, Structure, class};

/// Two-part signed token decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignedToken;

/// Shortest signature: 96 bits as base64url, 64 as hex. MACs are longer (HMAC-SHA256: 43 or
/// 64 characters); shorter tails after a dot are extensions, versions and counters.
pub const MIN_SIGNATURE: usize = 16;

/// Shortest payload: `{"a":1}` is `eyJhIjoxfQ`.
const MIN_PAYLOAD: usize = 10;

const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// base64url, perhaps padded.
fn is_base64url(part: &[u8]) -> bool {
    let symbols = part
        .strip_suffix(b"==")
        .or(part.strip_suffix(b"="))
        .unwrap_or(part);
    !symbols.is_empty()
        && symbols
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// A MAC: base64url (hex is a subset of its alphabet) of some length.
fn is_signature(part: &[u8]) -> bool {
    part.len() >= MIN_SIGNATURE && is_base64url(part)
}

/// base64url of a JSON object, by its first characters: `{"` and a letter.
fn is_payload(part: &[u8]) -> bool {
    part.len() >= MIN_PAYLOAD && part.starts_with(b"eyJ") && is_base64url(part)
}

/// The payload and the signature of `input`, whichever way round.
fn split(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let dot = memchr::memchr(b'.', input)?;
    let (first, second) = (&input[..dot], &input[dot + 1..]);
    if memchr::memchr(b'.', second).is_some() {
        return None;
    }
    if is_payload(first) && is_signature(second) {
        Some((first, second))
    } else if is_payload(second) && is_signature(first) {
        Some((second, first))
    } else {
        None
    }
}

/// The JSON text of a payload, when it is base64url of a JSON object.
fn payload_json(part: &[u8]) -> Option<Vec<u8>> {
    let json = URL_SAFE.decode(part).ok()?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&json).ok()?;
    // `eyJ` is `{"`: the document is an object.
    Some(json)
}

impl Encoding for SignedToken {
    /// Two base64url parts and a dot; the payload's `eyJ` brings a lower-case hex letter and
    /// another letter (which `GA1.2.…` cookies, say, do not have).
    fn about(&self) -> About {
        About::named("signed").needs(
            Needs::ANYTHING
                .min_len(MIN_SIGNATURE + 1 + MIN_PAYLOAD)
                .all_of(class::HEX_LOWER | class::LETTER | class::PUNCTUATION)
                .within(class::BASE64URL | class::EQUALS | class::PUNCTUATION),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        split(input).is_some()
    }
}

impl Structure for SignedToken {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        let (payload, _signature) = split(input)
            .ok_or_else(|| DecodeError::invalid("signed", "not a payload and a signature"))?;
        let json = payload_json(payload)
            .ok_or_else(|| DecodeError::invalid("signed", "payload is not a JSON object"))?;
        budget.charge_output(json.len())?;
        let field = FieldRef {
            selector: "payload",
            key: None,
            value: &json,
            terminal: false,
        };
        let _ = sink(budget, field);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Budget;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn payload_of(value: &str) -> Option<Vec<u8>> {
        if !SignedToken.sniff_alone(value.as_bytes()) {
            return None;
        }
        match SignedToken.decode(value.as_bytes(), &mut Budget::default()) {
            Ok(fields) => {
                assert_eq!(fields.len(), 1);
                assert_eq!(fields[0].selector, "payload");
                Some(fields[0].value.to_vec())
            }
            _ => None,
        }
    }

    #[test]
    fn either_side_may_be_the_payload() {
        let json = r#"{"user_id":"100012345678901"}"#;
        let payload = URL_SAFE_NO_PAD.encode(json);
        let mac = URL_SAFE_NO_PAD.encode([0xa7u8; 32]);
        for value in [format!("{mac}.{payload}"), format!("{payload}.{mac}")] {
            assert_eq!(
                payload_of(&value).as_deref(),
                Some(json.as_bytes()),
                "{value}"
            );
        }
        // Padded base64url too.
        let padded = base64::engine::general_purpose::URL_SAFE.encode(json);
        assert!(padded.ends_with('='), "{padded}");
        assert_eq!(
            payload_of(&format!("{mac}.{padded}")).as_deref(),
            Some(json.as_bytes())
        );
    }

    #[test]
    fn a_payload_that_starts_like_json_but_is_not_is_refused() {
        // `{"a` and then noise.
        let value = "eyJhAAAAAAAAAAAAAAAA.9f86d081884c7d659a2feaa0c55ad015";
        assert!(SignedToken.sniff_alone(value.as_bytes()));
        assert_eq!(payload_of(value), None);
    }

    #[test]
    fn three_parts_are_a_jwt_not_this() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl";
        assert!(!SignedToken.sniff_alone(jwt.as_bytes()));
    }
}
