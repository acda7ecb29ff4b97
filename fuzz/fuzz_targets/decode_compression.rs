//! The decoders of brotli, raw deflate and zstd on arbitrary bytes, with a small budget: they
//! must never panic and the decoded output must never pass the budget. The input is also tried
//! behind a zstd magic number, so the fuzzer reaches the zstd frame decoder without first
//! having to find the magic.
#![no_main]

use leakscope_decode::decoders::{Brotli, RawDeflate, Zstd};
use leakscope_decode::{Budget, Decoder, Limits};
use libfuzzer_sys::fuzz_target;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn run(decoder: &dyn Decoder, input: &[u8]) {
    let limits = Limits { max_output: 1 << 20, ..Limits::default() };
    let mut budget = Budget::new(limits);
    if decoder.sniff_alone(input) {
        let _ = decoder.decode(input, &mut budget);
    }
    assert!(budget.output_used() <= limits.max_output);
}

fuzz_target!(|data: &[u8]| {
    run(&Brotli, data);
    run(&RawDeflate, data);
    run(&Zstd, data);
    let mut framed = ZSTD_MAGIC.to_vec();
    framed.extend_from_slice(data);
    run(&Zstd, &framed);
});
