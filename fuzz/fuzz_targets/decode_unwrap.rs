//! The whole unwrapper on arbitrary bytes, with a small budget: it must never panic, and the
//! decoded output must never pass the budget.
#![no_main]

use leakscope_decode::{Budget, Limits, Path, Unwrapper};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_output: 1 << 20, ..Limits::default() };
    let mut budget = Budget::new(limits);
    let mut leaf_bytes = 0usize;
    Unwrapper::new().unwrap(Path::from_part("body"), None, data, &mut budget, &mut |leaf| {
        leaf_bytes += leaf.value.len();
    });
    assert!(budget.output_used() <= limits.max_output);
    assert!(leaf_bytes <= data.len() + limits.max_output);
});
