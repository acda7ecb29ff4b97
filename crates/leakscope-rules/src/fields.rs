//! Field patterns: a rule that names a field by where it sits, not only by its last key.
//!
//! A leaf's location (`body form[extinfo] > json $[5]`, `body > gzip > json $.events[0].device.id`,
//! `body > protobuf #2.3`) is read as the field names and indexes it passed through, one token
//! each, across every layer: `extinfo [5]`, `events [0] device id`, `#2 3`. A pattern is read the
//! same way (`extinfo[5]`, `device.id`, `#2.3`, `ud[em]`, `ctx.*`) and matches a leaf whose tokens
//! end with the pattern's. Names compare as rule keys do ([`normalize_key`](crate::normalize_key)),
//! `*` stands for any one token, and an array index in the leaf that the pattern does not mention
//! is passed over, so `events.device.id` matches `$.events[3].device.id` while `extinfo[5]`
//! matches only the sixth element.
//!
//! Part names, layers and decoder names are not tokens: `query[cid]`, `form[cid]` and
//! `json $.cid` are all the field `cid`, because a tracker's parameter means the same whichever
//! way it travels. Path segments of the URL are not fields.

use crate::key::{SHORT_KEY, normalize_any, normalize_short_ascii};

/// One token of a location or pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// The text, not normalised (inside quotes for `['odd name']`).
    pub(crate) text: &'a str,
    /// The token was an all-digit `[n]` index.
    pub(crate) index: bool,
}

/// The tokens of one location or pattern, in order.
pub(crate) fn location_tokens(location: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    for (i, step) in location.split(" > ").enumerate() {
        if i == 0 {
            part_tokens(step, &mut tokens);
        } else {
            field_step_tokens(step, &mut tokens);
        }
    }
    tokens
}

/// The last name of a location, past any trailing indexes (`$.emails[0]` → `emails`), and
/// its last token when that is an index: what a field pattern is looked up by.
pub(crate) fn lookup_tokens(location: &str) -> (Option<Token<'_>>, Option<Token<'_>>) {
    let last = last_token(location);
    match last {
        Some(token) if token.index => {
            let name = location_tokens(location)
                .into_iter()
                .rev()
                .find(|t| !t.index);
            (name, Some(token))
        }
        other => (other, None),
    }
}

/// The last token of a location: of its last step that has one (a layer such as `base64`
/// after a field has none, so `query[uid] > base64` ends with `uid`).
pub(crate) fn last_token(location: &str) -> Option<Token<'_>> {
    let mut rest = location;
    let mut tokens = Vec::new();
    loop {
        let (first, step) = match rest.rsplit_once(" > ") {
            Some((before, last)) => {
                rest = before;
                (false, last)
            }
            None => (true, rest),
        };
        if first {
            part_tokens(step, &mut tokens);
        } else {
            field_step_tokens(step, &mut tokens);
        }
        if let Some(token) = tokens.pop() {
            return Some(token);
        }
        if first {
            return None;
        }
    }
}

/// `query[ud[em]]`, `body form[data]`, `cookie[_ga]`, `body multipart[f] filename`: the name in
/// the outer brackets. `path[3]`, `body`, `query` carry no field name.
fn part_tokens<'a>(step: &'a str, tokens: &mut Vec<Token<'a>>) {
    if step.starts_with("path[") {
        return;
    }
    let (Some(open), Some(close)) = (step.find('['), step.rfind(']')) else {
        return;
    };
    if close > open {
        selector_tokens(&step[open + 1..close], tokens);
    }
}

/// `json $.a.b[0]`, `url[q]`, `query[k]`, `protobuf #2.3`; a layer (`base64`) has no tokens.
fn field_step_tokens<'a>(step: &'a str, tokens: &mut Vec<Token<'a>>) {
    let selector = match step.find([' ', '[']) {
        Some(at) if step.as_bytes()[at] == b' ' => &step[at + 1..],
        Some(at) => &step[at..],
        None => return,
    };
    // A JSON document's own marker: `$`, or `$2` for the second of several documents.
    let selector = match selector.strip_prefix('$') {
        Some(rest) => rest.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => selector,
    };
    selector_tokens(selector, tokens);
}

