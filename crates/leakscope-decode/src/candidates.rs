//! Which decoders a value is worth offering to, in one table lookup.
//!
//! Every value is offered to every decoder, and almost every value has nothing to decode, so
//! the per-value cost of asking is what the negative path is made of. Checking each decoder's
//! [`Needs`] in turn is a dozen unpredictable branches a value. Their conditions depend only on
//! the value's byte classes, whether it is text, its first byte and its length. Classes and
//! text make an index of 15 bits, so the unwrapper works out once, when it is built, which
//! decoders each possible profile may interest, and which each first byte may; a value then
//! costs three loads (by profile, by first byte, by length) and an AND, and most values are
//! done there: no decoder wants them.

use std::sync::{Arc, OnceLock};

use crate::{Needs, Profile, class};

const _: () = assert!(
    class::HIGH < 1 << class::COUNT,
    "a class bit past class::COUNT"
);

/// Decoders past this many (far more than the built-in set) are checked one by one.
const IN_TABLE: usize = u32::BITS as usize;

/// For every (classes, text) pair, the decoders whose needs it meets, as bits; and the same
/// for every first byte (the last entry for an empty value) and every length up to [`LONG`].
pub(crate) struct Candidates {
    masks: Arc<[u32]>,
    by_first_byte: Box<[u32; 257]>,
    /// Indexed by the length, up to [`LONG`]: the decoders whose shortest value is no longer.
    /// The last row, for [`LONG`] bytes and more, holds every decoder, and [`Candidates::of`]
    /// measures those values against each candidate's shortest.
    by_len: Box<[u32; LONG + 1]>,
    needs: Vec<Needs>,
}

/// Lengths tabulated one by one in [`Candidates::by_len`]: past every built-in decoder's
/// shortest value, so that the table alone answers for every length.
const LONG: usize = 64;

impl Candidates {
    pub(crate) fn new(needs: Vec<Needs>) -> Self {
        Candidates {
            masks: table(&needs),
            by_first_byte: first_byte_table(&needs),
            by_len: length_table(&needs),
            needs,
        }
    }

    /// [`Candidates::new`] for the default decoders, whose table is built once per process
    /// (a few milliseconds in a debug build, which tests that build many unwrappers feel).
    pub(crate) fn of_default_decoders(needs: Vec<Needs>) -> Self {
        static DEFAULT: OnceLock<Arc<[u32]>> = OnceLock::new();
        Candidates {
            masks: Arc::clone(DEFAULT.get_or_init(|| table(&needs))),
            by_first_byte: first_byte_table(&needs),
            by_len: length_table(&needs),
            needs,
        }
    }

    /// The indexes of the decoders whose needs `value`, whose profile is `profile`, meets, in
    /// order.
    pub(crate) fn of<'v>(
        &'v self,
        value: &'v [u8],
        profile: &'v Profile,
    ) -> impl Iterator<Item = usize> + Clone + 'v {
        let len = value.len();
        let in_table =
            Bits(self.mask(value, profile)).filter(move |&i| len >= self.needs[i].shortest());
        let rest = self
            .needs
            .iter()
            .enumerate()
            .skip(IN_TABLE)
            .filter(move |(_, n)| n.met_by(value, profile))
            .map(|(i, _)| i);
        in_table.chain(rest)
    }

    /// Whether any decoder may want the value: the question for almost every value, whose
    /// answer is no, in three loads.
    #[inline]
    pub(crate) fn any(&self, value: &[u8], profile: &Profile) -> bool {
        self.mask(value, profile) != 0
            || (self.needs.len() > IN_TABLE && self.of(value, profile).next().is_some())
    }

    /// The tabulated decoders the value's profile, first byte and length (up to [`LONG`])
    /// allow.
    #[inline]
    fn mask(&self, value: &[u8], profile: &Profile) -> u32 {
        let first = value.first().map_or(256, |&b| usize::from(b));
        self.masks[key(profile)] & self.by_first_byte[first] & self.by_len[value.len().min(LONG)]
    }
}

