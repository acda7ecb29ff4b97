//! One pass over a value that tells every decoder's sniff what it needs to know.
//!
//! Most values in a capture have nothing to decode, and every value is offered to every
//! decoder. So the unwrapper reads each value once, through a 256-entry table, into a
//! [`Profile`]: which classes of bytes occur in it and whether it is printable text. With that,
//! a sniff is a few bit tests instead of its own pass over the bytes.

/// Byte classes, as bits.
pub mod class {
    /// How many class bits there are: every class is below `1 << COUNT`.
    pub const COUNT: u32 = 14;

    /// `0`–`9`.
    pub const DIGIT: u16 = 1 << 0;
    /// `a`–`f`.
    pub const HEX_LOWER: u16 = 1 << 1;
    /// `A`–`F`.
    pub const HEX_UPPER: u16 = 1 << 2;
    /// Letters past `f`/`F`.
    pub const LETTER: u16 = 1 << 3;
    /// `+` and `/` (the standard base64 alphabet's extra symbols).
    pub const PLUS_SLASH: u16 = 1 << 4;
    /// `-` and `_` (the URL-safe base64 alphabet's extra symbols).
    pub const DASH_UNDERSCORE: u16 = 1 << 5;
    /// `=`.
    pub const EQUALS: u16 = 1 << 6;
    /// Space, tab, CR, LF.
    pub const SPACE: u16 = 1 << 7;
    /// `%`.
    pub const PERCENT: u16 = 1 << 8;
    /// `\`.
    pub const BACKSLASH: u16 = 1 << 9;
    /// `&`.
    pub const AMPERSAND: u16 = 1 << 10;
    /// Any other printable ASCII (`.`, `:`, `{`, `"`, …).
    pub const PUNCTUATION: u16 = 1 << 11;
    /// ASCII control characters other than tab, CR and LF.
    pub const CONTROL: u16 = 1 << 12;
    /// Bytes 0x80 and above (UTF-8 sequences, or binary).
    pub const HIGH: u16 = 1 << 13;

    /// Letters and digits.
    pub const ALNUM: u16 = DIGIT | HEX_LOWER | HEX_UPPER | LETTER;
    /// The URL-safe base64 alphabet, without padding.
    pub const BASE64URL: u16 = ALNUM | DASH_UNDERSCORE;
    /// Everything base64 may contain (either alphabet, padding, MIME whitespace).
    pub const BASE64: u16 = BASE64URL | PLUS_SLASH | EQUALS | SPACE;
    /// Everything hex may contain.
    pub const HEX: u16 = DIGIT | HEX_LOWER | HEX_UPPER;
}

const fn classify(byte: u8) -> u16 {
    use class::*;
    match byte {
        b'0'..=b'9' => DIGIT,
        b'a'..=b'f' => HEX_LOWER,
        b'A'..=b'F' => HEX_UPPER,
        b'g'..=b'z' | b'G'..=b'Z' => LETTER,
        b'+' | b'/' => PLUS_SLASH,
        b'-' | b'_' => DASH_UNDERSCORE,
        b'=' => EQUALS,
        b' ' | b'\t' | b'\r' | b'\n' => SPACE,
        b'%' => PERCENT,
        b'\\' => BACKSLASH,
        b'&' => AMPERSAND,
        0x21..=0x7e => PUNCTUATION,
        0x80..=0xff => HIGH,
        _ => CONTROL,
    }
}

const TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = classify(i as u8);
        i += 1;
    }
    table
};

/// What one pass over a value found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    classes: u16,
    text: bool,
}

/// The bytes of one block through [`TABLE`], OR-ed.
fn table_classes(bytes: &[u8]) -> u16 {
    // Eight lanes keep the table lookups independent, so the loop runs at several bytes a
    // cycle instead of waiting on one accumulator.
    let mut lanes = [0u16; 8];
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        for (lane, &byte) in lanes.iter_mut().zip(chunk) {
            *lane |= TABLE[usize::from(byte)];
        }
    }
    let mut classes = lanes.iter().fold(0, |acc, lane| acc | lane);
    for &byte in chunks.remainder() {
        classes |= TABLE[usize::from(byte)];
    }
    classes
}

/// Bytes per block of [`Profile::of`]: what one alphabet check covers before it may give up.
const BLOCK: usize = 64;

/// How many blocks may fail their alphabet check before [`Profile::of`] stops trying: a value
/// that is not one long run of an alphabet (JSON, prose, MIME base64 with its line breaks)
/// then costs only the table, as it would without the checks.
const MAX_MISSES: u32 = 2;

/// The classes of the standard base64 alphabet `[A-Za-z0-9+/]`.
const STANDARD: u16 = class::ALNUM | class::PLUS_SLASH;

