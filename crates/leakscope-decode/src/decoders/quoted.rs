//! JSON in a quoted literal of a larger text: `window.cfg = "{\"uid\":\"abc123\"}";` in a
//! script, `data: '{"a":1}' more text` in a log line or a text field.
//!
//! Each string literal whose content is a JSON object or array becomes a field, numbered in
//! order of appearance (`quoted[0]`, `quoted[1]`), with its escapes undone as JavaScript (and
//! JSON) would undo them, and the unwrapper decodes the JSON. The text itself is kept as a leaf
//! too: what lies around the literals (an email in the rest of the script) is still seen.
//!
//! Looking costs a search for `{` in texts with spaces or backslashes; literals are only read
//! when the text has a `{"` or `{\"`, and a literal is only claimed when its content parses as
//! JSON. A literal in a text with neither spaces nor backslashes (`a('{"id":7}')`, minified)
//! is not looked for: that is what most values without anything to decode look like.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::{About, DecodeError, Encoding, FieldRef, Needs, Profile, Split, Structure, class};

/// Quoted-JSON decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuotedJson;

/// Shortest text with a JSON literal: `'{"a":1}'`.
const MIN_LEN: usize = 9;

/// `{"`, the start of an object with a member.
static OBJECT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"{\""));
/// `{\"`, the same with its quote escaped.
static ESCAPED_OBJECT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"{\\\""));

/// Whether `input` has `{"` or `{\"`: the start of an object with a member, bare or escaped.
fn has_object_start(input: &[u8]) -> bool {
    has_object_start_from(input, true)
}

/// [`has_object_start`], looking for the escaped form only when `escaped` (the text has a
/// backslash). Most texts have no `{` at all, which one byte search shows fastest; scripts and
/// style sheets have one every few dozen bytes, and stopping at each would cost more than
/// searching on from the first for the pair of bytes, a vector compare at a time.
fn has_object_start_from(input: &[u8], escaped: bool) -> bool {
    let Some(first) = memchr::memchr(b'{', input) else {
        return false;
    };
    let rest = &input[first..];
    OBJECT.find(rest).is_some() || (escaped && ESCAPED_OBJECT.find(rest).is_some())
}

