//! JSON: an object or array becomes one field per scalar, each with a JSONPath-like selector.
//!
//! String values are handed back to the unwrapper, so JSON inside a JSON string (common in
//! analytics SDKs that serialise a payload twice) or base64 inside JSON is decoded again.

use std::borrow::Cow;
use std::fmt;
use std::ops::ControlFlow;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::selector::{FieldsOut, push_index, push_member};
use crate::{About, DecodeError, Encoding, Needs, Profile, Split, Structure, class};

/// JSON decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

fn first_and_last_non_space(input: &[u8]) -> Option<(u8, u8)> {
    let first = input.iter().find(|b| !b.is_ascii_whitespace())?;
    let last = input.iter().rev().find(|b| !b.is_ascii_whitespace())?;
    Some((*first, *last))
}

/// The state of one walk: the selector of the current position, and where fields go. The
/// document is visited straight from the parser (no `serde_json::Value` tree is built) and
/// every scalar is handed to the sink at once: strings without escapes are lent from the input,
/// the others from the parser's scratch buffer or the walk's own.
struct Walk<'w, 's> {
    out: FieldsOut<'w, 's>,
    /// The sink said to stop (the leaf limit): the parse is cut short, and that is not an error.
    stopped: bool,
    /// The budget ran out: the parse is cut short, and that is the error to report.
    exhausted: Option<DecodeError>,
}

/// The error a visitor returns to make the parser stop when the sink says so.
const STOP: &str = "leakscope: stop";

impl Walk<'_, '_> {
    fn emit(
        &mut self,
        key: Option<&str>,
        value: &[u8],
        terminal: bool,
    ) -> Result<(), &'static str> {
        let handed = self.out.hand(key, value, terminal);
        self.go_on(handed)
    }

    /// A float as Rust displays it, charged to the budget (see [`FieldsOut::hand_float`]).
    fn emit_float(&mut self, key: Option<&str>, number: f64) -> Result<(), &'static str> {
        match self.out.hand_float(key, number) {
            Ok(handed) => self.go_on(handed),
            Err(error) => {
                self.exhausted = Some(error);
                Err(STOP)
            }
        }
    }

    /// Whether the parse goes on after a field was handed: stopped when the sink says so.
    fn go_on(&mut self, handed: ControlFlow<()>) -> Result<(), &'static str> {
        if handed.is_break() {
            self.stopped = true;
            return Err(STOP);
        }
        Ok(())
    }
}

/// Visits one JSON value at the walk's current selector, under the member name `key`.
struct Node<'n, 'de, 'w, 's> {
    walk: &'n mut Walk<'w, 's>,
    key: Option<Cow<'de, str>>,
}

impl<'de> DeserializeSeed<'de> for Node<'_, 'de, '_, '_> {
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

impl<'de> Visitor<'de> for Node<'_, 'de, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(MemberName(name)) = map.next_key::<MemberName<'de>>()? {
            let len = self.walk.out.selector.len();
            push_member(&mut self.walk.out.selector, &name);
            map.next_value_seed(Node {
                walk: &mut *self.walk,
                key: Some(name),
            })?;
            self.walk.out.selector.truncate(len);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        loop {
            let len = self.walk.out.selector.len();
            push_index(&mut self.walk.out.selector, index);
            let more = seq.next_element_seed(Node {
                walk: &mut *self.walk,
                key: self.key.clone(),
            })?;
            self.walk.out.selector.truncate(len);
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.walk
            .emit(self.key.as_deref(), v.as_bytes(), false)
            .map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let text: &'static [u8] = if v { b"true" } else { b"false" };
        self.walk
            .emit(self.key.as_deref(), text, true)
            .map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let mut text = itoa::Buffer::new();
        self.walk
            .emit(self.key.as_deref(), text.format(v).as_bytes(), true)
            .map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let mut text = itoa::Buffer::new();
        self.walk
            .emit(self.key.as_deref(), text.format(v).as_bytes(), true)
            .map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.walk
            .emit_float(self.key.as_deref(), v)
            .map_err(E::custom)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.walk
            .emit(self.key.as_deref(), b"null", true)
            .map_err(E::custom)
    }
}

