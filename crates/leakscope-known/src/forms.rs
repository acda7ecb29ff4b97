//! The forms a value can take in traffic: its normalised variants, their encodings and
//! their hashes, and the bytes of each.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use leakscope_codecs::percent;
use sha1::Digest as _;

/// How a value was normalised before it was encoded or hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Normalisation {
    /// The value as the user gave it, trimmed of surrounding white space.
    AsGiven,
    /// Trimmed and lowercased (made only when that changes the value), as trackers normalise
    /// e-mail addresses before hashing them.
    Lowercased,
    /// A phone number's digits as written, without spaces, dashes, dots or brackets.
    Digits,
    /// A phone number's digits with the country code and nothing else: `+1 (207) 555-0142`
    /// and `001 207 555 0142` both give `12075550142` (the form Meta's `ph` hashes).
    CountryCodeDigits,
    /// `+` and the digits with the country code: `+12075550142` (E.164).
    DigitsWithPlus,
    /// A phone number's national digits: without a 1-, 2- or 3-digit country code when it was
    /// given with `+` or `00`, or without the leading `0` when it was given as a national
    /// number.
    NationalDigits,
    /// The national digits with a leading `0` (the trunk prefix), as dialled at home.
    NationalWithZero,
}

impl Normalisation {
    /// The phrase that follows the quoted label in [`Form::describe`].
    fn phrase(self) -> &'static str {
        match self {
            Normalisation::AsGiven => "",
            Normalisation::Lowercased => ", trimmed and lowercased",
            Normalisation::Digits => " as digits",
            Normalisation::CountryCodeDigits => " as digits with the country code",
            Normalisation::DigitsWithPlus => " as digits with the country code and a leading +",
            Normalisation::NationalDigits => " as national digits (no country code or leading 0)",
            Normalisation::NationalWithZero => " as the national number with a leading 0",
        }
    }
}

/// How the (normalised, perhaps hashed) value is written in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Encoding {
    /// The bytes themselves (hex digests are [`Encoding::Hex`]).
    Plain,
    /// Standard base64 (`+`, `/`), with or without padding.
    Base64,
    /// URL-safe base64 (`-`, `_`), with or without padding; made only when it differs from
    /// the standard alphabet.
    Base64Url,
    /// Hexadecimal, either case.
    Hex,
    /// Percent-encoded, as a URL component: the RFC 3986 set (every byte outside
    /// `A-Za-z0-9-._~` as `%XX`) and JavaScript's `encodeURIComponent` set (which also leaves
    /// `!*'()` alone), either case of hex digits.
    Percent,
    /// `application/x-www-form-urlencoded`: spaces as `+`, every byte outside `A-Za-z0-9*-._`
    /// as `%XX`.
    FormEncoded,
}

impl Encoding {
    /// The phrase for a value written in this encoding (`None` for [`Encoding::Plain`]).
    fn phrase(self) -> Option<&'static str> {
        match self {
            Encoding::Plain => None,
            Encoding::Base64 => Some("in base64"),
            Encoding::Base64Url => Some("in URL-safe base64"),
            Encoding::Hex => Some("in hex"),
            Encoding::Percent => Some("percent-encoded"),
            Encoding::FormEncoded => Some("form-encoded"),
        }
    }

    /// How a digest in this encoding is named in [`Form::describe`].
    fn digest_name(self) -> &'static str {
        match self {
            Encoding::Plain => "raw",
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "URL-safe base64",
            Encoding::Hex => "hex",
            Encoding::Percent => "percent-encoded",
            Encoding::FormEncoded => "form-encoded",
        }
    }
}

/// A hash function applied to the normalised value (as UTF-8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hash {
    /// MD5 (16 bytes).
    Md5,
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes): Meta's advanced matching, Google's enhanced conversions, TikTok.
    Sha256,
    /// SHA-512 (64 bytes).
    Sha512,
}

impl Hash {
    /// Every hash, in the order forms are made.
    pub const ALL: [Hash; 4] = [Hash::Md5, Hash::Sha1, Hash::Sha256, Hash::Sha512];

    /// The usual name: `MD5`, `SHA-1`, `SHA-256`, `SHA-512`.
    pub fn name(self) -> &'static str {
        match self {
            Hash::Md5 => "MD5",
            Hash::Sha1 => "SHA-1",
            Hash::Sha256 => "SHA-256",
            Hash::Sha512 => "SHA-512",
        }
    }

    /// The digest of `bytes`.
    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5 => md5::Md5::digest(bytes).to_vec(),
            Hash::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One way a value can appear in a text: a normalisation, perhaps a hash of it, and an
