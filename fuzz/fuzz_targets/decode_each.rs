//! Every decoder on its own, on arbitrary bytes: the sniff is skipped (decode must refuse bad
//! input by itself, never panic), and output never passes the budget.
#![no_main]

use leakscope_decode::decoders::default_decoders;
use leakscope_decode::{Budget, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_output: 1 << 20, ..Limits::default() };
    for decoder in default_decoders() {
        let mut budget = Budget::new(limits);
        let _ = decoder.sniff_alone(data);
        let _ = decoder.decode(data, &mut budget);
        assert!(budget.output_used() <= limits.max_output, "{}", decoder.name());
    }
});