impl Encoding for Json {
    /// Brackets at both ends.
    fn about(&self) -> About {
        About::named("json").needs(
            Needs::ANYTHING
                .min_len(2)
                .all_of(class::PUNCTUATION)
                .first_byte_in(b"{[ \t\r\n\x0c"),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        matches!(
            first_and_last_non_space(input),
            Some((b'{', b'}') | (b'[', b']'))
        )
    }
}

impl Structure for Json {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        // serde_json stops at 128 levels of nesting with an error, so a 10,000-deep document
        // is refused rather than overflowing the stack.
        let mut walk = Walk {
            out: FieldsOut::new(budget, sink),
            stopped: false,
            exhausted: None,
        };
        // JSON is UTF-8: checked once for the whole document (fast for ASCII) instead of once
        // per string by the slice reader.
        let text = std::str::from_utf8(input)
            .map_err(|e| DecodeError::invalid("json", format!("not UTF-8: {e}")))?;
        // One document, or a stream of them (JSON Lines, as Sentry envelopes and log batches
        // are, or documents written back to back): the n-th document's root is `$n` from the
        // second on.
        let mut start = 0;
        let mut document = 1usize;
        loop {
            walk.out.selector.clear();
            walk.out.selector.push('$');
            if document > 1 {
                walk.out
                    .selector
                    .push_str(itoa::Buffer::new().format(document));
            }
            let rest = &text[start..];
            let mut parser = serde_json::Deserializer::from_str(rest);
            let parsed = Node {
                walk: &mut walk,
                key: None,
            }
            .deserialize(&mut parser)
            .and_then(|()| parser.end());
            if let Some(error) = walk.exhausted {
                return Err(error);
            }
            match parsed {
                Ok(()) => return Ok(()),
                Err(_) if walk.stopped => return Ok(()),
                Err(error) => match next_document(rest, &error) {
                    Some(at) => start += at,
                    None => return Err(DecodeError::invalid("json", error.to_string())),
                },
            }
            document += 1;
        }
    }
}

/// Where the next document starts, when `error` says a whole document was read and another
/// value follows it ("trailing characters"). serde_json reports a line and a column (bytes
/// since the line's start, one past the offending byte), which are turned back into an offset
/// here and checked: the byte there must open an object or an array.
fn next_document(text: &str, error: &serde_json::Error) -> Option<usize> {
    if !error.is_syntax() || !error.to_string().starts_with("trailing characters") {
        return None;
    }
    let line_start = if error.line() <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text.as_bytes()).nth(error.line() - 2)? + 1
    };
    let at = line_start + error.column().checked_sub(1)?;
    // Past the start, so that every round moves on.
    (at > 0 && matches!(text.as_bytes().get(at), Some(b'{' | b'['))).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Budget;
    use crate::decoders::test_support::handed_within;

    fn fields(input: &str) -> Vec<(String, Option<String>, String, bool)> {
        Json.decode(input.as_bytes(), &mut Budget::default())
            .unwrap()
            .into_iter()
            .map(|f| {
                (
                    f.selector,
                    f.key,
                    String::from_utf8(f.value).unwrap(),
                    f.terminal,
                )
            })
            .collect()
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
    fn member_names_in_any_script_are_plain_and_odd_ones_are_quoted() {
        let got = fields(r#"{"größe":1,"日本":2,"a'b":3,"a.b":4,"-1.5e3":-1.5e3}"#);
        let selectors: Vec<&str> = got.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            selectors,
            ["$.größe", "$.日本", r"$['a\'b']", "$['a.b']", "$['-1.5e3']"]
        );
        assert_eq!(got[4].2, "-1500", "numbers keep their value, as text");
    }

    #[test]
    fn floats_written_out_long_are_charged_to_the_budget() {
        let many = format!("[{}]", vec!["1e300"; 1000].join(","));
        // Streaming, as the unwrapper does it: nothing is kept, yet the long text is paid for.
        let handed = handed_within(&Json, many.as_bytes(), 64 * 1024);
        assert!(handed <= 64 * 1024, "{handed} bytes handed over");
    }

    #[test]
    fn a_stream_of_documents_is_walked_document_by_document() {
        let lines = "{\"event_id\":\"e1\"}\n{\"type\":\"event\"}\r\n  [{\"user\":{\"email\":\"jane@example.org\"}}]\n";
        let got = fields(lines);
        let selectors: Vec<&str> = got.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(selectors, ["$.event_id", "$2.type", "$3[0].user.email"]);
        assert_eq!(got[2].2, "jane@example.org");
        // Back to back, without a line break.
        let got = fields(r#"{"a":"x"}{"b":"y"}"#);
        assert_eq!(got[1].0, "$2.b");
    }

    #[test]
    fn what_follows_a_document_must_be_another_one() {
        for input in [
            r#"{"a":"x"} trailing"#,
            r#"{"a":"x"}]"#,
            r#"{"a":"x"}{"b":"#,
        ] {
            assert!(
                Json.decode(input.as_bytes(), &mut Budget::default())
                    .is_err(),
                "{input}"
            );
        }
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
        let fields = Json.decode(wide.as_bytes(), &mut budget).unwrap();
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
