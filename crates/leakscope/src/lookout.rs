//! The values a scan looks for wherever they go, in any form: the user's own
//! (`--known-values`, `--known`) and those the capture revealed (see [`crate::context`]).
//!
//! Both kinds go into one [`KnownMatcher`]: one automaton over every form of every value, run
//! once over each leaf (and over headers, the host, and raw parts that are text). What
//! differs is what a match means: a known value is reported wherever it is found, under the
//! category the user gave it; a context value only when a third party receives it (the user's
//! email posted to the site itself is the user talking to the site), under the category of
//! what it is.

use leakscope_known::{Encoding, Form, KnownError, KnownMatch, KnownMatcher, KnownValue};
use leakscope_rules::{Category, Severity};

use crate::context::{ContextKind, ContextValue};

/// The rule a known value's leaks are reported under.
pub(crate) const KNOWN_VALUE_RULE: &str = "known-value";

/// What one looked-for value is.
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) rule: &'static str,
    pub(crate) category: Category,
    pub(crate) severity: Severity,
    /// A context value: reported only when a third party receives it.
    pub(crate) context: Option<ContextKind>,
    /// Said in evidence: `'my email'` for a known value, the provenance of a context value.
    subject: String,
    /// The registrable domain whose requests do not count (a third party's own cookie id).
    pub(crate) owner: Option<String>,
}

/// Every looked-for value, and one matcher over all their forms.
#[derive(Debug)]
///
/// Two matchers: the user's values (one automaton over all their forms, built while the first
/// pass reads) and the capture's, known only after it. A match's `value` indexes `sources`:
/// the user's values first, then the capture's.
pub(crate) struct Lookout {
    known: Option<KnownMatcher>,
    context: Option<KnownMatcher>,
    sources: Vec<Source>,
    /// The index of the first of the capture's values in `sources`.
    first_context: usize,
}

impl Lookout {
    /// The matcher of the user's own values: every form of every value in one automaton.
    /// Built on its own, it can be built while the first pass reads the capture.
    pub(crate) fn known_matcher(known: &[KnownValue]) -> Result<Option<KnownMatcher>, KnownError> {
        if known.is_empty() {
            return Ok(None);
        }
        KnownMatcher::new(known.to_vec()).map(Some)
    }

    /// The lookout for the user's values (their matcher built by
    /// [`Lookout::known_matcher`]) and the capture's; `None` when there are none.
    pub(crate) fn new(
        known: &[KnownValue],
        known_matcher: Option<KnownMatcher>,
        context: &[ContextValue],
    ) -> Result<Option<Lookout>, KnownError> {
        if known.is_empty() && context.is_empty() {
            return Ok(None);
        }
        let mut sources = Vec::with_capacity(known.len() + context.len());
        for value in known {
            sources.push(Source {
                rule: KNOWN_VALUE_RULE,
                category: value.category,
                severity: match value.category {
                    Category::Contact => Severity::Critical,
                    _ => Severity::High,
                },
                context: None,
                subject: format!("'{}'", value.label),
                owner: None,
            });
        }
        let mut values = Vec::with_capacity(context.len());
        for value in context {
            values.push(KnownValue {
                label: value.provenance.clone(),
                category: value.kind.category(),
                value: value.value.clone(),
            });
            sources.push(Source {
                rule: value.kind.rule(),
                category: value.kind.category(),
                severity: match value.kind {
                    ContextKind::Typed(_) | ContextKind::NamePart => Severity::Critical,
                    ContextKind::Search | ContextKind::Page | ContextKind::Title => Severity::High,
                    ContextKind::Id | ContextKind::SyncedId => Severity::Medium,
                },
                context: Some(value.kind),
                subject: value.provenance.clone(),
                owner: value.owner.clone(),
            });
        }
        let context_matcher = if context.is_empty() {
            None
        } else {
            Some(KnownMatcher::with_forms(values, &|index, form: &Form| {
                let kind = context[index].kind;
                match form.hash {
                    Some(_) => kind.hashed_too(),
                    None => !kind.hashed_only() && plain_or_common_encoding(form),
                }
            })?)
        };
        let known_matcher = match known_matcher {
            Some(matcher) => Some(matcher),
            None => Self::known_matcher(known)?,
        };
        Ok(Some(Lookout {
            known: known_matcher,
            context: context_matcher,
            sources,
            first_context: known.len(),
        }))
    }

