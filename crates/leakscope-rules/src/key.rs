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
    key.trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}
