//! The forms a known value is found in, one test per form, and the ones it is not.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use leakscope_known::{
    Encoding, Form, Hash, KnownMatch, KnownMatcher, KnownValue, Normalisation, parse_known_arg,
};
use leakscope_rules::Category;
use sha1::Digest as _;

/// The user's values: an e-mail address as they might paste it (with spaces and capitals), a
/// phone number with its country code, a name, and a device id whose base64 differs between
/// the standard and URL-safe alphabets at every alignment.
fn matcher() -> &'static KnownMatcher {
    static MATCHER: OnceLock<KnownMatcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        KnownMatcher::new(vec![
            known("my email", "  Jane.Doe@Example.org "),
            known("my phone", "+1 (207) 555-0142"),
            known("my name", "Jane Ann Doe"),
            known("my device", "device-id: ff3e?>~"),
        ])
        .expect("valid values")
    })
}

fn known(label: &str, value: &str) -> KnownValue {
    KnownValue {
        label: label.to_owned(),
        category: Category::KnownValue,
        value: value.to_owned(),
    }
}

/// Every match in `text` as "description = matched text".
fn found_in(matcher: &KnownMatcher, text: &str) -> Vec<String> {
    let mut matches = Vec::new();
    matcher.find(text.as_bytes(), &mut matches);
    matches
        .iter()
        .map(|m| {
            let label = &matcher.values()[m.value].label;
            format!(
                "{} = {}",
                matcher.form(m.form).describe(label),
                &text[m.start..m.end]
            )
        })
        .collect()
}

fn found(text: &str) -> Vec<String> {
    found_in(matcher(), text)
}

/// `text` holds `description`, and the match is exactly `matched`.
#[track_caller]
fn assert_found(text: &str, description: &str, matched: &str) {
    let expected = format!("{description} = {matched}");
    let all = found(text);
    assert!(
        all.contains(&expected),
        "expected `{expected}` in {text:?}; found {all:#?}"
    );
}

