//! Every text decoder against a reference encoder: whatever the encoder makes of a random value,
//! the decoder gives back exactly.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use leakscope_decode::decoders::{Base64, Escapes, Hex, HtmlEntities, Json, Percent, QueryString};
use leakscope_decode::{Budget, Layer, Profile, Structure};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;

/// The bytes a layer decoder gives back, or `None` when it declined.
fn layer(decoder: &dyn Layer, input: &[u8]) -> Option<Vec<u8>> {
    let profile = Profile::of(input);
    if !decoder.sniff(input, &profile) {
        return None;
    }
    decoder.peel(input, &profile, &mut Budget::default()).ok()
}

/// The (selector, value) fields a structure decoder gives back.
fn fields(decoder: &dyn Structure, input: &[u8]) -> Option<Vec<(String, String)>> {
    if !decoder.sniff_alone(input) {
        return None;
    }
    let fields = decoder.decode(input, &mut Budget::default()).ok()?;
    Some(
        fields
            .into_iter()
            .map(|f| (f.selector, String::from_utf8_lossy(&f.value).into_owned()))
            .collect(),
    )
}

/// Printable text of some length, with non-ASCII letters too.
fn text() -> impl Strategy<Value = String> {
    "[ -~äéß€中文]{8,120}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn base64_in_every_variant(text in text()) {
        let bytes = text.as_bytes();
        let mime = STANDARD
            .encode(bytes)
            .as_bytes()
            .chunks(76)
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n");
        for encoded in [
            STANDARD.encode(bytes),
            STANDARD_NO_PAD.encode(bytes),
            URL_SAFE.encode(bytes),
            URL_SAFE_NO_PAD.encode(bytes),
            mime,
        ] {
            // An encoding made only of hex digits is refused on purpose (it is a digest).
            let hex_only = encoded.trim_end_matches('=').bytes().all(|b| b.is_ascii_hexdigit());
            if hex_only {
                continue;
            }
            prop_assert_eq!(layer(&Base64, encoded.as_bytes()), Some(bytes.to_vec()), "{}", encoded);
        }
    }

    #[test]
    fn hex_lower_and_upper(text in text()) {
        let lower: String = text.bytes().map(|b| format!("{b:02x}")).collect();
        let upper = lower.to_ascii_uppercase();
        for encoded in [lower, upper] {
            if encoded.bytes().all(|b| b.is_ascii_digit()) {
                continue; // a number, on purpose
            }
            prop_assert_eq!(layer(&Hex, encoded.as_bytes()), Some(text.as_bytes().to_vec()));
        }
    }

    #[test]
    fn percent_encoding_of_everything_but_letters_and_digits(text in text()) {
        let encoded = utf8_percent_encode(&text, NON_ALPHANUMERIC).to_string();
        prop_assume!(encoded.contains('%'));
        prop_assert_eq!(layer(&Percent, encoded.as_bytes()), Some(text.as_bytes().to_vec()));
    }

    #[test]
    fn unicode_escapes_with_surrogate_pairs(text in "[ -~äé€😀]{1,60}") {
        let mut encoded = String::new();
        for unit in text.encode_utf16() {
            encoded.push_str(&format!("\\u{unit:04x}"));
        }
        prop_assert_eq!(layer(&Escapes, encoded.as_bytes()), Some(text.as_bytes().to_vec()));
    }

    #[test]
    fn html_numeric_references(text in "[ -~äé€]{1,60}") {
        let encoded: String = text.chars().map(|c| format!("&#{};", u32::from(c))).collect();
        prop_assert_eq!(layer(&HtmlEntities, encoded.as_bytes()), Some(text.as_bytes().to_vec()));
    }

    #[test]
    fn json_objects_from_serde_json(
        members in proptest::collection::btree_map("[a-z_][a-z0-9_]{0,10}", "[ -~äé]{0,30}", 1..10)
    ) {
        let encoded = serde_json::to_vec(&members).unwrap();
        let got = fields(&Json, &encoded).expect("JSON decoded");
        let want: Vec<(String, String)> =
            members.iter().map(|(k, v)| (format!("$.{k}"), v.clone())).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn query_strings_from_form_urlencoded(
        pairs in proptest::collection::vec(("[a-z][a-z0-9_]{0,10}", "[ -~äé]{0,30}"), 2..8)
    ) {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter())
            .finish();
        let got = fields(&QueryString, encoded.as_bytes()).expect("query decoded");
        let want: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (format!("[{k}]"), v.clone())).collect();
        prop_assert_eq!(got, want);
    }
}