fn table(needs: &[Needs]) -> Arc<[u32]> {
    let entries = 1usize << (class::COUNT + 1);
    (0..entries)
        .map(|index| {
            let (classes, text) = key_parts(index);
            needs
                .iter()
                .take(IN_TABLE)
                .enumerate()
                .filter(|(_, n)| n.met_by_classes(classes, text))
                .fold(0u32, |mask, (i, _)| mask | 1 << i)
        })
        .collect()
}

fn first_byte_table(needs: &[Needs]) -> Box<[u32; 257]> {
    let mut table = Box::new([0u32; 257]);
    for (entry, mask) in table.iter_mut().enumerate() {
        let byte = u8::try_from(entry).ok();
        for (i, n) in needs.iter().take(IN_TABLE).enumerate() {
            if n.allows_first_byte(byte) {
                *mask |= 1 << i;
            }
        }
    }
    table
}

fn length_table(needs: &[Needs]) -> Box<[u32; LONG + 1]> {
    let mut table = Box::new([0u32; LONG + 1]);
    for (len, mask) in table.iter_mut().enumerate() {
        for (i, n) in needs.iter().take(IN_TABLE).enumerate() {
            if len == LONG || n.shortest() <= len {
                *mask |= 1 << i;
            }
        }
    }
    table
}

fn key(profile: &Profile) -> usize {
    usize::from(profile.classes()) << 1 | usize::from(profile.is_text())
}

fn key_parts(index: usize) -> (u16, bool) {
    ((index >> 1) as u16, index & 1 == 1)
}

/// The set bits of a mask, lowest first.
#[derive(Clone, Copy)]
struct Bits(u32);

impl Iterator for Bits {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_asking_each_decoder_including_past_the_table() {
        let mut needs: Vec<Needs> = crate::decoders::default_decoders()
            .iter()
            .map(|d| d.needs())
            .collect();
        // Past the table's 32 bits: these are asked one by one.
        while needs.len() < 40 {
            // One in the table wants values longer than the length table's rows.
            let min_len = if needs.len() == 20 {
                100
            } else {
                needs.len() % 7
            };
            needs.push(
                Needs::ANYTHING
                    .min_len(min_len)
                    .all_of(class::PERCENT)
                    .first_byte_in(b"%a"),
            );
        }
        let candidates = Candidates::new(needs.clone());
        // Lengths past the length table's last row too.
        let long_percent = "a%41".repeat(20);
        let longer_percent = "a%41".repeat(30);
        let long_base64 = "aGVsbG8gd29ybGQ=".repeat(5);
        for value in [
            long_percent.as_bytes(),
            longer_percent.as_bytes(),
            long_base64.as_bytes(),
            &long_base64.as_bytes()[..LONG],
            &long_base64.as_bytes()[..LONG - 1],
            &b""[..],
            b"1",
            b"page_view",
            b"caf%C3%A9",
            b"%41",
            b"a%41",
            b"x%41",
            b"a=1&b=2",
            b"aGVsbG8gd29ybGQ=",
            b"\x1f\x8b\x08\x00\x00",
            b"{\"a\":1}",
        ] {
            let profile = Profile::of(value);
            let expected: Vec<usize> = (0..needs.len())
                .filter(|&i| needs[i].met_by(value, &profile))
                .collect();
            // `any` may say yes to a long value no decoder wants after all (longer values
            // are measured one by one), never no to one some decoder wants.
            let any = candidates.any(value, &profile);
            let wanted = !expected.is_empty();
            assert!(any || !wanted);
            assert!(any == wanted || value.len() >= LONG);
            assert_eq!(
                candidates.of(value, &profile).collect::<Vec<_>>(),
                expected,
                "{:?}",
                String::from_utf8_lossy(value)
            );
        }
    }
}
