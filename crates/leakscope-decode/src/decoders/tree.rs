//! The walk shared by the binary formats with JSON's shape, CBOR and MessagePack: a map or an
//! array becomes one field per scalar, with the same JSONPath-like selectors as JSON
//! (`$.properties.$url`, `$[0].events[2].name`).
//!
//! A format is a [`Tree`]: a reader that turns its bytes into [`Item`]s, one header at a time,
//! and its own rule for what makes a document convincing. Everything else is here, once:
//!
//! - **Judge, then emit.** Neither format has a magic number, so the whole input is walked
//!   first without handing anything over ([`Tally`] counts what it is made of), and only a
//!   well-formed, convincing document is walked again to hand its fields to the sink: noise
//!   that starts like a document hands nothing over before it breaks.
//! - **Selectors and values.** A text map key is a member step (`.name`, `['odd name']`) and
//!   the field's key; an integer key is an index step (`[3]`, `[-1]`) and, like an array
//!   element, keeps the key of its map. Text and byte strings are handed back *not* terminal
//!   (they often hold further layers); integers are decimal text, floats as Rust displays them
//!   at the width they were sent in (charged to the budget), and `true`, `false`, `null`,
//!   `undefined` their names: all terminal.
//! - **Limits.** At most [`MAX_DEPTH`] levels of nesting; a container that declares more
//!   entries than the bytes left could hold is refused before its first entry; the document
//!   must fill the input exactly. Nothing is allocated from a declared length.

use std::borrow::Cow;
use std::ops::ControlFlow;

use super::selector::{FieldsOut, push_index, push_member};
use crate::{DecodeError, Split};

/// Deepest nesting of arrays and maps walked; deeper documents are refused. Real documents are
/// a few levels deep, and the walk recurses once a level, so this also bounds its stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// The shortest document considered: a map of one short name and a value (`{"a":1}` is four
/// bytes in either format), or an array of a string.
pub(crate) const MIN_LEN: usize = 4;

/// Printable text that a document without keys must hold to be convincing.
pub(crate) const MIN_TEXT: usize = 4;

/// Why a walk ended early.
pub(crate) enum Halt {
    /// The input is not well-formed in the format.
    Invalid(&'static str),
    /// The sink said to stop: not an error.
    Stop,
    /// The budget ran out formatting a float.
    Budget(DecodeError),
}

/// One data item as a format's reader finds it: a container's header, or a whole scalar with
/// its bytes lent from the input where it can.
#[derive(Debug, Clone)]
pub(crate) enum Item<'a> {
    /// A map of this many entries; `None`: until a [`Item::Break`] (CBOR's indefinite length).
    Map(Option<usize>),
    /// An array of this many items; `None`: until a [`Item::Break`].
    Array(Option<usize>),
    /// The end of a container of indefinite length.
    Break,
    /// A text string (CBOR's reader has checked it is UTF-8; MessagePack's `str` may not be).
    Text(Cow<'a, [u8]>),
    /// A byte string (MessagePack's `bin` and extension data too).
    Bytes(Cow<'a, [u8]>),
    /// A whole number from 0 to 2^64 − 1.
    Unsigned(u64),
    /// The whole number −1 − n (down to −2^64, as CBOR writes them).
    Negative(u64),
    /// A float sent in 32 bits or fewer, kept at its width so that it reads as it was written
    /// (`48.8584`, not the `48.8583984375` of the same bits widened).
    Float32(f32),
    /// A float sent in 64 bits.
    Float(f64),
    /// A simple value, by its name: `true`, `false`, `null`, `undefined`.
    Word(&'static str),
}

impl Item<'_> {
    /// A whole number as an item: a negative one as CBOR writes it.
    pub(crate) fn integer(number: i64) -> Self {
        match u64::try_from(number) {
            Ok(number) => Item::Unsigned(number),
            // −1 − number, which for a negative i64 is at most i64::MAX: no overflow.
            Err(_) => Item::Negative((-1 - number).unsigned_abs()),
        }
    }
}

/// Reads a document one item at a time, in the order the items are written.
pub(crate) trait Read<'a> {
    /// The next item. Tags and other annotations that only qualify the item after them are
    /// read past; a string's contents are read with it.
    fn item(&mut self) -> Result<Item<'a>, Halt>;

    /// Bytes not read yet.
    fn left(&self) -> usize;
}

/// A binary format with JSON's shape.
pub(crate) trait Tree {
    /// The decoder's name.
    const NAME: &'static str;

