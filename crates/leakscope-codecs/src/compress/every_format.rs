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

const FORMATS: [Format; 5] = [
    Format::Gzip,
    Format::Zlib,
    Format::Deflate,
    Format::Brotli,
    Format::Zstd,
];

type Encode = fn(&[u8]) -> Vec<u8>;
type Decode = fn(&[u8], &mut Allowance) -> Result<Vec<u8>, Error>;

/// A format's reference encoder and its decoder here.
fn codec(format: Format) -> (Encode, Decode) {
    match format {
        Format::Gzip => (reference::gzip, |input, meter| gzip::decode(input, meter)),
        Format::Zlib => (reference::zlib, |input, meter| zlib::decode(input, meter)),
        Format::Deflate => (reference::deflate, |input, meter| {
            deflate::decode(input, meter).map(|raw| raw.bytes)
        }),
        Format::Brotli => (reference::brotli, |input, meter| {
            brotli::decode(input, meter)
        }),
        Format::Zstd => (reference::zstd, |input, meter| zstd::decode(input, meter)),
    }
}

/// Whether bytes after the end of a stream are an error (gzip, brotli, zstd) or left alone
/// (zlib, as zlib's own readers do; raw deflate, which reports where its stream ended).
fn refuses_trailing_bytes(format: Format) -> bool {
    !matches!(format, Format::Zlib | Format::Deflate)
}

/// About 400 KiB of JSON-like text: several of the decoders' steps.
fn events() -> Vec<u8> {
    (0..20_000u32)
        .flat_map(|i| format!("{{\"n\":{i},\"v\":\"{}\"}},", i * 7919).into_bytes())
        .collect()
}

#[test]
fn round_trips() {
    for format in FORMATS {
        let (encode, decode) = codec(format);
        for data in [&b""[..], b"{\"a\":1}", &events()] {
            let decoded = decode(&encode(data), &mut allowance());
            assert_eq!(decoded.as_deref(), Ok(data), "{format}");
        }
    }
}

#[test]
fn a_cut_stream_is_invalid() {
    for format in FORMATS {
        let (encode, decode) = codec(format);
        let packed = encode(&b"hello hello hello hello, compression".repeat(10));
        for cut in [1, 2, 5] {
            let err = decode(&packed[..packed.len() - cut], &mut allowance()).unwrap_err();
            assert!(
                matches!(err, Error::Invalid { format: named, .. } if named == format),
                "{format} cut by {cut}: {err}"
            );
        }
    }
}

#[test]
fn bytes_after_the_end_are_refused_or_left_as_the_format_says() {
    for format in FORMATS {
        let (encode, decode) = codec(format);
        let mut packed = encode(b"{\"event\":\"page_view\"}");
        packed.extend_from_slice(b"\0\0after");
        let decoded = decode(&packed, &mut allowance());
        if refuses_trailing_bytes(format) {
            assert!(decoded.is_err(), "{format}");
        } else {
            assert_eq!(
                decoded.as_deref(),
                Ok(&b"{\"event\":\"page_view\"}"[..]),
                "{format}"
            );
        }
    }
}

#[test]
fn an_allowance_nearly_spent_stops_the_output_within_it() {
    for format in FORMATS {
        let (encode, decode) = codec(format);
        let packed = encode(&[b'a'; 5000]);
        let mut meter = Allowance::new(Limits {
            max_output: 1000,
            ..LIMITS
        });
        let err = decode(&packed, &mut meter).unwrap_err();
        assert_eq!(err, Exceeded::Output { limit: 1000 }.into(), "{format}");
        assert!(meter.used() <= 1000, "{format}");
    }
}

#[test]
fn a_bomb_is_stopped_by_the_ratio_within_a_step() {
    let zeros = vec![0u8; 8 << 20];
    for format in FORMATS {
        let (encode, decode) = codec(format);
        let packed = encode(&zeros);
        let mut meter = allowance();
        let err = decode(&packed, &mut meter).unwrap_err();
        assert!(
            matches!(err, Error::Exceeded(Exceeded::Bomb { .. })),
            "{format}: {err}"
        );
        // The inflating's first buffer may be up to four steps.
        let cap = LIMITS.cap(packed.len()) + 4 * STEP;
        assert!(meter.used() <= cap, "{format}: {}", meter.used());
    }
}

proptest! {
    #[test]
    fn arbitrary_data_round_trips(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        for format in FORMATS {
            let (encode, decode) = codec(format);
            let decoded = decode(&encode(&data), &mut allowance());
            prop_assert_eq!(decoded.as_deref(), Ok(&data[..]), "{}", format);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_nor_pass_the_allowance(
        data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        for format in FORMATS {
            let (_, decode) = codec(format);
            let mut meter = small_allowance();
            let _ = decode(&data, &mut meter);
            prop_assert!(meter.used() <= 1 << 16, "{}", format);
        }
    }
}
