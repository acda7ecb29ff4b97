//! Provenance: the chain of parts and layers a value came through.

use std::fmt;

/// One step of a [`Path`], borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step<'p> {
    /// Where in the HTTP message the value starts, e.g. `body form[data]` or `query[dl]`.
    Part(&'p str),
    /// An encoding layer that was peeled off, e.g. `base64` or `gzip`.
    Layer(&'static str),
    /// A field selected inside a structure, e.g. decoder `json` with selector `$.events[0].url`.
    Field {
        /// The structure decoder's name.
        decoder: &'static str,
        /// Where inside the structure, in that structure's own notation.
        selector: &'p str,
    },
}

impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Part(part) => f.write_str(part),
            Step::Layer(name) => f.write_str(name),
            Step::Field { decoder, selector } => {
                f.write_str(decoder)?;
                f.write_str(field_gap(selector))?;
                f.write_str(selector)
            }
        }
    }
}

/// `query[q]` reads like the HTTP parts; `json $.a` like JSONPath.
fn field_gap(selector: &str) -> &'static str {
    if selector.starts_with('[') { "" } else { " " }
}

const SEPARATOR: &str = " > ";

/// What kind of step starts at a mark, and where its selector starts for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Part,
    Layer(&'static str),
    Field {
        decoder: &'static str,
        selector_at: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Mark {
    /// Where the step's text starts in [`Path::text`] (after the separator).
    start: usize,
    kind: Kind,
}

/// The whole provenance of a leaf, from the HTTP message to the value, shown as steps joined by
/// ` > `: `body form[data_list] > base64 > gzip > json $[0].properties.$url`.
///
/// The path is kept as that text plus where each step starts, because the unwrapper pushes and
/// pops a step for every field of every structure it walks: appending to one string costs no
/// allocation once it has grown, where a step owning its selector would cost one each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path {
    text: String,
    marks: Vec<Mark>,
}

impl Path {
    /// A path that starts at one part of a request.
    pub fn from_part(part: impl Into<String>) -> Self {
        Path {
            text: part.into(),
            marks: vec![Mark {
                start: 0,
                kind: Kind::Part,
            }],
        }
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> impl DoubleEndedIterator<Item = Step<'_>> + ExactSizeIterator + '_ {
        (0..self.marks.len()).map(|i| self.step(i))
    }

    /// The last step, if any.
    pub fn last(&self) -> Option<Step<'_>> {
        self.marks.len().checked_sub(1).map(|i| self.step(i))
    }

    fn step(&self, i: usize) -> Step<'_> {
        let mark = self.marks[i];
        let end = self
            .marks
            .get(i + 1)
            .map_or(self.text.len(), |next| next.start - SEPARATOR.len());
        match mark.kind {
            Kind::Part => Step::Part(&self.text[mark.start..end]),
            Kind::Layer(name) => Step::Layer(name),
            Kind::Field {
                decoder,
                selector_at,
            } => Step::Field {
                decoder,
                selector: &self.text[selector_at..end],
            },
        }
    }

    /// Names of the encoding layers on this path, outermost first (`["base64", "gzip"]`).
    pub fn layers(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.marks.iter().filter_map(|m| match m.kind {
            Kind::Layer(name) => Some(name),
            _ => None,
        })
    }

    /// Whether a structure decoder named `decoder` selected a field on this path (for
    /// example `url`: the value is a parameter of a URL found inside another value).
    pub fn has_field_of(&self, decoder: &str) -> bool {
        self.marks
            .iter()
            .any(|m| matches!(m.kind, Kind::Field { decoder: d, .. } if d == decoder))
    }

    fn start_step(&mut self) -> usize {
        if !self.marks.is_empty() {
            self.text.push_str(SEPARATOR);
        }
        self.text.len()
    }

    /// Append a part (the first step of a path made with [`Path::default`]).
    pub fn push_part(&mut self, part: &str) {
        let start = self.start_step();
        self.text.push_str(part);
        self.marks.push(Mark {
            start,
            kind: Kind::Part,
        });
    }

    /// Append an encoding layer.
    pub fn push_layer(&mut self, name: &'static str) {
        let start = self.start_step();
        self.text.push_str(name);
        self.marks.push(Mark {
            start,
            kind: Kind::Layer(name),
        });
    }

    /// Append a field that the structure decoder `decoder` selected with `selector`.
    pub fn push_field(&mut self, decoder: &'static str, selector: &str) {
        let start = self.start_step();
        self.text.push_str(decoder);
        self.text.push_str(field_gap(selector));
        let selector_at = self.text.len();
        self.text.push_str(selector);
        self.marks.push(Mark {
            start,
            kind: Kind::Field {
                decoder,
                selector_at,
            },
        });
    }

    /// Remove the last step (used while walking, so that one path buffer serves a whole
    /// tree). Returns whether there was one.
    pub fn pop(&mut self) -> bool {
        match self.marks.pop() {
            Some(mark) => {
                let end = mark.start.saturating_sub(SEPARATOR.len());
                self.text
                    .truncate(if self.marks.is_empty() { 0 } else { end });
                true
            }
            None => false,
        }
    }

    /// The path as text, as it is displayed.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_the_whole_chain() {
        let mut path = Path::from_part("body form[data_list]");
        path.push_layer("base64");
        path.push_layer("gzip");
        path.push_field("json", "$[0].properties.$model");
        assert_eq!(
            path.to_string(),
            "body form[data_list] > base64 > gzip > json $[0].properties.$model"
        );
        assert_eq!(path.layers().collect::<Vec<_>>(), ["base64", "gzip"]);
        assert_eq!(
            path.steps().collect::<Vec<_>>(),
            [
                Step::Part("body form[data_list]"),
                Step::Layer("base64"),
                Step::Layer("gzip"),
                Step::Field {
                    decoder: "json",
                    selector: "$[0].properties.$model"
                },
            ]
        );
        assert!(path.has_field_of("json"));
        assert!(!path.has_field_of("url"));
    }

    #[test]
    fn steps_display_as_the_path_does() {
        let mut path = Path::from_part("query[u]");
        path.push_field("url", "[q]");
        path.push_layer("percent");
        let joined: Vec<String> = path.steps().map(|s| s.to_string()).collect();
        assert_eq!(joined.join(" > "), path.to_string());
        assert_eq!(path.to_string(), "query[u] > url[q] > percent");
    }

    #[test]
    fn popping_restores_the_path_exactly() {
        let mut path = Path::from_part("body");
        let before = path.clone();
        path.push_layer("gzip");
        path.push_field("json", "$.a");
        assert!(path.pop());
        path.push_field("json", "$.bb");
        assert_eq!(
            path.last(),
            Some(Step::Field {
                decoder: "json",
                selector: "$.bb"
            })
        );
        assert!(path.pop());
        assert!(path.pop());
        assert_eq!(path, before);
        assert!(path.pop());
        assert_eq!(path, Path::default());
        assert!(!path.pop());
        path.push_part("header[x]");
        assert_eq!(path.to_string(), "header[x]");
    }
}
