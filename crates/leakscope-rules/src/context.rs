//! Which of the first party's own fields say what the user did: searched for, or typed into a
//! form. The lists are data, `rules/context.toml`.
//!
//! A scanner reads these fields from the user's requests to the site itself (where they are
//! not leaks), and then looks for the same values, in any encoding or hash, in what third
//! parties receive. That is how an email typed into a contact form is found again as the
//! SHA-256 in a tracking pixel's `udff[em]`, under a name no key rule would know.

use std::fmt;

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
    #[serde(rename = "typed-in-forms")]
    typed_in_forms: std::collections::BTreeMap<TypedKind, Vec<String>>,
}

/// The field lists of `rules/context.toml`, ready for lookups.
#[derive(Debug)]
pub struct ContextKeys {
    search: rustc_hash::FxHashSet<String>,
    typed: FxHashMap<String, TypedKind>,
    typed_in_forms: FxHashMap<String, TypedKind>,
}

/// Where a field was sent: what decides how much its name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSource {
    /// A form post (form-urlencoded or multipart): a form the user filled in.
    Form,
    /// Anything else: a JSON post, a page's query.
    Other,
}

impl ContextKeys {
    /// Read the lists from TOML text; the error names `origin` and the position.
    pub fn from_toml(text: &str, origin: &str) -> Result<ContextKeys, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let index = |lists: std::collections::BTreeMap<TypedKind, Vec<String>>| {
            let mut index = FxHashMap::default();
            for (kind, keys) in lists {
                for key in keys {
                    index.insert(normalize_key(&key), kind);
                }
            }
            index
        };
        Ok(ContextKeys {
            search: file.search.iter().map(|k| normalize_key(k)).collect(),
            typed: index(file.typed),
            typed_in_forms: index(file.typed_in_forms),
        })
    }

    /// The built-in lists, read once.
    pub fn builtin() -> &'static ContextKeys {
        builtin_data!(ContextKeys, "rules/context.toml")
    }

    /// Whether a query parameter of this name carries a search on the site.
    pub fn is_search(&self, key: &str) -> bool {
        self.search.contains(&normalize_key(field_name(key)))
    }

    /// What a field the user sent to the site holds: an email address by its shape, else by
    /// the field's name, else a phone number written with `+` or separators by its shape. Names too common
    /// elsewhere (`name`, `city`) count only in a form post, for a value of the right shape.
    pub fn typed(&self, key: Option<&str>, value: &str, source: FieldSource) -> Option<TypedKind> {
        let value = value.trim();
        if looks_like_email(value) {
            return Some(TypedKind::Email);
        }
        let key = key.map(|key| normalize_key(field_name(key)));
        if let Some(kind) = key.as_ref().and_then(|key| self.typed.get(key)) {
            return Some(*kind);
        }
        if looks_like_written_phone(value) {
            return Some(TypedKind::Phone);
        }
        match self.typed_in_forms.get(&key?) {
            Some(kind) if source == FieldSource::Form && looks_like_a_name(value) => Some(*kind),
            _ => None,
        }
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

/// `Jane Doe`, `O'Brien`, `São Paulo`, `St. Albans`: letters (any script), with spaces,
/// apostrophes, hyphens and dots, one to five words; not `add_to_cart`, `v2`, `true`.
fn looks_like_a_name(value: &str) -> bool {
    let words = value.split_whitespace().count();
    (1..=5).contains(&words)
        && value.chars().count() >= 2
        && value.chars().next().is_some_and(char::is_alphabetic)
        && value
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '-' | '.' | '’'))
        && !["true", "false", "null", "none", "undefined"]
            .iter()
            .any(|word| value.eq_ignore_ascii_case(word))
}

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

    /// What a field holds by its key, value and source: (key, value, source, what it holds).
    #[test]
    fn typed_fields_are_told_by_name_or_shape() {
        use FieldSource::{Form, Other};
        use TypedKind::{BirthDate, Email, Name, Phone, Postcode};
        for (key, value, source, holds) in [
            (Some("email"), "jane", Other, Some(Email)),
            (Some("contact[email]"), "x", Form, Some(Email)),
            (Some("message"), "Jane.Doe@example.org", Other, Some(Email)),
            (Some("your-name"), "Jane Doe", Other, Some(Name)),
            (Some("zip"), "04101", Other, Some(Postcode)),
            (Some("dob"), "1990-02-01", Form, Some(BirthDate)),
            (Some("tel"), "2075550142", Other, Some(Phone)),
            (None, "+1 (207) 555-0142", Other, Some(Phone)),
            // A bare number, a version or a word under a neutral key is nothing typed.
            (Some("id"), "2075550142", Other, None),
            (Some("v"), "1.2.3.4567", Other, None),
            (Some("message"), "I need to talk", Form, None),
            (Some("icon"), "icon@2x.png", Other, None),
            // Common names count only in forms, and for values of their shape.
            (Some("name"), "Jane Doe", Form, Some(Name)),
            (Some("city"), "São Paulo", Form, Some(TypedKind::Address)),
            // An event's name, a product page's query, a JSON store locator: not the user's.
            (Some("name"), "add_to_cart", Form, None),
            (Some("name"), "Jane Doe", Other, None),
            (Some("city"), "Portland", Other, None),
            (Some("name"), "v2", Form, None),
        ] {
            assert_eq!(
                ContextKeys::builtin().typed(key, value, source),
                holds,
                "{key:?} = {value:?} in {source:?}"
            );
        }
    }

    #[test]
    fn a_broken_list_names_its_file() {
        let error = ContextKeys::from_toml("search = 1", "mine.toml").unwrap_err();
        assert!(error.starts_with("mine.toml: "), "{error}");
    }
}
