//! Which of the first party's own fields say what the user did: searched for, or typed into a
//! form. The lists are data, `rules/context.toml`.
//!
//! A scanner reads these fields from the user's requests to the site itself (where they are
//! not leaks), and then looks for the same values, in any encoding or hash, in what third
//! parties receive. That is how an email typed into a contact form is found again as the
//! SHA-256 in a tracking pixel's `udff[em]`, under a name no key rule would know.

use std::fmt;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::normalize_key;

/// What a typed field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TypedKind {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A first, last or full name.
    Name,
    /// A street address or city.
    Address,
    /// A postcode or ZIP code.
    Postcode,
    /// A date of birth.
    BirthDate,
}

impl fmt::Display for TypedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TypedKind::Email => "email",
            TypedKind::Phone => "phone number",
            TypedKind::Name => "name",
            TypedKind::Address => "address",
            TypedKind::Postcode => "postcode",
            TypedKind::BirthDate => "date of birth",
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    search: Vec<String>,
    typed: std::collections::BTreeMap<TypedKind, Vec<String>>,
}

/// The field lists of `rules/context.toml`, ready for lookups.
#[derive(Debug)]
pub struct ContextKeys {
    search: rustc_hash::FxHashSet<String>,
    typed: FxHashMap<String, TypedKind>,
}

impl ContextKeys {
    /// Read the lists from TOML text; the error names `origin` and the position.
    pub fn from_toml(text: &str, origin: &str) -> Result<ContextKeys, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let mut typed = FxHashMap::default();
        for (kind, keys) in file.typed {
            for key in keys {
                typed.insert(normalize_key(&key), kind);
            }
        }
        Ok(ContextKeys {
            search: file.search.iter().map(|k| normalize_key(k)).collect(),
            typed,
        })
    }

    /// The built-in lists, read once.
    pub fn builtin() -> &'static ContextKeys {
        static KEYS: OnceLock<ContextKeys> = OnceLock::new();
        KEYS.get_or_init(|| {
            // Compiled in and read by this module's tests: an error is a defect of the build.
            ContextKeys::from_toml(include_str!("../rules/context.toml"), "rules/context.toml")
                .expect("the built-in context keys are tested to parse")
        })
    }

    /// Whether a query parameter of this name carries a search on the site.
    pub fn is_search(&self, key: &str) -> bool {
        self.search.contains(&normalize_key(field_name(key)))
    }

    /// What a form or JSON field holds, by its name, else by its value's shape (an email
    /// address; a phone number written with `+` or separators).
    pub fn typed(&self, key: Option<&str>, value: &str) -> Option<TypedKind> {
        let value = value.trim();
        if looks_like_email(value) {
            return Some(TypedKind::Email);
        }
        if let Some(kind) = key.and_then(|k| self.typed.get(&normalize_key(field_name(k)))) {
            return Some(*kind);
        }
        looks_like_written_phone(value).then_some(TypedKind::Phone)
    }
}

/// The name a form key stands for: the last bracketed name (`contact[email]` → `email`).
fn field_name(key: &str) -> &str {
    match key.trim_end().strip_suffix(']') {
        Some(open) => open.rsplit('[').next().unwrap_or(key),
        None => key,
    }
}

fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b))
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && domain.rsplit('.').next().is_some_and(|tld| {
            tld.len() >= 2
                && tld.bytes().all(|b| b.is_ascii_alphabetic())
                // Retina asset names (`icon@2x.png`) look like addresses.
                && !ASSET_EXTENSIONS.iter().any(|ext| tld.eq_ignore_ascii_case(ext))
        })
}

const ASSET_EXTENSIONS: [&str; 9] = [
    "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "css", "js",
];

/// `+1 (207) 555-0142`, `207-555-0142`, `0207 946 0958`: 7–15 digits, written with a `+` or
/// separators (a bare run of digits is as likely an id or a count).
fn looks_like_written_phone(value: &str) -> bool {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b" +-.()".contains(&b))
        && value.bytes().any(|b| b" +-.()".contains(&b))
        && value
            .trim_start()
            .bytes()
            .next()
            .is_some_and(|b| b == b'+' || b == b'(' || b.is_ascii_digit())
        && !value.contains("..")
        && value.bytes().filter(|&b| b == b'.').count() < 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_are_told_by_their_parameter() {
        let keys = ContextKeys::builtin();
        assert!(keys.is_search("q"));
        assert!(keys.is_search("search_term"));
        assert!(!keys.is_search("page"));
    }

    #[test]
    fn typed_fields_are_told_by_name_or_shape() {
        let keys = ContextKeys::builtin();
        assert_eq!(keys.typed(Some("email"), "jane"), Some(TypedKind::Email));
        assert_eq!(
            keys.typed(Some("contact[email]"), "x"),
            Some(TypedKind::Email)
        );
        assert_eq!(
            keys.typed(Some("message"), "Jane.Doe@example.org"),
            Some(TypedKind::Email)
        );
        assert_eq!(
            keys.typed(Some("your-name"), "Jane Doe"),
            Some(TypedKind::Name)
        );
        assert_eq!(keys.typed(Some("zip"), "04101"), Some(TypedKind::Postcode));
        assert_eq!(
            keys.typed(Some("dob"), "1990-02-01"),
            Some(TypedKind::BirthDate)
        );
        assert_eq!(
            keys.typed(Some("tel"), "2075550142"),
            Some(TypedKind::Phone)
        );
        assert_eq!(
            keys.typed(None, "+1 (207) 555-0142"),
            Some(TypedKind::Phone)
        );
        // A bare number, a version or a word under a neutral key is nothing typed.
        assert_eq!(keys.typed(Some("id"), "2075550142"), None);
        assert_eq!(keys.typed(Some("v"), "1.2.3.4567"), None);
        assert_eq!(keys.typed(Some("message"), "I need to talk"), None);
        assert_eq!(keys.typed(Some("icon"), "icon@2x.png"), None);
    }

    #[test]
    fn a_broken_list_names_its_file() {
        let error = ContextKeys::from_toml("search = 1", "mine.toml").unwrap_err();
        assert!(error.starts_with("mine.toml: "), "{error}");
    }
}