    /// Whether the user gave values to look for (they are looked for in every request; the
    /// capture's own only in what third parties receive).
    pub(crate) fn has_known_values(&self) -> bool {
        self.known.is_some()
    }

    /// Appends every match in `text` to `out`.
    pub(crate) fn find(&self, text: &[u8], out: &mut Vec<KnownMatch>) {
        if let Some(known) = &self.known {
            known.find(text, out);
        }
        if let Some(context) = &self.context {
            let from = out.len();
            context.find(text, out);
            for found in &mut out[from..] {
                found.value += self.first_context;
            }
        }
    }

    /// The matcher a match came from, and the value's index in it (`None` only for a match
    /// that did not come from this lookout).
    fn matcher_of(&self, found: &KnownMatch) -> Option<(&KnownMatcher, usize)> {
        match found.value.checked_sub(self.first_context) {
            Some(at) => self.context.as_ref().map(|context| (context, at)),
            None => self.known.as_ref().map(|known| (known, found.value)),
        }
    }

    /// What a matched value is.
    pub(crate) fn source(&self, found: &KnownMatch) -> &Source {
        &self.sources[found.value]
    }

    /// Whether a match in `text` is the value itself and not part of something else:
    ///
    /// - a visited page's URL found inside the URL of another page of the site
    ///   (`https://site.example/` in `https://site.example/contact`) is not that page; a page
    ///   may go on with a query or a fragment;
    /// - a short value the capture revealed (under 8 bytes: a postcode, a one-word search such
    ///   as `shoes`) is only taken when it is the whole field, not a word in a path or a
    ///   sentence, where it would be found by chance.
    ///
    /// The user's own values are bounded by the matcher's rules alone: they asked for them.
    pub(crate) fn whole(&self, text: &[u8], found: &KnownMatch) -> bool {
        let Some(kind) = self.source(found).context else {
            return true;
        };
        if matches!(kind, ContextKind::Page | ContextKind::Title) {
            return !text.get(found.end).is_some_and(|&next| {
                next.is_ascii_alphanumeric()
                    || matches!(next, b'/' | b'%' | b'.' | b'_' | b'~' | b'-')
            });
        }
        !self.short(found) || (found.start == 0 && found.end == text.len())
    }

    /// Whether a match is of a context value so short or plain (under 8 bytes, a one-word
    /// search) that it is only taken as a whole field, and not as a URL path segment, where
    /// words are names of things (`/fonts/s/shoes/`), not what the user did.
    pub(crate) fn short(&self, found: &KnownMatch) -> bool {
        let Some(kind) = self.source(found).context else {
            return false;
        };
        if matches!(kind, ContextKind::Page | ContextKind::Title) {
            return false;
        }
        let Some((matcher, at)) = self.matcher_of(found) else {
            return false;
        };
        let value = matcher.values()[at].value.trim();
        value.len() < 8 || (kind == ContextKind::Search && !value.contains(' '))
    }

    /// The evidence of a match: which value, in which form, and where it came from.
    pub(crate) fn evidence(&self, found: &KnownMatch) -> String {
        let source = self.source(found);
        match self
            .matcher_of(found)
            .map(|(matcher, _)| matcher.form(found.form))
        {
            Some(form) if *form != Form::AS_GIVEN || source.context.is_none() => {
                form.describe_subject(&source.subject)
            }
            _ => source.subject.clone(),
        }
    }
}

/// Context values are looked for as they are, percent- or form-encoded, and in base64: what
/// pixels and SDKs do with pages and ids. Hex of a URL is not a form anyone sends.
fn plain_or_common_encoding(form: &Form) -> bool {
    !matches!(form.encoding, Encoding::Hex)
}
