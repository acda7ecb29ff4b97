//! Reading a streaming decompressor's output in steps under a [`Meter`].

use std::io::Read;

use super::{Error, Format, Meter, charge_step};

/// Largest growth of a decompressor's output at once.
pub(super) const STEP: usize = 64 * 1024;

/// Drain `reader` (a decompressor over `input_len` compressed bytes) into a vector, charging
/// the meter step by step.
pub(super) fn read_bounded(
    format: Format,
    mut reader: impl Read,
    input_len: usize,
    meter: &mut (impl Meter + ?Sized),
) -> Result<Vec<u8>, Error> {
    // A first guess from the input's size, then a step at a time: `read_to_end` fills the
    // spare capacity without zeroing it, in as few calls to the decompressor as it allows.
    let mut out = Vec::with_capacity(input_len.saturating_mul(4).clamp(4096, STEP));
    loop {
        out.reserve(STEP.min(out.capacity()));
        let read = match (&mut reader).take(STEP as u64).read_to_end(&mut out) {
            Ok(n) => n,
            Err(e) => return Err(Error::invalid(format, e.to_string())),
        };
        if read == 0 {
            return Ok(out);
        }
        charge_step(meter, read, input_len, out.len())?;
    }
}
