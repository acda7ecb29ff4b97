//! Finding every form of every known value in a text, in one pass: an Aho–Corasick automaton
//! over the text forms (the value as given or normalised, encoded; base64 and hex by a short
//! prefix), and a table of tokens for the digests (see `DIGEST_LENGTHS`).

use std::fmt;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::forms::{self, Boundary, Encoding, Form};
use crate::{KnownError, KnownValue};

/// The longest prefix of a form that goes into the automaton; the rest is compared at the
/// hit. The automaton's states, its memory and the time to build it grow with the bytes of
/// its patterns; 32 bytes keep apart values that share long prefixes (the pages of one site).
const MAX_AUTOMATON_PATTERN: usize = 32;

/// The prefix of a base64 or hex form that goes into the automaton. They look random, so 12
/// characters already single one out among thousands (a false hit, checked and dropped at
/// once, in about 2^-60 of positions), and they are most of a value's forms: cutting them
/// short makes the automaton smaller, quicker to build and to walk.
const MAX_RANDOM_PATTERN: usize = 12;

/// Up to this many bytes of patterns, the automaton is a DFA (see `build`).
const DFA_PATTERN_BYTES: usize = 64 * 1024;

/// Digests (hex or base64 of MD5, SHA-1, SHA-256, SHA-512) are not in the automaton. They are
/// most of the forms (every normalisation × 4 hashes × 2 or 3 renderings), and as random
/// strings over the alphanumeric alphabet they fill the automaton's first levels, so that with
/// 1,000 values nearly every byte of text walked a few states deep and fell back (3.2× slower
/// than 3 values). A digest is sent as a token of its own, so it is found instead by cutting
/// the text into runs of hex or base64 characters and looking each run of a digest's length up
/// in a table: the cost is one pass over the text, whatever the number of values.
const DIGEST_LENGTHS: [usize; 8] = [22, 27, 32, 40, 43, 64, 86, 128];

/// The lengths of MD5, SHA-1, SHA-256 and SHA-512 in base64 without padding.
const BASE64_DIGEST_LENGTHS: [usize; 4] = [22, 27, 43, 86];

/// Which form of a value a [`KnownMatch`] is in: an index into the matcher's table of forms
/// ([`KnownMatcher::form`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FormId(u16);

impl FormId {
    /// The index in the matcher's table of forms.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// One occurrence of a known value in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KnownMatch {
    /// The value: an index into [`KnownMatcher::values`].
    pub value: usize,
    /// The form it was found in ([`KnownMatcher::form`]).
    pub form: FormId,
    /// Where the match starts in the text.
    pub start: usize,
    /// Where it ends (exclusive).
    pub end: usize,
}

/// One form of one value, as the automaton's hit is checked against it.
#[derive(Debug, Clone, Copy)]
struct Target {
    value: u32,
    form: FormId,
    /// The form's bytes, in `KnownMatcher::bytes`.
    offset: u32,
    len: u32,
    case_sensitive: bool,
    /// The byte before the match must not be ASCII alphanumeric.
    left: bool,
    /// The byte after the match must not be ASCII alphanumeric.
    right: bool,
}

/// Finds the user's known values in texts, in every form they are made in: as given,
/// normalised, encoded and hashed (see the crate documentation).
pub struct KnownMatcher {
    values: Vec<KnownValue>,
    forms: Vec<Form>,
    automaton: AhoCorasick,
    /// Per automaton pattern, its range in `targets`.
    ranges: Vec<(u32, u32)>,
    targets: Vec<Target>,
    /// Every target's bytes, end to end.
    bytes: Vec<u8>,
    /// The shortest automaton pattern: shorter texts cannot match.
    min_len: usize,
    /// Digest forms by their bytes (hex lowercased): runs of the text are looked up here.
    digests: FxHashMap<Box<[u8]>, (u32, u32)>,
    /// The targets of `digests`, grouped by digest.
    digest_targets: Vec<Target>,
}

impl fmt::Debug for KnownMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KnownMatcher")
            .field("values", &self.values.len())
            .field("forms", &self.forms.len())
            .field("patterns", &self.ranges.len())
            .field("targets", &self.targets.len())
            .field("automaton", &self.automaton.kind())
            .field("memory_usage", &self.memory_usage())
            .finish()
    }
}

/// What makes two forms of one value the same check.
#[derive(PartialEq, Eq, Hash)]
struct CheckKey {
    bytes: Vec<u8>,
    case_sensitive: bool,
    boundary: Boundary,
}

