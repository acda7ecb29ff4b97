//! Reading a decompressor's output in small steps under the budget (the Suricata way: grow the
//! output gradually, stop when it is both large and far out of proportion to the input).

use std::io::Read;

use crate::{Budget, DecodeError};

const STEP: usize = 64 * 1024;

/// Drain `reader` (a decompressor over `input_len` compressed bytes) into a vector, charging the
/// budget step by step. `name` is the decoder's name for errors.
pub(crate) fn read_bounded(
    name: &'static str,
    mut reader: impl Read,
    input_len: usize,
    budget: &mut Budget,
) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    loop {
        let start = out.len();
        out.resize(start + STEP, 0);
        let read = match reader.read(&mut out[start..]) {
            Ok(n) => n,
            Err(e) => return Err(DecodeError::invalid(name, e.to_string())),
        };
        out.truncate(start + read);
        if read == 0 {
            return Ok(out);
        }
        budget.charge_output(read)?;
        budget.check_ratio(input_len, out.len())?;
    }
}
