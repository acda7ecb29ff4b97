//! Inflating a deflate stream held in memory: the common core of gzip, zlib and raw deflate.
//!
//! The whole compressed value is in memory, so the stream is inflated straight into the output
//! vector (miniz_oxide's non-wrapping mode, where back references read the output itself).
//! flate2's streaming decoders keep a 32 KiB window of their own, which is cleared for every
//! stream and then copied out of; on the short payloads telemetry sends, that cost more than the
//! inflating (see benches/README.md, "Inflate in memory").
//!
//! The output still grows a step at a time under the meter, as in the streaming formats: a step
//! is charged as soon as it is produced, and the expansion ratio is checked after each, so a
//! bomb stops within a step of the limit.

use std::cell::Cell;

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use super::bounded_read::STEP;
use super::{Error, Format, Meter, charge_step};

/// Smallest first allocation: below this, growing costs more than it saves.
const FIRST: usize = 4 * 1024;

/// What wraps the deflate data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wrapper {
    /// Nothing (raw deflate, and the inside of a gzip member).
    Raw,
    /// A zlib header before and an Adler-32 checksum after, both checked.
    Zlib,
}

/// One stream to inflate.
pub(super) struct Stream<'a> {
    /// The format being decoded, for errors.
    pub format: Format,
    /// Starts with the stream; may go on past its end.
    pub input: &'a [u8],
    pub wrapper: Wrapper,
    /// The whole compressed value's length, which the expansion ratio is measured against
    /// (a gzip value may hold several streams).
    pub value_len: usize,
    /// The inflated size if the format says it (gzip's trailer), as a first guess only: it
    /// is not trusted beyond the first allocation. `None`: guessed from the input's length.
    pub size_hint: Option<usize>,
}

impl<'a> Stream<'a> {
    /// A stream that is the whole value, of unknown inflated size.
    pub fn whole(format: Format, input: &'a [u8], wrapper: Wrapper) -> Self {
        Stream {
            format,
            input,
            wrapper,
            value_len: input.len(),
            size_hint: None,
        }
    }
}

/// Inflates `stream`, appending to `out` (which may hold the output of earlier streams of the
/// same value). Returns how many bytes of the input the stream took, its wrapper included.
pub(super) fn inflate(
    stream: &Stream<'_>,
    out: &mut Vec<u8>,
    meter: &mut (impl Meter + ?Sized),
) -> Result<usize, Error> {
    let mut state = take_state();
    let result = inflate_with(&mut state, stream, out, meter);
    STATE.with(|cached| cached.set(Some(state)));
    result
}

thread_local! {
    /// The decompressor of the last stream, kept for the next (as flate2 keeps its own across
    /// `reset`). Its state is about 11 KiB of Huffman tables, which `DecompressorOxide::init`
    /// leaves as they are: each is rebuilt before it is read. A new one is zeroed and moved
    /// into its box, which on a Sensors batch of 1 KiB was 13% of the whole unwrap's
    /// instructions.
    static STATE: Cell<Option<Box<DecompressorOxide>>> = const { Cell::new(None) };
}

/// The kept decompressor, reset to the start of a stream, or a new one.
fn take_state() -> Box<DecompressorOxide> {
    match STATE.with(Cell::take) {
        Some(mut state) => {
            state.init();
            state
        }
        None => Box::default(),
    }
}

