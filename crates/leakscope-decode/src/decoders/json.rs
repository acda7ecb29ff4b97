//! JSON: an object or array becomes one field per scalar, each with a JSONPath-like selector.
//!
//! String values are handed back to the unwrapper, so JSON inside a JSON string (common in
//! analytics SDKs that serialise a payload twice) or base64 inside JSON is decoded again.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::{Budget, DecodeError, Decoded, Decoder, Field, Needs, Profile, class};

/// JSON decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

fn first_and_last_non_space(input: &[u8]) -> Option<(u8, u8)> {
    let first = input.iter().find(|b| !b.is_ascii_whitespace())?;
    let last = input.iter().rev().find(|b| !b.is_ascii_whitespace())?;
    Some((*first, *last))
}

/// `.name` for plain member names, `['odd name']` for the rest (JSONPath bracket notation).
fn push_member(selector: &mut String, name: &str) {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '-'));
    if plain {
        selector.push('.');
        selector.push_str(name);
    } else {
        selector.push_str("['");
        for c in name.chars() {
            if matches!(c, '\'' | '\\') {
                selector.push('\\');
            }
            selector.push(c);
        }
        selector.push_str("']");
    }
}

/// The state of one walk: the fields found so far and the selector of the current position.
/// The document is visited straight from the parser (no `serde_json::Value` tree is built);
/// strings and member names without escapes are borrowed from the input.
struct Walk<'a, 'b> {
    fields: Vec<Field<'a>>,
    selector: String,
    budget: &'b mut Budget,
    /// A budget error met inside the visitor, reported instead of the parser's wrapper.
    exhausted: Option<DecodeError>,
}

impl<'a> Walk<'a, '_> {
    fn emit(
        &mut self,
        key: Option<&Cow<'a, str>>,
        value: Cow<'a, [u8]>,
        terminal: bool,
    ) -> Result<(), String> {
        // Past the leaf limit fields are parsed but not kept: a body of a million empty
        // strings must not become a million fields in memory. One over the limit is kept so
        // that the unwrapper reaches the limit and notes it.
        if self.fields.len() > self.budget.limits().max_leaves {
            return Ok(());
        }
        // Selectors take memory too; they are charged with the value.
        if let Err(error) = self.budget.charge_output(value.len() + self.selector.len()) {
            let message = error.to_string();
            self.exhausted = Some(error);
            return Err(message);
        }
        self.fields.push(Field {
            selector: self.selector.clone(),
            key: key.cloned(),
            value,
            terminal,
        });
        Ok(())
    }
}

/// Visits one JSON value at the walk's current selector, under the member name `key`.
struct Node<'w, 'a, 'b> {
    walk: &'w mut Walk<'a, 'b>,
    key: Option<Cow<'a, str>>,
}

impl<'de> DeserializeSeed<'de> for Node<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// A member name, borrowed when it has no escapes.
struct MemberName<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

impl<'de> Visitor<'de> for Node<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(MemberName(name)) = map.next_key::<MemberName<'de>>()? {
            let len = self.walk.selector.len();
            push_member(&mut self.walk.selector, &name);
            map.next_value_seed(Node {
                walk: &mut *self.walk,
                key: Some(name),
            })?;
            self.walk.selector.truncate(len);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        loop {
            let len = self.walk.selector.len();
            self.walk.selector.push('[');
            self.walk.selector.push_str(itoa_usize(index).as_str());
            self.walk.selector.push(']');
            let more = seq.next_element_seed(Node {
                walk: &mut *self.walk,
                key: self.key.clone(),
            })?;
            self.walk.selector.truncate(len);
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        let key = self.key;
        self.walk
            .emit(key.as_ref(), Cow::Borrowed(v.as_bytes()), false)
            .map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let key = self.key;
        self.walk
            .emit(key.as_ref(), Cow::Owned(v.as_bytes().to_vec()), false)
            .map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let text: &'static [u8] = if v { b"true" } else { b"false" };
        let key = self.key;
        self.walk
            .emit(key.as_ref(), Cow::Borrowed(text), true)
            .map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let key = self.key;
        self.walk
            .emit(key.as_ref(), Cow::Owned(v.to_string().into_bytes()), true)
            .map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let key = self.key;
        self.walk
            .emit(key.as_ref(), Cow::Owned(v.to_string().into_bytes()), true)
            .map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let key = self.key;
        self.walk
            .emit(key.as_ref(), Cow::Owned(v.to_string().into_bytes()), true)
            .map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        let key = self.key;
        self.walk
            .emit(key.as_ref(), Cow::Borrowed(b"null"), true)
            .map_err(E::custom)
    }
}

