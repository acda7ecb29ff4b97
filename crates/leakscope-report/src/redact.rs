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
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let shown = (n / 6).min(4);
    let head: String = chars[..shown].iter().collect();
    let tail: String = chars[n - shown..].iter().collect();
    let unit = if n == 1 { "char" } else { "chars" };
    format!("{head}…{tail} ({n} {unit})")
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
    }
}