/// Whether the byte at `at` is escaped: an odd number of backslashes before it.
fn is_escaped(input: &[u8], at: usize) -> bool {
    input[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

/// The end (exclusive, the closing quote's offset) of the literal whose content starts at
/// `start`, quoted with `quote`: the next `quote` that no backslash escapes.
fn literal_end(input: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start;
    while i < input.len() {
        match input[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The end (exclusive) of the JSON object or array that starts at `start`, by its brackets,
/// skipping strings: for a literal whose inner quotes were never escaped (`"{"a":1}"`).
fn balanced_end(input: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = start;
    while i < input.len() {
        let b = input[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// The value of one hex digit.
fn hex(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

/// `\uXXXX` at the start of `input`, as a UTF-16 unit.
fn unicode_unit(input: &[u8]) -> Option<u32> {
    match input {
        [b'\\', b'u', a, b, c, d, ..] => {
            Some(hex(*a)? << 12 | hex(*b)? << 8 | hex(*c)? << 4 | hex(*d)?)
        }
        _ => None,
    }
}

/// The content of a JavaScript string literal with its escapes undone, or `None` when an
/// escape is malformed. Escapes a JSON parser would undo the same way inside a JSON string
/// are undone here all the same: they are the literal's, not the JSON's.
fn unescape(content: &[u8]) -> Option<Cow<'_, [u8]>> {
    if memchr::memchr(b'\\', content).is_none() {
        return Some(Cow::Borrowed(content));
    }
    let mut out = Vec::with_capacity(content.len());
    let mut i = 0;
    while i < content.len() {
        if content[i] != b'\\' {
            out.push(content[i]);
            i += 1;
            continue;
        }
        let simple = match *content.get(i + 1)? {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'v' => Some(0x0b),
            b'0' => Some(0),
            b'u' | b'x' => None,
            // `\"`, `\'`, `\\`, `\/`, and any other character escaped for no reason.
            other => Some(other),
        };
        if let Some(b) = simple {
            out.push(b);
            i += 2;
            continue;
        }
        let c = if content[i + 1] == b'x' {
            let (hi, lo) = (hex(*content.get(i + 2)?)?, hex(*content.get(i + 3)?)?);
            i += 4;
            char::from_u32(hi << 4 | lo)?
        } else {
            let unit = unicode_unit(&content[i..])?;
            i += 6;
            if (0xD800..0xDC00).contains(&unit) {
                let low = unicode_unit(&content[i..]).filter(|l| (0xDC00..0xE000).contains(l))?;
                i += 6;
                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
            } else {
                char::from_u32(unit)?
            }
        };
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
    Some(Cow::Owned(out))
}

/// Whether `json` is one JSON object or array, whole.
fn is_json_document(json: &[u8]) -> bool {
    matches!(json.first(), Some(b'{' | b'['))
        && matches!(json.last(), Some(b'}' | b']'))
        && serde_json::from_slice::<serde::de::IgnoredAny>(json).is_ok()
}

/// Hands every JSON literal of `input` to `found`, in order, until it says to stop; returns how
/// many were found.
///
/// Every literal scan ends at the next quote of its kind that no backslash escapes, and the
/// next opening quote of that kind is no earlier, so the literal scans together read the input
/// about once for each kind of quote. The bracket scans, for literals whose inner quotes were
/// never escaped, can overlap; they stop once they have read the input twice over.
fn each_literal(input: &[u8], found: &mut dyn FnMut(&[u8]) -> bool) -> usize {
    let mut count = 0;
    let mut bracket_work = 0usize;
    let mut i = 0;
    while i + 1 < input.len() {
        let Some(at) = memchr::memchr2(b'"', b'\'', &input[i..]).map(|at| i + at) else {
            break;
        };
        let quote = input[at];
        let start = at + 1;
        i = start;
        if !matches!(input.get(start), Some(b'{' | b'[')) || is_escaped(input, at) {
            continue;
        }
        if let Some(end) = literal_end(input, start, quote) {
            let content = &input[start..end];
            if has_object_start(content)
                && let Some(json) = unescape(content)
                && is_json_document(&json)
            {
                count += 1;
                if !found(&json) {
                    break;
                }
                i = end + 1;
                continue;
            }
        }
        // `"{"a":1}"`: the quotes inside were never escaped.
        if quote == b'"' && bracket_work <= 2 * input.len() {
            let end = balanced_end(input, start);
            bracket_work += end.unwrap_or(input.len()) - start;
            if let Some(end) = end
                && input.get(end) == Some(&quote)
                && has_object_start(&input[start..end])
                && is_json_document(&input[start..end])
            {
                count += 1;
                if !found(&input[start..end]) {
                    break;
                }
                i = end + 1;
            }
        }
    }
    count
}

impl Encoding for QuotedJson {
    /// Printable text with punctuation (`{`, `"`), and with spaces (a script, a line of text)
    /// or backslashes (a literal's escaped quotes): the words, ids, dates, hosts and URLs that
    /// most values are have neither, and are not even offered.
    fn about(&self) -> About {
        About::named("quoted").needs(
            Needs::ANYTHING
                .min_len(MIN_LEN)
                .text()
                .all_of(class::PUNCTUATION)
                .any_of(class::SPACE | class::BACKSLASH),
        )
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        input.len() >= MIN_LEN
            && profile.is_text()
            && profile.has(class::SPACE | class::BACKSLASH)
            && has_object_start_from(input, profile.has(class::BACKSLASH))
    }
}

impl Structure for QuotedJson {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        let mut selector = String::new();
        let mut index = 0u64;
        let mut exhausted = None;
        let found = each_literal(input, &mut |json| {
            if let Err(error) = budget.charge_output(json.len()) {
                exhausted = Some(error);
                return false;
            }
            selector.clear();
            selector.push('[');
            selector.push_str(itoa::Buffer::new().format(index));
            selector.push(']');
            index += 1;
            let field = FieldRef {
                selector: &selector,
                key: None,
                value: json,
                terminal: false,
            };
            sink(budget, field).is_continue()
        });
        if let Some(error) = exhausted {
            return Err(error);
        }
        if found == 0 {
            return Err(DecodeError::invalid(
                "quoted",
                "no JSON in a quoted literal",
            ));
        }
        Ok(())
    }

    fn keeps_input(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(input: &str) -> Vec<String> {
        let mut out = Vec::new();
        each_literal(input.as_bytes(), &mut |json| {
            out.push(String::from_utf8(json.to_vec()).unwrap());
            true
        });
        out
    }

    #[test]
    fn literals_in_double_and_single_quotes_with_their_escapes_undone() {
        assert_eq!(
            literals(r#"window.cfg = "{\"uid\":\"abc\",\"p\":\"a\\\/b \u00e9\"}";"#),
            [r#"{"uid":"abc","p":"a\/b é"}"#]
        );
        assert_eq!(
            literals(r#"x('{"a":1}', "[{\"b\":2}]")"#),
            [r#"{"a":1}"#, r#"[{"b":2}]"#]
        );
        assert_eq!(literals(r#"data: "{"a":"x y"}" more"#), [r#"{"a":"x y"}"#]);
        assert_eq!(
            literals(r#"s = '{"q":"it\'s"}'"#),
            [r#"{"q":"it's"}"#],
            "an escaped quote of the literal's own kind"
        );
    }

    #[test]
    fn what_is_not_a_json_literal() {
        for input in [
            r#"He said "{hello}" loudly"#,
            r#"x = "{\"a\":}""#,
            r#"fn({"a":1})"#,
            r#"x = "[1,2,3]""#,
            r#"open "{\"a\":1 and never closed"#,
            r#"escaped \"{\"a\":1}\" quote"#,
        ] {
            assert_eq!(literals(input), Vec::<String>::new(), "{input}");
        }
    }

    #[test]
    fn quotes_and_brackets_by_the_thousand_end_quickly() {
        for unit in [r#""{"{"#, r#""{\"a"#, r#"'{"'["#, r#""[{"a":"#] {
            let hostile = unit.repeat(50_000);
            let started = std::time::Instant::now();
            literals(&hostile);
            assert!(started.elapsed().as_secs() < 2, "{unit}");
        }
    }
}