#[inline(always)]
fn is_alnum(byte: u8) -> bool {
    // Folding the case bit in maps both cases of a letter onto the lower one; no other byte
    // lands in `a..=z` that way (`@[\]^_` land on `` `{|}~\x7f ``, and bytes past 0x7f stay
    // past it).
    (byte | 0x20).wrapping_sub(b'a') < 26 || byte.wrapping_sub(b'0') < 10
}

/// Whether every byte of `block` satisfies `is_in`, without an early exit: a fold the compiler
/// turns into vector compares, sixteen bytes or more at a time.
#[inline(always)]
fn all_in(block: &[u8], is_in: impl Fn(u8) -> bool) -> bool {
    block.iter().fold(true, |ok, &byte| ok & is_in(byte))
}

/// Whether `block` brings no class outside `seen`, which holds at least [`class::ALNUM`], shown
/// without the table: the block is made only of the widest alphabet whose classes `seen`
/// holds. `false` says nothing (the table decides).
fn adds_nothing(seen: u16, block: &[u8]) -> bool {
    if seen & STANDARD == STANDARD {
        // '+' is 0x2b and '/' is 0x2f: setting bit 2 maps both, and only them, onto '/'.
        all_in(block, |b| is_alnum(b) | (b | 0x04 == b'/'))
    } else if seen & class::BASE64URL == class::BASE64URL {
        all_in(block, |b| is_alnum(b) | (b == b'-') | (b == b'_'))
    } else {
        all_in(block, is_alnum)
    }
}

/// The classes of `block` if it is made only of the standard base64 alphabet, without the
/// table: inside that alphabet each class is a range or two, a few compares on sixteen bytes
/// at a time.
fn standard_classes(block: &[u8]) -> Option<u16> {
    let [
        mut digit,
        mut hex_lower,
        mut hex_upper,
        mut letter,
        mut plus_slash,
        mut outside,
    ] = [false; 6];
    for &b in block {
        // As in `is_alnum`: only letters land in `a..=z` with the case bit set, and the bit
        // tells the cases apart.
        let folded = (b | 0x20).wrapping_sub(b'a');
        let is_letter = folded < 26;
        let is_hex = folded < 6;
        let is_lower = b & 0x20 != 0;
        let is_digit = b.wrapping_sub(b'0') < 10;
        let is_plus_slash = b | 0x04 == b'/';
        digit |= is_digit;
        hex_lower |= is_hex & is_lower;
        hex_upper |= is_hex & !is_lower;
        letter |= is_letter & !is_hex;
        plus_slash |= is_plus_slash;
        outside |= !(is_letter | is_digit | is_plus_slash);
    }
    let bit = |present: bool, class: u16| if present { class } else { 0 };
    (!outside).then(|| {
        bit(digit, class::DIGIT)
            | bit(hex_lower, class::HEX_LOWER)
            | bit(hex_upper, class::HEX_UPPER)
            | bit(letter, class::LETTER)
            | bit(plus_slash, class::PLUS_SLASH)
    })
}

/// The classes of a value of at least [`BLOCK`] bytes, block by block; out of line, so that
/// the short values' path stays small.
#[inline(never)]
fn blocks_classes(bytes: &[u8]) -> u16 {
    let mut classes = 0u16;
    let mut misses = 0;
    let mut blocks = bytes.chunks_exact(BLOCK);
    for block in &mut blocks {
        classes |= block_classes(classes, block, &mut misses);
    }
    // The tail is the last block again, overlapping bytes already seen: classes are OR-ed, so
    // seeing a byte twice changes nothing.
    if !blocks.remainder().is_empty() {
        classes |= block_classes(classes, &bytes[bytes.len() - BLOCK..], &mut misses);
    }
    classes
}

/// The classes `block` adds to `seen`, or more (never fewer): by an alphabet check while
/// `misses` allows, else by the table.
fn block_classes(seen: u16, block: &[u8], misses: &mut u32) -> u16 {
    if *misses < MAX_MISSES {
        if seen & class::ALNUM == class::ALNUM {
            if adds_nothing(seen, block) {
                return 0;
            }
        } else if let Some(classes) = standard_classes(block) {
            return classes;
        }
        *misses += 1;
    }
    table_classes(block)
}

impl Profile {
    /// Profile `bytes`.
    pub fn of(bytes: &[u8]) -> Profile {
        // The table costs two loads a byte. Long values are mostly one alphabet (base64, hex,
        // ids): a block made only of the standard base64 alphabet gets its classes from a few
        // range checks, and once every class of an alphabet has been seen, a block made only
        // of it adds nothing, which one range check shows. Any other block still goes through
        // the table, so the classes are exactly the table's.
        let classes = if bytes.len() < BLOCK {
            table_classes(bytes)
        } else {
            blocks_classes(bytes)
        };
        let text = !bytes.is_empty()
            && classes & class::CONTROL == 0
            && (classes & class::HIGH == 0 || printable_utf8(bytes));
        Profile { classes, text }
    }