impl KnownMatcher {
    /// Build the matcher. Refuses a value shorter than 3 bytes after trimming (it would
    /// match almost everywhere), naming its label.
    pub fn new(values: Vec<KnownValue>) -> Result<KnownMatcher, KnownError> {
        Self::build(values, &|_, _| true, None)
    }

    /// [`KnownMatcher::new`], looking for only the forms `keep(value index, form)` accepts:
    /// say, no hashes of a value that is never hashed.
    pub fn with_forms(
        values: Vec<KnownValue>,
        keep: &dyn Fn(usize, &Form) -> bool,
    ) -> Result<KnownMatcher, KnownError> {
        Self::build(values, keep, None)
    }

    /// [`KnownMatcher::new`] with a chosen automaton kind (`None`: aho-corasick's choice, as
    /// `new` makes), for benchmarks and experiments.
    pub fn with_kind(
        values: Vec<KnownValue>,
        kind: Option<AhoCorasickKind>,
    ) -> Result<KnownMatcher, KnownError> {
        Self::build(values, &|_, _| true, kind)
    }

    fn build(
        values: Vec<KnownValue>,
        keep: &dyn Fn(usize, &Form) -> bool,
        kind: Option<AhoCorasickKind>,
    ) -> Result<KnownMatcher, KnownError> {
        let mut forms: Vec<Form> = Vec::new();
        let mut form_ids: FxHashMap<Form, FormId> = FxHashMap::default();
        let mut pattern_ids: FxHashMap<Vec<u8>, usize> = FxHashMap::default();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut per_pattern: Vec<Vec<Target>> = Vec::new();
        let mut bytes: Vec<u8> = Vec::new();
        let mut per_digest: FxHashMap<Box<[u8]>, Vec<Target>> = FxHashMap::default();
        for (index, known) in values.iter().enumerate() {
            let value = known.value.trim();
            crate::check_len(&known.label, value)?;
            let value_id = u32::try_from(index).map_err(|_| too_many("values"))?;
            let mut seen: FxHashSet<CheckKey> = FxHashSet::default();
            for candidate in forms::candidates(value) {
                if !keep(index, &candidate.form) {
                    continue;
                }
                let key = CheckKey {
                    bytes: if candidate.case_sensitive {
                        candidate.bytes.clone()
                    } else {
                        candidate.bytes.to_ascii_lowercase()
                    },
                    case_sensitive: candidate.case_sensitive,
                    boundary: candidate.boundary,
                };
                if !seen.insert(key) {
                    continue;
                }
                let form = match form_ids.get(&candidate.form) {
                    Some(&id) => id,
                    None => {
                        let id = FormId(u16::try_from(forms.len()).map_err(|_| too_many("forms"))?);
                        forms.push(candidate.form);
                        form_ids.insert(candidate.form, id);
                        id
                    }
                };
                let first = candidate.bytes[0];
                let last = candidate.bytes[candidate.bytes.len() - 1];
                let (left, right) = match candidate.boundary {
                    Boundary::None => (false, false),
                    Boundary::Left => (first.is_ascii_alphanumeric(), false),
                    Boundary::Both => (first.is_ascii_alphanumeric(), last.is_ascii_alphanumeric()),
                };
                let target = Target {
                    value: value_id,
                    form,
                    offset: u32::try_from(bytes.len()).map_err(|_| too_many("pattern bytes"))?,
                    len: u32::try_from(candidate.bytes.len())
                        .map_err(|_| too_many("pattern bytes"))?,
                    case_sensitive: candidate.case_sensitive,
                    left,
                    right,
                };
                bytes.extend_from_slice(&candidate.bytes);
                if candidate.form.hash.is_some() {
                    let mut key = candidate.bytes;
                    if !target.case_sensitive {
                        key.make_ascii_lowercase();
                    }
                    per_digest
                        .entry(key.into_boxed_slice())
                        .or_default()
                        .push(target);
                    continue;
                }
                let mut prefix = candidate.bytes;
                prefix.truncate(
                    if matches!(
                        candidate.form.encoding,
                        Encoding::Base64 | Encoding::Base64Url | Encoding::Hex
                    ) {
                        MAX_RANDOM_PATTERN
                    } else {
                        MAX_AUTOMATON_PATTERN
                    },
                );
                prefix.make_ascii_lowercase();
                let pattern = *pattern_ids.entry(prefix).or_insert_with_key(|prefix| {
                    patterns.push(prefix.clone());
                    per_pattern.push(Vec::new());
                    patterns.len() - 1
                });
                per_pattern[pattern].push(target);
            }
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(kind.or_else(|| {
                // A DFA walks text several times faster than the NFAs (one table lookup a
                // byte), and its tables stay small for a few thousand patterns: the values of
                // one capture and a user's few. aho-corasick's own choice takes a DFA only for
                // very few patterns.
                let bytes: usize = patterns.iter().map(Vec::len).sum();
                (bytes <= DFA_PATTERN_BYTES).then_some(AhoCorasickKind::DFA)
            }))
            .build(&patterns)
            .map_err(|e| KnownError::Build {
                message: e.to_string(),
            })?;
        let mut ranges = Vec::with_capacity(per_pattern.len());
        let mut targets = Vec::with_capacity(per_pattern.iter().map(Vec::len).sum());
        for group in per_pattern {
            let start = targets.len();
            targets.extend(group);
            ranges.push((
                u32::try_from(start).map_err(|_| too_many("forms"))?,
                u32::try_from(targets.len()).map_err(|_| too_many("forms"))?,
            ));
        }
        let mut min_len = patterns.iter().map(Vec::len).min().unwrap_or(usize::MAX);
        let mut digests = FxHashMap::default();
        let mut digest_targets = Vec::new();
        for (digest, group) in per_digest {
            min_len = min_len.min(digest.len());
            let start = u32::try_from(digest_targets.len()).map_err(|_| too_many("forms"))?;
            digest_targets.extend(group);
            let end = u32::try_from(digest_targets.len()).map_err(|_| too_many("forms"))?;
            digests.insert(digest, (start, end));
        }
        Ok(KnownMatcher {
            values,
            forms,
            automaton,
            ranges,
            targets,
            bytes,
            min_len,
            digests,
            digest_targets,
        })
    }

    /// The values, in the order given: [`KnownMatch::value`] indexes this.
    pub fn values(&self) -> &[KnownValue] {
        &self.values
    }

    /// Whether there are no values to look for.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The form a match is in.
    ///
    /// # Panics
    ///
    /// If `id` did not come from this matcher.
    pub fn form(&self, id: FormId) -> &Form {
        &self.forms[id.index()]
    }

    /// Every distinct form the values are looked for in.
    pub fn forms(&self) -> &[Form] {
        &self.forms
    }

    /// Every form of every value with the bytes a text must hold for it (ASCII case matters
    /// only for base64): `(value index, form, bytes)`. A base64 form of a value inside a
    /// longer encoded text is the fragment of characters the value alone decides.
    pub fn patterns(&self) -> impl Iterator<Item = (usize, FormId, &[u8])> + '_ {
        self.targets
            .iter()
            .chain(&self.digest_targets)
            .map(|t| (t.value as usize, t.form, self.target_bytes(t)))
    }

