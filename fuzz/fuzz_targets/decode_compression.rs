//! The decompressors (gzip, zlib, raw deflate, brotli, zstd) on arbitrary bytes, with a small
//! budget: they must never panic and the decoded output must never pass the budget. The input
//! is also tried behind each magic number (gzip's, a zlib header, zstd's), so the fuzzer
//! reaches the member headers and frame decoders without first having to find the magic.
#![no_main]

use leakscope_decode::decoders::{Brotli, Gzip, RawDeflate, Zlib, Zstd};
use leakscope_decode::{Budget, Layer, Limits};
use libfuzzer_sys::fuzz_target;

const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];
const ZLIB_HEADER: &[u8] = &[0x78, 0x9c];

fn run(decoder: &dyn Layer, input: &[u8]) {
    let limits = Limits { max_output: 1 << 20, ..Limits::default() };
    let mut budget = Budget::new(limits);
    if decoder.sniff_alone(input) {
        let _ = decoder.decode(input, &mut budget);
    }
    assert!(budget.output_used() <= limits.max_output);
}

fuzz_target!(|data: &[u8]| {
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
