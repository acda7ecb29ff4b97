//! Selectors in JSONPath notation, shared by the decoders of self-describing structures (JSON,
//! MessagePack, CBOR), so that `$.properties.$url` means the same whichever format carried it.

use std::fmt::Write as _;
use std::ops::ControlFlow;

use crate::{Budget, DecodeError, FieldRef, FieldSink};

/// Bytes of a plain member name, and bytes past ASCII (judged by character afterwards).
const PLAIN_OR_HIGH: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] =
            byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'$' | b'-') || byte >= 0x80;
        b += 1;
    }
    table
};

/// Append a member step: `.name` for plain member names, `['odd name']` for the rest
/// (JSONPath bracket notation).
pub(crate) fn push_member(selector: &mut String, name: &str) {
    let plain_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '$' | '-');
    // Member names are almost always ASCII: a table lookup a byte first, characters only
    // when there is more than ASCII.
    let plain = !name.is_empty()
        && name
            .bytes()
            .fold(true, |ok, b| ok & PLAIN_OR_HIGH[usize::from(b)])
        && (name.is_ascii() || name.chars().all(plain_char));
    if plain {
        selector.push('.');
        selector.push_str(name);
    } else {
        selector.push_str("['");
        for c in name.chars() {
            if matches!(c, '\'' | '\\') {
                selector.push('\\');
            }
            selector.push(c);
        }
        selector.push_str("']");
    }
}

/// Append an element step, `[3]`, or an integer map key (MessagePack and CBOR allow them) as
/// one: `[3]`, `[-1]`.
pub(crate) fn push_index(selector: &mut String, index: impl itoa::Integer) {
    selector.push('[');
    selector.push_str(itoa::Buffer::new().format(index));
    selector.push(']');
}

/// Write `number` (an `f32` or an `f64`) into `text` (cleared first) as Rust displays it at its
/// width, without an exponent, and charge it to the budget: that text can be far longer than
/// what was sent (`1e300` is 301 digits), and a document of such numbers must not turn into
/// gigabytes of leaves.
pub(crate) fn float_text(
    text: &mut String,
    number: impl std::fmt::Display,
    budget: &mut Budget,
) -> Result<(), DecodeError> {
    text.clear();
    let _ = write!(text, "{number}");
    budget.charge_output(text.len())
}

/// Where the walk of a self-describing tree (JSON, MessagePack, CBOR) hands its scalars: the
/// selector of the place it is at, which the walk keeps up to date, and the budget and sink
/// the structure was lent.
pub(crate) struct FieldsOut<'o, 's> {
    /// The selector of the walk's current place, from `$`.
    pub(crate) selector: String,
    /// Floats are formatted here, reused from one to the next.
    number: String,
    budget: &'o mut Budget,
    sink: &'o mut FieldSink<'s>,
}

impl<'o, 's> FieldsOut<'o, 's> {
    /// Fields to `sink`, at the root `$`.
    pub(crate) fn new(budget: &'o mut Budget, sink: &'o mut FieldSink<'s>) -> Self {
        FieldsOut {
            selector: String::from("$"),
            number: String::new(),
            budget,
            sink,
        }
    }

    /// Hand `value`, named `key`, at the current selector to the sink, which says whether to
    /// go on.
    pub(crate) fn hand(
        &mut self,
        key: Option<&str>,
        value: &[u8],
        terminal: bool,
    ) -> ControlFlow<()> {
        let field = FieldRef {
            selector: &self.selector,
            key,
            value,
            terminal,
        };
        (self.sink)(self.budget, field)
    }

    /// [`FieldsOut::hand`] for a float, as Rust displays it at its width, charged to the
    /// budget first (see [`float_text`]).
    pub(crate) fn hand_float(
        &mut self,
        key: Option<&str>,
        number: impl std::fmt::Display,
    ) -> Result<ControlFlow<()>, DecodeError> {
        let mut text = std::mem::take(&mut self.number);
        let handed = float_text(&mut text, number, self.budget)
            .map(|()| self.hand(key, text.as_bytes(), true));
        self.number = text;
        handed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_dotted_and_odd_ones_bracketed() {
        let mut selector = String::from("$");
        push_member(&mut selector, "properties");
        push_member(&mut selector, "$url");
        push_index(&mut selector, 12);
        push_member(&mut selector, "screen width");
        push_member(&mut selector, "it's");
        push_member(&mut selector, "größe");
        push_index(&mut selector, -3);
        push_index(&mut selector, 4);
        assert_eq!(
            selector,
            "$.properties.$url[12]['screen width']['it\\'s'].größe[-3][4]"
        );
    }

    #[test]
    fn a_long_float_is_charged() {
        let mut text = String::from("stale");
        let mut budget = Budget::default();
        float_text(&mut text, 1e300, &mut budget).unwrap();
        assert_eq!(text.len(), 301);
        assert_eq!(budget.output_used(), 301);
    }
}
