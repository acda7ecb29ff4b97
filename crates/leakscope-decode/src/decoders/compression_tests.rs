//! What the five compression layers add to the decompressors they share with request bodies
//! (`leakscope_codecs::compress`, where round trips, cut streams and bombs are tested): each
//! sniffs its own format and never text, peels it under the request's budget, and names itself
//! in its errors. Raw deflate and brotli, having no magic number, must also decompress to
//! something worth believing and end exactly at the end of the input.

use leakscope_codecs::compress::reference;
use proptest::prelude::*;

use super::test_support::Rng;
use super::{Brotli, Gzip, RawDeflate, Zlib, Zstd};
use crate::{Budget, DecodeError, Exceeded, Layer, Limits};

/// A layer and the reference encoder of its format.
type Codec = (&'static dyn Layer, fn(&[u8]) -> Vec<u8>);

const LAYERS: [Codec; 5] = [
    (&Gzip, reference::gzip),
    (&Zlib, reference::zlib),
    (&RawDeflate, reference::deflate),
    (&Brotli, reference::brotli),
    (&Zstd, reference::zstd),
];

/// The formats without a magic number, whose output is judged.
const HEADERLESS: [Codec; 2] = [
    (&RawDeflate, reference::deflate),
    (&Brotli, reference::brotli),
];

const EVENT: &[u8] = b"{\"event\":\"page_view\",\"url\":\"https://example.org/\"}";

/// `layer` sniffs `payload` compressed by its reference encoder and peels it back.
fn assert_peels((layer, encode): Codec, payload: &[u8]) {
    let packed = encode(payload);
    assert!(layer.sniff_alone(&packed), "{}", layer.about().name);
    let peeled = layer.decode(&packed, &mut Budget::default());
    assert_eq!(peeled.as_deref(), Ok(payload), "{}", layer.about().name);
}

#[test]
fn each_layer_sniffs_and_peels_its_own_format() {
    for codec in LAYERS {
        assert_peels(codec, EVENT);
    }
}

#[test]
fn text_is_never_sniffed() {
    let texts = [
        &b"hello world, this is text"[..],
        b"{\"a\":1}",
        b"dGhlIHF1aWNrIGJyb3duIGZveA==",
        "Grüße, 世界".as_bytes(),
        b"",
    ];
    for (layer, _) in LAYERS {
        for text in texts {
            assert!(!layer.sniff_alone(text), "{}: {text:?}", layer.about().name);
        }
    }
}

#[test]
fn a_cut_stream_is_invalid_in_the_layer_s_name() {
    for (layer, encode) in LAYERS {
        let packed = encode(&EVENT.repeat(10));
        let err = layer
            .decode(&packed[..packed.len() - 5], &mut Budget::default())
            .unwrap_err();
        assert!(
            matches!(err, DecodeError::Invalid { encoding, .. } if encoding == layer.about().name),
            "{}: {err}",
            layer.about().name
        );
    }
}

#[test]
fn a_budget_nearly_spent_stops_the_output_within_it() {
    for (layer, encode) in LAYERS {
        let packed = encode(&[b'a'; 5000]);
        let mut budget = Budget::new(Limits {
            max_output: 1000,
            ..Limits::default()
        });
        let err = layer.decode(&packed, &mut budget).unwrap_err();
        assert_eq!(
            err,
            DecodeError::Budget(Exceeded::Output { limit: 1000 }),
            "{}",
            layer.about().name
        );
        assert!(budget.output_used() <= 1000, "{}", layer.about().name);
    }
}

#[test]
fn a_bomb_is_stopped_by_the_budget_s_ratio() {
    let zeros = vec![0u8; 8 << 20];
    for (layer, encode) in LAYERS {
        let packed = encode(&zeros);
        let mut budget = Budget::default();
        let err = layer.decode(&packed, &mut budget).unwrap_err();
        assert!(
            matches!(err, DecodeError::Budget(Exceeded::Bomb { .. })),
            "{}: {err}",
            layer.about().name
        );
        assert!(budget.output_used() < 2 << 20, "{}", layer.about().name);
    }
}

#[test]
fn headerless_output_must_be_text_or_a_plausible_message() {
    let noise: Vec<u8> = (0..200u32).map(|i| (i * 7919 % 251) as u8).collect();
    let protobuf = [0x08, 0x96, 0x01, 0x12, 0x03, 0xff, 0x00, 0x01];
    let zstd = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00];
    for codec @ (layer, encode) in HEADERLESS {
        let implausible = Err(DecodeError::Implausible {
            encoding: layer.about().name,
        });
        assert_eq!(
            layer.decode(&encode(&noise), &mut Budget::default()),
            implausible
        );
        assert_peels(codec, &protobuf);
        assert_peels(codec, &zstd);
    }
}

#[test]
fn a_headerless_stream_must_end_at_the_end_of_the_input() {
    for (layer, encode) in HEADERLESS {
        let mut packed = encode(EVENT);
        packed.push(0);
        let err = layer.decode(&packed, &mut Budget::default()).unwrap_err();
        assert!(!err.is_budget(), "{}: {err}", layer.about().name);
    }
}

#[test]
fn random_bytes_are_rarely_taken_for_a_headerless_format() {
    let mut rng = Rng::new(0x1234_5678_9abc_def0);
    for (layer, _) in HEADERLESS {
        let mut accepted = 0;
        let mut tried = 0;
        for len in (6..70).chain([256, 1024]) {
            for _ in 0..200 {
                let input = rng.bytes(len);
                tried += 1;
                if layer.sniff_alone(&input) && layer.decode(&input, &mut Budget::default()).is_ok()
                {
                    accepted += 1;
                }
            }
        }
        assert!(
            accepted * 1000 < tried,
            "{}: {accepted}/{tried}",
            layer.about().name
        );
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_pass_the_budget(
        data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        for (layer, _) in LAYERS {
            let mut budget = Budget::new(Limits { max_output: 1 << 16, ..Limits::default() });
            if layer.sniff_alone(&data) {
                let _ = layer.decode(&data, &mut budget);
            }
            prop_assert!(budget.output_used() <= 1 << 16, "{}", layer.about().name);
        }
    }

    #[test]
    fn headerless_text_is_peeled(text in "[ -~]{1,500}") {
        for (layer, encode) in HEADERLESS {
            let packed = encode(text.as_bytes());
            if layer.sniff_alone(&packed) {
                let peeled = layer.decode(&packed, &mut Budget::default());
                prop_assert_eq!(peeled.as_deref(), Ok(text.as_bytes()), "{}", layer.about().name);
            }
        }
    }
}