    /// The number of distinct forms of all values together (what [`KnownMatcher::patterns`]
    /// yields).
    pub fn pattern_count(&self) -> usize {
        self.targets.len() + self.digest_targets.len()
    }

    /// The automaton kind in use.
    pub fn automaton_kind(&self) -> AhoCorasickKind {
        self.automaton.kind()
    }

    /// Heap bytes used: the automaton and the tables of forms.
    pub fn memory_usage(&self) -> usize {
        self.automaton.memory_usage()
            + self.bytes.capacity()
            + (self.targets.capacity() + self.digest_targets.capacity()) * size_of::<Target>()
            + self
                .digests
                .keys()
                .map(|k| k.len() + size_of::<(Box<[u8]>, (u32, u32))>())
                .sum::<usize>()
            + self.ranges.capacity() * size_of::<(u32, u32)>()
            + self.forms.capacity() * size_of::<Form>()
    }

    fn target_bytes(&self, target: &Target) -> &[u8] {
        let start = target.offset as usize;
        &self.bytes[start..start + target.len as usize]
    }

    /// Appends every match in `text` to `out` (does not clear it): every form of every value,
    /// overlapping ones too, each (value, form) once per start, sorted by start. Allocates
    /// nothing when nothing matches.
    pub fn find(&self, text: &[u8], out: &mut Vec<KnownMatch>) {
        if text.len() < self.min_len {
            return;
        }
        let base = out.len();
        if !self.digests.is_empty() {
            self.find_digests(text, out);
        }
        for hit in self.automaton.find_overlapping_iter(text) {
            let start = hit.start();
            let (lo, hi) = self.ranges[hit.pattern().as_usize()];
            for target in &self.targets[lo as usize..hi as usize] {
                let end = start + target.len as usize;
                let Some(window) = text.get(start..end) else {
                    continue;
                };
                let expected = self.target_bytes(target);
                let same = if target.case_sensitive {
                    window == expected
                } else {
                    window.eq_ignore_ascii_case(expected)
                };
                if !same
                    || (target.left && start > 0 && text[start - 1].is_ascii_alphanumeric())
                    || (target.right && text.get(end).is_some_and(u8::is_ascii_alphanumeric))
                {
                    continue;
                }
                out.push(KnownMatch {
                    value: target.value as usize,
                    form: target.form,
                    start,
                    end,
                });
            }
        }
        if out.len() - base > 1 {
            dedup(out, base);
        }
    }
}

