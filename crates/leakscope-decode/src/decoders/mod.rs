//! The decoders, one encoding a file.
//!
//! To add one: write a type in a new file here implementing [`Encoding`](crate::Encoding)
//! (its [`About`](crate::About): a name and its [`Needs`](crate::Needs); a sniff) and either
//! [`Layer`] (`peel`: the bytes under the layer) or [`Structure`](crate::Structure) (`split`:
//! each field to a sink, as `json.rs` does), add it to [`default_decoders`] in its role, and
//! add an example value to the `positives` in this file's tests (a text layer: examples of
//! what it decodes and what it leaves alone to `examples.toml`). Order matters: the first
//! decoder whose sniff says yes and whose decode succeeds wins, so self-identifying formats
//! (magic numbers, JSON) come before the text encodings that could also match them.

mod base32;
mod base58;
mod base64;
mod brotli;
pub(crate) mod cbor;
mod deflate;
mod escapes;
mod gzip;
mod hex;
mod html;
mod json;
mod jwt;
pub(crate) mod msgpack;
mod percent;
mod prefix;
pub(crate) mod protobuf;
mod query;
mod quoted;
mod selector;
mod signed;
mod tree;
mod url;
mod zlib;
mod zstd;

pub use self::base32::Base32;
pub use self::base58::Base58;
pub use self::base64::Base64;
pub use self::brotli::Brotli;
pub use self::cbor::Cbor;
pub use self::deflate::RawDeflate;
pub use self::escapes::Escapes;
pub use self::gzip::Gzip;
pub use self::hex::Hex;
pub use self::html::HtmlEntities;
pub use self::json::Json;
pub use self::jwt::Jwt;
pub use self::msgpack::MessagePack;
pub use self::percent::Percent;
pub use self::prefix::Prefixed;
pub use self::protobuf::Protobuf;
pub use self::query::QueryString;
pub use self::quoted::QuotedJson;
pub use self::signed::SignedToken;
pub use self::url::Url;
pub use self::zlib::Zlib;
pub use self::zstd::Zstd;

use crate::{Budget, DecodeError, Decoder};

/// The decoders the unwrapper uses unless told otherwise, in the order they are tried.
pub fn default_decoders() -> Vec<Decoder> {
    vec![
        // Binary layers with a magic number: unambiguous.
        Decoder::layer(Gzip),
        Decoder::layer(Zlib),
        Decoder::layer(Zstd),
        // Structures that say what they are in their first bytes.
        Decoder::structure(Jwt),
        // Two parts, a signature and base64url JSON, either way round (`signed_request`).
        Decoder::structure(SignedToken),
        Decoder::structure(Json),
        Decoder::structure(Url),
        // A query string before percent-decoding: each parameter is decoded on its own, so a
        // `%26` inside a value does not split it.
        Decoder::structure(QueryString),
        Decoder::layer(Percent),
        Decoder::layer(Escapes),
        Decoder::layer(HtmlEntities),
        // JSON in a string literal of a larger text, once the text's own escapes are undone.
        Decoder::structure(QuotedJson),
        // Hex before base64: every hex string is also valid base64 (of noise).
        Decoder::layer(Hex),
        Decoder::layer(Base64),
        Decoder::layer(Base32),
        // After base64: most base58 strings are valid base64 of noise, which base64 refuses.
        Decoder::layer(Base58),
        // Base64 after a short version tag (`v2|H4sI…`): claimed only when the rest decodes.
        Decoder::structure(Prefixed),
        // Binary formats without a magic number, tried last and never on text. Compression
        // first: it only accepts a stream that ends exactly at the end of the input, while a
        // small share of random bytes parses as protobuf.
        Decoder::layer(Brotli),
        Decoder::layer(RawDeflate),
        // Then the structures that must fill the input exactly, with readable names and text,
        // before protobuf, which takes more of what random bytes look like.
        Decoder::structure(MessagePack),
        Decoder::structure(Cbor),
        Decoder::structure(Protobuf),
    ]
}

/// `out`, what the layer `encoding` peeled off, when `plausible` takes it for a real payload
/// (noise from a word that only looked like the encoding is refused), charged to the budget.
#[inline]
fn keep(
    encoding: &'static str,
    out: Vec<u8>,
    plausible: fn(&[u8]) -> bool,
    budget: &mut Budget,
) -> Result<Vec<u8>, DecodeError> {
    if !plausible(&out) {
        return Err(DecodeError::Implausible { encoding });
    }
    budget.charge_output(out.len())?;
    Ok(out)
}

