//! The schema-less protobuf decoder on arbitrary bytes, with a small budget: it must never
//! panic, must stay within the budget, and must only name fields by field number.
#![no_main]

use leakscope_decode::decoders::Protobuf;
use leakscope_decode::{Budget, Encoding, Limits, Structure};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_output: 1 << 20, ..Limits::default() };
    let mut budget = Budget::new(limits);
    if Protobuf.sniff_alone(data) {
        if let Ok(fields) = Protobuf.decode(data, &mut budget) {
            assert!(!fields.is_empty());
            for field in &fields {
                assert!(field.selector.starts_with('#'), "{}", field.selector);
                assert!(field.key.is_none());
                // A value is a slice of the input or a number as decimal text.
                assert!(field.value.len() <= data.len().max(20));
            }
        }
    }
    assert!(budget.output_used() <= limits.max_output);
});
