//! Named checks a rule can ask for beyond its pattern. They are code because a regex cannot
//! express them (a checksum, a list of placeholder values), but rules choose them by name, so a
//! rule stays data.

use leakscope_codecs::url::Url;
use serde::Deserialize;

/// A named check on a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// The value means "yes": `true`, `1`, `yes`, `on` (any case).
    Truthy,
    /// The digits pass the Luhn checksum (IMEI, card numbers).
    Luhn,
    /// A 15-digit IMEI: Luhn-valid and starting with a reporting-body prefix in use.
    Imei,
    /// Not a placeholder: not empty, not all zeros or one repeated character, not `null`,
    /// `unknown`, `none`, `undefined`, `n/a`. Zeroed advertising ids (limit ad tracking) are not
    /// identifiers.
    NotPlaceholder,
    /// Has the shape of an identifier: 8–256 characters of letters, digits and the punctuation
    /// ids are made of (`-_.:|~+/=`), with a digit, and not a placeholder, a date, a version
    /// number or a timestamp (see [`looks_like_an_identifier`]).
    Identifier,
    /// A UUID in its 8-4-4-4-12 hex form (any version, either case).
    Uuid,
    /// Only hexadecimal digits (bound the length with `min_len`/`max_len`).
    Hex,
    /// 32 hex digits: what an MD5 digest looks like.
    Md5Hex,
    /// 40 hex digits: an SHA-1 digest.
    Sha1Hex,
    /// 64 hex digits: an SHA-256 digest (how ad platforms want emails and phones "hashed").
    Sha256Hex,
    /// An email address: one `@`, a dotted domain, no spaces.
    Email,
    /// A phone number: 7–15 digits, with at most a leading `+` and the separators people type
    /// (spaces, `-`, `.`, `(`, `)`), and not all one digit.
    Phone,
    /// An absolute `http(s)` URL.
    Url,
    /// An absolute `http(s)` URL with a path or query beyond `/`: a page, not a site.
    UrlWithPath,
    /// A number (integer or decimal, optionally signed).
    Number,
}

impl Validator {
    /// Whether `value` passes.
    pub fn check(self, value: &str) -> bool {
        match self {
            Validator::Truthy => ["true", "1", "yes", "on", "y"]
                .iter()
                .any(|yes| value.trim().eq_ignore_ascii_case(yes)),
            Validator::Luhn => luhn(value),
            Validator::Imei => imei(value),
            Validator::NotPlaceholder => not_placeholder(value),
            Validator::Identifier => looks_like_an_identifier(value),
            Validator::Uuid => uuid(value),
            Validator::Hex => !value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit()),
            Validator::Md5Hex => hex_of(value, 32),
            Validator::Sha1Hex => hex_of(value, 40),
            Validator::Sha256Hex => hex_of(value, 64),
            Validator::Email => email(value),
            Validator::Phone => phone(value),
            Validator::Url => web_url(value).is_some(),
            // More than the site's root: a path other than `/`, a query or a fragment.
            Validator::UrlWithPath => web_url(value).is_some_and(|url| {
                !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some()
            }),
            Validator::Number => number(value),
        }
    }
}

/// `n` hex digits, not all one (a zeroed digest is a placeholder).
fn hex_of(value: &str, n: usize) -> bool {
    value.len() == n && value.bytes().all(|b| b.is_ascii_hexdigit()) && not_placeholder(value)
}

fn uuid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn email(value: &str) -> bool {
    let Some((local, domain)) = value.trim().split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.trim().contains(char::is_whitespace)
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-') || b >= 0x80)
}

fn phone(value: &str) -> bool {
    let value = value.trim();
    let body = value.strip_prefix('+').unwrap_or(value);
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'(' | b')'))
    {
        return false;
    }
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    // `2024-01-05` has the digits and dashes of a phone number.
    let date = body.len() == 10 && body.as_bytes()[4] == b'-' && body.as_bytes()[7] == b'-';
    (7..=15).contains(&digits) && not_placeholder(body) && !date
}

