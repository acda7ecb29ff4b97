//! What one leaf counts as in a request: the verdict on a (key, value) pair, kept for the
//! next leaf with the same pair, and which looked-for values found in it are reported.

use leakscope_decode::Leaf;
use leakscope_known::KnownMatch;
use leakscope_rules::{Candidate, Hit};

use crate::lookout::Lookout;

/// A leaf the unwrapper peeled, as the rules are shown it: its name, its text (`leaf.text()`),
/// whether it is a parameter of a page URL found inside another value (see
/// [`Rule::in_page_urls`](leakscope_rules::Rule::in_page_urls)), and where it is: `location`,
/// the leaf's path as it displays (`body form[extinfo] > json $[5]`), unless the caller names
/// the leaf's field another way (`leakscope decode --key extinfo` peels a bare value).
/// The scanner and `leakscope decode` both judge leaves through this, so they agree.
pub fn leaf_candidate<'a>(leaf: &Leaf<'a>, text: &'a str, location: &'a str) -> Candidate<'a> {
    Candidate {
        key: leaf.key,
        value: text,
        in_page_url: leaf.path.has_field_of("url"),
        location: Some(location),
    }
}

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

#[cfg(test)]
mod tests {
    use leakscope_decode::{Budget, Path, Unwrapper};

    use super::*;

    #[test]
    fn a_page_urls_parameters_are_candidates_in_a_page_url() {
        let mut seen = Vec::new();
        Unwrapper::new().unwrap(
            Path::from_part("query[dl]"),
            Some("dl"),
            b"https://shop.example/p?q=shoes",
            &mut Budget::default(),
            &mut |leaf| {
                let text = leaf.text();
                let candidate = leaf_candidate(leaf, &text, leaf.path.as_str());
                seen.push(format!(
                    "{:?} {} {} {:?}",
                    candidate.key, candidate.value, candidate.in_page_url, candidate.location
                ));
            },
        );
        assert_eq!(
            seen,
            [
                // The URL itself is the request's parameter, not a page's.
                r#"Some("dl") https://shop.example/p?q=shoes false Some("query[dl]")"#,
                r#"Some("q") shoes true Some("query[dl] > url query[q]")"#,
            ]
        );
    }
}