/// The random generator the integration tests use too (the path is relative to this folder).
#[cfg(test)]
mod compression_tests;
#[cfg(test)]
#[path = "../../tests/support/rng.rs"]
mod test_rng;

/// Helpers shared by the decoders' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::{Budget, Decoder, Layer, Limits, Structure};

    /// What a layer decoder makes of `input`, as text: `None` when its sniff or its decode
    /// declines, or the output is not UTF-8.
    pub(crate) fn layer_text(layer: &dyn Layer, input: &str) -> Option<String> {
        if !layer.sniff_alone(input.as_bytes()) {
            return None;
        }
        let out = layer
            .decode(input.as_bytes(), &mut Budget::default())
            .ok()?;
        String::from_utf8(out).ok()
    }

    /// The fields a binary structure decoder (CBOR, MessagePack, protobuf) finds in `input`, which its
    /// sniff must accept, as (selector, key, value as text, terminal).
    pub(crate) fn structure_fields(
        structure: &dyn Structure,
        input: &[u8],
    ) -> Vec<(String, Option<String>, String, bool)> {
        assert!(structure.sniff_alone(input), "sniff {input:02x?}");
        structure
            .decode(input, &mut Budget::default())
            .unwrap()
            .into_iter()
            .map(|f| {
                (
                    f.selector,
                    f.key,
                    String::from_utf8_lossy(&f.value).into_owned(),
                    f.terminal,
                )
            })
            .collect()
    }

    /// The first of `decoders` whose sniff and decode take `input`, by name: the decoders
    /// tried before a format must not take its values.
    pub(crate) fn taken_by(decoders: &[Decoder], input: &[u8]) -> Option<&'static str> {
        decoders
            .iter()
            .find(|d| d.sniff_alone(input) && d.decode(input, &mut Budget::default()).is_ok())
            .map(Decoder::name)
    }

    /// Whether `decoder` sniffs and decodes arbitrary `data` without a panic and within a
    /// budget of `max_output` bytes.
    pub(crate) fn keeps_to_budget(decoder: Decoder, data: &[u8], max_output: usize) -> bool {
        let mut budget = Budget::new(Limits {
            max_output,
            ..Limits::default()
        });
        let _ = decoder.sniff_alone(data);
        let _ = decoder.decode(data, &mut budget);
        budget.output_used() <= max_output
    }

    /// How many bytes of values `structure` hands over when it streams `input` within a
    /// budget of `max_output` bytes, which it must pass: nothing is kept, as in the unwrapper,
    /// yet long text made along the way (a float's digits) must be paid for and stop it.
    pub(crate) fn handed_within(
        structure: &dyn Structure,
        input: &[u8],
        max_output: usize,
    ) -> usize {
        let mut budget = Budget::new(Limits {
            max_output,
            ..Limits::default()
        });
        let mut handed = 0usize;
        let split = structure.split(
            input,
            crate::Split {
                profile: &crate::Profile::of(input),
                budget: &mut budget,
                sink: &mut |_, field| {
                    handed += field.value.len();
                    std::ops::ControlFlow::Continue(())
                },
            },
        );
        assert!(
            split.as_ref().is_err_and(|error| error.is_budget()),
            "{split:?}"
        );
        handed
    }

    pub(crate) use super::test_rng::Rng;

    pub(crate) use leakscope_codecs::compress::reference::gzip;
}

#[cfg(test)]
mod tests {
    use leakscope_codecs::compress::reference;
    use proptest::prelude::*;

    use super::*;
    use crate::Profile;

