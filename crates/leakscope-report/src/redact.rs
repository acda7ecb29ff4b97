//! Redacted previews of found values.

/// A preview of `value` that lets a person recognise it without revealing it: a few characters
/// from each end and the length, `"http…page (28 chars)"`. At most a third of a value is
/// shown (none of a short one), so an identifier cannot be rebuilt from its preview.
///
/// ```
/// use leakscope_report::redact;
/// assert_eq!(redact("https://www.example.com/page"), "http…page (28 chars)");
/// assert_eq!(redact("0467ede7dcf0ee81"), "04…81 (16 chars)");
/// assert_eq!(redact("true"), "… (4 chars)");
/// ```
pub fn redact(value: &str) -> String {
    // Without a vector of the value's chars: a found value can be a whole binary upload.
    let n = value.chars().count();
    let shown = (n / 6).min(4);
    let head_end = value
        .char_indices()
        .nth(shown)
        .map_or(value.len(), |(at, _)| at);
    let tail_start = match shown {
        0 => value.len(),
        _ => value
            .char_indices()
            .nth_back(shown - 1)
            .map_or(0, |(at, _)| at),
    };
    let unit = if n == 1 { "char" } else { "chars" };
    format!(
        "{}…{} ({n} {unit})",
        &value[..head_end],
        &value[tail_start..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_more_than_a_third() {
        for len in 0..100 {
            let value: String = "x".repeat(len);
            let preview = redact(&value);
            let shown = preview
                .split(' ')
                .next()
                .unwrap()
                .chars()
                .filter(|&c| c == 'x')
                .count();
            assert!(shown * 3 <= len, "{len}: {preview}");
        }
        assert_eq!(redact(""), "… (0 chars)");
        assert_eq!(redact("é"), "… (1 char)");
        assert_eq!(redact("Grüße aus Köln, 世界!"), "Grü…世界! (19 chars)");
        assert_eq!(redact("ééééééééééééééééééééééééé"), "éééé…éééé (25 chars)");
    }
}

/// A location fit for a shared report: each field name in it that looks like a value (an
/// e-mail address, an id of eight or more digits or hex, a UUID, anything over 40 characters)
/// is replaced by `…`. SDKs key maps by device ids and users by their e-mail address
/// (`$.devices.9774d56d682e549c.model`, `$.users['jane@example.com'].email`), and a location
/// would otherwise carry the value the report redacts. Array indexes and ordinary names stay.
///
/// ```
/// use leakscope_report::redact_location;
/// assert_eq!(
///     redact_location("body > json $.devices.9774d56d682e549c.model"),
///     "body > json $.devices.….model"
/// );
/// assert_eq!(
///     redact_location("body > json $.users['jane.doe@example.com'].email"),
///     "body > json $.users['…'].email"
/// );
/// assert_eq!(redact_location("body form[data] > base64 > json $[2].url"), "body form[data] > base64 > json $[2].url");
/// ```
pub fn redact_location(location: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if !may_hold_a_value(location) {
        return Cow::Borrowed(location);
    }
    let bytes = location.as_bytes();
    let mut out = String::with_capacity(location.len());
    let mut changed = false;
    let mut i = 0;
    // Emits `name` or `…`, noting whether anything changed.
    let mut name = |out: &mut String, text: &str| {
        if looks_like_a_value(text) {
            out.push('…');
            changed = true;
        } else {
            out.push_str(text);
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'[' if bytes.get(i + 1) == Some(&b'\'') => {
                // `['quoted name']`, with `\'` and `\\` escaped.
                let start = i + 2;
                let mut end = start;
                while end < bytes.len()
                    && !(bytes[end] == b'\'' && bytes.get(end + 1) == Some(&b']'))
                {
                    end += if bytes[end] == b'\\' { 2 } else { 1 };
                }
                let mut end = end.min(bytes.len());
                while !location.is_char_boundary(end) {
                    end -= 1;
                }
                out.push_str("['");
                name(&mut out, location.get(start..end).unwrap_or_default());
                out.push_str(if end < bytes.len() { "']" } else { "" });
                i = (end + 2).min(bytes.len());
            }
            b'[' => {
                // `[name]` (a part's key, which may hold brackets itself) or `[3]`.
                let mut depth = 0;
                let mut end = i;
                while end < bytes.len() {
                    match bytes[end] {
                        b'[' => depth += 1,
                        b']' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    end += 1;
                }
                out.push('[');
                name(&mut out, &location[i + 1..end.min(bytes.len())]);
                if end < bytes.len() {
                    out.push(']');
                }
                i = (end + 1).min(bytes.len());
            }
            b'.' => {
                let start = i + 1;
                let end = location[start..]
                    .find(['.', '[', ' '])
                    .map_or(location.len(), |at| start + at);
                out.push('.');
                name(&mut out, &location[start..end]);
                i = end;
            }
            _ => {
                let next = location[i..]
                    .find(['[', '.'])
                    .map_or(location.len(), |at| i + at);
                out.push_str(&location[i..next]);
                i = next;
            }
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(location)
    }
}

/// A quick look for what [`looks_like_a_value`] could accept anywhere in `location`: an `@`,
/// non-ASCII text, or a run of eight or more name characters with a digit in it (or of more
/// than 40). Almost every location has none, and is then returned as it is without being
/// taken apart (this runs for every occurrence).
fn may_hold_a_value(location: &str) -> bool {
    // Names end where `redact_location` ends them: at brackets and quotes, and outside
    // brackets at `.` and spaces; inside brackets any character belongs to the name (a key
    // can be `415.555.0123` or a URL).
    let (mut run, mut digits, mut depth) = (0usize, 0usize, 0usize);
    for &b in location.as_bytes() {
        match b {
            b'@' | 0x80.. => return true,
            b'[' | b']' | b'\'' => {
                depth = match b {
                    b'[' => depth + 1,
                    b']' => depth.saturating_sub(1),
                    _ => depth,
                };
                run = 0;
                digits = 0;
            }
            b'0'..=b'9' => {
                run += 1;
                digits += 1;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'-' | b'_' | b'$' => run += 1,
            _ if depth > 0 => run += 1,
            _ => {
                run = 0;
                digits = 0;
            }
        }
        if run > 40 || (run >= 8 && digits > 0) {
            return true;
        }
    }
    false
}

/// Whether a field name (or a URL path segment) looks like a value rather than a name: an
/// e-mail address, eight or more characters that are mostly digits or all hex with a digit
/// (ids, UUIDs, hashes), or more than 40 characters.
///
/// ```
/// use leakscope_report::looks_like_a_value;
/// assert!(looks_like_a_value("9774d56d682e549c"));
/// assert!(looks_like_a_value("jane@example.com"));
/// assert!(!looks_like_a_value("screen_width"));
/// ```
pub fn looks_like_a_value(name: &str) -> bool {
    if name.contains('@') || (name.len() > 40 && name.chars().count() > 40) {
        return true;
    }
    if name.len() < 8 {
        return false;
    }
    let digits = name.bytes().filter(u8::is_ascii_digit).count();
    let hex = name
        .bytes()
        .filter(|b| b.is_ascii_hexdigit() || *b == b'-')
        .count();
    digits * 2 >= name.len() || (hex == name.len() && digits > 0)
}

#[cfg(test)]
mod location_tests {
    use super::*;

    #[test]
    fn names_that_are_values_are_hidden() {
        for (location, shown) in [
            (
                "body > json $.devices.9774d56d682e549c.model",
                "body > json $.devices.….model",
            ),
            (
                "body > json $.users['alice.secret@example.com'].email",
                "body > json $.users['…'].email",
            ),
            ("body form[jane@example.com]", "body form[…]"),
            (
                "body > json $.d.5b1c7a4e-2d7f-4f4e-9a3b-6f1d2c3b4a59.model",
                "body > json $.d.….model",
            ),
            ("query[u_4915112345678]", "query[…]"),
            (
                "body > json $.contacts['415.555.0123'].email",
                "body > json $.contacts['…'].email",
            ),
            (
                "body > json $.peers['192.168.100.200'].rtt",
                "body > json $.peers['…'].rtt",
            ),
            (
                "body > json $.seen['https://www.health-clinic.example/conditions/hiv-treatment']",
                "body > json $.seen['…']",
            ),
        ] {
            assert_eq!(redact_location(location), shown);
        }
    }

    #[test]
    fn ordinary_locations_are_kept_as_they_are() {
        for location in [
            "body form[data_list] > base64 > gzip > json $[2].properties.$screen_width",
            "body form[ud[em]]",
            "path[2] > base64",
            "query[dl] > url query[q]",
            "body > json $.events[12].url",
            "body > json $.a['screen width'].größe[-3]",
            "body > protobuf #2.3",
            "header[X-Device-Id]",
        ] {
            assert!(
                matches!(redact_location(location), std::borrow::Cow::Borrowed(_)),
                "{location}"
            );
        }
    }

    #[test]
    fn broken_locations_do_not_panic() {
        for location in [
            "[", "['", "['a", "a[b", ".", "x.['é", "[[[]", "é.@", "['\\é']", "['\\",
        ] {
            let _ = redact_location(location);
        }
    }
}