/// The value as an `http` or `https` URL (the scheme in any case) with an authority that is
/// not empty and has no white space.
fn web_url(value: &str) -> Option<Url<'_>> {
    let url = Url::parse(value.trim());
    let scheme = url.scheme()?;
    let authority = url.authority()?;
    ((scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
        && !authority.is_empty()
        && !authority.contains(char::is_whitespace))
    .then_some(url)
}

fn number(value: &str) -> bool {
    let value = value.trim();
    let value = value.strip_prefix(['-', '+']).unwrap_or(value);
    let mut dots = 0;
    !value.is_empty()
        && value.bytes().all(|b| {
            dots += usize::from(b == b'.');
            b.is_ascii_digit() || b == b'.'
        })
        && dots <= 1
        && value != "."
}

fn luhn(value: &str) -> bool {
    // Every leaf a keyed rule sees may be asked: no allocation.
    if value.len() < 2 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = value
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Reporting-body identifiers (the first two digits of the type allocation code) that GSMA has
/// issued; a 15-digit number outside them is not an IMEI whatever its checksum.
const IMEI_REPORTING_BODIES: [&str; 17] = [
    "01", "10", "30", "33", "35", "44", "45", "49", "50", "51", "52", "53", "54", "86", "91", "98",
    "99",
];

fn imei(value: &str) -> bool {
    value.len() == 15
        && luhn(value)
        && IMEI_REPORTING_BODIES.iter().any(|rb| value.starts_with(rb))
        && not_placeholder(value)
}

/// Values that stand for "no value".
const PLACEHOLDERS: [&str; 11] = [
    "",
    "null",
    "nil",
    "none",
    "unknown",
    "undefined",
    "n/a",
    "na",
    "-",
    "0",
    // Android's answer to apps that may not read the Wi-Fi MAC.
    "02:00:00:00:00:00",
];

fn not_placeholder(value: &str) -> bool {
    // Asked of every value an identifier rule matches: no allocation.
    let trimmed = value.trim();
    if PLACEHOLDERS.iter().any(|p| trimmed.eq_ignore_ascii_case(p)) {
        return false;
    }
    let mut significant = trimmed
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | '.' | ' '));
    match significant.next() {
        None => false,
        // One character repeated is a filler (`0000`, `ffffffff`, `--:--`), but two digits
        // are a number like any other (Android 11); a lone letter (`N`, `x`) is no value, a
        // lone digit is (Android 7).
        Some(first) => match trimmed.len() {
            1 => first.is_ascii_digit(),
            2 => first.is_ascii_digit() || significant.any(|c| c != first),
            _ => significant.any(|c| c != first),
        },
    }
}

