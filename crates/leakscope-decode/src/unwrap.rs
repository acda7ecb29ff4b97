//! The recursive unwrapper: sniff, decode, recurse, under a budget.

use std::ops::ControlFlow;

use crate::candidates::Candidates;
use crate::decoders::default_decoders;
use crate::{Budget, Decoder, FieldRef, Layer, Needs, Path, Profile, Split, Structure};

/// A value with nothing more to peel off, and everything known about where it came from, as
/// the unwrapper hands it to a sink: borrowed, valid for the duration of the call, so that
/// classifying a leaf costs no allocation. [`Leaf::to_owned`] keeps one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leaf<'a> {
    /// Every part and layer from the HTTP message to this value.
    pub path: &'a Path,
    /// The nearest name the value is known by: the JSON member, the form field or query
    /// parameter, the header or cookie name. `None` for a bare body.
    pub key: Option<&'a str>,
    /// The value itself (usually UTF-8 text; binary when a layer produced bytes no decoder
    /// recognised).
    pub value: &'a [u8],
    /// Where the value's bytes are in the value given to the unwrapper, when they are there
    /// as they are: a JSON string without escapes in a JSON body, a query parameter without
    /// escapes in a query string. `None` after a layer that transformed the bytes (base64,
    /// gzip, an unescaped string).
    pub span: Option<Span>,
}

/// A byte range `start..end` in the value given to the unwrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// Where `inner` lies in `outer`, if it is a part of it (the same memory, not equal bytes
    /// elsewhere: leaves borrow from the input wherever they can, so the address says it).
    pub fn within(outer: &[u8], inner: &[u8]) -> Option<Span> {
        let outer_start = outer.as_ptr() as usize;
        let inner_start = inner.as_ptr() as usize;
        let start = inner_start.checked_sub(outer_start)?;
        let end = start.checked_add(inner.len())?;
        (!outer.is_empty() && end <= outer.len()).then_some(Span { start, end })
    }
}

impl Leaf<'_> {
    /// The value as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        lossy_text(self.value)
    }

    /// An owned copy.
    pub fn to_owned(&self) -> LeafBuf {
        LeafBuf {
            path: self.path.clone(),
            key: self.key.map(str::to_owned),
            value: self.value.to_vec(),
            span: self.span,
        }
    }
}

/// An owned [`Leaf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafBuf {
    /// Every part and layer from the HTTP message to this value.
    pub path: Path,
    /// The nearest name the value is known by.
    pub key: Option<String>,
    /// The value itself.
    pub value: Vec<u8>,
    /// Where the value's bytes are in the value given to the unwrapper (see [`Leaf::span`]).
    pub span: Option<Span>,
}

impl LeafBuf {
    /// The value as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        lossy_text(&self.value)
    }
}

/// `bytes` as text, with invalid UTF-8 replaced. Nearly every leaf is valid UTF-8, mostly
/// ASCII, which `from_utf8` checks many bytes at a time; `from_utf8_lossy` walks it in chunks
/// even when there is nothing to replace, at several times the cost on every leaf.
pub fn lossy_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Applies decoders recursively to a value until only leaves are left.
///
/// ```
/// use leakscope_decode::{Budget, Path, Unwrapper};
///
/// // base64 of {"url":"https://example.com/page"}
/// let value = b"eyJ1cmwiOiJodHRwczovL2V4YW1wbGUuY29tL3BhZ2UifQ==";
/// let mut budget = Budget::default();
/// let leaves = Unwrapper::new().unwrap_to_vec(Path::from_part("body form[data]"), Some("data"), value, &mut budget);
/// assert_eq!(leaves[0].path.to_string(), "body form[data] > base64 > json $.url");
/// assert_eq!(leaves[0].key.as_deref(), Some("url"));
/// assert_eq!(leaves[0].text(), "https://example.com/page");
/// ```
pub struct Unwrapper {
    decoders: Vec<Decoder>,
    /// The decoders' [needs](crate::About::needs), asked once and tabulated by profile.
    candidates: Candidates,
}

impl Default for Unwrapper {
    fn default() -> Self {
        Unwrapper::new()
    }
}

