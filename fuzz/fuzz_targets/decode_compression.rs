//! The decompressors (gzip, zlib, raw deflate, brotli, zstd) on arbitrary bytes, with a small
//! budget: they must never panic and the decoded output must never pass the budget. The input
//! is also tried behind each magic number (gzip's, a zlib header, zstd's), so the fuzzer
//! reaches the member headers and frame decoders without first having to find the magic.
//! The shared decompressors are also run on their own (as `Content-Encoding` removal runs
//! them), under a small allowance they must never pass.
#![no_main]

use leakscope_codecs::compress::{self, Allowance, Ratio};
use leakscope_decode::decoders::{Brotli, Gzip, RawDeflate, Zlib, Zstd};
use leakscope_decode::{Budget, Layer, Limits};
use libfuzzer_sys::fuzz_target;

const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];
const ZLIB_HEADER: &[u8] = &[0x78, 0x9c];

fn run(decoder: &dyn Layer, input: &[u8]) {
    let limits = Limits {
        max_output: 1 << 20,
        ..Limits::default()
    };
    let mut budget = Budget::new(limits);
    if decoder.sniff_alone(input) {
        let _ = decoder.decode(input, &mut budget);
    }
    assert!(budget.output_used() <= limits.max_output);
}

/// Each decompressor of `leakscope-codecs` alone, as `Content-Encoding` removal calls them.
fn run_codecs(input: &[u8]) {
    let limits = compress::Limits {
        max_output: 1 << 20,
        ratio: Ratio {
            max_ratio: 1000,
            floor: 1 << 16,
        },
    };
    let decoders: [fn(&[u8], &mut Allowance) -> Option<usize>; 5] = [
        |i, m| compress::gzip::decode(i, m).ok().map(|o| o.len()),
        |i, m| compress::zlib::decode(i, m).ok().map(|o| o.len()),
        |i, m| compress::deflate::decode(i, m).ok().map(|o| o.bytes.len()),
        |i, m| compress::brotli::decode(i, m).ok().map(|o| o.len()),
        |i, m| compress::zstd::decode(i, m).ok().map(|o| o.len()),
    ];
    for decode in decoders {
        let mut allowance = Allowance::new(limits);
        if let Some(len) = decode(input, &mut allowance) {
            assert_eq!(len, allowance.used());
        }
        assert!(allowance.used() <= limits.max_output);
    }
}

fuzz_target!(|data: &[u8]| {
    run_codecs(data);
    for decoder in [&Gzip as &dyn Layer, &Zlib, &RawDeflate, &Brotli, &Zstd] {
        run(decoder, data);
    }
    for (decoder, magic) in [
        (&Gzip as &dyn Layer, GZIP_MAGIC),
        (&Zlib, ZLIB_HEADER),
        (&Zstd, ZSTD_MAGIC),
    ] {
        let mut framed = magic.to_vec();
        framed.extend_from_slice(data);
        run(decoder, &framed);
    }
});