    /// The classes present, as [`class`] bits.
    pub fn classes(&self) -> u16 {
        self.classes
    }

    /// Whether any byte of these classes occurs.
    pub fn has(&self, classes: u16) -> bool {
        self.classes & classes != 0
    }

    /// Whether every byte is of these classes.
    pub fn only(&self, classes: u16) -> bool {
        self.classes & !classes == 0
    }

    /// UTF-8 text without control characters other than tab, CR and LF (see
    /// [`is_printable_text`](crate::text::is_printable_text)).
    pub fn is_text(&self) -> bool {
        self.text
    }
}

/// What a value must look like, in [`Profile`] terms, for a decoder's sniff to say yes: a
/// necessary condition, never a sufficient one.
///
/// Most values have nothing to decode, and each is offered to every decoder. The unwrapper
/// checks each decoder's `Needs` (a length and a few bit tests, no call through `dyn`) before
/// calling its [`sniff`](crate::Encoding::sniff), so a number or a word is turned away by
/// almost all decoders at the cost of a comparison. A decoder whose sniff could accept a value
/// its `Needs` refuses would lose layers; the tests in `decoders` check every built-in decoder
/// against its own positive examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    min_len: usize,
    all_of: u16,
    any_of: u16,
    within: u16,
    text: Option<bool>,
    first_byte: Option<&'static [u8]>,
}

impl Needs {
    /// No condition: the sniff sees every value.
    pub const ANYTHING: Needs = Needs {
        min_len: 0,
        all_of: 0,
        any_of: 0,
        within: u16::MAX,
        text: None,
        first_byte: None,
    };

    /// At least `len` bytes.
    pub const fn min_len(self, len: usize) -> Needs {
        Needs {
            min_len: len,
            ..self
        }
    }

    /// Every one of these classes occurs.
    pub const fn all_of(self, classes: u16) -> Needs {
        Needs {
            all_of: classes,
            ..self
        }
    }

    /// At least one of these classes occurs.
    pub const fn any_of(self, classes: u16) -> Needs {
        Needs {
            any_of: classes,
            ..self
        }
    }

    /// No byte outside these classes.
    pub const fn within(self, classes: u16) -> Needs {
        Needs {
            within: classes,
            ..self
        }
    }

    /// Printable text ([`Profile::is_text`]).
    pub const fn text(self) -> Needs {
        Needs {
            text: Some(true),
            ..self
        }
    }

    /// Not printable text: binary, or text with control characters.
    pub const fn binary(self) -> Needs {
        Needs {
            text: Some(false),
            ..self
        }
    }

    /// The first byte is one of these (JSON's brackets, a magic number's first byte).
    pub const fn first_byte_in(self, bytes: &'static [u8]) -> Needs {
        Needs {
            first_byte: Some(bytes),
            ..self
        }
    }

    /// Whether `value`, whose profile is `profile`, meets the condition.
    #[inline]
    pub fn met_by(&self, value: &[u8], profile: &Profile) -> bool {
        value.len() >= self.min_len
            && self.met_by_classes(profile.classes, profile.text)
            && self.allows_first_byte(value.first().copied())
    }

    /// The condition on the first byte alone (`None`: an empty value).
    pub fn allows_first_byte(&self, byte: Option<u8>) -> bool {
        match self.first_byte {
            None => true,
            Some(allowed) => byte.is_some_and(|b| allowed.contains(&b)),
        }
    }

    /// The condition without the length: on the classes present and whether the value is text.
    pub fn met_by_classes(&self, classes: u16, text: bool) -> bool {
        classes & self.all_of == self.all_of
            && (self.any_of == 0 || classes & self.any_of != 0)
            && classes & !self.within == 0
            && self.text.is_none_or(|t| t == text)
    }

    /// The shortest value that meets the condition.
    pub fn shortest(&self) -> usize {
        self.min_len
    }
}

