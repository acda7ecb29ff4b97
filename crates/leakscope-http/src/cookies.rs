//! The `Cookie` request header: `name=value; name2=value2`.
//!
//! Values are returned raw (not percent-decoded): cookie values have no single encoding
//! convention, and the decoding crate decides what a value is.

/// Split one Cookie header value into `(name, value)` pairs, in order.
///
/// Whitespace around names and values is trimmed; a piece without `=` is, as browsers treat
/// it, a value with an empty name; empty pieces are skipped.
pub fn parse_cookies(header: &str) -> impl Iterator<Item = (&str, &str)> + '_ {
    header
        .split(';')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.split_once('=') {
            Some((name, value)) => (name.trim(), value.trim()),
            None => ("", piece),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_trims() {
        let got: Vec<_> = parse_cookies(" _ga=GA1.2.3.4 ; b=x=y;;lonely; c=\"q\"").collect();
        assert_eq!(
            got,
            [
                ("_ga", "GA1.2.3.4"),
                ("b", "x=y"),
                ("", "lonely"),
                ("c", "\"q\"")
            ]
        );
    }
}
