//! Bounds on decoding work, so that hostile input ends with a note instead of a crash.

use leakscope_codecs::compress::{self, Allowance, Meter, Ratio};

use crate::DecodeError;

/// The limits one [`Budget`] enforces. The defaults suit one captured HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How many layers deep the unwrapper may go (a JSON field counts as a layer).
    pub max_depth: usize,
    /// Total bytes all decoders together may produce for one request.
    pub max_output: usize,
    /// A decompression whose output exceeds both this multiple of its input and
    /// [`Limits::bomb_floor`] is stopped as a compression bomb.
    pub max_ratio: usize,
    /// Output size below which the ratio is not checked: small payloads compress very well.
    pub bomb_floor: usize,
    /// How many leaves one request may produce.
    pub max_leaves: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 8,
            max_output: 64 << 20,
            max_ratio: 200,
            bomb_floor: 1 << 20,
            max_leaves: 100_000,
        }
    }
}

/// Something the unwrapper wants the report to say about a request: a limit that was reached,
/// and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The provenance path (as text) where it happened.
    pub location: String,
    /// What happened, for a person.
    pub message: String,
}

/// How many notes one request keeps (one more says the rest were left out).
pub const MAX_NOTES: usize = 32;

/// The decoding allowance of one request, spent as decoders produce output.
#[derive(Debug, Clone)]
pub struct Budget {
    limits: Limits,
    /// The request's decoded output, charged as the decompressors charge one value's.
    output: Allowance,
    leaves: usize,
    leaves_refused: usize,
    notes: Vec<Note>,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(Limits::default())
    }
}

impl Budget {
    /// A fresh budget with the given limits.
    pub fn new(limits: Limits) -> Self {
        Budget {
            limits,
            output: Allowance::new(compress::Limits {
                max_output: limits.max_output,
                ratio: Ratio {
                    max_ratio: limits.max_ratio,
                    floor: limits.bomb_floor,
                },
            }),
            leaves: 0,
            leaves_refused: 0,
            notes: Vec::new(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Bytes of decoded output produced so far.
    pub fn output_used(&self) -> usize {
        self.output.used()
    }

    /// Bytes that may still be produced.
    pub fn output_left(&self) -> usize {
        self.output.room()
    }

    /// Account for `bytes` more decoded output; fails when the total would pass the limit.
    pub fn charge_output(&mut self, bytes: usize) -> Result<(), DecodeError> {
        Meter::charge(self, bytes).map_err(DecodeError::from)
    }

    /// Check a decompression in progress: `output` bytes so far from `input` bytes.
    pub fn check_ratio(&self, input: usize, output: usize) -> Result<(), DecodeError> {
        Meter::ratio(self)
            .check(input, output)
            .map_err(DecodeError::from)
    }

    /// Account for one more leaf; false when the leaf limit is reached.
    pub fn take_leaf(&mut self) -> bool {
        if self.leaves >= self.limits.max_leaves {
            self.leaves_refused += 1;
            return false;
        }
        self.leaves += 1;
        true
    }

    /// Whether a leaf has been refused: nothing more will be examined in this request.
    pub fn leaf_limit_reached(&self) -> bool {
        self.leaves_refused > 0
    }

    /// Whether the leaf limit was already reached before the last refusal (so that it is
    /// noted once, not once per refused leaf).
    pub(crate) fn leaf_limit_noted(&self) -> bool {
        self.leaves_refused > 1
    }

    /// Record a note for the report. Past [`MAX_NOTES`] a request's notes end with one that
    /// says more were left out: a body of a thousand broken values is one problem, not a
    /// thousand lines of report.
    pub fn note(&mut self, location: impl Into<String>, message: impl Into<String>) {
        match self.notes.len() {
            n if n < MAX_NOTES => self.notes.push(Note {
                location: location.into(),
                message: message.into(),
            }),
            MAX_NOTES => self.notes.push(Note {
                location: location.into(),
                message: format!("more than {MAX_NOTES} notes for this request: the rest left out"),
            }),
            _ => {}
        }
    }

    /// The notes recorded so far.
    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    /// Take the notes, leaving none.
    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }
}

/// The decompressors (`leakscope_codecs::compress`) charge their output to the request's budget
/// a step at a time, and check the expansion ratio with its limits.
impl Meter for Budget {
    fn room(&self) -> usize {
        self.output.room()
    }

    fn charge(&mut self, bytes: usize) -> Result<(), compress::Error> {
        self.output.charge(bytes)
    }

    fn ratio(&self) -> Ratio {
        self.output.ratio()
    }
}

impl From<compress::Error> for DecodeError {
    fn from(error: compress::Error) -> Self {
        match error {
            compress::Error::Invalid { format, reason } => DecodeError::Invalid {
                encoding: format.name(),
                reason: reason.into_owned(),
            },
            compress::Error::Exceeded(exceeded) => DecodeError::Budget(exceeded),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_stop_after_the_cap_with_one_that_says_so() {
        let mut budget = Budget::default();
        for i in 0..100 {
            budget.note(format!("body > json $[{i}]"), "broke off");
        }
        assert_eq!(budget.notes().len(), MAX_NOTES + 1);
        assert!(
            budget.notes()[MAX_NOTES]
                .message
                .contains("the rest left out")
        );
    }

    #[test]
    fn output_is_charged_until_the_limit() {
        let mut budget = Budget::new(Limits {
            max_output: 10,
            ..Limits::default()
        });
        assert!(budget.charge_output(6).is_ok());
        assert_eq!(budget.output_left(), 4);
        assert!(matches!(
            budget.charge_output(5),
            Err(DecodeError::Budget(crate::Exceeded::Output { limit: 10 }))
        ));
        assert_eq!(budget.output_used(), 6, "a refused charge is not spent");
    }

    #[test]
    fn ratio_is_only_checked_above_the_floor() {
        let budget = Budget::new(Limits::default());
        assert!(
            budget.check_ratio(10, 500_000).is_ok(),
            "small output passes"
        );
        assert!(
            budget.check_ratio(1000, 2 << 20).is_err(),
            "2000x above the floor is a bomb"
        );
        assert!(budget.check_ratio(100_000, 2 << 20).is_ok(), "20x is not");
        assert!(budget.check_ratio(4 << 20, 8 << 20).is_ok(), "2x is not");
    }
}
