//! Field-name normalisation, so one rule key covers the spellings SDKs use.

/// Normalise a field name for matching: lowercase, without a leading `$` (Sensors, Mixpanel and
/// Segment prefix their preset properties with it) and without `_`, `-` and spaces, so that
/// `$os_version`, `osVersion`, `OS-Version` and `os version` are all `osversion`.
///
/// ```
/// assert_eq!(leakscope_rules::normalize_key("$os_version"), "osversion");
/// assert_eq!(leakscope_rules::normalize_key("screenWidth"), "screenwidth");
/// assert_eq!(leakscope_rules::normalize_key("ud[em]"), "ud[em]");
/// ```
pub fn normalize_key(key: &str) -> String {
    let mut buffer = [0u8; SHORT_KEY];
    match normalize_short_ascii(key, &mut buffer) {
        Some(short) => short.to_owned(),
        None => normalize_any(key),
    }
}

/// Keys up to this long (after trimming) are normalised on the stack when they are ASCII:
/// the rule engine looks up a key for every leaf, and almost every key is short ASCII.
pub(crate) const SHORT_KEY: usize = 64;

/// [`normalize_key`] without allocating, for a short ASCII key: `None` for any other key.
pub(crate) fn normalize_short_ascii<'b>(
    key: &str,
    buffer: &'b mut [u8; SHORT_KEY],
) -> Option<&'b str> {
    let trimmed = key.trim().trim_start_matches('$');
    if !trimmed.is_ascii() || trimmed.len() > SHORT_KEY {
        return None;
    }
    let mut len = 0;
    for &b in trimmed.as_bytes() {
        if !matches!(b, b'_' | b'-' | b' ') {
            buffer[len] = b.to_ascii_lowercase();
            len += 1;
        }
    }
    std::str::from_utf8(&buffer[..len]).ok()
}

/// [`normalize_key`] for any key (Unicode lowercasing).
pub(crate) fn normalize_any(key: &str) -> String {
    key.trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The stack path gives what the general one does, wherever it applies.
        #[test]
        fn the_short_ascii_path_agrees_with_the_general_one(key in "[ -~\t\x0b\x0cÄé]{0,80}") {
            let mut buffer = [0u8; SHORT_KEY];
            if let Some(short) = normalize_short_ascii(&key, &mut buffer) {
                proptest::prop_assert_eq!(short, normalize_any(&key));
            }
            proptest::prop_assert_eq!(normalize_key(&key), normalize_any(&key));
        }
    }

    #[test]
    fn long_and_non_ascii_keys_take_the_general_path() {
        let mut buffer = [0u8; SHORT_KEY];
        assert_eq!(normalize_short_ascii("Größe", &mut buffer), None);
        assert_eq!(normalize_short_ascii(&"a".repeat(65), &mut buffer), None);
        assert_eq!(normalize_key("$Screen_Größe"), "screengröße");
    }
}
