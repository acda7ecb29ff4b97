//! Known values: find the user's own e-mail address, phone number, name or device ids in
//! captured traffic, in whatever form a tracker sent them.
//!
//! # Why
//!
//! The rules find what looks like a leak: a key named `email`, a value shaped like an
//! advertising id. The user knows better what matters to them: the address they typed into a
//! form, their phone number, their name, their device's ids. They give those values
//! (`--known LABEL=VALUE`, or `--known-values FILE`: [`parse_known_values`]) and leakscope
//! looks for them in every decoded value of every request.
//!
//! Trackers rarely send such a value as typed. Meta's pixel sends `udff[em]`, the SHA-256 of
//! the trimmed, lowercased e-mail address, and `udff[ph]`, the SHA-256 of the phone number's
//! digits with the country code; Google's enhanced conversions and TikTok do the same; other
//! SDKs send MD5 or SHA-1 digests, in hex or base64. Values travel base64'd or hex'd inside
//! JSON blobs, percent- or form-encoded inside URLs, or in the middle of longer values (an
//! e-mail address inside a page URL's query). Searching for the value as typed finds none of
//! these.
//!
//! # How
//!
//! Each value is normalised into its variants (as given; trimmed and lowercased; for a phone
//! number its digits, with and without the country code, see [`Normalisation`]); each variant
//! is hashed (MD5, SHA-1, SHA-256, SHA-512, rendered in hex and base64) and the value as given
//! and lowercased is encoded (hex, percent and form encoding, and base64 at each of the three
//! byte alignments a value can have inside a longer encoded text). The text forms of every
//! value go into one Aho–Corasick automaton and the digests into a table of tokens, so a text
//! is scanned once, whatever the number of values: [`KnownMatcher::find`] (the matcher's module
//! says why digests are tokens). Each hit is then checked against the whole form (the
//! automaton holds a prefix of each), for the exact case where case matters (base64), and for
//! its boundaries: a match in the middle of a longer run of letters and digits is not one.
//!
//! ```
//! use leakscope_known::{KnownMatcher, parse_known_arg};
//!
//! let matcher = KnownMatcher::new(vec![parse_known_arg("my email = Jane.Doe@Example.org")?])?;
//! let describe = |text: &[u8]| -> Vec<String> {
//!     let mut found = Vec::new();
//!     matcher.find(text, &mut found);
//!     found.iter().map(|m| matcher.form(m.form).describe("my email")).collect()
//! };
//! // What Meta's pixel sends: the SHA-256 of "jane.doe@example.org".
//! assert_eq!(
//!     describe(b"udff[em]=7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181"),
//!     ["SHA-256 (hex) of 'my email', trimmed and lowercased"]
//! );
//! assert_eq!(
//!     describe(b"https://shop.example/checkout?email=jane.doe%40example.org&step=2"),
//!     ["'my email' percent-encoded"]
//! );
//! // Inside a longer run of letters and digits: not a match.
//! assert!(describe(b"jane.doe@example.organic").is_empty());
//! # Ok::<(), leakscope_known::KnownError>(())
//! ```
mod forms;
mod matcher;

use leakscope_rules::Category;
use serde::Deserialize;
use toml::Spanned;

/// The kinds of automaton [`KnownMatcher::with_kind`] can be asked for.
pub use aho_corasick::AhoCorasickKind;
pub use forms::{Encoding, Form, Hash, Normalisation};
pub use matcher::{FormId, KnownMatch, KnownMatcher};

/// The shortest value (in bytes, after trimming) that can be looked for: shorter ones would
/// match almost everywhere.
pub const MIN_VALUE_LEN: usize = 3;

/// A value the user asked to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownValue {
    /// What the user calls it (`my email`); reports name the value by this, never by itself.
    pub label: String,
    /// The category its findings are reported under ([`Category::KnownValue`] unless the file
    /// says otherwise).
    pub category: Category,
    /// The value as given (the matcher trims it).
    pub value: String,
}

/// Why known values could not be used. Every message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnownError {
    /// A known-values file is not valid, at a line and column.
    #[error("{}: {message}", location(.origin, *.line, *.column))]
    File {
        /// The file, as given.
        origin: String,
        /// The line (from 1), when known.
        line: Option<usize>,
        /// The column (from 1, in characters), when known.
        column: Option<usize>,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A `--known` argument that is not `LABEL=VALUE`.
    #[error("--known `{arg}`: {message}")]
    Arg {
        /// The argument.
        arg: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A value too short to look for.
    #[error(
        "known value `{label}` is too short: {len} byte(s) after trimming, at least {MIN_VALUE_LEN} \
         are needed (a shorter value would match almost everywhere)"
    )]
    TooShort {
        /// The value's label.
        label: String,
        /// Its length in bytes after trimming.
        len: usize,
    },
    /// The same value was given twice, under two labels.
    #[error(
        "known values `{first}` and `{second}` are the same value: give it once, under one label"
    )]
    Duplicate {
        /// The label it was first given under.
        first: String,
        /// The label it was given under again.
        second: String,
    },
    /// The automaton over every form could not be built.
    #[error("known values: could not build the matcher: {message} (give fewer values)")]
    Build {
        /// The reason.
        message: String,
    },
}

