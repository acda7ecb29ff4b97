//! Provenance: the chain of parts and layers a value came through.

use std::fmt;

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// Where in the HTTP message the value starts, e.g. `body form[data]` or `query[dl]`.
    Part(String),
    /// An encoding layer that was peeled off, e.g. `base64` or `gzip`.
    Layer(&'static str),
    /// A field selected inside a structure, e.g. decoder `json` with selector `$.events[0].url`.
    Field {
        /// The structure decoder's name.
        decoder: &'static str,
        /// Where inside the structure, in that structure's own notation.
        selector: String,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Part(part) => f.write_str(part),
            Step::Layer(name) => f.write_str(name),
            // `query[q]` reads like the HTTP parts; `json $.a` like JSONPath.
            Step::Field { decoder, selector } if selector.starts_with('[') => {
                write!(f, "{decoder}{selector}")
            }
            Step::Field { decoder, selector } => write!(f, "{decoder} {selector}"),
        }
    }
}

/// The whole provenance of a leaf, from the HTTP message to the value, shown as steps joined by
/// ` > `: `body form[data_list] > base64 > gzip > json $[0].properties.$url`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path {
    steps: Vec<Step>,
}

impl Path {
    /// A path that starts at one part of a request.
    pub fn from_part(part: impl Into<String>) -> Self {
        Path {
            steps: vec![Step::Part(part.into())],
        }
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Names of the encoding layers on this path, outermost first (`["base64", "gzip"]`).
    pub fn layers(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Layer(name) => Some(*name),
            _ => None,
        })
    }

    /// Whether a structure decoder named `decoder` selected a field on this path (for
    /// example `url`: the value is a parameter of a URL found inside another value).
    pub fn has_field_of(&self, decoder: &str) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::Field { decoder: d, .. } if *d == decoder))
    }

    /// Append a step.
    pub fn push(&mut self, step: Step) {
        self.steps.push(step);
    }

    /// Remove the last step (used while walking, so that one path buffer serves a whole tree).
    pub fn pop(&mut self) -> Option<Step> {
        self.steps.pop()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(" > ")?;
            }
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_the_whole_chain() {
        let mut path = Path::from_part("body form[data_list]");
        path.push(Step::Layer("base64"));
        path.push(Step::Layer("gzip"));
        path.push(Step::Field {
            decoder: "json",
            selector: "$[0].properties.$model".into(),
        });
        assert_eq!(
            path.to_string(),
            "body form[data_list] > base64 > gzip > json $[0].properties.$model"
        );
        assert_eq!(path.layers().collect::<Vec<_>>(), ["base64", "gzip"]);
    }
}
