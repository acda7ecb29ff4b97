//! Bounded decompression: gzip, zlib, raw deflate, brotli and zstd.
//!
//! Every decoder takes the whole compressed value (captures and decoded layers are in memory)
//! and a [`Meter`] that the output is charged to as it grows, a step at a time, as Suricata
//! does: a step is charged as soon as it is produced and the expansion ratio is checked after
//! each, so a bomb stops within a step of its limit. [`Allowance`] is the meter of one value on
//! its own (a request body); a caller with an allowance shared across many values (the
//! decoder's per-request budget) implements [`Meter`] itself.
//!
//! The three deflate formats inflate straight into the output vector with miniz_oxide's core
//! ([`inflate`]); flate2's streaming readers keep a 32 KiB window of their own that is cleared
//! for every stream and copied out of, which cost more than the inflating on short payloads
//! (benches/README.md, "Inflate in memory"). Brotli and zstd are read through their crates'
//! streaming readers in steps ([`bounded_read`]).
//!
//! The decoders' own working memory is bounded too: brotli's window is at most 16 MiB by its
//! format, and a zstd frame declaring a window over [`zstd::MAX_WINDOW`] is refused before
//! decoding starts.

use std::borrow::Cow;
use std::fmt;

mod bounded_read;
pub mod brotli;
pub mod deflate;
#[cfg(test)]
mod every_format;
pub mod gzip;
mod inflate;
#[cfg(any(test, feature = "reference-encoders"))]
pub mod reference;
pub mod zlib;
pub mod zstd;

/// A compression format, as errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// gzip (RFC 1952).
    Gzip,
    /// zlib (RFC 1950).
    Zlib,
    /// Raw deflate (RFC 1951).
    Deflate,
    /// Brotli (RFC 7932).
    Brotli,
    /// Zstandard (RFC 8878).
    Zstd,
}

impl Format {
    /// The format's name: `gzip`, `zlib`, `deflate`, `brotli`, `zstd`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Gzip => "gzip",
            Format::Zlib => "zlib",
            Format::Deflate => "deflate",
            Format::Brotli => "brotli",
            Format::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a value could not be decompressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The input is not valid in the format (or is cut short, or has bytes after its end
    /// where the format allows none).
    #[error("not valid {format}: {reason}")]
    Invalid {
        /// The format being decoded.
        format: Format,
        /// What was wrong, for a person.
        reason: Cow<'static, str>,
    },
    /// The output hit a limit before the end of the input.
    #[error(transparent)]
    Exceeded(#[from] Exceeded),
}

/// The limit a decompression's output hit: a likely bomb. It is its own type so that a caller
/// with errors of its own (the decoder's `DecodeError`) can hold it as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Exceeded {
    /// The output would pass the meter's allowance.
    #[error("decoded output over the budget of {limit} bytes")]
    Output {
        /// The limit in bytes.
        limit: usize,
    },
    /// The output grew far out of proportion to the input.
    #[error("compression bomb: {input} bytes grew past {output} bytes (over {ratio}x)")]
    Bomb {
        /// Compressed size.
        input: usize,
        /// Output size when it was stopped.
        output: usize,
        /// The ratio limit.
        ratio: usize,
    },
}

impl Error {
    /// Whether the output hit a limit (a likely bomb) rather than the input being invalid.
    pub fn is_limit(&self) -> bool {
        matches!(self, Error::Exceeded(_))
    }

    pub(crate) fn invalid(format: Format, reason: impl Into<Cow<'static, str>>) -> Self {
        Error::Invalid {
            format,
            reason: reason.into(),
        }
    }
}

/// The expansion-ratio check: output that is both past `floor` bytes and more than `max_ratio`
/// times its input is a bomb. Small outputs are not checked, since small payloads compress
/// extremely well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    /// Most output bytes per input byte (in whole multiples) once past `floor`.
    pub max_ratio: usize,
    /// Output size under which the ratio is not checked.
    pub floor: usize,
}

impl Ratio {
    /// Check a decompression in progress: `output` bytes so far from `input` bytes.
    #[inline]
    pub fn check(&self, input: usize, output: usize) -> Result<(), Error> {
        if output > self.floor && output / input.max(1) > self.max_ratio {
            return Err(Exceeded::Bomb {
                input,
                output,
                ratio: self.max_ratio,
            }
            .into());
        }
        Ok(())
    }
}

/// Where decoded output is charged as it grows.
pub trait Meter {
    /// Bytes that may still be produced: sizes the first allocation, no more.
    fn room(&self) -> usize;

    /// Account for `bytes` more output; an error stops the decoding (a refused charge is not
    /// spent).
    fn charge(&mut self, bytes: usize) -> Result<(), Error>;