    /// One value each decoder's sniff accepts, from the reference encoders where there is one.
    fn positives() -> Vec<(&'static str, Vec<u8>)> {
        let mut zstd = vec![0x28, 0xb5, 0x2f, 0xfd];
        zstd.extend_from_slice(&[0; 8]);
        vec![
            ("gzip", reference::gzip(b"hello")),
            ("zlib", reference::zlib(b"hello hello hello")),
            ("zstd", zstd),
            ("jwt", b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln".to_vec()),
            ("signed", b"eyJhIjoxfQ.9f86d081884c7d659a2feaa0".to_vec()),
            ("json", b" {\"a\":[1,2]} ".to_vec()),
            ("url", b"https://example.org/search?q=1".to_vec()),
            ("query", b"a=1&b=2".to_vec()),
            ("percent", b"caf%C3%A9+au+lait".to_vec()),
            ("escapes", b"\\u0041\\x42".to_vec()),
            ("html", b"&lt;b&gt;".to_vec()),
            ("quoted", b"x = '{\"a\":1}';".to_vec()),
            ("hex", b"68656c6c6f20776f726c64".to_vec()),
            ("base64", b"aGVsbG8gd29ybGQ=".to_vec()),
            ("base32", b"NBSWY3DPEB3W64TMMQ======".to_vec()),
            ("base58", b"StV1DL6CwTryKyV".to_vec()),
            ("prefix", b"v2|eyJ1aWQiOiJ1LTg4MTIifQ==".to_vec()),
            ("brotli", reference::brotli(b"hello hello hello")),
            ("deflate", reference::deflate(b"hello hello hello")),
            ("msgpack", b"\x81\xa3url\xa9x.org/a?b".to_vec()),
            // {"a": [1, 2]}
            ("cbor", b"\xa1\x61a\x82\x01\x02".to_vec()),
            ("protobuf", b"\x08\x96\x01\x12\x05hello".to_vec()),
        ]
    }

    /// The examples of `examples.toml` for one text layer.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Examples {
        /// Each value and the text under the layer.
        #[serde(default)]
        decodes: std::collections::BTreeMap<String, String>,
        /// Values the layer must leave as they are.
        declines: Vec<String>,
    }

    #[test]
    fn text_layers_decode_their_examples_and_decline_the_rest() {
        let examples: std::collections::BTreeMap<String, Examples> =
            toml::from_str(include_str!("examples.toml")).expect("examples.toml");
        let decoders = default_decoders();
        for (name, examples) in examples {
            let Some(Decoder::Layer(layer)) = decoders.iter().find(|d| d.name() == name) else {
                panic!("examples.toml: {name} is not a layer decoder");
            };
            for (input, text) in &examples.decodes {
                let out = test_support::layer_text(&**layer, input);
                assert_eq!(out.as_deref(), Some(text.as_str()), "{name}: {input:?}");
            }
            for input in &examples.declines {
                let out = test_support::layer_text(&**layer, input);
                assert_eq!(out, None, "{name} should decline {input:?}");
            }
        }
    }

    fn sniff_implies_needs(input: &[u8]) -> Result<(), TestCaseError> {
        let profile = Profile::of(input);
        for decoder in default_decoders() {
            if decoder.sniff(input, &profile) {
                prop_assert!(
                    decoder.needs().met_by(input, &profile),
                    "{}'s sniff accepts {:?} but its needs refuse it",
                    decoder.name(),
                    String::from_utf8_lossy(input)
                );
            }
        }
        Ok(())
    }

    #[test]
    fn every_decoder_sniffs_its_own_example_and_its_needs_agree() {
        let decoders = default_decoders();
        for (name, input) in positives() {
            let decoder = decoders.iter().find(|d| d.name() == name).unwrap();
            let profile = Profile::of(&input);
            assert!(
                decoder.sniff(&input, &profile),
                "{name} example not sniffed"
            );
            assert!(decoder.needs().met_by(&input, &profile), "{name}");
            sniff_implies_needs(&input).unwrap();
        }
        assert_eq!(positives().len(), decoders.len(), "one example per decoder");
    }

    proptest! {
        #[test]
        fn needs_never_refuse_what_a_sniff_accepts(
            bytes in proptest::collection::vec(any::<u8>(), 0..48),
            text in "[a-zA-Z0-9+/=_.:?&%;#{}\\[\\]\\\\ -]{0,48}",
            example in 0..64usize,
            cut in 0..64usize,
        ) {
            sniff_implies_needs(&bytes)?;
            sniff_implies_needs(text.as_bytes())?;
            // Cut and spliced examples: near misses that some sniffs still accept.
            let examples = positives();
            let (_, input) = &examples[example % examples.len()];
            let cut = cut.min(input.len());
            sniff_implies_needs(&input[..cut])?;
            sniff_implies_needs(&input[input.len() - cut..])?;
            let mut spliced = input[..cut].to_vec();
            spliced.extend_from_slice(text.as_bytes());
            sniff_implies_needs(&spliced)?;
        }
    }
}
