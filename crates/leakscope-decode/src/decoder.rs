//! The `Decoder` trait: one encoding layer.

use std::borrow::Cow;

use crate::{Budget, Needs, Profile};

/// Why a decoder did not produce output. Most of these just mean "not this encoding": the
/// unwrapper then tries the next decoder. The budget errors are different: they stop the
/// unwrapping of that value and become a note on the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input is not valid for this encoding.
    #[error("not valid {encoding}: {reason}")]
    Invalid {
        /// The decoder's name.
        encoding: &'static str,
        /// What was wrong, for a person.
        reason: String,
    },
    /// The output was well-formed but not plausible (binary noise from something that only
    /// looked like the encoding).
    #[error("{encoding} output is not plausible")]
    Implausible {
        /// The decoder's name.
        encoding: &'static str,
    },
    /// The request's total decoded output would pass the budget.
    #[error("decoded output over the budget of {limit} bytes")]
    OutputLimit {
        /// The limit in bytes.
        limit: usize,
    },
    /// A decompression grew far out of proportion to its input.
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

impl DecodeError {
    /// Whether this error means a budget was exhausted (report it) rather than "not this
    /// encoding" (try the next decoder).
    pub fn is_budget(&self) -> bool {
        matches!(
            self,
            DecodeError::OutputLimit { .. } | DecodeError::Bomb { .. }
        )
    }

    pub(crate) fn invalid(encoding: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::Invalid {
            encoding,
            reason: reason.into(),
        }
    }
}

/// One named value inside a structure (a JSON member, a query parameter). Names and values
/// borrow from the decoder's input where they can (a JSON string without escapes), so splitting
/// a structure costs little more than finding its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// Where in the structure, in its own notation (`$.events[0].url`).
    pub selector: String,
    /// The nearest name the value is known by (`url`); `None` for values without a name.
    pub key: Option<Cow<'a, str>>,
    /// The value's bytes (a JSON string unescaped; a number or boolean as its text).
    pub value: Cow<'a, [u8]>,
    /// True when the value cannot hold a further encoding (numbers, booleans, null), so the
    /// unwrapper emits it as a leaf without sniffing.
    pub terminal: bool,
}

/// What one decoding step produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// A layer came off: these bytes are the content under it.
    Bytes(Vec<u8>),
    /// A structure was split into named fields.
    Fields(Vec<Field<'a>>),
}

/// One encoding layer.
///
/// Implementations are small: a name for provenance paths, a cheap sniff and a decode. `sniff`
/// runs on every value of every request, so it must cost next to nothing and say `false` early;
/// `decode` may be expensive but must charge what it produces to the [`Budget`] and must reject
/// output that is not plausible for a real payload.
pub trait Decoder: Send + Sync {
    /// The name shown in provenance paths (`base64`, `gzip`, `json`).
    fn name(&self) -> &'static str;

    /// Could `input` be this encoding? False positives are fine (decode will refuse), false
    /// negatives lose layers, cost matters most: `profile` (one pass over `input`, shared by
    /// all decoders) answers most questions without reading `input` again.
    fn sniff(&self, input: &[u8], profile: &Profile) -> bool;

    /// A necessary condition for [`Decoder::sniff`] to say yes, which the unwrapper checks
    /// first without a call through `dyn` (see [`Needs`]). The default lets every value through
    /// to the sniff; a decoder that states what it needs makes values it cannot match nearly
    /// free.
    fn needs(&self) -> Needs {
        Needs::ANYTHING
    }

    /// [`Decoder::sniff`] for a value on its own (tests, one-off use): profiles it first.
    fn sniff_alone(&self, input: &[u8]) -> bool {
        let profile = Profile::of(input);
        self.needs().met_by(input.len(), &profile) && self.sniff(input, &profile)
    }

    /// Peel this layer off `input`.
    fn decode<'a>(&self, input: &'a [u8], budget: &mut Budget) -> Result<Decoded<'a>, DecodeError>;

    /// [`Decoder::decode`] given the profile the sniff saw, for decoders that would otherwise
    /// read the input again to learn the same things (base64's alphabet and whitespace).
    fn decode_profiled<'a>(
        &self,
        input: &'a [u8],
        profile: &Profile,
        budget: &mut Budget,
    ) -> Result<Decoded<'a>, DecodeError> {
        let _ = profile;
        self.decode(input, budget)
    }

    /// Whether the input is itself a value worth classifying besides what it decodes into.
    /// A URL is: it is browsing history, and its query parameters are leaves of their own.
    /// An encoding layer is not: base64 text means nothing until decoded.
    fn keeps_input(&self) -> bool {
        false
    }
}