/// The slow half of the text test, for values with non-ASCII bytes: valid UTF-8, no C1
/// controls, no replacement character (a sign of text that was already mangled).
#[inline(never)]
pub(crate) fn printable_utf8(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(text) => text
            .chars()
            .all(|c| (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && c != '\u{fffd}'),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_text() {
        let p = Profile::of(b"dGVzdA==");
        assert!(p.only(class::BASE64));
        assert!(p.has(class::EQUALS));
        assert!(p.is_text());
        let p = Profile::of(b"a=1&b=%20");
        assert!(p.has(class::AMPERSAND | class::PERCENT));
        assert!(!p.only(class::BASE64));
        assert!(!Profile::of(&[0x1f, 0x8b, 0x08]).is_text());
        assert!(Profile::of("Grüße\n".as_bytes()).is_text());
        assert!(!Profile::of(&[b'a', 0xc3]).is_text(), "cut UTF-8");
        assert!(!Profile::of("a\u{85}b".as_bytes()).is_text(), "C1 control");
        assert!(!Profile::of(b"").is_text());
    }

    /// The obvious way, byte by byte: the oracle for the eight-lane loop, the alphabet checks
    /// on blocks and the ASCII fast path of the text check.
    fn naive(bytes: &[u8]) -> (u16, bool) {
        let classes = bytes.iter().fold(0, |acc, &b| acc | classify(b));
        let text = std::str::from_utf8(bytes).is_ok_and(|t| {
            !t.is_empty()
                && t.chars().all(|c| {
                    (!c.is_control() || matches!(c, '\t' | '\n' | '\r')) && c != '\u{fffd}'
                })
        });
        (classes, text)
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_naive_oracle(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..100)) {
            let profile = Profile::of(&bytes);
            let (classes, text) = naive(&bytes);
            proptest::prop_assert_eq!(profile.classes(), classes);
            proptest::prop_assert_eq!(profile.is_text(), text);
            proptest::prop_assert_eq!(crate::text::is_printable_text(&bytes), text);
        }

        #[test]
        fn agrees_on_text_too(text in "[ -~\t\néß€\u{85}\u{fffd}]{0,100}") {
            let (classes, expected) = naive(text.as_bytes());
            proptest::prop_assert_eq!(Profile::of(text.as_bytes()).classes(), classes);
            proptest::prop_assert_eq!(crate::text::is_printable_text(text.as_bytes()), expected);
        }
    }

    /// A long value of one alphabet with up to three other bytes dropped in: the blocks the
    /// alphabet checks skip, the blocks they give back to the table, and the remainder.
    fn alphabet_with_intruders() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        (
            prop_oneof![
                "[A-Za-z0-9+/]{0,700}",
                "[A-Za-z0-9_-]{0,700}",
                "[A-Za-z0-9]{0,700}",
                "[a-f0-9]{0,700}",
            ],
            proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        )
            .prop_map(|(text, intruders)| {
                let mut bytes = text.into_bytes();
                for (at, byte) in intruders {
                    if !bytes.is_empty() {
                        let at = at.index(bytes.len());
                        bytes[at] = byte;
                    }
                }
                bytes
            })
    }

    proptest::proptest! {
        #[test]
        fn agrees_on_long_runs_of_an_alphabet(bytes in alphabet_with_intruders()) {
            let (classes, text) = naive(&bytes);
            let profile = Profile::of(&bytes);
            proptest::prop_assert_eq!(profile.classes(), classes);
            proptest::prop_assert_eq!(profile.is_text(), text);
        }
    }

    /// Every byte value in the first block (classified inside the standard alphabet), in a
    /// later block an alphabet check covers after zero to three blocks it gave back to the
    /// table, and in the overlapping tail; at the start, middle and end of each.
    #[test]
    fn every_byte_in_every_kind_of_block_is_seen() {
        let alphabets: [&[u8]; 4] = [
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            b"0123456789abcdef",
        ];
        for alphabet in alphabets {
            let run: Vec<u8> = alphabet
                .iter()
                .copied()
                .cycle()
                .take(BLOCK * 6 + 5)
                .collect();
            let len = run.len();
            for misses in 0..4 {
                let later = (misses + 1) * BLOCK;
                let first = [0, BLOCK / 2, BLOCK - 1];
                let tail = [len - BLOCK + 4, len - 1];
                let positions = first
                    .into_iter()
                    .chain([later, later + BLOCK / 2, later + BLOCK - 1])
                    .chain(tail);
                for pos in positions {
                    for byte in 0..=255u8 {
                        let mut bytes = run.clone();
                        // Earlier blocks the check gives back (a '.' is in no alphabet).
                        for miss in 0..misses {
                            bytes[(miss + 1) * BLOCK] = b'.';
                        }
                        bytes[pos] = byte;
                        let (classes, text) = naive(&bytes);
                        let profile = Profile::of(&bytes);
                        assert_eq!(profile.classes(), classes, "{byte:#x} at {pos}");
                        assert_eq!(profile.is_text(), text, "{byte:#x} at {pos}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_length_is_profiled_whole() {
        // Alphanumerics, so that blocks after the first go to the alphabet checks.
        let run = b"Aa0Bb1Cc2Dd3Ee4Ff5Gg6Hh7Ii8Jj9Kk".iter().copied().cycle();
        for len in 0..BLOCK * 4 + 9 {
            let mut bytes: Vec<u8> = run.clone().take(len).collect();
            if len > 0 {
                bytes[len - 1] = b'%';
                assert!(Profile::of(&bytes).has(class::PERCENT), "{len}");
            }
        }
    }
}
