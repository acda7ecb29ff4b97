//! Reading a decompressor's output in small steps under the budget (the Suricata way: grow the
//! output gradually, stop when it is both large and far out of proportion to the input).

use std::io::Read;

use crate::{Budget, DecodeError};

/// Largest growth of a decompressor's output at once.
pub(crate) const STEP: usize = 64 * 1024;

/// Drain `reader` (a decompressor over `input_len` compressed bytes) into a vector, charging the
/// budget step by step. `name` is the decoder's name for errors.
pub(crate) fn read_bounded(
    name: &'static str,
    mut reader: impl Read,
    input_len: usize,
    budget: &mut Budget,
) -> Result<Vec<u8>, DecodeError> {
    // A first guess from the input's size, then a step at a time: `read_to_end` fills the
    // spare capacity without zeroing it, in as few calls to the decompressor as it allows.
    let mut out = Vec::with_capacity(input_len.saturating_mul(4).clamp(4096, STEP));
    loop {
        out.reserve(STEP.min(out.capacity()));
        let read = match (&mut reader).take(STEP as u64).read_to_end(&mut out) {
            Ok(n) => n,
            Err(e) => return Err(DecodeError::invalid(name, e.to_string())),
        };
        if read == 0 {
            return Ok(out);
        }
        budget.charge_output(read)?;
        budget.check_ratio(input_len, out.len())?;
    }
}