/// Whether a value (a cookie, a field under a neutral name) has the shape of an identifier.
///
/// An id is a token: 8–256 characters of letters, digits and `-_.:|~+/=`, with at least one
/// digit (random ids almost always have one; words and flags do not). Not ids, though they are
/// tokens: placeholders (`00000000`), dates (`2024-01-05…`), version numbers (`10.15.7`: dotted
/// numbers are an id only with a part of six or more digits, as in `GA1.2.1234567890.1596403881`)
/// and bare Unix timestamps in seconds or milliseconds.
///
/// ```
/// use leakscope_rules::looks_like_an_identifier;
/// assert!(looks_like_an_identifier("a1B2c3D4e5F6g7H8i9J0kL"));
/// assert!(looks_like_an_identifier("GA1.1.1234567890.1700000000"));
/// assert!(looks_like_an_identifier("5b1c7a4e-2d7f-4f4e-9a3b-6f1d2c3b4a59"));
/// assert!(!looks_like_an_identifier("1700000000"));
/// assert!(!looks_like_an_identifier("10.15.7"));
/// assert!(!looks_like_an_identifier("disabled"));
/// ```
pub fn looks_like_an_identifier(value: &str) -> bool {
    let value = value.trim().trim_matches('"');
    let bytes = value.as_bytes();
    if !(8..=256).contains(&bytes.len())
        || !bytes.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b':' | b'|' | b'~' | b'+' | b'/' | b'='
                )
        })
        || !bytes.iter().any(u8::is_ascii_digit)
        || !not_placeholder(value)
    {
        return false;
    }
    // A date or a timestamp: `2024-01-05`, `2024-01-05T10:00:00Z`.
    if bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
    {
        return false;
    }
    // Dotted numbers: a version unless one part is long.
    if bytes.iter().all(|&b| b.is_ascii_digit() || b == b'.') && bytes.contains(&b'.') {
        return value.split('.').any(|part| part.len() >= 6);
    }
    // A Unix time in seconds or milliseconds between 2001 and 2100.
    if bytes.iter().all(u8::is_ascii_digit)
        && let Ok(number) = value.parse::<u64>()
    {
        let seconds = (1_000_000_000..4_102_444_800).contains(&number);
        let millis = (1_000_000_000_000..4_102_444_800_000).contains(&number);
        return !(seconds && bytes.len() == 10 || millis && bytes.len() == 13);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_things_that_are_not() {
        for id in [
            "a1B2c3D4e5F6g7H8i9J0kL",
            "fb.1.1700000000000.1234567890",
            "GA1.1.1234567890.1700000000",
            "1.1.1234567890.1700000000",
            "9774d56d682e549c",
            "CAESEJ2x9kP3Vb1sQ2nR8tY4wZ0",
            "123456789012",
        ] {
            assert!(looks_like_an_identifier(id), "{id}");
        }
        for not in [
            "true",
            "1",
            "en-US",
            "disabled",
            "00000000-0000-0000-0000-000000000000",
            "2024-01-05T10:00:00Z",
            "1.2.3",
            "119.0.6045.163",
            "1700000000",
            "1700000000123",
            "a=1&b=2345678",
            "{\"id\":12345678}",
            "hello world 12345",
        ] {
            assert!(!looks_like_an_identifier(not), "{not}");
        }
    }

    #[test]
    fn shape_validators() {
        let ok = |v: Validator, value: &str| v.check(value);
        assert!(ok(Validator::Uuid, "3F2A1C7E-9b1d-4c2e-8f3a-2b1c0d9e8f7a"));
        assert!(!ok(Validator::Uuid, "3f2a1c7e9b1d4c2e8f3a2b1c0d9e8f7a"));
        assert!(ok(Validator::Sha256Hex, &"ab12".repeat(16)));
        assert!(
            !ok(Validator::Sha256Hex, &"0".repeat(64)),
            "a zeroed digest"
        );
        assert!(!ok(Validator::Sha256Hex, &"ab12".repeat(8)));
        assert!(ok(Validator::Md5Hex, "9e107d9d372bb6826bd81d3542a419d6"));
        assert!(ok(
            Validator::Sha1Hex,
            "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"
        ));
        assert!(ok(Validator::Hex, "C0FFEE"));
        assert!(!ok(Validator::Hex, "coffee"));
        assert!(ok(Validator::Email, "jane.doe+x@example.co.uk"));
        for not in [
            "jane@",
            "@example.org",
            "jane@localhost",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert!(!ok(Validator::Email, not), "{not}");
        }
        for phone in ["+1 (207) 555-0142", "020 7946 0958", "+447700900123"] {
            assert!(ok(Validator::Phone, phone), "{phone}");
        }
        for not in ["12345", "1111111111", "2024-01-05", "+1 207 555 0142 ext 3"] {
            assert!(!ok(Validator::Phone, not), "{not}");
        }
        assert!(ok(Validator::Url, "https://www.example.org"));
        assert!(!ok(Validator::Url, "www.example.org/page"));
        assert!(!ok(Validator::Url, "https:///x"));
        assert!(ok(
            Validator::UrlWithPath,
            "https://www.example.org/health/plans"
        ));
        assert!(ok(Validator::UrlWithPath, "HTTP://example.org?q=1"));
        assert!(!ok(Validator::UrlWithPath, "https://www.example.org/"));
        assert!(!ok(Validator::UrlWithPath, "https://www.example.org"));
        assert!(ok(Validator::UrlWithPath, "https://www.example.org#top"));
        assert!(ok(Validator::UrlWithPath, "https://www.example.org?"));
        assert!(ok(Validator::Url, " https://user@www.example.org:8443 "));
        assert!(!ok(Validator::Url, "https://www.exa mple.org/"));
        assert!(!ok(Validator::Url, "ftp://www.example.org/"));
        assert!(!ok(Validator::Url, "https:/www.example.org/"));
        assert!(ok(Validator::Number, "-12.5"));
        assert!(!ok(Validator::Number, "1.2.3"));
        assert!(!ok(Validator::Number, "12a"));
    }

    #[test]
    fn truthy_values() {
        for yes in ["true", "TRUE", "1", "yes", " on "] {
            assert!(Validator::Truthy.check(yes), "{yes}");
        }
        for no in ["false", "0", "", "no", "2"] {
            assert!(!Validator::Truthy.check(no), "{no}");
        }
    }

    #[test]
    fn imei_checks_luhn_and_prefix() {
        assert!(Validator::Imei.check("490154203237518"));
        assert!(!Validator::Imei.check("490154203237517"), "bad checksum");
        assert!(
            !Validator::Imei.check("200000000000002"),
            "no such reporting body"
        );
        assert!(!Validator::Imei.check("4901542032375"), "too short");
    }

    #[test]
    fn placeholders_are_not_identifiers() {
        for placeholder in [
            "00000000-0000-0000-0000-000000000000",
            "02:00:00:00:00:00",
            "unknown",
            "",
            "ffffffff",
        ] {
            assert!(
                !Validator::NotPlaceholder.check(placeholder),
                "{placeholder}"
            );
        }
        for id in ["0467ede7dcf0ee81", "38400000-8cf0-11bd-b23e-10b96e40000d"] {
            assert!(Validator::NotPlaceholder.check(id), "{id}");
        }
        assert!(
            !Validator::NotPlaceholder.check(" NULL "),
            "any case, trimmed"
        );
        assert!(
            !Validator::NotPlaceholder.check("é-é-é"),
            "one repeated character"
        );
        assert!(Validator::NotPlaceholder.check("11"), "Android 11");
        assert!(Validator::NotPlaceholder.check("7"), "Android 7");
        for no_value in ["N", "x", "0", "aa"] {
            assert!(!Validator::NotPlaceholder.check(no_value), "{no_value}");
        }
    }

    /// The validators written the plain way, with the allocations the real ones avoid.
    mod plain {
        pub fn luhn(value: &str) -> bool {
            let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
            if digits.len() < 2 || value.chars().any(|c| !c.is_ascii_digit()) {
                return false;
            }
            let sum: u32 = digits
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &d)| {
                    if i % 2 == 1 {
                        (d * 2) % 9 + (d == 9) as u32 * 9
                    } else {
                        d
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        }

        pub fn not_placeholder(value: &str) -> bool {
            let trimmed = value.trim();
            let lower = trimmed.to_ascii_lowercase();
            if super::PLACEHOLDERS.contains(&lower.as_str()) {
                return false;
            }
            let significant: Vec<char> = trimmed
                .chars()
                .filter(|c| !matches!(c, '-' | ':' | '.' | ' '))
                .collect();
            match (significant.first(), trimmed.chars().count()) {
                (None, _) => false,
                (Some(first), 1) => first.is_ascii_digit(),
                (Some(first), 2) => {
                    first.is_ascii_digit() || significant.iter().any(|c| c != first)
                }
                (Some(first), _) => significant.iter().any(|c| c != first),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_validators_agree_with_the_plain_ones(
            value in "[0-9]{0,20}|[0-9a-fA-F:. -]{0,20}|[ -~é]{0,12}|(?i)(null|none|n/a|unknown) ?",
        ) {
            proptest::prop_assert_eq!(luhn(&value), plain::luhn(&value));
            proptest::prop_assert_eq!(not_placeholder(&value), plain::not_placeholder(&value));
        }
    }
}