/// Array indexes as text without going through `format!`.
fn itoa_usize(mut n: usize) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[at..].iter().map(|&d| char::from(d)).collect()
}

impl Decoder for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    /// Brackets at both ends.
    fn needs(&self) -> Needs {
        Needs::ANYTHING.min_len(2).all_of(class::PUNCTUATION)
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        matches!(
            first_and_last_non_space(input),
            Some((b'{', b'}') | (b'[', b']'))
        )
    }

    fn decode<'a>(&self, input: &'a [u8], budget: &mut Budget) -> Result<Decoded<'a>, DecodeError> {
        // serde_json stops at 128 levels of nesting with an error, so a 10,000-deep document
        // is refused rather than overflowing the stack.
        let mut walk = Walk {
            fields: Vec::new(),
            selector: String::from("$"),
            budget,
            exhausted: None,
        };
        let mut parser = serde_json::Deserializer::from_slice(input);
        let parsed = Node {
            walk: &mut walk,
            key: None,
        }
        .deserialize(&mut parser)
        .and_then(|()| parser.end());
        if let Some(error) = walk.exhausted {
            return Err(error);
        }
        parsed.map_err(|e| DecodeError::invalid("json", e.to_string()))?;
        Ok(Decoded::Fields(walk.fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(input: &str) -> Vec<(String, Option<String>, String, bool)> {
        match Json
            .decode(input.as_bytes(), &mut Budget::default())
            .unwrap()
        {
            Decoded::Fields(fields) => fields
                .into_iter()
                .map(|f| {
                    (
                        f.selector,
                        f.key.map(|k| k.into_owned()),
                        String::from_utf8(f.value.into_owned()).unwrap(),
                        f.terminal,
                    )
                })
                .collect(),
            other => panic!("expected fields, got {other:?}"),
        }
    }

    #[test]
    fn scalars_become_fields_with_selectors_and_keys() {
        let got = fields(
            r#"[{"distinct_id":"a1b2","properties":{"$model":"Redmi","$screen_width":1080,"$wifi":true,"odd key":null}}]"#,
        );
        let want = [
            ("$[0].distinct_id", Some("distinct_id"), "a1b2", false),
            ("$[0].properties.$model", Some("$model"), "Redmi", false),
            (
                "$[0].properties.$screen_width",
                Some("$screen_width"),
                "1080",
                true,
            ),
            ("$[0].properties.$wifi", Some("$wifi"), "true", true),
            ("$[0].properties['odd key']", Some("odd key"), "null", true),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(s, k, v, t)| (s.to_string(), k.map(str::to_owned), v.to_string(), *t))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn array_items_keep_the_key_of_their_array() {
        let got = fields(r#"{"apps":["com.a","com.b"]}"#);
        assert_eq!(got[1].0, "$.apps[1]");
        assert_eq!(got[1].1.as_deref(), Some("apps"));
    }

    #[test]
    fn sniff_wants_brackets_at_both_ends() {
        assert!(Json.sniff_alone(b"  {\"a\":1}\n"));
        assert!(Json.sniff_alone(b"[1,2]"));
        assert!(!Json.sniff_alone(b"{not closed"));
        assert!(!Json.sniff_alone(b"plain"));
    }

    #[test]
    fn a_million_empty_strings_keep_at_most_the_leaf_limit_of_fields() {
        let wide = format!("[{}]", vec!["\"\""; 1_000_000].join(","));
        let mut budget = Budget::default();
        let Decoded::Fields(fields) = Json.decode(wide.as_bytes(), &mut budget).unwrap() else {
            panic!("fields expected");
        };
        assert_eq!(fields.len(), budget.limits().max_leaves + 1);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(
            Json.decode(deep.as_bytes(), &mut Budget::default())
                .is_err()
        );
    }
}