/// encoding of the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Form {
    /// How the value was normalised.
    pub normalisation: Normalisation,
    /// How the normalised value, or its digest, is written.
    pub encoding: Encoding,
    /// The hash of the normalised value, if it was hashed.
    pub hash: Option<Hash>,
}

impl Form {
    /// The value as the user gave it.
    pub const AS_GIVEN: Form = Form {
        normalisation: Normalisation::AsGiven,
        encoding: Encoding::Plain,
        hash: None,
    };

    /// A sentence fragment for a report, naming the value by its label: `'my email'` for the
    /// value as given, `SHA-256 (hex) of 'my email', trimmed and lowercased`, `'my phone' as
    /// digits with the country code`, `'my id' in base64`.
    pub fn describe(&self, label: &str) -> String {
        self.describe_subject(&format!("'{label}'"))
    }

    /// [`Form::describe`] with the value named by `subject` as it is, unquoted: `SHA-256 (hex)
    /// of the e-mail typed into the form, trimmed and lowercased`.
    pub fn describe_subject(&self, subject: &str) -> String {
        let normalised = format!("{subject}{}", self.normalisation.phrase());
        match self.hash {
            Some(hash) => format!(
                "{} ({}) of {normalised}",
                hash.name(),
                self.encoding.digest_name()
            ),
            None => match self.encoding.phrase() {
                None => normalised,
                Some(phrase) if self.normalisation == Normalisation::AsGiven => {
                    format!("{normalised} {phrase}")
                }
                Some(phrase) => format!("{normalised}, {phrase}"),
            },
        }
    }
}

/// The shape of a value, which decides its normalisations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `local@domain.tld`.
    Email,
    /// Digits with at most spaces, `-`, `.`, brackets and a leading `+`; 7 to 15 digits.
    Phone {
        /// The digits as written.
        digits: String,
        /// Whether it was written with a leading `+`.
        plus: bool,
    },
    /// Anything else: a name, a device id, an address.
    Text,
}

/// The kind of a trimmed value.
pub(crate) fn kind(value: &str) -> Kind {
    if is_email(value) {
        return Kind::Email;
    }
    let mut digits = String::new();
    let mut plus = false;
    for (i, c) in value.char_indices() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Kind::Text,
        }
    }
    if (7..=15).contains(&digits.len()) {
        Kind::Phone { digits, plus }
    } else {
        Kind::Text
    }
}

fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    !local.is_empty()
        && !host.is_empty()
        && !host.starts_with('.')
        && tld.len() >= 2
        && tld.chars().all(char::is_alphabetic)
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
        && !domain.contains('@')
}

/// The normalised variants of a value (trimmed by the caller), each string once, the first
/// normalisation that produced it kept.
pub(crate) fn variants(value: &str) -> Vec<(Normalisation, String)> {
    let mut out: Vec<(Normalisation, String)> = Vec::new();
    let mut add = |normalisation: Normalisation, text: String| {
        if !out.iter().any(|(_, t)| *t == text) {
            out.push((normalisation, text));
        }
    };
    add(Normalisation::AsGiven, value.to_owned());
    add(Normalisation::Lowercased, value.to_lowercase());
    if let Kind::Phone { digits, plus } = kind(value) {
        let international = if plus {
            Some(digits.as_str())
        } else {
            digits.strip_prefix("00")
        };
        if let Some(international) = international {
            add(Normalisation::CountryCodeDigits, international.to_owned());
            add(Normalisation::DigitsWithPlus, format!("+{international}"));
        }
        add(Normalisation::Digits, digits.clone());
        let mut national = |rest: &str| {
            if rest.len() >= 7 {
                add(Normalisation::NationalDigits, rest.to_owned());
                add(Normalisation::NationalWithZero, format!("0{rest}"));
            }
        };
        match international {
            Some(international) => {
                // Only the number's own country code comes off: guessing other lengths
                // would make numbers the user never had.
                national(&international[country_code_len(international)..]);
            }
            None => {
                if let Some(rest) = digits.strip_prefix('0') {
                    national(rest);
                }
            }
        }
    }
    out
}

/// The two-digit country calling codes (ITU-T E.164). Codes are prefix-free: a number
/// starting with 1 or 7 has a one-digit code, one starting with a code of this list a two-digit
/// code, and every other number a three-digit code.
const TWO_DIGIT_COUNTRY_CODES: [&str; 44] = [
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

/// The length of the country calling code an international number (digits after `+` or
/// `00`) starts with.
fn country_code_len(international: &str) -> usize {
    if international.starts_with(['1', '7']) {
        1
    } else if TWO_DIGIT_COUNTRY_CODES
        .iter()
        .any(|code| international.starts_with(code))
    {
        2
    } else {
        3
    }
    .min(international.len())
}

/// Where a form's match must not continue an alphanumeric run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Boundary {
    /// Neither side (a fragment of a longer base64 text).
    None,
    /// Only before the match (base64 of a value at the start of the encoded text).
    Left,
    /// Both sides.
    Both,
}