    /// Its reader.
    type Reader<'a>: Read<'a>;

    /// A reader at the document's first item, after anything that may precede it (CBOR's
    /// self-describe tag), or why `input` cannot open a document: it must be a map or an array.
    fn open(input: &[u8]) -> Result<Self::Reader<'_>, &'static str>;

    /// Whether a well-formed `input`, which [`Tally`] counted, is evidence enough of the format.
    fn is_convincing(input: &[u8], tally: &Tally) -> bool;
}

/// What a document is made of, counted by the judging walk.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Map keys, of any kind.
    pub(crate) keys: usize,
    /// Keys that are text; of those, the printable ones, the empty ones, and the printable
    /// ones of two bytes or more (names, rather than a letter that random bytes spell).
    pub(crate) text_keys: usize,
    pub(crate) printable_keys: usize,
    pub(crate) empty_keys: usize,
    pub(crate) names: usize,
    /// Scalars: every value that is not an array or a map.
    pub(crate) scalars: usize,
    /// Bytes of text values that are printable text.
    pub(crate) printable_text: usize,
}

impl Tally {
    /// Whether the document says something without keys: [`MIN_TEXT`] bytes or more of
    /// printable text values, what an array of strings has and random bytes almost never do.
    pub(crate) fn says_something_without_keys(&self) -> bool {
        self.keys == 0 && self.printable_text >= MIN_TEXT
    }

    /// Whether at least half of the keys are text: integer keys are allowed, but a document of
    /// integer keys alone is what random small numbers look like.
    pub(crate) fn keys_are_mostly_text(&self) -> bool {
        self.text_keys * 2 >= self.keys
    }
}

/// Whether `bytes` is a document of `T` convincing enough to be a layer of its own (what a
/// base64 or hex decoder, or a headerless decompressor, may produce).
pub(crate) fn is_convincing_document<T: Tree>(bytes: &[u8]) -> bool {
    bytes.len() >= MIN_LEN && judge::<T>(bytes).is_ok_and(|tally| T::is_convincing(bytes, &tally))
}

/// Hand the fields of `input`, a document of `T`, to `to.sink`, once the whole document is
/// judged well-formed and convincing: [`Structure::split`](crate::Structure::split) for `T`.
pub(crate) fn split<T: Tree>(input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
    let Split { budget, sink, .. } = to;
    let tally = judge::<T>(input).map_err(|reason| DecodeError::invalid(T::NAME, reason))?;
    if input.len() < MIN_LEN || !T::is_convincing(input, &tally) {
        return Err(DecodeError::Implausible { encoding: T::NAME });
    }
    let mut emit = Emit(FieldsOut::new(budget, sink));
    let mut reader = T::open(input).map_err(|reason| DecodeError::invalid(T::NAME, reason))?;
    match document(&mut reader, &mut emit) {
        // Stopping early (the leaf limit) is not an error.
        Ok(()) | Err(Halt::Stop) => Ok(()),
        Err(Halt::Budget(error)) => Err(error),
        // The judging walk read the same bytes the same way.
        Err(Halt::Invalid(reason)) => Err(DecodeError::invalid(T::NAME, reason)),
    }
}

/// Judges `input` as a whole: the tally of a well-formed document of `T`, or why it is not one.
fn judge<T: Tree>(input: &[u8]) -> Result<Tally, &'static str> {
    let mut reader = T::open(input)?;
    let mut tally = Tally::default();
    match document(&mut reader, &mut tally) {
        Ok(()) => Ok(tally),
        Err(Halt::Invalid(reason)) => Err(reason),
        // Nothing is handed over or charged while judging.
        Err(Halt::Stop | Halt::Budget(_)) => Err("stopped"),
    }
}

/// A step into a container.
enum Step<'n> {
    /// A map entry under a text key.
    Member(&'n str),
    /// A map entry under an integer key.
    Key(i128),
    /// An array's item.
    Element(usize),
}