fn location(origin: &str, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!("{origin}:{line}:{column}"),
        (Some(line), None) => format!("{origin}:{line}"),
        _ => origin.to_owned(),
    }
}

/// Whether every value can be looked for (what [`KnownMatcher::new`] would refuse, without
/// building it): a value shorter than [`MIN_VALUE_LEN`] after trimming is an error naming its
/// label.
pub fn check_values(values: &[KnownValue]) -> Result<(), KnownError> {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for known in values {
        let value = known.value.trim();
        check_len(&known.label, value)?;
        // Two labels for one value would be one leak under whichever label came first.
        if let Some(first) = seen.insert(value, &known.label) {
            return Err(KnownError::Duplicate {
                first: first.to_owned(),
                second: known.label.clone(),
            });
        }
    }
    Ok(())
}

/// Refuse a value (already trimmed) shorter than [`MIN_VALUE_LEN`].
pub(crate) fn check_len(label: &str, trimmed: &str) -> Result<(), KnownError> {
    if trimmed.len() < MIN_VALUE_LEN {
        return Err(KnownError::TooShort {
            label: label.to_owned(),
            len: trimmed.len(),
        });
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownFile {
    #[serde(default)]
    known: Vec<Spanned<KnownEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownEntry {
    label: Spanned<String>,
    value: Spanned<String>,
    #[serde(default)]
    category: Option<Spanned<String>>,
}

/// Parse a known-values file (`--known-values FILE`): `[[known]]` tables with `label` and
/// `value` (both required) and `category` (optional: a kebab-case [`Category`] name, by
/// default `known-value`). Unknown fields are refused. `origin` names the file in errors,
/// which give the line and column: `known.toml:4:12: unknown category `contacts` (one of:
/// browsing-history, …)`.
///
/// ```toml
/// [[known]]
/// label = "my email"
/// value = "jane.doe@example.org"
/// category = "contact"
///
/// [[known]]
/// label = "my phone"
/// value = "+1 (207) 555-0142"
/// ```
pub fn parse_known_values(text: &str, origin: &str) -> Result<Vec<KnownValue>, KnownError> {
    let error = |span: Option<std::ops::Range<usize>>, message: String| {
        let (line, column) = match span {
            Some(span) => {
                let (line, column) = line_column(text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        KnownError::File {
            origin: origin.to_owned(),
            line,
            column,
            message,
        }
    };
    let file: KnownFile =
        toml::from_str(text).map_err(|e| error(e.span(), e.message().trim().to_owned()))?;
    let mut values = Vec::with_capacity(file.known.len());
    for entry in file.known {
        let entry = entry.into_inner();
        let label = entry.label.get_ref().trim();
        if label.is_empty() {
            return Err(error(
                Some(entry.label.span()),
                "the label is empty: name the value (reports show the label, never the value)"
                    .to_owned(),
            ));
        }
        let value = entry.value.get_ref();
        if let Err(e) = check_len(label, value.trim()) {
            return Err(error(Some(entry.value.span()), e.to_string()));
        }
        let category = match &entry.category {
            None => Category::KnownValue,
            Some(name) => {
                let name_str = name.get_ref();
                name_str.parse::<Category>().map_err(|_| {
                    let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                    error(
                        Some(name.span()),
                        format!(
                            "unknown category `{name_str}` (one of: {})",
                            names.join(", ")
                        ),
                    )
                })?
            }
        };
        values.push(KnownValue {
            label: label.to_owned(),
            category,
            value: value.clone(),
        });
    }
    Ok(values)
}

/// The line and column (both from 1; the column in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Parse a `--known LABEL=VALUE` argument: split at the first `=`, label and value trimmed,
/// both non-empty (the value at least [`MIN_VALUE_LEN`] bytes); category
/// [`Category::KnownValue`].
pub fn parse_known_arg(arg: &str) -> Result<KnownValue, KnownError> {
    let fail = |message: &str| KnownError::Arg {
        arg: arg.to_owned(),
        message: message.to_owned(),
    };
    let Some((label, value)) = arg.split_once('=') else {
        return Err(fail(
            "expected LABEL=VALUE, e.g. --known 'my email=jane.doe@example.org'",
        ));
    };
    let (label, value) = (label.trim(), value.trim());
    if label.is_empty() {
        return Err(fail(
            "the label before `=` is empty: name the value (reports show the label, never the value)",
        ));
    }
    if value.is_empty() {
        return Err(fail("the value after `=` is empty"));
    }
    check_len(label, value)?;
    Ok(KnownValue {
        label: label.to_owned(),
        category: Category::KnownValue,
        value: value.to_owned(),
    })
}