/// Split a selector or pattern on `.`, `[` and `]`, with `['quoted name']` as one token.
pub(crate) fn selector_tokens<'a>(selector: &'a str, tokens: &mut Vec<Token<'a>>) {
    let bytes = selector.as_bytes();
    let mut i = 0;
    let mut start = 0;
    let mut bracketed = false;
    let push = |tokens: &mut Vec<Token<'a>>, text: &'a str, bracketed: bool| {
        if !text.is_empty() {
            let index = bracketed && text.bytes().all(|b| b.is_ascii_digit());
            tokens.push(Token { text, index });
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'[' if bytes.get(i + 1) == Some(&b'\'') => {
                push(tokens, &selector[start..i], bracketed);
                // A quoted name runs to the next unescaped `']`.
                let body = i + 2;
                let mut j = body;
                while j < bytes.len() && !(bytes[j] == b'\'' && bytes.get(j + 1) == Some(&b']')) {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(bytes.len());
                push(tokens, &selector[body..end], false);
                i = (end + 2).min(bytes.len());
                start = i;
                bracketed = false;
                continue;
            }
            b'.' | b'[' | b']' => {
                push(tokens, &selector[start..i], bracketed);
                bracketed = bytes[i] == b'[';
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    push(tokens, &selector[start..], bracketed);
}

/// A field pattern from a rule, compiled: its tokens normalised, last first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldPattern {
    /// The pattern as written, for messages.
    pub(crate) text: String,
    /// Tokens from the last to the first.
    reversed: Vec<PatternToken>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternToken {
    /// Any one token.
    Any,
    /// An array index.
    Index(String),
    /// A name, normalised.
    Name(String),
}

impl FieldPattern {
    /// Compile a pattern; `None` when it has no tokens.
    pub(crate) fn new(text: &str) -> Option<FieldPattern> {
        let mut tokens = Vec::new();
        selector_tokens(text.trim().trim_start_matches('$'), &mut tokens);
        let reversed: Vec<PatternToken> = tokens
            .iter()
            .rev()
            .map(|t| match t.text {
                "*" => PatternToken::Any,
                _ if t.index => PatternToken::Index(t.text.to_owned()),
                _ => PatternToken::Name(normalize_any(t.text)),
            })
            .collect();
        (!reversed.is_empty()).then_some(FieldPattern {
            text: text.to_owned(),
            reversed,
        })
    }

    /// The key this pattern is looked up by: its last token, normalised (`None` for `*`).
    pub(crate) fn lookup_key(&self) -> Option<&str> {
        match &self.reversed[0] {
            PatternToken::Any => None,
            PatternToken::Index(text) | PatternToken::Name(text) => Some(text),
        }
    }

    /// Whether a leaf with these tokens is this field.
    pub(crate) fn matches(&self, tokens: &[Token<'_>]) -> bool {
        let mut leaf = tokens.iter().rev().peekable();
        let mut buffer = [0u8; SHORT_KEY];
        for wanted in &self.reversed {
            loop {
                let Some(token) = leaf.next() else {
                    return false;
                };
                let fits = match wanted {
                    PatternToken::Any => true,
                    PatternToken::Index(n) => token.index && token.text == n,
                    PatternToken::Name(name) => {
                        !token.index && same_name(token.text, name, &mut buffer)
                    }
                };
                if fits {
                    break;
                }
                // An index the pattern does not mention is passed over (an array of values,
                // `sha256_email_address[0]`, is that field too); anything else ends the match.
                if !token.index {
                    return false;
                }
            }
        }
        true
    }
}

/// Whether a raw token is `normalized` after normalisation, without allocating for short ASCII.
pub(crate) fn same_name(raw: &str, normalized: &str, buffer: &mut [u8; SHORT_KEY]) -> bool {
    match normalize_short_ascii(raw, buffer) {
        Some(short) => short == normalized,
        None => normalize_any(raw) == normalized,
    }
}

/// The normalised lookup key of a leaf's last token (`None` when the location has none).
#[cfg(test)]
fn last_lookup_key(location: &str) -> Option<String> {
    let token = last_token(location)?;
    Some(if token.index {
        token.text.to_owned()
    } else {
        normalize_any(token.text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(location: &str) -> Vec<String> {
        location_tokens(location)
            .iter()
            .map(|t| {
                if t.index {
                    format!("[{}]", t.text)
                } else {
                    t.text.to_owned()
                }
            })
            .collect()
    }

    #[test]
    fn a_location_reads_as_the_fields_it_passed_through() {
        assert_eq!(texts("body form[extinfo] > json $[5]"), ["extinfo", "[5]"]);
        assert_eq!(
            texts("body > gzip > json $.events[0].device.id"),
            ["events", "[0]", "device", "id"]
        );
        assert_eq!(texts("body > protobuf #2[1].3"), ["#2", "[1]", "3"]);
        assert_eq!(texts("query[udff[em]]"), ["udff", "em"]);
        assert_eq!(texts("query[u] > url[q] > percent"), ["u", "q"]);
        assert_eq!(texts("body > json $2.type"), ["type"]);
        assert_eq!(texts("body > json $['a.b'].c"), ["a.b", "c"]);
        assert_eq!(texts("path[3]"), Vec::<String>::new());
        assert_eq!(texts("body"), Vec::<String>::new());
        assert_eq!(
            texts("body multipart[device] filename"),
            ["device"],
            "the file name of a part is that part's field"
        );
        assert_eq!(
            last_lookup_key("query[u] > url[Search_Term]").unwrap(),
            "searchterm"
        );
        assert_eq!(
            last_lookup_key("body form[extinfo] > json $[5]").unwrap(),
            "5"
        );
        assert_eq!(last_lookup_key("path[2]"), None);
        assert_eq!(
            last_lookup_key("cookie[_pin_unauth] > base64 > query[uid] > base64").unwrap(),
            "uid",
            "a layer after a field has no name of its own"
        );
        assert_eq!(
            last_lookup_key("body form[data] > base64 > gzip").unwrap(),
            "data"
        );
    }

    fn matches(pattern: &str, location: &str) -> bool {
        FieldPattern::new(pattern)
            .unwrap()
            .matches(&location_tokens(location))
    }

    #[test]
    fn patterns_match_the_end_of_the_path() {
        assert!(matches("device.id", "body > json $.device.id"));
        assert!(matches(
            "device.id",
            "body > gzip > json $.events[3].device.id"
        ));
        assert!(
            matches("device.id", "body > json $.device[0].id"),
            "an index is passed over"
        );
        assert!(!matches("device.id", "body > json $.device.idx"));
        assert!(!matches("device.id", "body > json $.device.os.id"));
        assert!(!matches("device.id", "body > json $.id"));
        assert!(matches("extinfo[5]", "body form[extinfo] > json $[5]"));
        assert!(!matches("extinfo[5]", "body form[extinfo] > json $[4]"));
        assert!(!matches("extinfo[5]", "body form[extinfo] > json $[15]"));
        assert!(matches("ud[external_id]", "query[ud[external_id]]"));
        assert!(
            matches("ud.externalId", "body > json $.ud.external_id"),
            "names normalised"
        );
        assert!(matches(
            "$.properties.$os",
            "body > json $[0].properties.$os"
        ));
        assert!(matches("#2.3", "body > gzip > protobuf #2.3"));
        assert!(!matches("#2.3", "body > gzip > protobuf #2.13"));
        assert!(matches("ctx.*", "body > json $.ctx.c1"));
        assert!(!matches("ctx.*", "body > json $.ctx.a.c1"));
        assert!(matches("cid", "query[cid]"));
        assert!(matches("cid", "body form[cid]"));
        assert!(matches("cid", "cookie[x] > json $.cid"));
        assert!(
            !matches("5", "body > json $.a[5]"),
            "an index is not a name"
        );
    }
}