/// What the walk does at each step: [`Tally`] counts, [`Emit`] builds selectors and hands
/// fields to the sink.
trait Visit {
    /// Entering a map entry or an array item; returns what [`Visit::leave`] needs to undo it.
    fn enter(&mut self, step: Step<'_>) -> usize;
    fn leave(&mut self, mark: usize);
    /// A scalar at the current place, known by `key`.
    fn scalar(&mut self, key: Option<&str>, item: Item<'_>) -> Result<(), Halt>;
}

/// The whole input as one document: one item, and nothing after it.
fn document<'a>(reader: &mut impl Read<'a>, visit: &mut impl Visit) -> Result<(), Halt> {
    value(reader, None, 0, visit)?;
    if reader.left() > 0 {
        return Err(Halt::Invalid("bytes after the document"));
    }
    Ok(())
}

/// One item and everything in it, known by `key`; `depth` containers around it.
fn value<'a>(
    reader: &mut impl Read<'a>,
    key: Option<&str>,
    depth: usize,
    visit: &mut impl Visit,
) -> Result<(), Halt> {
    let item = reader.item()?;
    value_from(reader, item, key, depth, visit)
}

/// [`value`] whose first item was already read.
fn value_from<'a>(
    reader: &mut impl Read<'a>,
    item: Item<'a>,
    key: Option<&str>,
    depth: usize,
    visit: &mut impl Visit,
) -> Result<(), Halt> {
    match item {
        Item::Array(len) => array(reader, len, key, depth + 1, visit),
        Item::Map(len) => map(reader, len, key, depth + 1, visit),
        Item::Break => Err(Halt::Invalid("a break outside an indefinite-length item")),
        scalar => visit.scalar(key, scalar),
    }
}

fn enter(depth: usize) -> Result<(), Halt> {
    if depth > MAX_DEPTH {
        return Err(Halt::Invalid("nested too deep"));
    }
    Ok(())
}

/// The item that starts the entry after `index` entries of a container of `len` (`None`: of
/// indefinite length), or `None` at the container's end.
fn next_entry<'a>(
    reader: &mut impl Read<'a>,
    len: Option<usize>,
    index: usize,
) -> Result<Option<Item<'a>>, Halt> {
    if len == Some(index) {
        return Ok(None);
    }
    let item = reader.item()?;
    Ok((len.is_some() || !matches!(item, Item::Break)).then_some(item))
}

fn array<'a>(
    reader: &mut impl Read<'a>,
    len: Option<usize>,
    key: Option<&str>,
    depth: usize,
    visit: &mut impl Visit,
) -> Result<(), Halt> {
    enter(depth)?;
    // Every item takes at least a byte.
    if len.is_some_and(|len| len > reader.left()) {
        return Err(Halt::Invalid("more items declared than bytes left"));
    }
    let mut index = 0usize;
    while let Some(item) = next_entry(reader, len, index)? {
        let mark = visit.enter(Step::Element(index));
        value_from(reader, item, key, depth, visit)?;
        visit.leave(mark);
        index += 1;
    }
    Ok(())
}

fn map<'a>(
    reader: &mut impl Read<'a>,
    len: Option<usize>,
    key: Option<&str>,
    depth: usize,
    visit: &mut impl Visit,
) -> Result<(), Halt> {
    enter(depth)?;
    // Every entry takes at least two bytes.
    if len.is_some_and(|len| len > reader.left() / 2) {
        return Err(Halt::Invalid("more entries declared than bytes left"));
    }
    let mut index = 0usize;
    while let Some(item) = next_entry(reader, len, index)? {
        match item {
            Item::Text(name) => {
                let name = into_text(name)?;
                let mark = visit.enter(Step::Member(&name));
                value(reader, Some(&name), depth, visit)?;
                visit.leave(mark);
            }
            // An integer key names no more than an array index does.
            Item::Unsigned(n) => {
                let mark = visit.enter(Step::Key(i128::from(n)));
                value(reader, key, depth, visit)?;
                visit.leave(mark);
            }
            Item::Negative(n) => {
                let mark = visit.enter(Step::Key(-1 - i128::from(n)));
                value(reader, key, depth, visit)?;
                visit.leave(mark);
            }
            _ => {
                return Err(Halt::Invalid(
                    "a map key that is neither text nor an integer",
                ));
            }
        }
        index += 1;
    }
    Ok(())
}

