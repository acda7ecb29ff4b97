//! What every format's decoder does alike, tried on each of the five in one table: it inverts
//! the reference encoder, refuses a stream cut short, stays within its allowance and stops a
//! bomb at the ratio. The format modules test what is their own (headers, checksums, frames,
//! where the stream ends).

use proptest::prelude::*;

use super::bounded_read::STEP;
use super::test_support::{LIMITS, allowance, small_allowance};
use super::{
    Allowance, Error, Exceeded, Format, Limits, brotli, deflate, gzip, reference, zlib, zstd,
};

/// A format's reference encoder and its decoder here, with what the decoder makes of bytes
/// after the end of the stream.
struct Codec {
    format: Format,
    encode: fn(&[u8]) -> Vec<u8>,
    decode: fn(&[u8], &mut Allowance) -> Result<Vec<u8>, Error>,
    /// Whether bytes after the end are an error (gzip, brotli, zstd) or left alone (zlib, as
    /// zlib's own readers do; raw deflate, which reports where its stream ended).
    refuses_trailing_bytes: bool,
}

const CODECS: [Codec; 5] = [
    Codec {
        format: Format::Gzip,
        encode: reference::gzip,
        decode: |input, meter| gzip::decode(input, meter),
        refuses_trailing_bytes: true,
    },
    Codec {
        format: Format::Zlib,
        encode: reference::zlib,
        decode: |input, meter| zlib::decode(input, meter),
        refuses_trailing_bytes: false,
    },
    Codec {
        format: Format::Deflate,
        encode: reference::deflate,
        decode: |input, meter| deflate::decode(input, meter).map(|raw| raw.bytes),
        refuses_trailing_bytes: false,
    },
    Codec {
        format: Format::Brotli,
        encode: reference::brotli,
        decode: |input, meter| brotli::decode(input, meter),
        refuses_trailing_bytes: true,
    },
    Codec {
        format: Format::Zstd,
        encode: reference::zstd,
        decode: |input, meter| zstd::decode(input, meter),
        refuses_trailing_bytes: true,
    },
];

/// About 400 KiB of JSON-like text: several of the decoders' steps.
fn events() -> Vec<u8> {
    (0..20_000u32)
        .flat_map(|i| format!("{{\"n\":{i},\"v\":\"{}\"}},", i * 7919).into_bytes())
        .collect()
}

#[test]
fn round_trips() {
    for codec in &CODECS {
        for data in [&b""[..], b"{\"a\":1}", &events()] {
            let decoded = (codec.decode)(&(codec.encode)(data), &mut allowance());
            assert_eq!(decoded.as_deref(), Ok(data), "{}", codec.format);
        }
    }
}

#[test]
fn a_cut_stream_is_invalid() {
    for codec in &CODECS {
        let packed = (codec.encode)(&b"hello hello hello hello, compression".repeat(10));
        for cut in [1, 2, 5] {
            let err = (codec.decode)(&packed[..packed.len() - cut], &mut allowance()).unwrap_err();
            assert!(
                matches!(err, Error::Invalid { format, .. } if format == codec.format),
                "{} cut by {cut}: {err}",
                codec.format
            );
        }
    }
}

#[test]
fn bytes_after_the_end_are_refused_or_left_as_the_format_says() {
    for codec in &CODECS {
        let mut packed = (codec.encode)(b"{\"event\":\"page_view\"}");
        packed.extend_from_slice(b"\0\0after");
        let decoded = (codec.decode)(&packed, &mut allowance());
        if codec.refuses_trailing_bytes {
            assert!(decoded.is_err(), "{}", codec.format);
        } else {
            assert_eq!(
                decoded.as_deref(),
                Ok(&b"{\"event\":\"page_view\"}"[..]),
                "{}",
                codec.format
            );
        }
    }
}

#[test]
fn an_allowance_nearly_spent_stops_the_output_within_it() {
    for codec in &CODECS {
        let packed = (codec.encode)(&[b'a'; 5000]);
        let mut meter = Allowance::new(Limits {
            max_output: 1000,
            ..LIMITS
        });
        let err = (codec.decode)(&packed, &mut meter).unwrap_err();
        assert_eq!(
            err,
            Exceeded::Output { limit: 1000 }.into(),
            "{}",
            codec.format
        );
        assert!(meter.used() <= 1000, "{}", codec.format);
    }
}

#[test]
fn a_bomb_is_stopped_by_the_ratio_within_a_step() {
    let zeros = vec![0u8; 8 << 20];
    for codec in &CODECS {
        let packed = (codec.encode)(&zeros);
        let mut meter = allowance();
        let err = (codec.decode)(&packed, &mut meter).unwrap_err();
        assert!(
            matches!(err, Error::Exceeded(Exceeded::Bomb { .. })),
            "{}: {err}",
            codec.format
        );
        // The inflating's first buffer may be up to four steps.
        let cap = LIMITS.cap(packed.len()) + 4 * STEP;
        assert!(meter.used() <= cap, "{}: {}", codec.format, meter.used());
    }
}

proptest! {
    #[test]
    fn arbitrary_data_round_trips(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        for codec in &CODECS {
            let decoded = (codec.decode)(&(codec.encode)(&data), &mut allowance());
            prop_assert_eq!(decoded.as_deref(), Ok(&data[..]), "{}", codec.format);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_pass_the_allowance(
        data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        for codec in &CODECS {
            let mut meter = small_allowance();
            let _ = (codec.decode)(&data, &mut meter);
            prop_assert!(meter.used() <= 1 << 16, "{}", codec.format);
        }
    }
}
