//! What a decoder is: the [`Encoding`] it recognises, and one of two roles, a [`Layer`] that
//! yields bytes or a [`Structure`] that yields fields. The unwrapper holds each as a
//! [`Decoder`] and dispatches on the role in one `match`.

use std::ops::ControlFlow;

use crate::{Budget, Exceeded, Needs, Profile};

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
    /// The request's budget stopped the decoding: its total decoded output, or the expansion
    /// ratio of a decompression (`leakscope_codecs::compress`, whose error this is).
    #[error(transparent)]
    Budget(#[from] Exceeded),
}

impl DecodeError {
    /// Whether this error means a budget was exhausted (report it) rather than "not this
    /// encoding" (try the next decoder).
    pub fn is_budget(&self) -> bool {
        matches!(self, DecodeError::Budget(_))
    }

    /// [`DecodeError::Invalid`]: `input` is not `encoding`, for the reason given.
    pub fn invalid(encoding: &'static str, reason: impl Into<String>) -> Self {
        DecodeError::Invalid {
            encoding,
            reason: reason.into(),
        }
    }
}

/// One field of a structure as a decoder finds it, lent to a [`FieldSink`] for the duration of
/// the call: the selector and the value usually live in the decoder's buffers or the input
/// (a JSON string without escapes), so splitting a structure costs little more than finding
/// its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRef<'f> {
    /// Where in the structure, in its own notation (`$.events[0].url`).
    pub selector: &'f str,
    /// The nearest name the value is known by (`url`); `None` for values without a name.
    pub key: Option<&'f str>,
    /// The value's bytes (a JSON string unescaped; a number or boolean as its text).
    pub value: &'f [u8],
    /// True when the value cannot hold a further encoding (numbers, booleans, null), so the
    /// unwrapper emits it as a leaf without sniffing.
    pub terminal: bool,
}

/// One named value inside a structure, owned: what [`Structure::decode`] collects for tests
/// and one-off use. (The unwrapper keeps none: it takes each [`FieldRef`] as it is found.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Where in the structure, in its own notation (`$.events[0].url`).
    pub selector: String,
    /// The nearest name the value is known by (`url`); `None` for values without a name.
    pub key: Option<String>,
    /// The value's bytes (a JSON string unescaped; a number or boolean as its text).
    pub value: Vec<u8>,
    /// True when the value cannot hold a further encoding (numbers, booleans, null).
    pub terminal: bool,
}

impl Field {
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

impl From<FieldRef<'_>> for Field {
    fn from(field: FieldRef<'_>) -> Self {
        Field {
            selector: field.selector.to_owned(),
            key: field.key.map(str::to_owned),
            value: field.value.to_vec(),
            terminal: field.terminal,
        }
    }
}

/// Receives a structure's fields one at a time as the decoder finds them, with the request's
/// budget, and says whether to go on: `Break` when nothing more would be examined (the leaf
/// limit is reached), so the decoder can stop reading.
pub type FieldSink<'s> = dyn FnMut(&mut Budget, FieldRef<'_>) -> ControlFlow<()> + 's;

/// What [`Structure::split`] is lent besides its input: the profile the sniff saw, the
/// request's budget, and the sink the fields go to. One argument instead of three keeps every
/// structure decoder's signature to one line.
pub struct Split<'a, 's> {
    /// The input's profile (one pass over it, shared by all decoders).
    pub profile: &'a Profile,
    /// The request's budget: output that is not lent from the input is charged here.
    pub budget: &'a mut Budget,
    /// Where each field goes as it is found; it says `Break` when nothing more is wanted.
    pub sink: &'a mut FieldSink<'s>,
}

/// What [`Decoder::decode`] produced, by the decoder's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A layer came off: these bytes are the content under it.
    Bytes(Vec<u8>),
    /// A structure was split into named fields.
    Fields(Vec<Field>),
}

