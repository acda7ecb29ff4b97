//! `rules check` on the built-in pack: every rule compiles, has an example and holds, every
//! tracker file carries whole requests that produce their leaks through the whole pipeline.

use leakscope::check_rules;
use leakscope::rules::RuleSet;

#[test]
fn the_builtin_pack_checks_clean() {
    let set = RuleSet::builtin().expect("the built-in pack loads");
    let check = check_rules(&set);
    let failures: Vec<String> = check.failures.iter().map(ToString::to_string).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(check.request_examples > 0);
}

#[test]
fn every_tracker_is_documented_and_shown_by_whole_requests() {
    let set = RuleSet::builtin().unwrap();
    // The issue asks for at least 30 widely deployed trackers and SDKs.
    assert!(
        set.trackers().len() >= 30,
        "{} trackers",
        set.trackers().len()
    );
    for tracker in set.trackers() {
        assert!(
            !tracker.references.is_empty(),
            "{}: tracker `{}` has no references",
            tracker.origin,
            tracker.name
        );
        assert!(
            set.request_examples()
                .iter()
                .any(|e| e.origin == tracker.origin),
            "{}: tracker `{}` has no whole-request example",
            tracker.origin,
            tracker.name
        );
    }
    for rule in set.rules().iter().filter(|r| r.tracker.is_some()) {
        assert!(
            !rule.references.is_empty(),
            "{}: `{}` has no references",
            rule.origin,
            rule.id
        );
        let prefix = rule.id.split('.').next().unwrap_or_default();
        assert!(
            rule.origin.ends_with(&format!("/{prefix}.toml")),
            "{}: a tracker's rule ids start with its file's name, not `{}`",
            rule.origin,
            rule.id
        );
    }
}
