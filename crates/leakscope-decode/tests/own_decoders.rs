//! Decoders written outside the crate, as a library user writes them: one layer and one
//! structure, each implementing only what its role requires, used on their own and among the
//! default decoders.

use std::ops::ControlFlow;

use leakscope_decode::decoders::default_decoders;
use leakscope_decode::{
    About, Budget, DecodeError, Decoded, Decoder, Encoding, Field, FieldRef, Layer, Limits, Needs,
    Path, Profile, Split, Structure, Unwrapper, class,
};

/// A layer: text sent backwards behind a `rev:` tag, as an SDK might hide a payload from
/// naive filters.
struct Reversed;

impl Encoding for Reversed {
    /// Any value may be reversed text, so it states no needs: every value reaches the sniff.
    fn about(&self) -> About {
        About::named("reversed")
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        input.starts_with(b"rev:")
    }
}

impl Layer for Reversed {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        let text = input
            .strip_prefix(b"rev:")
            .ok_or_else(|| DecodeError::invalid("reversed", "no rev: tag"))?;
        budget.charge_output(text.len())?;
        Ok(text.iter().rev().copied().collect())
    }
}

/// A structure: `name:value` pairs joined by `;`, each value lent from the input.
struct Pairs;

impl Encoding for Pairs {
    /// Punctuation (the colons and the semicolon) and room for two pairs: values without are
    /// turned away before the sniff is called.
    fn about(&self) -> About {
        About::named("pairs").needs(Needs::ANYTHING.min_len(7).all_of(class::PUNCTUATION))
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        input.contains(&b';') && input.split(|&b| b == b';').all(|pair| pair.contains(&b':'))
    }
}

impl Structure for Pairs {
    fn split(&self, input: &[u8], to: Split<'_, '_>) -> Result<(), DecodeError> {
        let Split { budget, sink, .. } = to;
        let text =
            std::str::from_utf8(input).map_err(|_| DecodeError::invalid("pairs", "not UTF-8"))?;
        for pair in text.split(';') {
            let (name, value) = pair
                .split_once(':')
                .ok_or_else(|| DecodeError::invalid("pairs", "a pair without a colon"))?;
            let selector = format!("[{name}]");
            let field = FieldRef {
                selector: &selector,
                key: Some(name),
                value: value.as_bytes(),
                terminal: false,
            };
            if sink(budget, field) == ControlFlow::Break(()) {
                break;
            }
        }
        Ok(())
    }
}

/// The leaves of `value` as (path, key, text), with the user's decoders before the defaults.
fn unwrap(value: &[u8]) -> Vec<(String, Option<String>, String)> {
    let mut decoders = vec![Decoder::layer(Reversed), Decoder::structure(Pairs)];
    decoders.extend(default_decoders());
    let mut budget = Budget::default();
    Unwrapper::with_decoders(decoders)
        .unwrap_to_vec(Path::from_part("body"), None, value, &mut budget)
        .into_iter()
        .map(|leaf| {
            (
                leaf.path.to_string(),
                leaf.key.clone(),
                leaf.text().into_owned(),
            )
        })
        .collect()
}

#[test]
fn a_layer_of_ones_own_is_peeled_and_what_is_under_it_decoded_further() {
    // {"url":"https://example.org/a"} as base64, backwards.
    let base64 = "eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnL2EifQ==";
    let value = format!("rev:{}", base64.chars().rev().collect::<String>());
    assert_eq!(
        unwrap(value.as_bytes()),
        [(
            "body > reversed > base64 > json $.url".to_owned(),
            Some("url".to_owned()),
            "https://example.org/a".to_owned()
        )]
    );
    assert_eq!(
        Reversed.decode(b"rev:cba", &mut Budget::default()),
        Ok(b"abc".to_vec())
    );
}