impl std::fmt::Debug for Unwrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.decoders.iter().map(|d| d.name()).collect();
        f.debug_struct("Unwrapper")
            .field("decoders", &names)
            .finish()
    }
}

impl Unwrapper {
    /// An unwrapper with the [default decoders](crate::decoders::default_decoders).
    pub fn new() -> Self {
        Unwrapper::build(default_decoders(), Candidates::of_default_decoders)
    }

    /// An unwrapper with exactly these decoders, tried in this order.
    pub fn with_decoders(decoders: Vec<Decoder>) -> Self {
        Unwrapper::build(decoders, Candidates::new)
    }

    /// Ask each decoder its needs once and tabulate them with `tabulate`.
    fn build(decoders: Vec<Decoder>, tabulate: fn(Vec<Needs>) -> Candidates) -> Self {
        let candidates = tabulate(decoders.iter().map(|d| d.needs()).collect());
        Unwrapper {
            decoders,
            candidates,
        }
    }

    /// Unwrap `value`, found at `path` under the name `key`, calling `sink` for every leaf.
    /// Limits reached on the way are recorded as notes in `budget`.
    pub fn unwrap(
        &self,
        mut path: Path,
        key: Option<&str>,
        value: &[u8],
        budget: &mut Budget,
        sink: &mut dyn FnMut(&Leaf<'_>),
    ) {
        self.unwrap_at(&mut path, key, value, budget, sink);
    }

    /// [`Unwrapper::unwrap`] with a path the caller keeps: steps are pushed while walking and
    /// popped again, so `path` is as it was when this returns, and one path can serve many
    /// values without an allocation each.
    #[inline]
    pub fn unwrap_at(
        &self,
        path: &mut Path,
        key: Option<&str>,
        value: &[u8],
        budget: &mut Budget,
        sink: &mut dyn FnMut(&Leaf<'_>),
    ) {
        let mut out = Out { root: value, sink };
        self.walk(path, key, value, 0, budget, &mut out);
    }

    /// [`Unwrapper::unwrap`] collecting the leaves into a vector.
    pub fn unwrap_to_vec(
        &self,
        path: Path,
        key: Option<&str>,
        value: &[u8],
        budget: &mut Budget,
    ) -> Vec<LeafBuf> {
        let mut leaves = Vec::new();
        self.unwrap(path, key, value, budget, &mut |leaf| {
            leaves.push(leaf.to_owned())
        });
        leaves
    }

    #[inline]
    fn walk(
        &self,
        path: &mut Path,
        key: Option<&str>,
        value: &[u8],
        depth: usize,
        budget: &mut Budget,
        out: &mut Out<'_, '_>,
    ) {
        let profile = Profile::of(value);
        if !self.candidates.any(value, &profile) {
            // Most values: no decoder could want it.
            emit(path, key, value, budget, out);
            return;
        }
        self.try_decoders(path, key, value, &profile, depth, budget, out);
    }

    /// The rest of [`Unwrapper::walk`], for values some decoder may want: kept out of line
    /// so that the common case above stays small.
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn try_decoders(
        &self,
        path: &mut Path,
        key: Option<&str>,
        value: &[u8],
        profile: &Profile,
        depth: usize,
        budget: &mut Budget,
        out: &mut Out<'_, '_>,
    ) {
        let profile = *profile;
        let candidates = self
            .candidates
            .of(value, &profile)
            .map(|i| &self.decoders[i]);
        if depth >= budget.limits().max_depth {
            if candidates.clone().any(|d| d.sniff(value, &profile)) {
                let max = budget.limits().max_depth;
                budget.note(
                    path.to_string(),
                    format!("nesting deeper than {max} layers: not decoded further"),
                );
            }
            emit(path, key, value, budget, out);
            return;
        }
        for decoder in candidates {
            if !decoder.sniff(value, &profile) {
                continue;
            }
            let sniffed = Sniffed {
                path: &mut *path,
                key,
                value,
                profile: &profile,
                depth,
            };
            let done = match decoder {
                Decoder::Layer(layer) => self.peel(&**layer, sniffed, budget, out),
                Decoder::Structure(structure) => self.split(&**structure, sniffed, budget, out),
            };
            if done {
                return;
            }
        }
        emit(path, key, value, budget, out);
    }

    /// Try `layer` on the value it sniffed: unwrap what is under it. False when the layer
    /// declined, so the next decoder is tried.
    fn peel(
        &self,
        layer: &dyn Layer,
        at: Sniffed<'_, '_>,
        budget: &mut Budget,
        out: &mut Out<'_, '_>,
    ) -> bool {
        let used = budget.output_used();
        // A layer must charge what it returns; one that charged less (a user's layer that
        // forgot) is charged the rest here, so no layer gets past the output limit.
        let peeled = layer.peel(at.value, at.profile, budget).and_then(|inner| {
            let unpaid = inner.len().saturating_sub(budget.output_used() - used);
            budget.charge_output(unpaid).map(|()| inner)
        });
        match peeled {
            // A layer that gives back its input has peeled nothing.
            Ok(inner) if inner == at.value => false,
            Ok(inner) => {
                at.path.push_layer(layer.about().name);
                self.walk(at.path, at.key, &inner, at.depth + 1, budget, out);
                at.path.pop();
                true
            }
            Err(error) if error.is_budget() => {
                at.note(layer.about().name, error.to_string(), budget);
                at.emit(budget, out);
                true
            }
            Err(_) => false,
        }
    }

    /// Try `structure` on the value it sniffed: unwrap each field as it comes. False when the
    /// structure declined before handing over a field, so the next decoder is tried.
    fn split(
        &self,
        structure: &dyn Structure,
        at: Sniffed<'_, '_>,
        budget: &mut Budget,
        out: &mut Out<'_, '_>,
    ) -> bool {
        let name = structure.about().name;
        let mut handed = 0usize;
        let mut exhausted = None;
        let sink = &mut |budget: &mut Budget, field: FieldRef<'_>| {
            // The selector is copied into the path for every field: a structure of long
            // member names must pay for that, or a small body could cost gigabytes of
            // copying.
            if let Err(error) = budget.charge_output(field.selector.len()) {
                exhausted = Some(error);
                return ControlFlow::Break(());
            }
            if handed == 0 && structure.keeps_input() {
                emit(at.path, at.key, at.value, budget, out);
            }
            handed += 1;
            at.path.push_field(name, field.selector);
            let key = field.key.or(at.key);
            if field.terminal {
                emit(at.path, key, field.value, budget, out);
            } else {
                self.walk(at.path, key, field.value, at.depth + 1, budget, out);
            }
            at.path.pop();
            if budget.leaf_limit_reached() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let split = structure.split(
            at.value,
            Split {
                profile: at.profile,
                budget,
                sink,
            },
        );
        match exhausted.map_or(split, Err) {
            Ok(()) => true,
            Err(error) if handed > 0 => {
                // A structure that broke off (a document cut short): what came before the
                // break was examined, and the whole value is a leaf too, so that what
                // follows the break is still seen, as text.
                at.note(
                    name,
                    format!("broke off after {handed} fields: {error}"),
                    budget,
                );
                if !error.is_budget() {
                    at.emit(budget, out);
                }
                true
            }
            Err(error) if error.is_budget() => {
                at.note(name, error.to_string(), budget);
                at.emit(budget, out);
                true
            }
            Err(_) => false,
        }
    }
}

/// A value some decoder sniffed, as the walk reached it: where it is, the name it is known
/// by, its bytes and profile, and how many layers deep it is. What [`Unwrapper::peel`] and
/// [`Unwrapper::split`] are lent besides the decoder, the budget and where leaves go.
struct Sniffed<'p, 'v> {
    path: &'p mut Path,
    key: Option<&'v str>,
    value: &'v [u8],
    profile: &'v Profile,
    depth: usize,
}

impl Sniffed<'_, '_> {
    /// A note on what the decoder `name` met in this value (a budget spent, a structure that
    /// broke off).
    fn note(&self, name: &str, message: String, budget: &mut Budget) {
        budget.note(format!("{} > {name}", self.path), message);
    }

    /// The value itself as a leaf, as it is.
    fn emit(&self, budget: &mut Budget, out: &mut Out<'_, '_>) {
        emit(self.path, self.key, self.value, budget, out);
    }
}

/// Where leaves go: the caller's sink, and the value the unwrapping started from (leaves lent
/// from it get a span).
struct Out<'o, 's> {
    root: &'o [u8],
    sink: &'o mut (dyn FnMut(&Leaf<'_>) + 's),
}

#[inline]
fn emit(path: &Path, key: Option<&str>, value: &[u8], budget: &mut Budget, out: &mut Out<'_, '_>) {
    if !budget.take_leaf() {
        note_leaf_limit(path, budget);
        return;
    }
    (out.sink)(&Leaf {
        path,
        key,
        value,
        span: Span::within(out.root, value),
    });
}

/// The note for the leaves past the limit, once: cold, and out of the per-leaf path.
#[cold]
fn note_leaf_limit(path: &Path, budget: &mut Budget) {
    if !budget.leaf_limit_noted() {
        let max = budget.limits().max_leaves;
        budget.note(
            path.to_string(),
            format!("leaf limit of {max} reached: later values not examined"),
        );
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::Limits;
    use crate::decoders::test_support::gzip;

    fn unwrap(value: &[u8]) -> (Vec<(String, Option<String>, String)>, Budget) {
        let mut budget = Budget::default();
        let leaves = Unwrapper::new().unwrap_to_vec(
            Path::from_part("body form[data_list]"),
            Some("data_list"),
            value,
            &mut budget,
        );
        let leaves = leaves
            .into_iter()
            .map(|l| (l.path.to_string(), l.key.clone(), l.text().into_owned()))
            .collect();
        (leaves, budget)
    }

    /// The leaves of `value`, found in the request part `part` without a name.
    fn leaves_of(part: &str, value: &[u8], budget: &mut Budget) -> Vec<LeafBuf> {
        Unwrapper::new().unwrap_to_vec(Path::from_part(part), None, value, budget)
    }

    #[test]
    fn peels_the_sensors_analytics_stack() {
        let events = r#"[{"distinct_id":"a1b2c3d4e5f60718","properties":{"$model":"Redmi Note 8 Pro","url":"https://example.org/a"}}]"#;
        let value = STANDARD.encode(gzip(events.as_bytes()));
        let (leaves, budget) = unwrap(value.as_bytes());
        assert_eq!(
            leaves,
            [
                (
                    "body form[data_list] > base64 > gzip > json $[0].distinct_id",
                    "distinct_id",
                    "a1b2c3d4e5f60718"
                ),
                (
                    "body form[data_list] > base64 > gzip > json $[0].properties.$model",
                    "$model",
                    "Redmi Note 8 Pro"
                ),
                (
                    "body form[data_list] > base64 > gzip > json $[0].properties.url",
                    "url",
                    "https://example.org/a"
                ),
            ]
            .map(|(p, k, v)| (p.to_owned(), Some(k.to_owned()), v.to_owned()))
        );
        assert!(budget.notes().is_empty());
    }

    #[test]
    fn json_in_a_json_string_and_percent_inside_are_decoded_again() {
        let value = r#"{"payload":"{\"ref\":\"https%3A%2F%2Fexample.org%2Fx\"}"}"#;
        let (leaves, _) = unwrap(value.as_bytes());
        assert_eq!(
            leaves[0].0,
            "body form[data_list] > json $.payload > json $.ref > percent"
        );
        assert_eq!(leaves[0].2, "https://example.org/x");
    }

    #[test]
    fn a_plain_value_is_one_leaf_with_its_key() {
        let (leaves, _) = unwrap(b"1");
        assert_eq!(
            leaves,
            [(
                "body form[data_list]".to_owned(),
                Some("data_list".to_owned()),
                "1".to_owned()
            )]
        );
    }

    #[test]
    fn a_gzip_bomb_becomes_a_note() {
        let bomb = STANDARD.encode(gzip(&vec![b'a'; 64 << 20]));
        let mut budget = Budget::new(Limits::default());
        let leaves = leaves_of("body", bomb.as_bytes(), &mut budget);
        assert_eq!(leaves.len(), 1);
        assert_eq!(budget.notes().len(), 1);
        let note = &budget.notes()[0];
        assert_eq!(note.location, "body > base64 > gzip");
        assert!(
            note.message.contains("compression bomb"),
            "{}",
            note.message
        );
    }

    #[test]
    fn leaves_lent_from_the_input_know_where_they_are_in_it() {
        let body = br#"{"url":"https://example.org/a","q":"caf\u00e9","n":7}"#;
        let mut budget = Budget::default();
        let leaves = leaves_of("body", body, &mut budget);
        let spans: Vec<(String, Option<&[u8]>)> = leaves
            .iter()
            .map(|l| (l.text().into_owned(), l.span.map(|s| &body[s.start..s.end])))
            .collect();
        assert_eq!(
            spans,
            [
                // Verbatim in the body.
                (
                    "https://example.org/a".into(),
                    Some(&b"https://example.org/a"[..])
                ),
                // Unescaped, and a number formatted anew: not bytes of the body.
                ("café".into(), None),
                ("7".into(), None),
            ]
        );
        // Under a layer, nothing is verbatim.
        let packed = STANDARD.encode(body);
        let leaves = leaves_of("body", packed.as_bytes(), &mut budget);
        assert!(leaves.iter().all(|l| l.span.is_none()));
        // A value with nothing to decode is all of itself.
        let plain = leaves_of("query[v]", b"plain", &mut budget);
        assert_eq!(plain[0].span, Some(Span { start: 0, end: 5 }));
    }

    #[test]
    fn a_document_that_breaks_off_keeps_the_fields_before_the_break_the_whole_value_and_says_so() {
        let (leaves, budget) = unwrap(br#"{"q":"cheap flights","model":"Redmi",}"#);
        assert_eq!(
            leaves.iter().map(|l| l.2.as_str()).collect::<Vec<_>>(),
            [
                "cheap flights",
                "Redmi",
                r#"{"q":"cheap flights","model":"Redmi",}"#
            ]
        );
        assert_eq!(budget.notes().len(), 1);
        let note = &budget.notes()[0];
        assert_eq!(note.location, "body form[data_list] > json");
        assert!(
            note.message
                .starts_with("broke off after 2 fields: not valid json"),
            "{}",
            note.message
        );
    }

    #[test]
    fn long_member_names_are_paid_for_in_the_path() {
        // A 64 KiB name over 2,000 array items would copy 128 MiB of selectors into the path.
        let name = "n".repeat(64 * 1024);
        let body = format!(r#"{{"{name}":[{}]}}"#, vec!["1"; 2000].join(","));
        let mut budget = Budget::new(Limits {
            max_output: 1 << 20,
            ..Limits::default()
        });
        let mut leaves = 0;
        Unwrapper::new().unwrap(
            Path::from_part("body"),
            None,
            body.as_bytes(),
            &mut budget,
            &mut |_| leaves += 1,
        );
        assert!(leaves < 20, "{leaves} leaves");
        assert!(budget.output_used() <= 1 << 20);
        assert!(
            budget.notes()[0].message.contains("over the budget"),
            "{:?}",
            budget.notes()
        );
    }

    #[test]
    fn a_value_that_only_looks_like_json_is_one_leaf_without_a_note() {
        let (leaves, budget) = unwrap(b"{not json}");
        assert_eq!(leaves.len(), 1);
        assert_eq!(leaves[0].2, "{not json}");
        assert!(budget.notes().is_empty());
    }

    #[test]
    fn the_leaf_limit_holds() {
        let many = format!("[{}]", vec!["1"; 50].join(","));
        let mut budget = Budget::new(Limits {
            max_leaves: 10,
            ..Limits::default()
        });
        let leaves = leaves_of("body", many.as_bytes(), &mut budget);
        assert_eq!(leaves.len(), 10);
        assert_eq!(budget.notes().len(), 1);
    }
}
