//! What was found in one request: sightings folded per finder and value (a value seen in
//! several places is one sighting with several places), and the places themselves.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

use leakscope_decode::lossy_text;
use leakscope_known::KnownMatch;
use leakscope_report::{ByteSpan, Place, Sighting};
use leakscope_rules::{Category, Rule, Severity};

use crate::lookout::Lookout;

/// Who found a datum in a request: a rule of the engine, or a named finder (a known value, a
/// header); sightings are folded per finder and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Finder {
    Rule(usize),
    Named(&'static str),
}

/// The rule of a third party's own cookie whose value is an identifier.
pub(super) const COOKIE_ID_RULE: &str = "cookie.id";
/// The rule of a `Referer` or `Origin` naming a first-party page to a third party.
pub(super) const REFERER_RULE: &str = "header.referer";
/// The rule of a `User-Agent` or client hint revealing the device to a third party.
pub(super) const DEVICE_HEADER_RULE: &str = "header.device";

/// What was found in one request so far: its sightings, folded per finder and value.
#[derive(Default)]
pub(super) struct Found {
    pub(super) sightings: Vec<Sighting>,
    /// (finder, hash of the value) → the sightings with that finder and hash.
    seen: FxHashMap<(Finder, u64), Vec<usize>>,
    /// The URL path segment what is found now is in (its number among the path's non-empty
    /// segments), if it is in one.
    segment: Option<usize>,
    /// The path segments something was found in: a shared report's URL hides them.
    pub(super) leaking_segments: Vec<usize>,
}

impl Found {
    /// What is found from now on is in the URL path segment `segment` (`None`: not in the
    /// path).
    pub(super) fn in_segment(&mut self, segment: Option<usize>) {
        self.segment = segment;
    }

    /// A place where a finder saw a value: a new sighting, or one more place of the same.
    fn add_sighting(
        &mut self,
        finder: Finder,
        value: &str,
        place: Place,
        new: impl FnOnce() -> Sighting,
    ) {
        if let Some(segment) = self.segment
            && !self.leaking_segments.contains(&segment)
        {
            self.leaking_segments.push(segment);
        }
        let value_hash = {
            let mut hasher = FxHasher::default();
            hasher.write(value.as_bytes());
            hasher.finish()
        };
        let same = self.seen.entry((finder, value_hash)).or_default();
        if let Some(&at) = same.iter().find(|&&at| self.sightings[at].value == value) {
            self.sightings[at].places.push(place);
            return;
        }
        same.push(self.sightings.len());
        let mut sighting = new();
        sighting.places.push(place);
        self.sightings.push(sighting);
    }

    /// A rule of the engine matched.
    pub(super) fn add(&mut self, finder: Finder, rule: &Rule, value: &str, place: Place) {
        self.add_sighting(finder, value, place, || Sighting {
            rule: rule.id.clone(),
            category: rule.category,
            severity: rule.severity,
            value: value.to_owned(),
            places: Vec::new(),
            evidence: None,
        });
    }

    /// A named finder (a header, a cookie, a looked-for value) saw a value.
    pub(super) fn add_named(
        &mut self,
        rule: &'static str,
        category: Category,
        severity: Severity,
        value: &str,
        place: Place,
        evidence: Option<String>,
    ) {
        self.add_sighting(Finder::Named(rule), value, place, || Sighting {
            rule: rule.to_owned(),
            category,
            severity,
            value: value.to_owned(),
            places: Vec::new(),
            evidence,
        });
    }

    /// Looked-for values found in `bytes` (at `location`, whose bytes are at `span` of the
    /// part when there verbatim). Matches are byte ranges of `bytes`: the value is the text of
    /// that range alone (a leaf that is not UTF-8 around it changes nothing).
    pub(super) fn add_matches(
        &mut self,
        lookout: &Lookout,
        matches: &[KnownMatch],
        bytes: &[u8],
        location: &str,
        span: Option<leakscope_decode::Span>,
    ) {
        for found in matches {
            let source = lookout.source(found);
            let Some(matched) = bytes.get(found.start..found.end) else {
                continue;
            };
            let value = &*lossy_text(matched);
            let category = source.category;
            self.add_sighting(
                Finder::Named(source.rule),
                value,
                place(location, span, found.start, found.end),
                || Sighting {
                    rule: source.rule.to_owned(),
                    category,
                    severity: source.severity,
                    value: value.to_owned(),
                    places: Vec::new(),
                    evidence: Some(lookout.evidence(found)),
                },
            );
        }
    }

    /// Drops `Referer`/`Origin` sightings whose page another browsing-history sighting of the
    /// request carries.
    pub(super) fn drop_referers_said_elsewhere(&mut self) {
        let said: Vec<usize> = self
            .sightings
            .iter()
            .enumerate()
            .filter(|(_, s)| s.rule == REFERER_RULE)
            .filter(|(_, referer)| {
                self.sightings.iter().any(|other| {
                    other.rule != REFERER_RULE
                        && other.category == Category::BrowsingHistory
                        && other.value == referer.value
                })
            })
            .map(|(at, _)| at)
            .collect();
        for at in said.into_iter().rev() {
            self.sightings.remove(at);
        }
    }

    /// `--private-mode`: every persistent id and page sent is also a `private-mode` leak.
    pub(super) fn add_private_mode(&mut self) {
        let private: Vec<Sighting> = self
            .sightings
            .iter()
            .filter_map(|sighting| {
                let rule = match sighting.category {
                    Category::PersistentId => "private-mode.persistent-id",
                    Category::BrowsingHistory => "private-mode.browsing-history",
                    _ => return None,
                };
                Some(Sighting {
                    rule: rule.to_owned(),
                    category: Category::PrivateMode,
                    severity: Severity::High,
                    evidence: Some(format!(
                        "{} sent from a private (incognito) window (--private-mode)",
                        match sighting.category {
                            Category::PersistentId => "a persistent id",
                            _ => "a page visited",
                        }
                    )),
                    ..sighting.clone()
                })
            })
            .collect();
        self.sightings.extend(private);
    }
}

/// A place at `location`, the bytes `start..end` of a value found at `span` of its part.
pub(super) fn place(
    location: &str,
    span: Option<leakscope_decode::Span>,
    start: usize,
    end: usize,
) -> Place {
    Place {
        location: location.to_owned(),
        span: span.map(|s| ByteSpan {
            start: s.start + start,
            end: (s.start + end).min(s.end),
        }),
    }
}

/// The whole of a part's value, as a span of it.
pub(super) fn whole_span(value: &[u8]) -> leakscope_decode::Span {
    leakscope_decode::Span {
        start: 0,
        end: value.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_in_path_segments_are_noted_once() {
        let mut found = Found::default();
        let add = |found: &mut Found, location: &str| {
            let at = place(location, None, 0, 2);
            found.add_named("r", Category::PersistentId, Severity::High, "id", at, None);
        };
        add(&mut found, "query[id]");
        found.in_segment(Some(2));
        add(&mut found, "path[2]");
        add(&mut found, "path[2] > base64");
        found.in_segment(None);
        add(&mut found, "header[X-Id]");
        assert_eq!(found.leaking_segments, [2]);
        assert_eq!(found.sightings.len(), 1);
        assert_eq!(found.sightings[0].places.len(), 4);
    }
}
