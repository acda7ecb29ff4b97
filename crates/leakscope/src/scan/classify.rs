//! What one leaf counts as in a request: the verdict on a (key, value) pair, kept for the
//! next leaf with the same pair, and which looked-for values found in it are reported.

use leakscope_known::KnownMatch;
use leakscope_rules::Hit;

use crate::lookout::Lookout;

/// What the rules said of one (key, value) pair in a request, kept for the next leaf with the
/// same pair.
pub(super) struct Verdict<'r> {
    pub(super) hits: Vec<Hit<'r>>,
    /// Known and context values found in the leaf, already filtered for the request.
    pub(super) matches: Vec<KnownMatch>,
    pub(super) per_request: bool,
}

/// Whether a looked-for value found in a request to `domain` is reported: a known value
/// always, a context value only when a third party receives it (and not the third party whose
/// cookie it is).
pub(super) fn reportable(
    lookout: &Lookout,
    found: &KnownMatch,
    third_party: Option<bool>,
    domain: &str,
) -> bool {
    let source = lookout.source(found);
    source.context.is_none()
        || (third_party == Some(true) && source.owner.as_deref() != Some(domain))
}

/// Of matches found by one rule, keeps the widest: a page's path inside its full URL, the
/// home page's URL inside another page's, the same text in two forms are one finding.
pub(super) fn keep_widest(lookout: &Lookout, matches: &mut Vec<KnownMatch>) {
    if matches.len() < 2 {
        return;
    }
    matches.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
    let mut kept: Vec<KnownMatch> = Vec::with_capacity(matches.len());
    for m in matches.drain(..) {
        let rule = lookout.source(&m).rule;
        let inside = kept
            .iter()
            .any(|k| lookout.source(k).rule == rule && k.start <= m.start && m.end <= k.end);
        if !inside {
            kept.push(m);
        }
    }
    *matches = kept;
}