/// `text` holds `description` somewhere (the match of a base64 fragment is not known to the
/// test).
#[track_caller]
fn assert_described(text: &str, description: &str) {
    let all = found(text);
    assert!(
        all.iter()
            .any(|f| f.split(" = ").next() == Some(description)),
        "expected `{description}` in {text:?}; found {all:#?}"
    );
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn hex_lower(bytes: &[u8]) -> String {
    hex_upper(bytes).to_lowercase()
}

// ---------------------------------------------------------------------------------------------
// Plain

#[test]
fn email_as_given_trimmed_in_any_case_and_inside_a_url() {
    assert_found("Jane.Doe@Example.org", "'my email'", "Jane.Doe@Example.org");
    assert_found("jane.doe@example.org", "'my email'", "jane.doe@example.org");
    assert_found("JANE.DOE@EXAMPLE.ORG", "'my email'", "JANE.DOE@EXAMPLE.ORG");
    assert_found(
        "https://shop.example/account?user=jane.doe@example.org&step=2",
        "'my email'",
        "jane.doe@example.org",
    );
    assert_found(
        "\"em\":\"Jane.Doe@Example.org\"",
        "'my email'",
        "Jane.Doe@Example.org",
    );
}

#[test]
fn phone_as_given_and_as_digits() {
    assert_found("tel:+1 (207) 555-0142", "'my phone'", "+1 (207) 555-0142");
    assert_found(
        "ph=12075550142",
        "'my phone' as digits with the country code",
        "12075550142",
    );
    assert_found(
        "phone=+12075550142&x=1",
        "'my phone' as digits with the country code and a leading +",
        "+12075550142",
    );
    assert_found(
        "{\"national\":\"2075550142\"}",
        "'my phone' as national digits (no country code or leading 0)",
        "2075550142",
    );
    assert_found(
        "n=02075550142",
        "'my phone' as the national number with a leading 0",
        "02075550142",
    );
}

#[test]
fn national_phone_numbers_without_their_leading_zero_and_with_00_prefixes() {
    let matcher = KnownMatcher::new(vec![
        known("uk national", "020 7946 0958"),
        known("uk intl", "0044 20 7946 0958"),
    ])
    .expect("valid");
    let uk = found_in(
        &matcher,
        "a=02079460958 b=2079460958 c=442079460958 d=+442079460958",
    );
    for expected in [
        "'uk national' as digits = 02079460958",
        "'uk national' as national digits (no country code or leading 0) = 2079460958",
        "'uk intl' as digits with the country code = 442079460958",
        "'uk intl' as digits with the country code and a leading + = +442079460958",
        // Without a 2-digit country code, with a leading 0: the number as dialled at home.
        "'uk intl' as the national number with a leading 0 = 02079460958",
        "'uk intl' as national digits (no country code or leading 0) = 2079460958",
    ] {
        assert!(
            uk.contains(&expected.to_owned()),
            "{expected} not in {uk:#?}"
        );
    }
    assert!(
        found_in(&matcher, "00442079460958")
            .contains(&"'uk intl' as digits = 00442079460958".to_owned())
    );
}

#[test]
fn name_in_any_case() {
    assert_found("name=Jane Ann Doe;", "'my name'", "Jane Ann Doe");
    assert_found("JANE ANN DOE", "'my name'", "JANE ANN DOE");
}

// ---------------------------------------------------------------------------------------------
// Encodings

#[test]
fn hex_of_the_value_as_given_and_lowercased_either_case() {
    for (value, description) in [
        ("Jane.Doe@Example.org", "'my email' in hex"),
        (
            "jane.doe@example.org",
            "'my email', trimmed and lowercased, in hex",
        ),
        ("+1 (207) 555-0142", "'my phone' in hex"),
        ("Jane Ann Doe", "'my name' in hex"),
        ("jane ann doe", "'my name', trimmed and lowercased, in hex"),
    ] {
        for hex in [hex_lower(value.as_bytes()), hex_upper(value.as_bytes())] {
            assert_found(&format!("v={hex}&w=1"), description, &hex);
        }
    }
    assert_eq!(hex_lower(b"Jane"), "4a616e65"); // the test's own encoder, checked
}

#[test]
fn percent_encoding_with_either_case_of_hex_digits() {
    assert_found(
        "https://t.example/p?em=Jane.Doe%40Example.org&ev=Lead",
        "'my email' percent-encoded",
        "Jane.Doe%40Example.org",
    );
    assert_found(
        "em=jane.doe%40example.org",
        "'my email' percent-encoded",
        "jane.doe%40example.org",
    );
    assert_found(
        "ph=%2b1%20%28207%29%20555-0142",
        "'my phone' percent-encoded",
        "%2b1%20%28207%29%20555-0142",
    );
    // JavaScript's encodeURIComponent leaves brackets alone.
    assert_found(
        "ph=%2B1%20(207)%20555-0142",
        "'my phone' percent-encoded",
        "%2B1%20(207)%20555-0142",
    );
    assert_found(
        "n=Jane%20Ann%20Doe",
        "'my name' percent-encoded",
        "Jane%20Ann%20Doe",
    );
}

#[test]
fn form_encoding_spaces_as_plus() {
    assert_found(
        "n=Jane+Ann+Doe&x=1",
        "'my name' form-encoded",
        "Jane+Ann+Doe",
    );
    assert_found(
        "ph=%2B1+%28207%29+555-0142",
        "'my phone' form-encoded",
        "%2B1+%28207%29+555-0142",
    );
    assert_found(
        "d=device-id%3A+ff3e%3F%3E%7E",
        "'my device' form-encoded",
        "device-id%3A+ff3e%3F%3E%7E",
    );
}

/// Prefixes that put the value at byte offset 0 (at the start, and after 6 bytes), 1 and 2 of
/// the encoded text.
const PREFIXES: [&str; 4] = ["", "{\"a\":\"", "{\"ab\":\"", "{\"abc\":\""];

fn json_with(prefix: &str, value: &str) -> String {
    format!("{prefix}{value}\",\"t\":1588155300}}")
}

#[test]
fn base64_standard_at_every_alignment() {
    for (value, description) in [
        ("Jane.Doe@Example.org", "'my email' in base64"),
        (
            "jane.doe@example.org",
            "'my email', trimmed and lowercased, in base64",
        ),
        ("+1 (207) 555-0142", "'my phone' in base64"),
        ("Jane Ann Doe", "'my name' in base64"),
        (
            "jane ann doe",
            "'my name', trimmed and lowercased, in base64",
        ),
        ("device-id: ff3e?>~", "'my device' in base64"),
    ] {
        for prefix in PREFIXES {
            let blob = STANDARD.encode(json_with(prefix, value));
            assert_described(&format!("data={blob}&v=2"), description);
        }
    }
}

#[test]
fn base64_url_safe_at_every_alignment() {
    for prefix in PREFIXES {
        let json = json_with(prefix, "device-id: ff3e?>~");
        let blob = URL_SAFE_NO_PAD.encode(&json);
        assert_ne!(blob, STANDARD.encode(&json).trim_end_matches('='));
        assert_described(&format!("d={blob}"), "'my device' in URL-safe base64");
    }
    // The e-mail's base64 has no `+` or `/`: the URL-safe text is the standard one.
    let blob = URL_SAFE_NO_PAD.encode("Jane.Doe@Example.org");
    assert_described(&blob, "'my email' in base64");
}

#[test]
fn base64_of_the_value_alone_padded() {
    let blob = STANDARD.encode("Jane.Doe@Example.org");
    assert!(blob.ends_with('='));
    assert_described(&format!("x-user: {blob}"), "'my email' in base64");
}

// ---------------------------------------------------------------------------------------------
// Hashes

/// Each normalisation of each value, as the test computes it, with its description.
const NORMALISED: [(&str, &str); 9] = [
    ("Jane.Doe@Example.org", "'my email'"),
    ("jane.doe@example.org", "'my email', trimmed and lowercased"),
    ("+1 (207) 555-0142", "'my phone'"),
    ("12075550142", "'my phone' as digits with the country code"),
    (
        "+12075550142",
        "'my phone' as digits with the country code and a leading +",
    ),
    (
        "2075550142",
        "'my phone' as national digits (no country code or leading 0)",
    ),
    (
        "02075550142",
        "'my phone' as the national number with a leading 0",
    ),
    ("Jane Ann Doe", "'my name'"),
    ("jane ann doe", "'my name', trimmed and lowercased"),
];

fn digest(hash: Hash, bytes: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Md5 => md5::Md5::digest(bytes).to_vec(),
        Hash::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
        Hash::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
        Hash::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
    }
}

