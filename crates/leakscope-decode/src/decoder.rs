//! The `Decoder` trait: one encoding layer.

use std::borrow::Cow;
use std::ops::ControlFlow;

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

/// One field of a structure as a decoder finds it, lent to a [`FieldSink`] for the duration of
/// the call: the selector and the value usually live in the decoder's buffers or the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef<'f> {
    /// Where in the structure, in its own notation (`$.events[0].url`).
    pub selector: &'f str,
    /// The nearest name the value is known by (`url`); `None` for values without a name.
    pub key: Option<&'f str>,
    /// The value's bytes (a JSON string unescaped; a number or boolean as its text).
    pub value: &'f [u8],
    /// True when the value cannot hold a further encoding (numbers, booleans, null).
    pub terminal: bool,
}

impl Field<'_> {
    /// This field, lent.
    pub fn as_ref(&self) -> FieldRef<'_> {
        FieldRef {
            selector: &self.selector,
            key: self.key.as_deref(),
            value: &self.value,
            terminal: self.terminal,
        }
    }
}

/// Receives a structure's fields one at a time as the decoder finds them, with the request's
/// budget, and says whether to go on: `Break` when nothing more would be examined (the leaf
/// limit is reached), so the decoder can stop reading.
pub type FieldSink<'s> = dyn FnMut(&mut Budget, FieldRef<'_>) -> ControlFlow<()> + 's;

/// What one step of the unwrapper's [`Decoder::decode_into`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A layer came off: these bytes are the content under it.
    Layer(Vec<u8>),
    /// A structure was split: its fields went to the sink as they were found.
    Split,
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
        self.needs().met_by(input, &profile) && self.sniff(input, &profile)
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

    /// The unwrapper's way in. A layer comes back as bytes; a structure hands each field to
    /// `fields` as it finds it and keeps none, so splitting a large document costs no memory
    /// per field. The default runs [`Decoder::decode_profiled`] and hands over the fields it
    /// collected; structure decoders override this to stream, and implement `decode` with
    /// [`collect_fields`].
    ///
    /// A streaming decoder may find the input malformed after it has handed over some fields
    /// (a JSON document cut short): it returns the error, and the unwrapper notes that the
    /// value broke off instead of trying other decoders on it.
    fn decode_into(
        &self,
        input: &[u8],
        profile: &Profile,
        budget: &mut Budget,
        fields: &mut FieldSink<'_>,
    ) -> Result<Output, DecodeError> {
        match self.decode_profiled(input, profile, budget)? {
            Decoded::Bytes(bytes) => Ok(Output::Layer(bytes)),
            Decoded::Fields(collected) => {
                for field in &collected {
                    if fields(budget, field.as_ref()).is_break() {
                        break;
                    }
                }
                Ok(Output::Split)
            }
        }
    }

    /// Whether the input is itself a value worth classifying besides what it decodes into.
    /// A URL is: it is browsing history, and its query parameters are leaves of their own.
    /// An encoding layer is not: base64 text means nothing until decoded.
    fn keeps_input(&self) -> bool {
        false
    }
}

/// [`Decoder::decode`] for a structure decoder that streams through [`Decoder::decode_into`]:
/// collects the fields, owned, charging each (value and selector) to the budget, and keeps at
/// most one more than the leaf limit, so that a million empty strings do not become a million
/// fields in memory while a caller still sees that the limit was passed.
pub fn collect_fields(
    decoder: &(impl Decoder + ?Sized),
    input: &[u8],
    budget: &mut Budget,
) -> Result<Decoded<'static>, DecodeError> {
    let max_fields = budget.limits().max_leaves.saturating_add(1);
    let mut collected = Vec::new();
    let mut exhausted = None;
    let output =
        decoder.decode_into(input, &Profile::of(input), budget, &mut |budget, field| {
            if collected.len() >= max_fields {
                return ControlFlow::Break(());
            }
            if let Err(error) = budget.charge_output(field.value.len() + field.selector.len()) {
                exhausted = Some(error);
                return ControlFlow::Break(());
            }
            collected.push(Field {
                selector: field.selector.to_owned(),
                key: field.key.map(|k| Cow::Owned(k.to_owned())),
                value: Cow::Owned(field.value.to_vec()),
                terminal: field.terminal,
            });
            ControlFlow::Continue(())
        })?;
    if let Some(error) = exhausted {
        return Err(error);
    }
    Ok(match output {
        Output::Layer(bytes) => Decoded::Bytes(bytes),
        Output::Split => Decoded::Fields(collected),
    })
}