#[test]
fn a_structure_of_ones_own_hands_its_fields_to_the_unwrapper() {
    let value = b"uid:u-8812;page:https%3A%2F%2Fexample.org%2Fcart%3Fq%3Dcheap%2Bflights";
    assert_eq!(
        unwrap(value),
        [
            ("body > pairs[uid]", "uid", "u-8812"),
            // A URL is a leaf of its own too, before its query parameters.
            (
                "body > pairs[page] > percent",
                "page",
                "https://example.org/cart?q=cheap+flights"
            ),
            (
                "body > pairs[page] > percent > url query[q]",
                "q",
                "cheap flights"
            ),
        ]
        .map(|(path, key, text)| (path.to_owned(), Some(key.to_owned()), text.to_owned()))
    );
}

#[test]
fn the_collecting_decode_comes_with_either_role_and_needs_no_code_of_its_own() {
    let mut budget = Budget::default();
    assert_eq!(
        Pairs.decode(b"a:1;b:2", &mut budget),
        Ok(vec![
            Field {
                selector: "[a]".to_owned(),
                key: Some("a".to_owned()),
                value: b"1".to_vec(),
                terminal: false,
            },
            Field {
                selector: "[b]".to_owned(),
                key: Some("b".to_owned()),
                value: b"2".to_vec(),
                terminal: false,
            },
        ])
    );
    // The same through the registry's enum, which says which role answered.
    let decoders = [Decoder::layer(Reversed), Decoder::structure(Pairs)];
    assert_eq!(
        decoders[0].decode(b"rev:21", &mut budget),
        Ok(Decoded::Bytes(b"12".to_vec()))
    );
    assert!(matches!(
        decoders[1].decode(b"a:1;b:2", &mut budget),
        Ok(Decoded::Fields(fields)) if fields.len() == 2
    ));
    assert!(decoders[1].sniff_alone(b"a:1;b:2"));
    assert!(
        !decoders[1].sniff_alone(b"a:1"),
        "one pair alone is not this"
    );
}

#[test]
fn the_collecting_decode_keeps_one_field_past_the_leaf_limit() {
    let many = vec!["k:v"; 100].join(";");
    let mut budget = Budget::new(Limits {
        max_leaves: 10,
        ..Limits::default()
    });
    let fields = Pairs.decode(many.as_bytes(), &mut budget).unwrap();
    assert_eq!(fields.len(), 11);
}

/// [`Reversed`] as a careless author might write it: the same output, with nothing charged
/// to the budget it is lent.
struct Uncharged;

impl Encoding for Uncharged {
    fn about(&self) -> About {
        About::named("uncharged")
    }

    fn sniff(&self, input: &[u8], profile: &Profile) -> bool {
        Reversed.sniff(input, profile)
    }
}

impl Layer for Uncharged {
    fn peel(
        &self,
        input: &[u8],
        profile: &Profile,
        _: &mut Budget,
    ) -> Result<Vec<u8>, DecodeError> {
        Reversed.peel(input, profile, &mut Budget::default())
    }
}

#[test]
fn a_layer_that_forgets_to_charge_is_charged_by_the_unwrapper() {
    let unwrapper = Unwrapper::with_decoders(vec![Decoder::layer(Uncharged)]);
    let mut budget = Budget::new(Limits {
        max_output: 64,
        ..Limits::default()
    });
    let unwrap = |value: &str, budget: &mut Budget| {
        unwrapper.unwrap_to_vec(Path::from_part("body"), None, value.as_bytes(), budget)
    };
    let leaves = unwrap("rev:9876543210", &mut budget);
    assert_eq!(leaves[0].text(), "0123456789");
    assert_eq!(budget.output_used(), 10, "the 10 bytes it returned");

    // Past the limit, the value is kept as it came, with a note, as for any built-in layer.
    let long = format!("rev:{}", "a".repeat(60));
    let leaves = unwrap(&long, &mut budget);
    assert_eq!(leaves[0].text(), long);
    let notes = budget.notes();
    assert!(
        notes
            .iter()
            .any(|note| note.message.contains("over the budget")),
        "{notes:?}"
    );
}