impl KnownMatcher {
    /// Digests in `text`: every maximal run of hex digits or of base64 characters (either
    /// alphabet) as long as some digest, looked up whole (a digest inside a longer run is part
    /// of something else, as the automaton's boundaries say for the other forms).
    fn find_digests(&self, text: &[u8], out: &mut Vec<KnownMatch>) {
        let mut alnum_start = None;
        let mut base64_start = None;
        for (at, &byte) in text.iter().chain(std::iter::once(&b'\0')).enumerate() {
            let alnum = byte.is_ascii_alphanumeric();
            let base64 = alnum || matches!(byte, b'+' | b'/' | b'-' | b'_');
            match (alnum, alnum_start) {
                (true, None) => alnum_start = Some(at),
                (false, Some(start)) => {
                    self.look_up_digest(text, start, at, true, out);
                    alnum_start = None;
                }
                _ => {}
            }
            match (base64, base64_start) {
                (true, None) => base64_start = Some(at),
                (false, Some(start)) => {
                    // A run of letters and digits only was looked up as it ended above.
                    if text[start..at].iter().any(|b| !b.is_ascii_alphanumeric()) {
                        self.look_up_base64_run(text, start, at, out);
                    }
                    base64_start = None;
                }
                _ => {}
            }
        }
    }

    /// A run of base64 characters with some `+/-_` in it. Those may be digits of a digest or
    /// separators (`+` joins words in a form, `/` path segments, `-` and `_` names), so every
    /// window of a base64 digest's length that the boundaries allow is looked up: one that
    /// starts at the run's start, at a `+/-_` or just after one, and ends likewise.
    fn look_up_base64_run(&self, text: &[u8], start: usize, end: usize, out: &mut Vec<KnownMatch>) {
        let special = |at: usize| !text[at].is_ascii_alphanumeric();
        for from in start..end {
            if !(from == start || special(from) || special(from - 1)) {
                continue;
            }
            for length in BASE64_DIGEST_LENGTHS {
                let to = from + length;
                if to > end {
                    break;
                }
                if to == end || special(to) || special(to - 1) {
                    self.look_up_digest(text, from, to, false, out);
                }
            }
        }
    }

    fn look_up_digest(
        &self,
        text: &[u8],
        start: usize,
        end: usize,
        alnum: bool,
        out: &mut Vec<KnownMatch>,
    ) {
        let run = &text[start..end];
        if !DIGEST_LENGTHS.contains(&run.len()) {
            return;
        }
        // Hex digests are keyed lowercased; base64 ones as they are.
        let mut lower = [0u8; 128];
        let lowered = &mut lower[..run.len()];
        lowered.copy_from_slice(run);
        lowered.make_ascii_lowercase();
        let mut keys: [Option<&[u8]>; 2] = [Some(run), None];
        if alnum && lowered != run {
            keys[1] = Some(lowered);
        }
        for key in keys.into_iter().flatten() {
            let Some(&(lo, hi)) = self.digests.get(key) else {
                continue;
            };
            for target in &self.digest_targets[lo as usize..hi as usize] {
                let expected = self.target_bytes(target);
                let same = if target.case_sensitive {
                    run == expected
                } else {
                    run.eq_ignore_ascii_case(expected)
                };
                if same {
                    out.push(KnownMatch {
                        value: target.value as usize,
                        form: target.form,
                        start,
                        end,
                    });
                }
            }
        }
    }
}

/// Sort `out[base..]` by start and keep one match per (start, value, form), the longest.
fn dedup(out: &mut Vec<KnownMatch>, base: usize) {
    out[base..].sort_unstable_by_key(|m| (m.start, m.value, m.form, std::cmp::Reverse(m.end)));
    let mut kept = base;
    for i in base..out.len() {
        let m = out[i];
        if kept > base {
            let last = out[kept - 1];
            if (last.start, last.value, last.form) == (m.start, m.value, m.form) {
                continue;
            }
        }
        out[kept] = m;
        kept += 1;
    }
    out.truncate(kept);
}

fn too_many(what: &str) -> KnownError {
    KnownError::Build {
        message: format!("too many {what}"),
    }
}
