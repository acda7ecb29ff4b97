//! The command as users and CI run it: output, exit codes, errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn capture(name: &str) -> String {
    format!(
        "{}/../../examples/captures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn leakscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn text_report_groups_by_destination_with_paths_and_redacted_values() {
    let out = leakscope(&["scan", &capture("mi-browser-incognito.har")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("leakscope "), "{text}");
    assert!(text.contains("\nsa.api.intl.miui.com  (4 requests, "));
    assert!(
        text.contains("at body form[data_list] > base64 > gzip > json $[2].properties.keyword")
    );
    assert!(
        !text.contains("symptoms of depression"),
        "values are redacted"
    );
    assert!(text.contains("No findings: api.browser.intl.miui.com, browser-static.intl.miui.com"));
}

#[test]
fn json_report_follows_the_contract_and_shows_values_when_asked() {
    let out = leakscope(&[
        "scan",
        "--format",
        "json",
        "--show-values",
        &capture("mi-browser-incognito.har"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(report["schema"], "leakscope.report/v1");
    assert_eq!(report["tool"]["name"], "leakscope");
    assert_eq!(report["summary"]["requests"], 9);
    let values: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["value"].as_str())
        .collect();
    assert!(values.contains(&"symptoms of depression"));
}

#[test]
fn requests_are_numbered_over_all_files_in_order() {
    let out = leakscope(&[
        "scan",
        "--format",
        "json",
        &capture("mi-browser-incognito.har"),
        &capture("mi-browser-incognito.http"),
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["requests"], 18);
    let last = report["findings"].as_array().unwrap().last().unwrap();
    assert_eq!(last["request"]["index"], 9 + 7);
    let source = last["request"]["source"].as_str().unwrap();
    assert!(
        source.contains("mi-browser-incognito.http byte "),
        "{source}"
    );
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let raw = std::fs::read(capture("mi-browser-incognito.http")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["scan", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&raw).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["requests"], 9);
}

#[test]
fn fail_on_sets_exit_code_one_at_or_above_the_threshold() {
    let har = capture("mi-browser-incognito.har");
    assert_eq!(
        leakscope(&["scan", "--fail-on", "high", &har])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        leakscope(&["scan", "--fail-on", "critical", &har])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn a_missing_file_is_an_input_error_naming_it_and_the_rest_is_still_scanned() {
    let out = leakscope(&[
        "scan",
        "--format",
        "json",
        "no-such-capture.har",
        &capture("mi-browser-incognito.har"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no-such-capture.har"),
        "{}",
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["summary"]["requests"], 9,
        "the other file is still scanned"
    );
    assert_eq!(report["anomalies"][0]["source"], "no-such-capture.har");
}

#[test]
fn a_broken_entry_is_reported_with_its_position_and_the_others_are_scanned() {
    let dir = std::env::temp_dir().join(format!("leakscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.har");
    let har = r#"{"log":{"version":"1.2","entries":[
        {"request":{"method":"GET","url":"https://t.example.com/c?dl=https%3A%2F%2Fexample.org%2Fa","httpVersion":"HTTP/1.1","headers":[]}},
        {"request":{"method":"GET","httpVersion":"HTTP/1.1","headers":[]}},
        {"request":{"method":"GET","url":"https://t.example.com/c?q=private+search","httpVersion":"HTTP/1.1","headers":[]}}
    ]}}"#;
    std::fs::write(&file, har).unwrap();
    let out = leakscope(&["scan", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("broken.har") && err.contains("entry 1"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["requests"], 2);
    let categories: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories, ["browsing-history", "search-query"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn usage_errors_exit_with_two() {
    assert_eq!(leakscope(&["scan"]).status.code(), Some(2));
    assert_eq!(
        leakscope(&["scan", "--format", "yaml", "x"]).status.code(),
        Some(2)
    );
}

#[test]
fn decode_shows_every_layer_and_what_it_means() {
    // base64 of {"q":"symptoms","u":"https://example.org/a?x=1"}
    let value = "eyJxIjoic3ltcHRvbXMiLCJ1IjoiaHR0cHM6Ly9leGFtcGxlLm9yZy9hP3g9MSJ9";
    let out = leakscope(&["decode", value]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "value (64 bytes)\n  base64\n    json $.q = \"symptoms\"   ← search-query (high, search.query-field)\n    json $.u = \"https://example.org/a?x=1\"\n      url query[x] = \"1\"\n"
    );
}

#[test]
fn decode_reads_standard_input_and_writes_json() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakscope"))
        .args(["decode", "--json", "--key", "incognito"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"true\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["input_bytes"], 4);
    assert_eq!(doc["leaves"][0]["value"], "true");
    assert_eq!(doc["leaves"][0]["findings"][0]["category"], "private-mode");
    assert_eq!(doc["leaves"][0]["span"], serde_json::json!([0, 4]));
}