/// One form of one value, with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// The form.
    pub form: Form,
    /// What the text must hold.
    pub bytes: Vec<u8>,
    /// Whether ASCII case matters (base64).
    pub case_sensitive: bool,
    /// Which sides must not continue an alphanumeric run.
    pub boundary: Boundary,
}

/// Shortest base64 fragment of a value at the start of an encoded text.
const BASE64_MIN_ALIGNED_0: usize = 8;
/// Shortest base64 fragment of a value inside a longer encoded text, where no boundary can be
/// checked.
const BASE64_MIN_INSIDE: usize = 12;

/// Every form of a value (trimmed by the caller), duplicates included (the matcher drops
/// them).
pub(crate) fn candidates(value: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    let plain = |form: Form, bytes: Vec<u8>| Candidate {
        form,
        bytes,
        case_sensitive: false,
        boundary: Boundary::Both,
    };
    let variants = variants(value);
    // The variants themselves.
    for (normalisation, text) in &variants {
        let form = Form {
            normalisation: *normalisation,
            encoding: Encoding::Plain,
            hash: None,
        };
        out.push(plain(form, text.as_bytes().to_vec()));
    }
    // Encodings of the value as given and lowercased.
    for (normalisation, text) in &variants {
        if !matches!(
            normalisation,
            Normalisation::AsGiven | Normalisation::Lowercased
        ) {
            continue;
        }
        let bytes = text.as_bytes();
        let form = |encoding| Form {
            normalisation: *normalisation,
            encoding,
            hash: None,
        };
        out.push(plain(form(Encoding::Hex), hex(bytes).into_bytes()));
        out.push(plain(
            form(Encoding::Percent),
            percent::encode(bytes, percent::UNRESERVED).into_bytes(),
        ));
        out.push(plain(
            form(Encoding::Percent),
            percent::encode(bytes, percent::URI_COMPONENT).into_bytes(),
        ));
        out.push(plain(
            form(Encoding::FormEncoded),
            leakscope_codecs::form::encode(bytes).into_bytes(),
        ));
        for (encoding, engine) in [
            (Encoding::Base64, &STANDARD_NO_PAD),
            (Encoding::Base64Url, &URL_SAFE_NO_PAD),
        ] {
            for offset in 0..3 {
                if let Some(fragment) = base64_aligned(engine, bytes, offset) {
                    out.push(Candidate {
                        form: form(encoding),
                        case_sensitive: true,
                        boundary: if offset == 0 && fragment.len() < BASE64_MIN_INSIDE {
                            Boundary::Left
                        } else {
                            Boundary::None
                        },
                        bytes: fragment,
                    });
                }
            }
        }
    }
    // Digests of every variant.
    for (normalisation, text) in &variants {
        for hash in Hash::ALL {
            let digest = hash.digest(text.as_bytes());
            let form = |encoding| Form {
                normalisation: *normalisation,
                encoding,
                hash: Some(hash),
            };
            out.push(plain(form(Encoding::Hex), hex(&digest).into_bytes()));
            for (encoding, engine) in [
                (Encoding::Base64, &STANDARD_NO_PAD),
                (Encoding::Base64Url, &URL_SAFE_NO_PAD),
            ] {
                out.push(Candidate {
                    form: form(encoding),
                    bytes: engine.encode(&digest).into_bytes(),
                    case_sensitive: true,
                    boundary: Boundary::Both,
                });
            }
        }
    }
    out
}

/// Lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// The base64 characters that `value` alone decides when it starts `offset` (0, 1 or 2)
/// bytes into a longer encoded text: encode `offset` zero bytes and the value, and keep the
/// characters whose six bits all come from the value. `None` when fewer than 8 characters
/// (offset 0) or 12 (offsets 1 and 2) remain.
pub(crate) fn base64_aligned(
    engine: &impl base64::Engine,
    value: &[u8],
    offset: usize,
) -> Option<Vec<u8>> {
    let mut input = vec![0u8; offset];
    input.extend_from_slice(value);
    let encoded = engine.encode(&input).into_bytes();
    let first = (8 * offset).div_ceil(6);
    let end = 8 * input.len() / 6;
    let fragment = encoded.get(first..end)?;
    let min = if offset == 0 {
        BASE64_MIN_ALIGNED_0
    } else {
        BASE64_MIN_INSIDE
    };
    (fragment.len() >= min).then(|| fragment.to_vec())
}