/// Every hash of every normalisation, as hex (lower and upper case), padded standard base64
/// and unpadded URL-safe base64.
fn assert_hashes(hash: Hash) {
    for (normalised, of) in NORMALISED {
        let digest = digest(hash, normalised.as_bytes());
        let name = hash.name();
        for hex in [hex_lower(&digest), hex_upper(&digest)] {
            assert_found(
                &format!("h={hex}&x=1"),
                &format!("{name} (hex) of {of}"),
                &hex,
            );
        }
        let standard = STANDARD.encode(&digest);
        assert_found(
            &format!("{{\"h\":\"{standard}\"}}"),
            &format!("{name} (base64) of {of}"),
            standard.trim_end_matches('='),
        );
        let url = URL_SAFE_NO_PAD.encode(&digest);
        // Where the two alphabets give the same text, the form is the standard one.
        let alphabet = if url == standard.trim_end_matches('=') {
            "base64"
        } else {
            "URL-safe base64"
        };
        assert_found(
            &format!("/c/{url}/"),
            &format!("{name} ({alphabet}) of {of}"),
            &url,
        );
    }
}

#[test]
fn every_hash_of_every_normalisation() {
    for hash in [Hash::Md5, Hash::Sha1, Hash::Sha256, Hash::Sha512] {
        assert_hashes(hash);
    }
}