/// What a decoder says about itself, as data: the name shown in provenance paths (`base64`,
/// `gzip`, `json`) and what a value [`Needs`] to be worth its sniff. The unwrapper asks for it
/// once, when it is built, and tabulates the needs, so a decoder states them in one place.
///
/// ```
/// use leakscope_decode::{About, Needs, class};
///
/// let about = About::named("pairs").needs(Needs::ANYTHING.min_len(7).all_of(class::PUNCTUATION));
/// assert_eq!(about.name, "pairs");
/// assert!(!about.needs.met_by(b"a:1", &leakscope_decode::Profile::of(b"a:1")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    /// The name shown in provenance paths.
    pub name: &'static str,
    /// A necessary condition for [`Encoding::sniff`] to say yes, which the unwrapper checks
    /// first without a call through `dyn` (see [`Needs`]).
    pub needs: Needs,
}

impl About {
    /// A decoder called `name` that lets every value through to its sniff.
    pub const fn named(name: &'static str) -> About {
        About {
            name,
            needs: Needs::ANYTHING,
        }
    }

    /// This decoder, sniffing only values that meet `needs`: a decoder that states what it
    /// needs makes values it cannot match nearly free.
    pub const fn needs(self, needs: Needs) -> About {
        About { needs, ..self }
    }
}

/// What every decoder has, whatever its role: what it is ([`About`]: a name for provenance
/// paths and what a value needs to be worth a look) and a cheap sniff.
///
/// `sniff` runs on every value that passes the needs, so it must cost next to nothing and say
/// `false` early. A decoder implements this and then exactly one of [`Layer`] (yields bytes)
/// or [`Structure`] (yields fields), and is registered as a [`Decoder`] of that role.
pub trait Encoding: Send + Sync {
    /// The decoder's name and needs.
    fn about(&self) -> About;

    /// Could `input` be this encoding? False positives are fine (the decode will refuse), false
    /// negatives lose layers, cost matters most: `profile` (one pass over `input`, shared by
    /// all decoders) answers most questions without reading `input` again.
    fn sniff(&self, input: &[u8], profile: &Profile) -> bool;

    /// [`Encoding::sniff`] for a value on its own (tests, one-off use): profiles it first, and
    /// checks the needs as the unwrapper would.
    fn sniff_alone(&self, input: &[u8]) -> bool {
        let profile = Profile::of(input);
        self.about().needs.met_by(input, &profile) && self.sniff(input, &profile)
    }
}

/// A decoder that peels a layer off and yields the bytes under it: base64, gzip, percent.
///
/// The output must be charged to the [`Budget`] (the unwrapper charges whatever a layer
/// returns beyond what it charged, so a layer that forgets is still bounded), and output that
/// is not plausible for a real payload (binary noise from a word that happened to be valid
/// base64) refused with [`DecodeError::Implausible`]: the unwrapper sniffs and decodes the
/// output again.
pub trait Layer: Encoding {
    /// Peel this layer off `input`, whose profile (the one the sniff saw) is `profile`.
    fn peel(
        &self,
        input: &[u8],
        profile: &Profile,
        budget: &mut Budget,
    ) -> Result<Vec<u8>, DecodeError>;

    /// [`Layer::peel`] for a value on its own (tests, one-off use): profiles it first.
    fn decode(&self, input: &[u8], budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        self.peel(input, &Profile::of(input), budget)
    }
}

/// A decoder that splits a structure into named fields: JSON, a query string, protobuf.
///
/// Fields go to a sink one at a time as they are found and none is kept, so splitting a large
/// document costs no memory per field. Each field's value is unwrapped further unless it is
/// `terminal`.
pub trait Structure: Encoding {
    /// Hand each field of `input` (whose profile is `to.profile`) to `to.sink`, stopping when
    /// it says `Break`; output made along the way (an unescaped string, a number's text) that is
    /// not lent from the input is charged to `to.budget`.
    ///
    /// A structure may find the input malformed after it has handed over some fields (a JSON
    /// document cut short): it returns the error, and the unwrapper notes that the value broke
    /// off instead of trying other decoders on it. A structure that can tell noise from its
    /// format only by reading all of it (CBOR, protobuf) judges the whole input first.
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError>;

    /// Whether the input is itself a value worth classifying besides its fields. A URL is: it
    /// is browsing history, and its query parameters are leaves of their own.
    fn keeps_input(&self) -> bool {
        false
    }

