//! URLs with a query string: the URL is a leaf of its own (a page visited is browsing
//! history), and each query parameter is a field (`url query[q]`), so a search URL reports the
//! search too.

use leakscope_codecs::url::Url as UrlParts;

use crate::decoders::query;
use crate::{About, DecodeError, Encoding, Needs, Profile, Split, Structure, class};

/// URL decoder: keeps the URL, splits out its query parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Url;

/// The query of an `http(s)` URL without whitespace, when it has a `=`; or the query in its
/// fragment (`https://app.example/#/search?q=…`) when it has none of its own.
fn query_of(input: &[u8]) -> Option<&[u8]> {
    let url = UrlParts::parse(input);
    let is_web = url
        .scheme()
        .is_some_and(|s| s.eq_ignore_ascii_case(b"http") || s.eq_ignore_ascii_case(b"https"));
    if !is_web || input.iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let query = url.query_or_fragment_query()?;
    (!query.is_empty() && memchr::memchr(b'=', query).is_some()).then_some(query)
}

impl Encoding for Url {
    /// `http://`, a `?` and a `=`, no whitespace.
    fn about(&self) -> About {
        About::named("url").needs(
            Needs::ANYTHING
                .min_len(9)
                .first_byte_in(b"hH")
                .all_of(class::LETTER | class::PUNCTUATION | class::PLUS_SLASH | class::EQUALS)
                .within(!class::SPACE),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        query_of(input).is_some()
    }
}

impl Structure for Url {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        let query =
            query_of(input).ok_or_else(|| DecodeError::invalid("url", "no query string"))?;
        let pairs = query::parse(query, "url")?;
        query::split_pairs(&pairs, "query", budget, sink)
    }

    fn keeps_input(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Budget;
    use crate::{Path, Unwrapper};

    #[test]
    fn a_search_url_is_history_and_its_query_is_split_out() {
        let mut budget = Budget::default();
        let leaves = Unwrapper::new().unwrap_to_vec(
            Path::from_part("query[dl]"),
            Some("dl"),
            b"https://www.google.com/search?q=cheap+flights&hl=en#top",
            &mut budget,
        );
        let got: Vec<(String, Option<String>, String)> = leaves
            .iter()
            .map(|l| (l.path.to_string(), l.key.clone(), l.text().into_owned()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "query[dl]".into(),
                    Some("dl".into()),
                    "https://www.google.com/search?q=cheap+flights&hl=en#top".into()
                ),
                (
                    "query[dl] > url query[q]".into(),
                    Some("q".into()),
                    "cheap flights".into()
                ),
                (
                    "query[dl] > url query[hl]".into(),
                    Some("hl".into()),
                    "en".into()
                ),
            ]
        );
    }

    #[test]
    fn urls_without_a_query_are_left_whole() {
        assert!(!Url.sniff_alone(b"https://example.org/a/b"));
        assert!(!Url.sniff_alone(b"https://example.org/?"));
        assert!(!Url.sniff_alone(b"ftp://example.org/?a=1"));
    }
}