fn inflate_with(
    state: &mut DecompressorOxide,
    stream: &Stream<'_>,
    out: &mut Vec<u8>,
    meter: &mut (impl Meter + ?Sized),
) -> Result<usize, Error> {
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
        | match stream.wrapper {
            Wrapper::Raw => 0,
            Wrapper::Zlib => {
                inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
                    | inflate_flags::TINFL_FLAG_COMPUTE_ADLER32
            }
        };
    let guess = stream
        .size_hint
        .unwrap_or(stream.input.len().saturating_mul(4))
        .clamp(FIRST, 4 * STEP)
        .min(meter.room().max(FIRST));
    // The stream sees only its own output: a back reference must not reach into what an
    // earlier stream of the value (an earlier gzip member) produced.
    let base = out.len();
    let mut filled = base;
    // The meter is charged, and the ratio checked, each time the output reaches the end of
    // a buffer of this schedule: the guess, then a step at a time. A stream of unknown size
    // has only `FIRST` bytes zeroed up front, and the rest of the guess as the output gets
    // there: raw deflate, whose guess is four times its input, is mostly tried on binary
    // values that are not deflate at all, and zeroing 64 KiB for each of them cost more than
    // failing. A stream that says its size (gzip's trailer) gets it whole: zeroing less made
    // the 1 KiB Sensors batch 4% slower (one more call and a copy).
    let mut boundary = base + guess;
    let zeroed = match stream.size_hint {
        Some(_) => guess,
        None => guess.min(FIRST),
    };
    out.resize(base + zeroed, 0);
    let mut unpaid = 0;
    let mut consumed = 0;
    loop {
        let rest = stream.input.get(consumed..).unwrap_or_default();
        let own = out.get_mut(base..).unwrap_or_default();
        let (status, used, produced) = decompress(state, rest, own, filled - base, flags);
        consumed += used;
        filled += produced;
        unpaid += produced;
        if status == TINFLStatus::HasMoreOutput && out.len() < boundary {
            let more = (out.len() - base).max(FIRST);
            out.resize(boundary.min(out.len() + more), 0);
            continue;
        }
        charge_step(meter, std::mem::take(&mut unpaid), stream.value_len, filled)?;
        match status {
            TINFLStatus::Done => {
                out.truncate(filled);
                return Ok(consumed);
            }
            TINFLStatus::HasMoreOutput => {
                boundary = out.len() + out.len().clamp(FIRST, STEP);
                out.resize(boundary, 0);
            }
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                return Err(Error::invalid(
                    stream.format,
                    "the stream ends before its final block",
                ));
            }
            TINFLStatus::Adler32Mismatch => {
                return Err(Error::invalid(
                    stream.format,
                    "the Adler-32 checksum does not match",
                ));
            }
            _ => {
                return Err(Error::invalid(stream.format, "not a valid deflate stream"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Exceeded;
    use super::super::reference::deflate;
    use super::super::test_support::{LIMITS, allowance};
    use super::*;

    fn stream(input: &[u8], size_hint: Option<usize>) -> Stream<'_> {
        Stream {
            format: Format::Deflate,
            input,
            wrapper: Wrapper::Raw,
            value_len: input.len(),
            size_hint,
        }
    }

    /// Sizes around every buffer edge, with size hints right, wrong and missing, and a kept
    /// decompressor from one stream to the next: the same output, all charged.
    #[test]
    fn any_size_hint_gives_the_whole_output_and_charges_it() {
        for len in [0, 1, 100, 4095, 4096, 4097, 20_000, 65_536, 70_000, 300_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * i % 251) as u8).collect();
            let packed = deflate(&data);
            for hint in [
                None,
                Some(0),
                Some(1),
                Some(len),
                Some(len + 1),
                Some(len * 2),
            ] {
                let mut out = b"earlier member".to_vec();
                let mut allowance = allowance();
                let used = inflate(&stream(&packed, hint), &mut out, &mut allowance).unwrap();
                assert_eq!(used, packed.len());
                assert_eq!(&out[..14], b"earlier member");
                assert!(out[14..] == data[..], "{len} bytes, hint {hint:?}");
                assert_eq!(allowance.used(), len);
            }
        }
    }

    /// The meter and the ratio are checked at the ends of the schedule's buffers (the guess,
    /// then a step at a time), however little of it is zeroed up front: a bomb is reported at
    /// the same output as when the whole guess was.
    #[test]
    fn a_bomb_stops_at_the_end_of_a_buffer_of_the_schedule() {
        let packed = deflate(&vec![0; 8 << 20]);
        let ratio = LIMITS.ratio;
        let mut end = (packed.len() * 4).clamp(FIRST, 4 * STEP);
        while !(end > ratio.floor && end / packed.len() > ratio.max_ratio) {
            end += end.clamp(FIRST, STEP);
        }
        let mut allowance = allowance();
        let error = inflate(&stream(&packed, None), &mut Vec::new(), &mut allowance).unwrap_err();
        assert!(
            matches!(error, Error::Exceeded(Exceeded::Bomb { output, .. }) if output == end),
            "{error:?}, expected at {end}"
        );
        assert_eq!(allowance.used(), end);
    }
}