    /// [`Structure::split`] for a value on its own (tests, one-off use), collecting the fields:
    /// each is charged to the budget (value and selector), and at most one more than the leaf
    /// limit is kept, so that a million empty strings do not become a million fields in memory
    /// while a caller still sees that the limit was passed.
    fn decode(&self, input: &[u8], budget: &mut Budget) -> Result<Vec<Field>, DecodeError> {
        let max_fields = budget.limits().max_leaves.saturating_add(1);
        let mut collected = Vec::new();
        let mut exhausted = None;
        let profile = Profile::of(input);
        let sink = &mut |budget: &mut Budget, field: FieldRef<'_>| {
            if collected.len() >= max_fields {
                return ControlFlow::Break(());
            }
            if let Err(error) = budget.charge_output(field.value.len() + field.selector.len()) {
                exhausted = Some(error);
                return ControlFlow::Break(());
            }
            collected.push(Field::from(field));
            ControlFlow::Continue(())
        };
        self.split(
            input,
            Split {
                profile: &profile,
                budget,
                sink,
            },
        )?;
        match exhausted {
            Some(error) => Err(error),
            None => Ok(collected),
        }
    }
}

/// A decoder as the unwrapper holds it: an [`Encoding`] in one of the two roles. The role is
/// fixed when the decoder is registered, so the unwrapper's dispatch is one `match`, and no
/// decoder can be asked for bytes and fields at once.
///
/// ```
/// use leakscope_decode::decoders::{Base64, Json};
/// use leakscope_decode::{Budget, Decoded, Decoder};
///
/// let decoders = [Decoder::layer(Base64), Decoder::structure(Json)];
/// let mut budget = Budget::default();
/// let Decoded::Bytes(json) = decoders[0].decode(b"eyJhIjoiYiJ9", &mut budget).unwrap() else {
///     unreachable!("base64 is a layer")
/// };
/// let Decoded::Fields(fields) = decoders[1].decode(&json, &mut budget).unwrap() else {
///     unreachable!("JSON is a structure")
/// };
/// assert_eq!((fields[0].selector.as_str(), &fields[0].value[..]), ("$.a", &b"b"[..]));
/// ```
pub enum Decoder {
    /// Yields the bytes under a layer.
    Layer(Box<dyn Layer>),
    /// Yields the fields of a structure.
    Structure(Box<dyn Structure>),
}

impl Decoder {
    /// `layer`, registered as a layer.
    pub fn layer(layer: impl Layer + 'static) -> Self {
        Decoder::Layer(Box::new(layer))
    }

    /// `structure`, registered as a structure.
    pub fn structure(structure: impl Structure + 'static) -> Self {
        Decoder::Structure(Box::new(structure))
    }

    /// What the decoder recognises, whatever its role.
    #[inline]
    pub fn encoding(&self) -> &dyn Encoding {
        match self {
            Decoder::Layer(layer) => &**layer,
            Decoder::Structure(structure) => &**structure,
        }
    }

    /// [`Encoding::about`].
    pub fn about(&self) -> About {
        self.encoding().about()
    }

    /// The decoder's name ([`About::name`]).
    pub fn name(&self) -> &'static str {
        self.about().name
    }

    /// What a value needs to be worth the decoder's sniff ([`About::needs`]).
    pub fn needs(&self) -> Needs {
        self.about().needs
    }

    /// [`Encoding::sniff`].
    #[inline]
    pub fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        self.encoding().sniff(input, profile)
    }

    /// [`Encoding::sniff_alone`].
    pub fn sniff_alone(&self, input: &[u8]) -> bool {
        self.encoding().sniff_alone(input)
    }

    /// The collecting decode of either role ([`Layer::decode`], [`Structure::decode`]), for
    /// tests and one-off use.
    pub fn decode(&self, input: &[u8], budget: &mut Budget) -> Result<Decoded, DecodeError> {
        match self {
            Decoder::Layer(layer) => layer.decode(input, budget).map(Decoded::Bytes),
            Decoder::Structure(structure) => structure.decode(input, budget).map(Decoded::Fields),
        }
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let role = match self {
            Decoder::Layer(_) => "Layer",
            Decoder::Structure(_) => "Structure",
        };
        f.debug_tuple(role).field(&self.name()).finish()
    }
}