#[test]
fn known_answer_vectors() {
    assert_eq!(
        hex_lower(&Hash::Md5.digest(b"hello")),
        "5d41402abc4b2a76b9719d911017c592"
    );
    assert_eq!(
        hex_lower(&Hash::Sha1.digest(b"hello")),
        "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    );
    // Meta's udff[em] for "  Jane.Doe@Example.org ".
    assert_found(
        "udff[em]=7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181",
        "SHA-256 (hex) of 'my email', trimmed and lowercased",
        "7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181",
    );
    // Meta's udff[ph] for "+1 (207) 555-0142".
    assert_found(
        "udff[ph]=15f723af5d4a85fb6c9d7b4639e3453a70c8a81ae0fa9d2dc5f658a7bf39e266",
        "SHA-256 (hex) of 'my phone' as digits with the country code",
        "15f723af5d4a85fb6c9d7b4639e3453a70c8a81ae0fa9d2dc5f658a7bf39e266",
    );
}

// ---------------------------------------------------------------------------------------------
// Not found

#[test]
fn a_value_that_never_occurs_gives_nothing() {
    assert_eq!(
        found("john.smith@example.com called +44 20 7946 0000"),
        Vec::<String>::new()
    );
    assert_eq!(found(""), Vec::<String>::new());
    assert_eq!(found("ab"), Vec::<String>::new());
}

#[test]
fn a_match_inside_a_longer_alphanumeric_run_is_refused() {
    assert_eq!(found("xjane.doe@example.org"), Vec::<String>::new());
    assert_eq!(found("jane.doe@example.organic"), Vec::<String>::new());
    assert_eq!(found("id=912075550142"), Vec::<String>::new());
    assert_eq!(found("id=120755501420"), Vec::<String>::new());
    let sha = "7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181";
    assert_eq!(found(&format!("0{sha}")), Vec::<String>::new());
    assert_eq!(found(&format!("{sha}0")), Vec::<String>::new());
    // Separated by punctuation, it is a match.
    assert_eq!(found(&format!("0.{sha}.0")).len(), 1);
}

#[test]
fn base64_in_the_wrong_case_is_refused() {
    for prefix in PREFIXES {
        let blob = STANDARD.encode(json_with(prefix, "Jane.Doe@Example.org"));
        assert!(!found(&blob).is_empty());
        let swapped: String = blob
            .chars()
            .map(|c| {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        assert_eq!(found(&swapped), Vec::<String>::new(), "{swapped}");
    }
}

#[test]
fn a_hash_of_another_value_is_not_reported() {
    for hash in Hash::ALL {
        let other = hex_lower(&digest(hash, b"jane.doe@example.com"));
        assert_eq!(found(&format!("h={other}")), Vec::<String>::new());
        // Nor a hash of the value with its spaces (the value is trimmed first).
        let untrimmed = hex_lower(&digest(hash, b"  Jane.Doe@Example.org "));
        assert_eq!(found(&format!("h={untrimmed}")), Vec::<String>::new());
    }
}

#[test]
fn a_text_that_only_starts_like_a_form_is_not_reported() {
    // The automaton holds a prefix of each form; the rest is checked at the hit.
    let sha = "7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181";
    let mut near = sha.to_owned();
    near.replace_range(40..41, "0");
    assert_eq!(found(&format!("h={near}")), Vec::<String>::new());
    assert_eq!(found(&format!("h={}", &sha[..63])), Vec::<String>::new());
    let matcher = KnownMatcher::new(vec![known(
        "my page",
        "https://www.example-news.com/2020/04/29/my-article.html",
    )])
    .expect("valid");
    assert_eq!(
        found_in(
            &matcher,
            "https://www.example-news.com/2020/04/29/other-article.html"
        ),
        Vec::<String>::new()
    );
}

// ---------------------------------------------------------------------------------------------
// Reporting

#[test]
fn each_value_form_and_position_is_reported_once_and_sorted() {
    let text = "a=jane.doe@example.org b=jane.doe@example.org";
    let mut matches = Vec::new();
    matcher().find(text.as_bytes(), &mut matches);
    let starts: Vec<usize> = matches.iter().map(|m| m.start).collect();
    assert_eq!(starts, [2, 25]);
    assert!(
        matches
            .iter()
            .all(|m| m.value == 0 && m.end - m.start == 20)
    );
}

#[test]
fn find_appends_to_what_is_there() {
    let earlier = KnownMatch {
        value: 9,
        form: matcher().patterns().next().expect("a form").1,
        start: 0,
        end: 1,
    };
    let mut matches = vec![earlier];
    matcher().find(b"Jane Ann Doe", &mut matches);
    assert_eq!(matches.len(), 2);
    assert_eq!(matches[0], earlier);
    assert_eq!(matches[1].value, 2);
}

#[test]
fn overlapping_forms_are_all_reported() {
    // The phone's digits with a `+` hold its digits with the country code: both are found.
    assert_eq!(
        found("+12075550142"),
        [
            "'my phone' as digits with the country code and a leading + = +12075550142",
            "'my phone' as digits with the country code = 12075550142",
        ]
    );
}

#[test]
fn matches_are_sorted_by_start() {
    let matcher = KnownMatcher::new(vec![
        known("inner", "value"),
        known("outer", "outer value text"),
    ])
    .expect("valid");
    // The automaton finds "value" first (it ends first); the outer match starts first.
    assert_eq!(
        found_in(&matcher, "outer value text"),
        ["'outer' = outer value text", "'inner' = value"]
    );
}

#[test]
fn with_forms_looks_for_the_kept_forms_only() {
    let hashed_only = |_: usize, form: &Form| form.hash.is_some();
    let matcher = KnownMatcher::with_forms(
        vec![known("my email", "jane.doe@example.org")],
        &hashed_only,
    )
    .expect("valid");
    assert!(
        matcher
            .patterns()
            .all(|(_, form, _)| matcher.form(form).hash.is_some())
    );
    assert_eq!(
        found_in(&matcher, "jane.doe@example.org"),
        Vec::<String>::new()
    );
    assert_eq!(
        found_in(
            &matcher,
            "7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181"
        ),
        [
            "SHA-256 (hex) of 'my email' = 7f73355bf032dcbb8e5a3f51f1e4a8ba92ef1344de2d95382634cf91da6d6181"
        ]
    );
}

#[test]
fn describe_names_the_form() {
    let form = |normalisation, encoding, hash| Form {
        normalisation,
        encoding,
        hash,
    };
    use Encoding::*;
    use Normalisation::*;
    for (form, expected) in [
        (Form::AS_GIVEN, "'my email'"),
        (
            form(Lowercased, Hex, Some(Hash::Sha256)),
            "SHA-256 (hex) of 'my email', trimmed and lowercased",
        ),
        (
            form(AsGiven, Base64Url, Some(Hash::Md5)),
            "MD5 (URL-safe base64) of 'my email'",
        ),
        (
            form(CountryCodeDigits, Plain, None),
            "'my email' as digits with the country code",
        ),
        (form(AsGiven, Base64, None), "'my email' in base64"),
        (
            form(Lowercased, Percent, None),
            "'my email', trimmed and lowercased, percent-encoded",
        ),
        (
            form(NationalWithZero, Hex, Some(Hash::Sha1)),
            "SHA-1 (hex) of 'my email' as the national number with a leading 0",
        ),
        (form(AsGiven, FormEncoded, None), "'my email' form-encoded"),
        (
            form(Digits, Base64, Some(Hash::Sha512)),
            "SHA-512 (base64) of 'my email' as digits",
        ),
    ] {
        assert_eq!(form.describe("my email"), expected);
    }
    assert_eq!(
        form(Lowercased, Hex, Some(Hash::Sha256))
            .describe_subject("the e-mail typed on shop.example"),
        "SHA-256 (hex) of the e-mail typed on shop.example, trimmed and lowercased"
    );
}

#[test]
fn values_are_kept_in_order_with_their_labels() {
    let labels: Vec<&str> = matcher()
        .values()
        .iter()
        .map(|v| v.label.as_str())
        .collect();
    assert_eq!(labels, ["my email", "my phone", "my name", "my device"]);
    assert!(!matcher().is_empty());
    let empty = KnownMatcher::new(Vec::new()).expect("no values is fine");
    assert!(empty.is_empty());
    let mut matches = Vec::new();
    empty.find(b"anything at all", &mut matches);
    assert!(matches.is_empty());
}

#[test]
fn too_short_values_are_refused_by_label() {
    let error = KnownMatcher::new(vec![known("my pin", " 42  ")]).expect_err("too short");
    assert_eq!(
        error.to_string(),
        "known value `my pin` is too short: 2 byte(s) after trimming, at least 3 are needed \
         (a shorter value would match almost everywhere)"
    );
    assert!(KnownMatcher::new(vec![known("ok", " 421 ")]).is_ok());
}

#[test]
fn matcher_is_send_sync_and_debug_is_short() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<KnownMatcher>();
    let debug = format!("{:?}", matcher());
    assert!(debug.starts_with("KnownMatcher { values: 4,"), "{debug}");
    assert!(debug.len() < 300, "{debug}");
}

#[test]
fn a_known_arg_is_found() {
    let matcher = KnownMatcher::new(vec![
        parse_known_arg("idfa=38400000-8CF0-11BD-B23E-10B96E40000D").expect("valid"),
    ])
    .expect("valid");
    assert_eq!(
        found_in(
            &matcher,
            "{\"idfa\":\"38400000-8cf0-11bd-b23e-10b96e40000d\"}"
        ),
        ["'idfa' = 38400000-8cf0-11bd-b23e-10b96e40000d"]
    );
}

// ---------------------------------------------------------------------------------------------
// Many values

/// `n` distinct values: e-mail addresses, phone numbers and names.
fn many_values(n: usize) -> Vec<KnownValue> {
    (0..n)
        .map(|i| match i % 3 {
            0 => known(
                &format!("email {i}"),
                &format!("user.{i}@mail{}.example.com", i % 17),
            ),
            1 => known(
                &format!("phone {i}"),
                &format!("+44 20 79{:02} {:04}", i % 100, i),
            ),
            _ => known(
                &format!("name {i}"),
                &format!("Firstname{i} Lastname{}", i * 7),
            ),
        })
        .collect()
}

#[test]
fn a_thousand_values_fit_in_64_mib_and_are_all_found() {
    let values = many_values(1000);
    let matcher = KnownMatcher::new(values.clone()).expect("valid");
    assert!(
        matcher.memory_usage() < 64 << 20,
        "{} bytes",
        matcher.memory_usage()
    );
    for (i, value) in values.iter().enumerate().step_by(37) {
        let lowercased = value.value.to_lowercase();
        let sha = hex_lower(&sha2::Sha256::digest(lowercased.as_bytes()));
        let mut matches = Vec::new();
        matcher.find(
            format!("v={}&h={sha}", value.value).as_bytes(),
            &mut matches,
        );
        assert!(
            matches.iter().filter(|m| m.value == i).count() >= 2,
            "{value:?}"
        );
        assert!(matches.iter().all(|m| m.value == i), "{value:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Every form, for any value

mod property {
    use proptest::prelude::*;

    use super::{KnownMatcher, known};

    /// An ASCII character that is not a letter or digit.
    const SEPARATOR: &str = "[ -/:-@\\[-`{-~]";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn every_form_of_a_value_is_found_between_separators(
            value in "[!-~][ -~]{1,38}[!-~]",
            before in "[ -~]{0,24}",
            after in "[ -~]{0,24}",
            left in SEPARATOR,
            right in SEPARATOR,
        ) {
            let matcher = KnownMatcher::new(vec![
                known("someone else", "someone.else@example.net"),
                known("mine", &value),
            ])
            .expect("a value of 3 or more bytes");
            let mut forms = 0;
            for (index, form, bytes) in matcher.patterns().filter(|p| p.0 == 1) {
                forms += 1;
                let mut text = format!("{before}{left}").into_bytes();
                let start = text.len();
                text.extend_from_slice(bytes);
                text.extend_from_slice(format!("{right}{after}").as_bytes());
                let mut matches = Vec::new();
                matcher.find(&text, &mut matches);
                prop_assert!(
                    matches.iter().any(|m| m.value == index
                        && m.form == form
                        && m.start == start
                        && m.end >= start + bytes.len()),
                    "{} ({:?}) not found in {:?}: {:?}",
                    matcher.form(form).describe("mine"),
                    String::from_utf8_lossy(bytes),
                    String::from_utf8_lossy(&text),
                    matches,
                );
            }
            // The value itself, hex, and 4 hashes × 2 or 3 renderings at least.
            prop_assert!(forms >= 10, "{forms} forms");
        }
    }
}

#[test]
fn only_the_numbers_own_country_code_comes_off() {
    // +1 is the country code: 207 555 0142 is the national number; 75550142 is no number of
    // the user's, nor is 075550142.
    assert_found(
        "n=2075550142",
        "'my phone' as national digits (no country code or leading 0)",
        "2075550142",
    );
    assert!(
        found("order=75550142").is_empty(),
        "{:?}",
        found("order=75550142")
    );
    assert!(found("order=075550142").is_empty());
    let uk = KnownMatcher::new(vec![known("uk", "+44 7700 900123")]).unwrap();
    assert!(
        found_in(&uk, "tel=07700900123")
            .iter()
            .any(|f| f.starts_with("'uk' as the national number with a leading 0"))
    );
    assert!(found_in(&uk, "tel=700900123").is_empty());
    // A national number gets no invented `+`.
    let national = KnownMatcher::new(vec![known("home", "(207) 555-0142")]).unwrap();
    assert!(
        found_in(&national, "p=+2075550142")
            .iter()
            .all(|f| !f.contains("leading +"))
    );
}
