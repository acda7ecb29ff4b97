//! A tracker's rules in a whole scan: what they decide, and what they leave to the value rules.

use std::sync::Arc;

use leakscope::rules::{Engine, RuleSet};
use leakscope::{Input, Recorder, ScanOptions, Scanner};

/// Scan raw HTTP text with the built-in rules and `extra` (a rule file), values shown.
fn scan(extra: Option<&str>, http: &str) -> Vec<(String, String, String)> {
    let mut set = RuleSet::builtin().unwrap();
    if let Some(extra) = extra {
        set.add_toml(extra, "extra.toml").unwrap();
    }
    let scanner = Scanner::new(
        Engine::new(set).unwrap(),
        ScanOptions {
            show_values: true,
            no_context: true,
            first_party: vec!["example.org".into()],
            ..ScanOptions::default()
        },
    );
    let mut recorder = Recorder::default();
    let scan = scanner.scan_inputs_with(
        &[Input::Bytes {
            name: "test.http".into(),
            data: Arc::from(http.replace('\n', "\r\n").into_bytes()),
        }],
        &mut recorder,
    );
    assert_eq!(scan.input_errors, Vec::<String>::new());
    recorder
        .occurrences
        .into_iter()
        .map(|o| (o.rule, o.location, o.value))
        .collect()
}

#[test]
fn an_email_in_a_field_the_tracker_declares_no_leak_is_still_reported() {
    // `el` is a UET event label and `kw` the page's keywords: not leaks at Bing, but an email
    // a site put there is one.
    let found = scan(
        None,
        "GET https://bat.bing.com/action/0?ti=5&el=jane.doe%40example.org&kw=flu%20shots HTTP/1.1\nHost: bat.bing.com\n\n",
    );
    assert!(
        found.iter().any(|(rule, at, value)| rule == "contact.email"
            && at == "query[el]"
            && value == "jane.doe@example.org"),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, at, _)| at == "query[kw]"),
        "{found:?}"
    );
}

#[test]
fn a_tracker_field_rule_applies_by_place_whatever_the_order_of_events() {
    let pack = include_str!("data/acme-context-ids.toml");
    let request = |body: &str| {
        format!(
            "POST https://t.acme.example/e HTTP/1.1\nHost: t.acme.example\nContent-Type: application/json\nContent-Length: {}\n\n{body}",
            body.len()
        )
    };
    for body in [
        r#"[{"ctx":"a1b2c3d4e5f6"},{"ctx":["a1b2c3d4e5f6"]}]"#,
        r#"[{"ctx":["a1b2c3d4e5f6"]},{"ctx":"a1b2c3d4e5f6"}]"#,
    ] {
        let found: Vec<String> = scan(Some(pack), &request(body))
            .into_iter()
            .filter(|(rule, _, _)| rule == "acme.ctx")
            .map(|(_, at, _)| at)
            .collect();
        // `ctx.*` is a member of `ctx`: the element of the array, not `ctx` itself.
        assert_eq!(found.len(), 1, "{body}: {found:?}");
        assert!(found[0].ends_with(".ctx[0]"), "{body}: {found:?}");
    }
}