    /// The expansion-ratio check in force.
    fn ratio(&self) -> Ratio;
}

/// The limits of one value decoded on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes the value may decode to.
    pub max_output: usize,
    /// The expansion-ratio check.
    pub ratio: Ratio,
}

impl Limits {
    /// The output size past which a value of `input_len` compressed bytes is stopped, by the
    /// absolute limit or the ratio, whichever comes first.
    pub fn cap(&self, input_len: usize) -> usize {
        let by_ratio = input_len
            .saturating_mul(self.ratio.max_ratio.saturating_add(1))
            .saturating_sub(1)
            .max(self.ratio.floor);
        by_ratio.min(self.max_output)
    }
}

/// A [`Meter`] for one value on its own: [`Limits`] and what has been charged so far.
#[derive(Debug, Clone)]
pub struct Allowance {
    limits: Limits,
    used: usize,
}

impl Allowance {
    /// A fresh allowance.
    pub fn new(limits: Limits) -> Self {
        Allowance { limits, used: 0 }
    }

    /// Bytes charged so far.
    pub fn used(&self) -> usize {
        self.used
    }
}

impl Meter for Allowance {
    fn room(&self) -> usize {
        self.limits.max_output.saturating_sub(self.used)
    }

    fn charge(&mut self, bytes: usize) -> Result<(), Error> {
        let total = self.used.saturating_add(bytes);
        if total > self.limits.max_output {
            return Err(Exceeded::Output {
                limit: self.limits.max_output,
            }
            .into());
        }
        self.used = total;
        Ok(())
    }

    fn ratio(&self) -> Ratio {
        self.limits.ratio
    }
}

impl<M: Meter + ?Sized> Meter for &mut M {
    fn room(&self) -> usize {
        (**self).room()
    }

    fn charge(&mut self, bytes: usize) -> Result<(), Error> {
        (**self).charge(bytes)
    }

    fn ratio(&self) -> Ratio {
        (**self).ratio()
    }
}

/// Charge one step of output to `meter` and check the ratio of the value's output so far
/// (`output` bytes from `input` compressed bytes).
#[inline]
fn charge_step(
    meter: &mut (impl Meter + ?Sized),
    produced: usize,
    input: usize,
    output: usize,
) -> Result<(), Error> {
    meter.charge(produced)?;
    meter.ratio().check(input, output)
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::{Allowance, Limits, Ratio};

    /// The decoder's default limits for one request.
    pub const LIMITS: Limits = Limits {
        max_output: 64 << 20,
        ratio: Ratio {
            max_ratio: 200,
            floor: 1 << 20,
        },
    };

    pub fn allowance() -> Allowance {
        Allowance::new(LIMITS)
    }

    /// An allowance of 64 KiB, for arbitrary input.
    pub fn small_allowance() -> Allowance {
        Allowance::new(Limits {
            max_output: 1 << 16,
            ..LIMITS
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_output: 10 << 20,
            ..test_support::LIMITS
        }
    }

    #[test]
    fn the_ratio_is_only_checked_above_the_floor() {
        let ratio = limits().ratio;
        assert!(ratio.check(10, 500_000).is_ok(), "small output passes");
        assert!(ratio.check(1000, 2 << 20).is_err(), "2000x above the floor");
        assert!(ratio.check(100_000, 2 << 20).is_ok(), "20x is not");
        assert!(
            ratio.check(0, 2 << 20).is_err(),
            "nothing grew into something"
        );
    }

    #[test]
    fn an_allowance_refuses_a_charge_past_its_limit_and_does_not_spend_it() {
        let mut allowance = Allowance::new(Limits {
            max_output: 10,
            ..limits()
        });
        assert!(allowance.charge(6).is_ok());
        assert_eq!(allowance.room(), 4);
        assert_eq!(
            allowance.charge(5),
            Err(Exceeded::Output { limit: 10 }.into())
        );
        assert_eq!(allowance.used(), 6);
    }

    #[test]
    fn the_cap_is_where_either_check_stops_the_output() {
        let limits = limits();
        assert_eq!(limits.cap(100), 1 << 20, "the floor");
        assert_eq!(limits.cap(10_000), 201 * 10_000 - 1, "the ratio");
        assert_eq!(limits.cap(1 << 20), 10 << 20, "the absolute limit");
        for input in [100, 10_000, 1 << 20] {
            let cap = limits.cap(input);
            assert!(limits.ratio.check(input, cap).is_ok() || cap == limits.max_output);
            assert!(limits.ratio.check(input, cap + 1).is_err() || cap == limits.max_output);
        }
    }
}
