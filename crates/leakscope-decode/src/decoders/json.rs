//! JSON: an object or array becomes one field per scalar, each with a JSONPath-like selector.
//!
//! String values are handed back to the unwrapper, so JSON inside a JSON string (common in
//! analytics SDKs that serialise a payload twice) or base64 inside JSON is decoded again.

use serde_json::Value;

use crate::{Budget, DecodeError, Decoded, Decoder, Field};

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

struct Walker<'b> {
    fields: Vec<Field>,
    budget: &'b mut Budget,
}

impl Walker<'_> {
    fn emit(
        &mut self,
        selector: &str,
        key: Option<&str>,
        value: Vec<u8>,
        terminal: bool,
    ) -> Result<(), DecodeError> {
        self.budget.charge_output(value.len())?;
        self.fields.push(Field {
            selector: selector.to_owned(),
            key: key.map(str::to_owned),
            value,
            terminal,
        });
        Ok(())
    }

    fn walk(
        &mut self,
        value: &Value,
        selector: &mut String,
        key: Option<&str>,
    ) -> Result<(), DecodeError> {
        match value {
            Value::Object(members) => {
                for (name, member) in members {
                    let len = selector.len();
                    push_member(selector, name);
                    self.walk(member, selector, Some(name))?;
                    selector.truncate(len);
                }
                Ok(())
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = selector.len();
                    selector.push_str(&format!("[{i}]"));
                    self.walk(item, selector, key)?;
                    selector.truncate(len);
                }
                Ok(())
            }
            Value::String(s) => self.emit(selector, key, s.as_bytes().to_vec(), false),
            Value::Number(n) => self.emit(selector, key, n.to_string().into_bytes(), true),
            Value::Bool(b) => self.emit(selector, key, b.to_string().into_bytes(), true),
            Value::Null => self.emit(selector, key, b"null".to_vec(), true),
        }
    }
}

impl Decoder for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn sniff(&self, input: &[u8]) -> bool {
        matches!(
            first_and_last_non_space(input),
            Some((b'{', b'}') | (b'[', b']'))
        )
    }

    fn decode(&self, input: &[u8], budget: &mut Budget) -> Result<Decoded, DecodeError> {
        // serde_json stops at 128 levels of nesting with an error, so a 10,000-deep document
        // is refused rather than overflowing the stack.
        let value: Value = serde_json::from_slice(input)
            .map_err(|e| DecodeError::invalid("json", e.to_string()))?;
        let mut walker = Walker {
            fields: Vec::new(),
            budget,
        };
        let mut selector = String::from("$");
        walker.walk(&value, &mut selector, None)?;
        Ok(Decoded::Fields(walker.fields))
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
                        f.key,
                        String::from_utf8(f.value).unwrap(),
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
        assert!(Json.sniff(b"  {\"a\":1}\n"));
        assert!(Json.sniff(b"[1,2]"));
        assert!(!Json.sniff(b"{not closed"));
        assert!(!Json.sniff(b"plain"));
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
