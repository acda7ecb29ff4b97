//! JSON Web Tokens: `header.payload.signature`, each part base64url.
//!
//! The header and payload are JSON (handed back to the unwrapper as fields `header` and
//! `payload`); the signature is a MAC of the other two and says nothing about the user, so it
//! is dropped. A token is read with its `Authorization` scheme too (`Bearer eyJ…`), the way
//! most APIs receive it: an email in the token of an analytics API's requests is a leak.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{About, DecodeError, Encoding, FieldRef, Needs, Profile, Split, Structure, class};

/// JWT (JWS compact serialisation) decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Jwt;

fn is_base64url(part: &[u8]) -> bool {
    part.iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// The token of an `Authorization` value: without a `Bearer ` scheme (any case) if it has one.
fn without_scheme(input: &[u8]) -> &[u8] {
    match input.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case(b"bearer ") => {
            let token = &input[7..];
            let start = token.iter().position(|&b| b != b' ').unwrap_or(token.len());
            &token[start..]
        }
        _ => input,
    }
}

fn split(input: &[u8]) -> Option<[&[u8]; 3]> {
    let input = without_scheme(input);
    let mut parts = input.split(|&b| b == b'.');
    let header = parts.next()?;
    let payload = parts.next()?;
    let signature = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    // Every JWT header is a JSON object, so its base64url starts with `eyJ` (`{"`).
    (header.starts_with(b"eyJ")
        && payload.starts_with(b"eyJ")
        && [header, payload, signature].iter().all(|p| is_base64url(p)))
    .then_some([header, payload, signature])
}

impl Encoding for Jwt {
    /// Three base64url parts joined by dots, starting `eyJ`, perhaps after `Bearer `.
    fn about(&self) -> About {
        About::named("jwt").needs(
            Needs::ANYTHING
                .min_len(8)
                .first_byte_in(b"eBb")
                .all_of(class::LETTER | class::PUNCTUATION)
                .within(class::BASE64URL | class::PUNCTUATION | class::SPACE),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        without_scheme(input).starts_with(b"eyJ") && split(input).is_some()
    }
}

impl Structure for Jwt {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        let [header, payload, _signature] =
            split(input).ok_or_else(|| DecodeError::invalid("jwt", "not three base64url parts"))?;
        // Both parts are decoded and checked before either is handed over: a token whose
        // payload is not JSON is no token, not one that broke off.
        let mut parts = Vec::with_capacity(2);
        for (name, part) in [("header", header), ("payload", payload)] {
            let json = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|e| DecodeError::invalid("jwt", e.to_string()))?;
            if serde_json::from_slice::<serde_json::Value>(&json).is_err() {
                return Err(DecodeError::invalid("jwt", format!("{name} is not JSON")));
            }
            budget.charge_output(json.len())?;
            parts.push((name, json));
        }
        for (name, json) in &parts {
            let field = FieldRef {
                selector: name,
                key: None,
                value: json,
                terminal: false,
            };
            if sink(budget, field).is_break() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Budget;

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn header_and_payload_become_fields() {
        let jwt = token(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"sub":"user-42","email":"jane@example.com"}"#,
        );
        assert!(Jwt.sniff_alone(jwt.as_bytes()));
        let fields = Jwt.decode(jwt.as_bytes(), &mut Budget::default()).unwrap();
        assert_eq!(fields[0].selector, "header");
        assert_eq!(fields[1].selector, "payload");
        assert_eq!(
            &fields[1].value[..],
            br#"{"sub":"user-42","email":"jane@example.com"}"#
        );
    }

    #[test]
    fn a_bearer_token_is_read_past_its_scheme() {
        let jwt = token(r#"{"alg":"HS256"}"#, r#"{"email":"jane@example.com"}"#);
        for value in [format!("Bearer {jwt}"), format!("bearer  {jwt}")] {
            assert!(Jwt.sniff_alone(value.as_bytes()), "{value}");
            let fields = Jwt
                .decode(value.as_bytes(), &mut Budget::default())
                .unwrap();
            assert_eq!(&fields[1].value[..], br#"{"email":"jane@example.com"}"#);
        }
        // Another scheme, or words before a token, are not a token.
        for value in [format!("Basic {jwt}"), format!("Bearer token {jwt}")] {
            assert!(!Jwt.sniff_alone(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn dotted_things_that_are_not_tokens() {
        for value in ["www.example.com", "1.2.3", "eyJ.eyJ.x", "a.b.c.d"] {
            let sniffed = Jwt.sniff_alone(value.as_bytes());
            assert!(
                !sniffed
                    || Jwt
                        .decode(value.as_bytes(), &mut Budget::default())
                        .is_err(),
                "{value}"
            );
        }
    }
}
