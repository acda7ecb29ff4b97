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