/// A text string as `str`: a map key names a step of the selector.
fn into_text(bytes: Cow<'_, [u8]>) -> Result<Cow<'_, str>, Halt> {
    let invalid = |_| Halt::Invalid("text that is not UTF-8");
    Ok(match bytes {
        Cow::Borrowed(bytes) => Cow::Borrowed(std::str::from_utf8(bytes).map_err(invalid)?),
        Cow::Owned(bytes) => {
            Cow::Owned(String::from_utf8(bytes).map_err(|e| invalid(e.utf8_error()))?)
        }
    })
}

impl Visit for Tally {
    fn enter(&mut self, step: Step<'_>) -> usize {
        match step {
            Step::Member(name) => {
                self.keys += 1;
                self.text_keys += 1;
                if crate::text::is_printable_text(name.as_bytes()) {
                    self.printable_keys += 1;
                    self.names += usize::from(name.len() >= 2);
                }
                self.empty_keys += usize::from(name.is_empty());
            }
            Step::Key(_) => self.keys += 1,
            Step::Element(_) => {}
        }
        0
    }

    fn leave(&mut self, _: usize) {}

    fn scalar(&mut self, _: Option<&str>, item: Item<'_>) -> Result<(), Halt> {
        self.scalars += 1;
        if let Item::Text(text) = item
            && crate::text::is_printable_text(&text)
        {
            self.printable_text += text.len();
        }
        Ok(())
    }
}

/// The second walk: selectors built as it goes, fields handed to the sink.
struct Emit<'e, 's>(FieldsOut<'e, 's>);

impl Emit<'_, '_> {
    fn hand(&mut self, key: Option<&str>, value: &[u8], terminal: bool) -> Result<(), Halt> {
        match self.0.hand(key, value, terminal) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Halt::Stop),
        }
    }

    fn hand_integer(&mut self, key: Option<&str>, number: impl itoa::Integer) -> Result<(), Halt> {
        let mut text = itoa::Buffer::new();
        self.hand(key, text.format(number).as_bytes(), true)
    }

    /// A float as Rust displays it at its width, charged to the budget (see
    /// [`FieldsOut::hand_float`]).
    fn hand_float(
        &mut self,
        key: Option<&str>,
        number: impl std::fmt::Display,
    ) -> Result<(), Halt> {
        match self.0.hand_float(key, number) {
            Ok(ControlFlow::Continue(())) => Ok(()),
            Ok(ControlFlow::Break(())) => Err(Halt::Stop),
            Err(error) => Err(Halt::Budget(error)),
        }
    }
}

impl Visit for Emit<'_, '_> {
    fn enter(&mut self, step: Step<'_>) -> usize {
        let mark = self.0.selector.len();
        match step {
            Step::Member(name) => push_member(&mut self.0.selector, name),
            Step::Key(number) => push_index(&mut self.0.selector, number),
            Step::Element(index) => push_index(&mut self.0.selector, index),
        }
        mark
    }

    fn leave(&mut self, mark: usize) {
        self.0.selector.truncate(mark);
    }

    fn scalar(&mut self, key: Option<&str>, item: Item<'_>) -> Result<(), Halt> {
        match item {
            // Strings can hold a further layer.
            Item::Text(bytes) | Item::Bytes(bytes) => self.hand(key, &bytes, false),
            Item::Unsigned(number) => self.hand_integer(key, number),
            Item::Negative(number) => self.hand_integer(key, -1 - i128::from(number)),
            Item::Float32(number) => self.hand_float(key, number),
            Item::Float(number) => self.hand_float(key, number),
            Item::Word(word) => self.hand(key, word.as_bytes(), true),
            // The walk goes into containers itself and never hands one here.
            Item::Map(_) | Item::Array(_) | Item::Break => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::Structure;
    use crate::decoders::{Cbor, MessagePack};

    #[test]
    fn one_document_gives_the_same_fields_in_either_format() {
        let document = json!({
            "event": "page_view",
            "properties": {"$url": "https://example.org/a", "odd name": [1, -2, 2.5, true, null]},
            "ids": [18446744073709551615u64, -9223372036854775808i64],
        });
        let mut cbor = Vec::new();
        ciborium::into_writer(&document, &mut cbor).expect("writing to a Vec");
        let msgpack = rmp_serde::to_vec(&document).expect("writing to a Vec");
        let mut budget = crate::Budget::default();
        let from_cbor = Cbor.decode(&cbor, &mut budget).unwrap();
        assert_eq!(
            from_cbor,
            MessagePack.decode(&msgpack, &mut budget).unwrap()
        );
        let selectors: Vec<&str> = from_cbor.iter().map(|f| f.selector.as_str()).collect();
        assert_eq!(
            selectors,
            [
                "$.event",
                "$.ids[0]",
                "$.ids[1]",
                "$.properties.$url",
                "$.properties['odd name'][0]",
                "$.properties['odd name'][1]",
                "$.properties['odd name'][2]",
                "$.properties['odd name'][3]",
                "$.properties['odd name'][4]",
            ]
        );
    }
}
