//! `--known-values FILE` and `--known LABEL=VALUE`.

use leakscope_known::{KnownError, KnownValue, parse_known_arg, parse_known_values};
use leakscope_rules::Category;

#[test]
fn a_good_file() {
    let text = r#"
# My own values, to see who receives them.
[[known]]
label = "my email"
value = "  Jane.Doe@Example.org "
category = "contact"

[[known]]
label = "my phone"
value = "+1 (207) 555-0142"
"#;
    let values = parse_known_values(text, "known.toml").expect("valid");
    assert_eq!(
        values,
        [
            KnownValue {
                label: "my email".to_owned(),
                category: Category::Contact,
                value: "  Jane.Doe@Example.org ".to_owned(),
            },
            KnownValue {
                label: "my phone".to_owned(),
                category: Category::KnownValue,
                value: "+1 (207) 555-0142".to_owned(),
            },
        ]
    );
    assert_eq!(parse_known_values("", "empty.toml"), Ok(Vec::new()));
}

/// (what is wrong, a `known.toml` with it, its error message whole; `…` at the end: how it
/// starts).
const REFUSED: &[(&str, &str, &str)] = &[
    (
        "an unknown field, at its line",
        "[[known]]\nlabel = \"my email\"\nvalue = \"jane@example.org\"\nhashed = true\n",
        "known.toml:4:1: unknown field `hashed`…",
    ),
    (
        "an unknown table, at its line",
        "[[value]]\nlabel = \"x\"\n",
        "known.toml:1:3: unknown field `value`…",
    ),
    (
        "an unknown category, with the list",
        "[[known]]\nlabel = \"my email\"\nvalue = \"jane@example.org\"\ncategory = \"contacts\"\n",
        "known.toml:4:12: unknown category `contacts` (one of: browsing-history, search-query, \
         persistent-id, device-fingerprint, network, location, contact, installed-apps, \
         private-mode, known-value)",
    ),
    (
        "a missing value, at its table",
        "[[known]]\nlabel = \"a\"\nvalue = \"abc\"\n\n[[known]]\nlabel = \"my email\"\n",
        "known.toml:5:1: missing field `value`…",
    ),
    (
        "a too short value, at its line",
        "[[known]]\nlabel = \"my pin\"\nvalue = \" 42 \"\n",
        "known.toml:3:9: known value `my pin` is too short: 2 byte(s) after trimming, at least 3 \
         are needed (a shorter value would match almost everywhere)",
    ),
    (
        "an empty label, at its line",
        "[[known]]\nlabel = \"  \"\nvalue = \"jane@example.org\"\n",
        "known.toml:2:9: the label is empty…",
    ),
    (
        "bad TOML, at its line",
        "[[known]]\nlabel = \"x\nvalue = \"abc\"\n",
        "known.toml:2:…",
    ),
    (
        "a value of the wrong type, at its line",
        "[[known]]\nlabel = \"x\"\nvalue = 12345\n",
        "known.toml:3:9: invalid type…",
    ),
];

#[test]
fn bad_files_are_refused_saying_where() {
    for (what, text, expected) in REFUSED {
        let message = parse_known_values(text, "known.toml")
            .expect_err(what)
            .to_string();
        match expected.strip_suffix('…') {
            Some(start) => assert!(message.starts_with(start), "{what}: {message}"),
            None => assert_eq!(message, *expected, "{what}"),
        }
    }
}

#[test]
fn errors_keep_their_parts() {
    let error = parse_known_values("[[known]]\nlabel = \"x\"\nvalue = \"a\"\n", "f.toml")
        .expect_err("too short");
    match error {
        KnownError::File {
            origin,
            line,
            column,
            ..
        } => assert_eq!(
            (origin.as_str(), line, column),
            ("f.toml", Some(3), Some(9))
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn known_args_split_at_the_first_equals_sign_and_are_trimmed() {
    assert_eq!(
        parse_known_arg(" my token = a=b=c "),
        Ok(KnownValue {
            label: "my token".to_owned(),
            category: Category::KnownValue,
            value: "a=b=c".to_owned(),
        })
    );
    assert_eq!(
        parse_known_arg("email=jane@example.org").map(|v| v.value),
        Ok("jane@example.org".to_owned())
    );
}

#[test]
fn bad_known_args_are_refused() {
    let message = |arg: &str| parse_known_arg(arg).expect_err(arg).to_string();
    assert_eq!(
        message("jane@example.org"),
        "--known `jane@example.org`: expected LABEL=VALUE, e.g. --known 'my email=jane.doe@example.org'"
    );
    assert!(message(" =jane@example.org").contains("the label before `=` is empty"));
    assert_eq!(
        message("email= "),
        "--known `email= `: the value after `=` is empty"
    );
    assert!(message("pin=42").starts_with("known value `pin` is too short: 2 byte(s)"));
}

#[test]
fn a_value_given_twice_is_refused_naming_both_labels() {
    let values = vec![
        leakscope_known::parse_known_arg("work=jane@example.org").unwrap(),
        leakscope_known::parse_known_arg("home= jane@example.org ").unwrap(),
    ];
    let error = leakscope_known::check_values(&values)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`work`") && error.contains("`home`"),
        "{error}"
    );
}
