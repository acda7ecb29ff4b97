//! The command as users and CI run it: the reports it writes, exit codes, errors.
//!
//! Each test runs the built `leakscope` binary on the shipped captures
//! (`examples/captures`, see its README: the same Xiaomi Mi Browser session in normal and in
//! incognito mode, as HAR and as a raw HTTP/1.1 stream) or on a capture it writes itself, with
//! standard output a pipe, as in a script or CI.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const CATEGORIES: [&str; 10] = [
    "browsing-history",
    "search-query",
    "persistent-id",
    "device-fingerprint",
    "network",
    "location",
    "contact",
    "installed-apps",
    "private-mode",
    "known-value",
];

const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

/// The categories the captures' README lists for the incognito session; the normal session has
/// the same but private-mode.
const INCOGNITO_CATEGORIES: [&str; 6] = [
    "browsing-history",
    "search-query",
    "persistent-id",
    "device-fingerprint",
    "network",
    "private-mode",
];

/// A search term of the incognito session, and the persistent `distinct_id` of the phone.
const SEARCHED: &str = "symptoms of depression";
const DISTINCT_ID: &str = "0467ede7dcf0ee81";

fn capture(name: &str) -> String {
    format!(
        "{}/../../examples/captures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn incognito_har() -> String {
    capture("mi-browser-incognito.har")
}

fn normal_har() -> String {
    capture("mi-browser-normal.har")
}

/// Every shipped capture: both sessions, HAR and raw HTTP.
fn shipped_captures() -> [String; 4] {
    [
        capture("mi-browser-incognito.har"),
        capture("mi-browser-incognito.http"),
        capture("mi-browser-normal.har"),
        capture("mi-browser-normal.http"),
    ]
}

/// The command, with the colour settings of whoever runs the tests taken away.
fn command<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leakscope"));
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    command
}

fn leakscope<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    command(args).output().expect("the binary runs")
}

/// Runs the command with `input` as its standard input.
fn leakscope_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the command ran (exit code 0) and returns what it printed.
fn succeeded(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}\nstdout: {}",
        stderr(output),
        stdout(output)
    );
    stdout(output)
}

/// `leakscope scan --format json ARGS...`, which must exit with 0.
fn json_report(args: &[&str]) -> Value {
    let out = leakscope(&[&["scan", "--format", "json"][..], args].concat());
    serde_json::from_str(&succeeded(&out)).expect("one JSON document")
}

/// `leakscope scan --format ndjson ARGS...`, which must exit with 0: one JSON object a line.
fn ndjson_lines(args: &[&str]) -> Vec<Value> {
    let out = leakscope(&[&["scan", "--format", "ndjson"][..], args].concat());
    succeeded(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// A JSON scan of a file that does not exist and the incognito capture: it exits with 2 and
/// still writes the report (returned parsed).
fn json_report_with_a_missing_file() -> (Output, Value) {
    let out = leakscope(&[
        "scan",
        "--format",
        "json",
        "no-such-capture.har",
        &incognito_har(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let report = serde_json::from_slice(&out.stdout).unwrap();
    (out, report)
}

fn leaks(report: &Value) -> &[Value] {
    report["leaks"].as_array().expect("leaks is an array")
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is a string in {value}"))
}

fn u64_of(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is a number in {value}"))
}

fn requests_of(leak: &Value) -> Vec<u64> {
    leak["requests"]
        .as_array()
        .expect("requests is an array")
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

/// The leak whose value (shown with `--show-values`) is `value`, in `category`.
fn leak_with_value<'a>(report: &'a Value, category: &str, value: &str) -> &'a Value {
    leaks(report)
        .iter()
        .find(|l| l["category"] == category && l["value"] == value)
        .unwrap_or_else(|| panic!("no {category} leak of {value:?}"))
}

/// What `--jobs` and the NDJSON stream must agree on: each leak id's requests and occurrences.
fn ids_requests_occurrences(report: &Value) -> BTreeMap<String, (Vec<u64>, u64)> {
    leaks(report)
        .iter()
        .map(|l| {
            (
                str_of(l, "id").to_owned(),
                (requests_of(l), u64_of(l, "occurrences")),
            )
        })
        .collect()
}

fn the_schema() -> Value {
    let out = leakscope(&["schema"]);
    serde_json::from_str(&succeeded(&out)).expect("the schema is JSON")
}

fn schema_validator() -> jsonschema::Validator {
    jsonschema::validator_for(&the_schema()).expect("the schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// An NDJSON capture of `requests` requests, each carrying the same five values, with a
/// per-request id that is not a leak.
fn repeated_leaks_capture(requests: usize) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(".ndjson")
        .tempfile()
        .unwrap();
    let mut out = std::io::BufWriter::new(file.as_file_mut());
    for i in 0..requests {
        let body = json!({
            "gaid": "38400000-8cf0-11bd-b23e-10b96e40000d",
            "model": "Pixel 7",
            "os_version": "14",
            "q": SEARCHED,
            "email": "jane@example.org",
            "request_id": format!("{:032x}", (i as u128 + 1) * 0x9e37_79b9_7f4a_7c15),
        });
        let request = json!({
            "method": "POST",
            "url": "https://t.example-analytics.com/e",
            "body": body.to_string(),
        });
        writeln!(out, "{request}").unwrap();
    }
    out.flush().unwrap();
    drop(out);
    file
}

// ---------------------------------------------------------------------------------------------
// scan: the text report

#[test]
fn text_report_groups_leaks_by_organisation_then_category() {
    let text = succeeded(&leakscope(&["scan", &incognito_har()]));
    assert!(text.starts_with("leakscope "), "{text}");
    assert!(text.contains(": 9 requests, "), "{text}");
    // One block per organisation: who, which party, which registrable domain.
    assert!(
        text.contains("\nXiaomi  third party · miui.com · 9 requests · "),
        "{text}"
    );
    // Under it a heading per category, in the contract's order, each with its leaks' count.
    let headings: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_once(" (").map(|(category, _)| category))
        .filter(|word| CATEGORIES.contains(word))
        .collect();
    assert_eq!(headings, INCOGNITO_CATEGORIES, "{text}");
    // Each leak says where in the request it was, through every decoding layer.
    assert!(
        text.contains("sa.api.intl.miui.com body form[data_list] > base64 > gzip > json $["),
        "{text}"
    );
    assert!(text.contains("[search.query-field]"), "{text}");
    assert!(text.contains("\nLinkage\n"), "{text}");
}

#[test]
fn text_report_redacts_values_unless_asked_to_show_them() {
    let redacted = succeeded(&leakscope(&["scan", &incognito_har()]));
    assert!(redacted.contains("values redacted"), "{redacted}");
    assert!(!redacted.contains(SEARCHED), "{redacted}");
    assert!(!redacted.contains(DISTINCT_ID), "{redacted}");
    // A preview that does not give the value away: its ends and its length.
    assert!(redacted.contains("\"sym…ion (22 chars)\""), "{redacted}");

    let shown = succeeded(&leakscope(&["scan", "--show-values", &incognito_har()]));
    assert!(!shown.contains("values redacted"), "{shown}");
    assert!(shown.contains(&format!("\"{SEARCHED}\"")), "{shown}");
    assert!(shown.contains(&format!("\"{DISTINCT_ID}\"")), "{shown}");
}

#[test]
fn text_report_has_no_colour_on_a_pipe_in_a_file_or_under_no_color() {
    let har = incognito_har();
    let escape = '\u{1b}';

    let piped = succeeded(&leakscope(&["scan", &har]));
    assert!(!piped.contains(escape), "no colour on a pipe: {piped}");

    // Colour forced (the CLICOLOR_FORCE convention), so that the next cases mean something.
    let forced = succeeded(
        &command(&["scan", &har])
            .env("CLICOLOR_FORCE", "1")
            .output()
            .unwrap(),
    );
    assert!(forced.contains("\u{1b}["), "forced colour: {forced}");

    let no_color = succeeded(
        &command(&["scan", &har])
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1")
            .output()
            .unwrap(),
    );
    assert!(!no_color.contains(escape), "NO_COLOR wins: {no_color}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let out = command(&["scan", "-o", file.to_str().unwrap(), &har])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert_eq!(succeeded(&out), "", "the report goes to the file");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(!written.contains(escape), "no colour in a file: {written}");
    assert!(
        written.contains("Xiaomi  third party · miui.com"),
        "{written}"
    );
}

// ---------------------------------------------------------------------------------------------
// scan: the JSON report

#[test]
fn json_report_is_leakscope_report_v2_with_inputs_first_party_and_summary() {
    let har = incognito_har();
    let report = json_report(&[&har]);
    assert_eq!(report["schema"], "leakscope.report/v2");
    assert_eq!(report["tool"]["name"], "leakscope");
    assert!(report["tool"]["version"].is_string());
    assert_eq!(
        report["inputs"],
        json!([{"file": har, "format": "har", "requests": 9}])
    );
    // Nothing in the capture tells the first party (no HAR pages, no page loads, no Referer),
    // and the report says so.
    assert_eq!(report["first_party"]["domains"], json!([]));
    assert!(
        str_of(&report["first_party"], "how").starts_with("none found"),
        "{}",
        report["first_party"]
    );

    let summary = &report["summary"];
    assert_eq!(summary["requests"], 9);
    let leaks = leaks(&report);
    assert_eq!(u64_of(summary, "leaks"), leaks.len() as u64);
    assert_eq!(
        u64_of(summary, "occurrences"),
        leaks.iter().map(|l| u64_of(l, "occurrences")).sum::<u64>()
    );
    assert!(u64_of(summary, "occurrences") > leaks.len() as u64);
    let by_category: BTreeSet<&str> = summary["by_category"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(by_category, BTreeSet::from(INCOGNITO_CATEGORIES));
    let counted: u64 = summary["by_severity"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(counted, leaks.len() as u64);

    // Every request went to Xiaomi's miui.com: one recipient, a third party.
    let recipients = summary["recipients"].as_array().unwrap();
    assert_eq!(recipients.len(), 1, "{recipients:?}");
    let xiaomi = &recipients[0];
    assert_eq!(xiaomi["organisation"], "Xiaomi");
    assert_eq!(xiaomi["domain"], "miui.com");
    assert_eq!(xiaomi["party"], "third");
    assert_eq!(xiaomi["requests"], 9);
    assert_eq!(xiaomi["leaks"], leaks.len());
    assert_eq!(
        xiaomi["hosts"],
        json!([
            "api.browser.intl.miui.com",
            "browser-static.intl.miui.com",
            "sa.api.intl.miui.com",
            "tracking.intl.miui.com"
        ])
    );
    assert_eq!(xiaomi["categories"], json!(INCOGNITO_CATEGORIES));
}

#[test]
fn json_leaks_name_rule_category_severity_recipient_and_sorted_requests() {
    let report = json_report(&[&incognito_har()]);
    let leaks = leaks(&report);
    assert!(!leaks.is_empty());
    let mut ids = BTreeSet::new();
    for leak in leaks {
        let id = str_of(leak, "id");
        assert!(
            id.strip_prefix('L')
                .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 1)),
            "{id}"
        );
        assert!(ids.insert(id), "{id} is used twice");
        assert!(!str_of(leak, "rule").is_empty());
        assert!(CATEGORIES.contains(&str_of(leak, "category")), "{leak}");
        assert!(SEVERITIES.contains(&str_of(leak, "severity")), "{leak}");
        let recipient = &leak["recipient"];
        assert!(str_of(recipient, "host").ends_with(".miui.com"), "{leak}");
        assert_eq!(recipient["domain"], "miui.com");
        assert_eq!(recipient["organisation"], "Xiaomi");
        assert_eq!(recipient["party"], "third");
        assert!(str_of(leak, "value_id").starts_with("v-"), "{leak}");

        // Values stay out of the report unless asked for; a preview stands for them.
        assert!(leak.get("value").is_none(), "{leak}");
        assert!(str_of(leak, "redacted").ends_with(" chars)"), "{leak}");

        // Every request that carried it, once each, sorted; and every place it was found.
        let requests = requests_of(leak);
        assert!(!requests.is_empty());
        assert!(requests.windows(2).all(|w| w[0] < w[1]), "{leak}");
        assert!(requests.iter().all(|&r| r < 9), "{leak}");
        let occurrences = u64_of(leak, "occurrences");
        assert!(occurrences >= requests.len() as u64, "{leak}");
        let locations = leak["locations"].as_array().unwrap();
        assert!(!locations.is_empty());
        let counted: u64 = locations.iter().map(|l| u64_of(l, "count")).sum();
        let others = leak
            .get("other_locations")
            .map_or(0, |n| n.as_u64().unwrap());
        assert_eq!(counted + others, occurrences, "{leak}");
        for location in locations {
            assert!(str_of(location, "location").starts_with("body "), "{leak}");
        }
    }

    // The phone's persistent id: one leak, in every Sensors request (1, 4, 5, 7), seven times
    // (the batches repeat it per event).
    let ids: Vec<&Value> = leaks
        .iter()
        .filter(|l| l["category"] == "persistent-id")
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(requests_of(ids[0]), [1, 4, 5, 7]);
    assert_eq!(ids[0]["occurrences"], 7);
}

#[test]
fn json_report_shows_values_only_when_asked() {
    let report = json_report(&["--show-values", &incognito_har()]);
    for leak in leaks(&report) {
        assert!(leak["value"].is_string(), "{leak}");
        assert!(leak.get("redacted").is_none(), "{leak}");
    }
    let search = leak_with_value(&report, "search-query", SEARCHED);
    assert_eq!(requests_of(search), [1]);
    assert_eq!(
        search["locations"][0]["location"],
        "body form[data_list] > base64 > gzip > json $[2].properties.keyword"
    );
    let id = leak_with_value(&report, "persistent-id", DISTINCT_ID);
    assert_eq!(requests_of(id), [1, 4, 5, 7]);

    // Linkage shows its values too, each the value of the leaks with the same value id.
    let value_of: BTreeMap<&str, &str> = leaks(&report)
        .iter()
        .map(|l| (str_of(l, "value_id"), str_of(l, "value")))
        .collect();
    let linkage = report["linkage"].as_array().unwrap();
    assert!(!linkage.is_empty());
    for link in linkage {
        let value_ids = link["value_ids"].as_array().unwrap();
        let values = link["values"]
            .as_array()
            .expect("values with --show-values");
        assert_eq!(values.len(), value_ids.len(), "{link}");
        for (value_id, value) in value_ids.iter().zip(values) {
            assert_eq!(
                Some(&value.as_str().unwrap()),
                value_of.get(value_id.as_str().unwrap())
            );
        }
    }

    let redacted = json_report(&[&incognito_har()]);
    for link in redacted["linkage"].as_array().unwrap() {
        assert!(link.get("values").is_none(), "{link}");
    }
    assert!(!serde_json::to_string(&redacted).unwrap().contains(SEARCHED));
    assert!(
        !serde_json::to_string(&redacted)
            .unwrap()
            .contains(DISTINCT_ID)
    );
}

#[test]
fn json_linkage_ties_the_incognito_requests_by_shared_id_and_by_fingerprint() {
    let report = json_report(&["--show-values", &incognito_har()]);
    let linkage = report["linkage"].as_array().unwrap();

    // The distinct_id of requests 1, 4, 5 and 7, whose per-request ids all differ.
    let shared = linkage
        .iter()
        .find(|l| l["kind"] == "shared-id")
        .expect("a shared-id linkage");
    assert_eq!(shared["category"], "persistent-id");
    assert_eq!(shared["values"], json!([DISTINCT_ID]));
    assert_eq!(shared["recipients"], json!(["Xiaomi"]));
    assert_eq!(shared["requests"], 4);
    assert!(!str_of(shared, "why").is_empty());

    // The tracking posts (2 and 6) carry no id, but the same device values as the others.
    let fingerprint = linkage
        .iter()
        .find(|l| l["kind"] == "fingerprint")
        .expect("a fingerprint linkage");
    assert_eq!(fingerprint["category"], "device-fingerprint");
    let values: BTreeSet<&str> = fingerprint["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        values.is_superset(&BTreeSet::from(["Redmi Note 8 Pro", "V12.0.4.0.QGGMIXM"])),
        "{fingerprint}"
    );
    assert_eq!(fingerprint["recipients"], json!(["Xiaomi"]));
    assert_eq!(fingerprint["requests"], 6);
}

#[test]
fn every_linkage_value_id_is_the_value_id_of_a_reported_leak() {
    // Leaks and linkage are joined by value id; a linkage entry about leaks the report leaves
    // out (`--third-party-only` with Xiaomi as the first party) points at nothing.
    for extra in [
        &[][..],
        &["--first-party", "miui.com"][..],
        &["--first-party", "miui.com", "--third-party-only"][..],
    ] {
        let report = json_report(&[extra, &[incognito_har().as_str()][..]].concat());
        let value_ids: BTreeSet<&str> = leaks(&report)
            .iter()
            .map(|l| str_of(l, "value_id"))
            .collect();
        for link in report["linkage"].as_array().unwrap() {
            for value_id in link["value_ids"].as_array().unwrap() {
                assert!(
                    value_ids.contains(value_id.as_str().unwrap()),
                    "with {extra:?}: linkage {link} names {value_id}, which no leak has"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// schema

#[test]
fn schema_command_prints_the_json_schema_of_the_report() {
    let schema = the_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["title"], "leakscope.report/v2");
    assert!(
        jsonschema::meta::is_valid(&schema),
        "a valid draft 2020-12 schema"
    );
    for key in [
        "schema",
        "tool",
        "inputs",
        "first_party",
        "summary",
        "leaks",
        "linkage",
    ] {
        assert!(
            schema["required"].as_array().unwrap().contains(&json!(key)),
            "{key} is required"
        );
    }
}

#[test]
fn json_report_of_every_shipped_capture_validates_against_the_schema() {
    let validator = schema_validator();
    let mut cases: Vec<Vec<String>> = Vec::new();
    for file in shipped_captures() {
        cases.push(vec![file.clone()]);
        cases.push(vec!["--show-values".into(), file]);
    }
    cases.push(shipped_captures().to_vec());
    cases.push(vec![
        "--first-party".into(),
        "miui.com".into(),
        normal_har(),
    ]);
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report = json_report(&args);
        let errors = schema_errors(&validator, &report);
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }

    // With an input error: an input without a format, and anomalies.
    let (_, report) = json_report_with_a_missing_file();
    assert!(report["anomalies"].is_array());
    let errors = schema_errors(&validator, &report);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn schema_rejects_a_report_that_breaks_the_contract() {
    let validator = schema_validator();
    let report = json_report(&[&incognito_har()]);
    assert!(validator.is_valid(&report));

    let mut bad_severity = report.clone();
    bad_severity["leaks"][0]["severity"] = json!("extreme");
    assert!(!validator.is_valid(&bad_severity));

    let mut bad_category = report.clone();
    bad_category["leaks"][0]["category"] = json!("weather");
    assert!(!validator.is_valid(&bad_category));

    let mut bad_requests = report.clone();
    bad_requests["leaks"][0]["requests"] = json!(["1"]);
    assert!(!validator.is_valid(&bad_requests));

    let mut no_leaks = report.clone();
    no_leaks.as_object_mut().unwrap().remove("leaks");
    assert!(!validator.is_valid(&no_leaks));
}

// ---------------------------------------------------------------------------------------------
// scan: the NDJSON stream

#[test]
fn ndjson_writes_one_occurrence_a_line_with_redacted_values() {
    let lines = ndjson_lines(&[&incognito_har()]);
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(str_of(line, "leak").starts_with('L'), "{line}");
        let request = &line["request"];
        assert!(u64_of(request, "index") < 9, "{line}");
        assert!(!str_of(request, "method").is_empty(), "{line}");
        assert!(str_of(request, "host").ends_with(".miui.com"), "{line}");
        assert!(str_of(request, "url").starts_with("https://"), "{line}");
        assert!(!str_of(line, "rule").is_empty(), "{line}");
        assert!(CATEGORIES.contains(&str_of(line, "category")), "{line}");
        assert!(SEVERITIES.contains(&str_of(line, "severity")), "{line}");
        assert_eq!(
            line["recipient"],
            json!({"domain": "miui.com", "organisation": "Xiaomi", "party": "third"})
        );
        assert!(str_of(line, "location").starts_with("body "), "{line}");
        assert!(str_of(line, "redacted").ends_with(" chars)"), "{line}");
        assert!(line.get("value").is_none(), "{line}");
    }
    let text: String = lines.iter().map(Value::to_string).collect();
    assert!(!text.contains(SEARCHED));
}

#[test]
fn ndjson_shows_the_values_of_the_json_report_when_asked() {
    let har = incognito_har();
    let report = json_report(&["--show-values", &har]);
    let value_of: BTreeMap<&str, &str> = leaks(&report)
        .iter()
        .map(|l| (str_of(l, "id"), str_of(l, "value")))
        .collect();
    let lines = ndjson_lines(&["--show-values", &har]);
    for line in &lines {
        assert!(line.get("redacted").is_none(), "{line}");
        assert_eq!(
            Some(&str_of(line, "value")),
            value_of.get(str_of(line, "leak")),
            "{line}"
        );
    }
    assert!(lines.iter().any(|l| l["value"] == SEARCHED));
}

#[test]
fn ndjson_leak_ids_and_line_counts_match_the_json_report_of_the_same_inputs() {
    let all = shipped_captures();
    let mut cases: Vec<Vec<&str>> = all.iter().map(|f| vec![f.as_str()]).collect();
    cases.push(all.iter().map(String::as_str).collect());
    for args in cases {
        let report = json_report(&args);
        let expected: BTreeMap<String, u64> = leaks(&report)
            .iter()
            .map(|l| (str_of(l, "id").to_owned(), u64_of(l, "occurrences")))
            .collect();
        let mut counted: BTreeMap<String, u64> = BTreeMap::new();
        let mut category_of: BTreeMap<String, String> = BTreeMap::new();
        for line in ndjson_lines(&args) {
            let id = str_of(&line, "leak").to_owned();
            *counted.entry(id.clone()).or_default() += 1;
            category_of.insert(id, str_of(&line, "category").to_owned());
        }
        assert_eq!(counted, expected, "{args:?}");
        for leak in leaks(&report) {
            assert_eq!(
                Some(&str_of(leak, "category").to_owned()),
                category_of.get(str_of(leak, "id")),
                "{args:?}"
            );
        }
        assert_eq!(
            counted.values().sum::<u64>(),
            u64_of(&report["summary"], "occurrences")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// scan: Markdown, SARIF, HTML

#[test]
fn markdown_report_has_a_table() {
    let out = leakscope(&["scan", "--format", "markdown", &incognito_har()]);
    let markdown = succeeded(&out);
    assert!(
        markdown
            .lines()
            .any(|l| l.starts_with("|---") || l.starts_with("| ---")),
        "{markdown}"
    );
    assert!(
        markdown
            .lines()
            .filter(|l| l.starts_with('|') && l.trim_end().ends_with('|'))
            .count()
            > 2,
        "{markdown}"
    );
    assert!(markdown.contains("Xiaomi"), "{markdown}");
    assert!(!markdown.contains(SEARCHED), "values redacted: {markdown}");
}

#[test]
fn sarif_report_is_sarif_2_1_0_with_a_result_per_leak() {
    let har = incognito_har();
    let out = leakscope(&["scan", "--format", "sarif", &har]);
    let sarif: Value = serde_json::from_str(&succeeded(&out)).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["tool"]["driver"]["name"], "leakscope");
    let results = runs[0]["results"].as_array().expect("results");
    let report = json_report(&[&har]);
    assert_eq!(results.len(), leaks(&report).len());
}

#[test]
fn html_report_is_one_page_with_a_chart() {
    let out = leakscope(&["scan", "--format", "html", &incognito_har()]);
    let html = succeeded(&out);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains("Xiaomi"), "{html}");
    assert!(!html.contains(SEARCHED), "values redacted");
}

// ---------------------------------------------------------------------------------------------
// scan: first party, jobs

#[test]
fn first_party_flag_makes_xiaomi_the_first_party_and_says_so() {
    let report = json_report(&["--first-party", "miui.com", &incognito_har()]);
    assert_eq!(
        report["first_party"],
        json!({"domains": ["miui.com"], "how": "--first-party"})
    );
    let recipients = report["summary"]["recipients"].as_array().unwrap();
    assert_eq!(recipients.len(), 1);
    assert_eq!(recipients[0]["organisation"], "Xiaomi");
    assert_eq!(recipients[0]["party"], "first");
    assert!(!leaks(&report).is_empty());
    for leak in leaks(&report) {
        assert_eq!(leak["recipient"]["party"], "first", "{leak}");
    }

    let text = succeeded(&leakscope(&[
        "scan",
        "--first-party",
        "miui.com",
        &incognito_har(),
    ]));
    assert!(
        text.contains("first party: miui.com (--first-party)"),
        "{text}"
    );
    assert!(text.contains("Xiaomi  first party · miui.com"), "{text}");
}

#[test]
fn third_party_only_leaves_out_the_leaks_to_the_first_party() {
    let report = json_report(&[
        "--first-party",
        "miui.com",
        "--third-party-only",
        &incognito_har(),
    ]);
    assert_eq!(report["first_party"]["how"], "--first-party");
    assert_eq!(report["summary"]["requests"], 9);
    assert_eq!(report["summary"]["leaks"], 0);
    assert_eq!(report["summary"]["occurrences"], 0);
    assert_eq!(leaks(&report), &[] as &[Value]);
    let lines = ndjson_lines(&[
        "--first-party",
        "miui.com",
        "--third-party-only",
        &incognito_har(),
    ]);
    assert_eq!(lines, Vec::<Value>::new());
}

#[test]
fn one_job_finds_the_same_leaks_as_the_default() {
    let all = shipped_captures();
    let files: Vec<&str> = all.iter().map(String::as_str).collect();
    let default = json_report(&files);
    let one = json_report(&[&["--jobs", "1"], &files[..]].concat());
    let three = json_report(&[&["--jobs", "3"], &files[..]].concat());
    assert!(!leaks(&default).is_empty());
    assert_eq!(
        ids_requests_occurrences(&one),
        ids_requests_occurrences(&default)
    );
    assert_eq!(
        ids_requests_occurrences(&three),
        ids_requests_occurrences(&default)
    );
    let order = |r: &Value| -> Vec<String> {
        leaks(r)
            .iter()
            .map(|l| str_of(l, "id").to_owned())
            .collect()
    };
    assert_eq!(order(&one), order(&default));
}

// ---------------------------------------------------------------------------------------------
// scan: inputs

#[test]
fn standard_input_is_read_with_a_dash() {
    let raw = std::fs::read(capture("mi-browser-incognito.http")).unwrap();
    let out = leakscope_with_stdin(&["scan", "--format", "json", "-"], &raw);
    let report: Value = serde_json::from_str(&succeeded(&out)).unwrap();
    assert_eq!(
        report["inputs"],
        json!([{"file": "-", "format": "raw", "requests": 9}])
    );
    assert_eq!(report["summary"]["requests"], 9);
    let from_file = json_report(&[&capture("mi-browser-incognito.http")]);
    assert!(!leaks(&report).is_empty());
    assert_eq!(
        ids_requests_occurrences(&report),
        ids_requests_occurrences(&from_file),
        "the same leaks as from the file"
    );
}

#[test]
fn requests_are_numbered_over_all_files_in_order() {
    let har = incognito_har();
    let http = capture("mi-browser-incognito.http");
    let report = json_report(&["--show-values", &har, &http]);
    assert_eq!(
        report["inputs"],
        json!([
            {"file": har, "format": "har", "requests": 9},
            {"file": http, "format": "raw", "requests": 9},
        ])
    );
    assert_eq!(report["summary"]["requests"], 18);
    // The same session twice: the phone's id in requests 1, 4, 5, 7 of each file.
    let id = leak_with_value(&report, "persistent-id", DISTINCT_ID);
    assert_eq!(requests_of(id), [1, 4, 5, 7, 9 + 1, 9 + 4, 9 + 5, 9 + 7]);
    assert_eq!(
        requests_of(leak_with_value(&report, "search-query", SEARCHED)),
        [1, 9 + 1]
    );

    // The stream names each request's file and position.
    let lines = ndjson_lines(&[&har, &http]);
    let last = lines.last().unwrap();
    assert_eq!(last["request"]["index"], 9 + 7);
    let source = str_of(&last["request"], "source");
    let offset: usize = source
        .strip_prefix(&format!("{http} byte "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{source}"));
    let raw = std::fs::read(&http).unwrap();
    assert!(
        raw[offset..].starts_with(b"POST /sa"),
        "the request starts at byte {offset}"
    );
    let first = &lines[0];
    assert_eq!(first["request"]["index"], 1);
    assert!(
        str_of(&first["request"], "source").ends_with("mi-browser-incognito.har entry 1"),
        "{first}"
    );
}

#[test]
fn a_directory_is_scanned_file_by_file_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    // Written in the other order, and a hidden file that is not a capture.
    let normal = dir.path().join("b-normal.http");
    let incognito = dir.path().join("a-incognito.har");
    std::fs::copy(capture("mi-browser-normal.http"), &normal).unwrap();
    std::fs::copy(incognito_har(), &incognito).unwrap();
    std::fs::write(dir.path().join(".notes"), "not a capture").unwrap();

    let report = json_report(&[dir.path().to_str().unwrap()]);
    assert_eq!(
        report["inputs"],
        json!([
            {"file": incognito.to_str().unwrap(), "format": "har", "requests": 9},
            {"file": normal.to_str().unwrap(), "format": "raw", "requests": 9},
        ])
    );
    assert_eq!(report["summary"]["requests"], 18);
    // Only the incognito session says it is in private mode: the first nine requests.
    let private: Vec<&Value> = leaks(&report)
        .iter()
        .filter(|l| l["category"] == "private-mode")
        .collect();
    assert!(!private.is_empty());
    for leak in private {
        assert!(requests_of(leak).iter().all(|&r| r < 9), "{leak}");
    }
    assert!(
        leaks(&report)
            .iter()
            .any(|l| requests_of(l).iter().any(|&r| r >= 9)),
        "the normal session's requests come second"
    );
}

#[test]
fn fail_on_sets_exit_code_one_at_or_above_the_threshold() {
    let har = incognito_har();
    // The capture has high leaks (browsing history, searches) and no critical one.
    let high = leakscope(&["scan", "--fail-on", "high", &har]);
    assert_eq!(high.status.code(), Some(1), "{}", stderr(&high));
    assert!(
        stdout(&high).contains("Xiaomi  third party"),
        "the report is still written"
    );
    assert_eq!(stderr(&high), "");
    assert_eq!(
        leakscope(&["scan", "--fail-on", "low", &har]).status.code(),
        Some(1)
    );
    assert_eq!(
        leakscope(&["scan", "--fail-on", "critical", &har])
            .status
            .code(),
        Some(0)
    );
    // Leaks left out of the report do not count.
    assert_eq!(
        leakscope(&[
            "scan",
            "--fail-on",
            "low",
            "--first-party",
            "miui.com",
            "--third-party-only",
            &har
        ])
        .status
        .code(),
        Some(0)
    );
}

#[test]
fn a_missing_file_is_an_input_error_naming_it_and_the_rest_is_still_scanned() {
    let (out, report) = json_report_with_a_missing_file();
    assert!(
        stderr(&out).contains("no-such-capture.har"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        report["summary"]["requests"], 9,
        "the other file is still scanned"
    );
    assert_eq!(
        report["inputs"][0],
        json!({"file": "no-such-capture.har", "requests": 0})
    );
    assert_eq!(report["anomalies"][0]["source"], "no-such-capture.har");
    assert!(!leaks(&report).is_empty());
}

#[test]
fn a_broken_entry_is_reported_with_its_position_and_the_others_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.har");
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
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["requests"], 2);
    let categories: Vec<&str> = leaks(&report)
        .iter()
        .map(|l| str_of(l, "category"))
        .collect();
    assert_eq!(categories, ["browsing-history", "search-query"]);
    let anomaly = &report["anomalies"][0];
    let said = format!(
        "{} {}",
        str_of(anomaly, "source"),
        str_of(anomaly, "message")
    );
    assert!(
        said.contains("broken.har") && said.contains("entry 1"),
        "{anomaly}"
    );
}

#[test]
fn usage_errors_exit_with_two() {
    for args in [
        &["scan"][..],
        &["scan", "--format", "yaml", "x"],
        &["scan", "--fail-on", "sometimes", "x"],
        &["scan", "--jobs", "0", "x"],
        &["diff", "only-one"],
        &["frobnicate"],
    ] {
        let out = leakscope(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!stderr(&out).is_empty(), "{args:?}");
    }
}

/// Runs the command with its standard output a pipe whose reading end is already closed (as
/// under `| head` once head has quit).
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_ends_reports_quietly() {
    let (har, normal) = (incognito_har(), normal_har());
    for args in [
        &["scan", &har][..],
        &["scan", "--format", "json", &har],
        &["schema"],
        &["diff", &normal, &har],
        &["decode", "eyJxIjoic3ltcHRvbXMifQ"],
    ] {
        let out = with_closed_stdout(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}

#[test]
fn a_closed_pipe_ends_the_ndjson_stream_quietly() {
    let out = with_closed_stdout(&["scan", "--format", "ndjson", &incognito_har()]);
    assert_eq!(out.status.code(), Some(0), "{:?}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_hundred_thousand_repeated_occurrences_make_a_handful_of_leaks() {
    // 20,000 requests to one tracker, each with the same advertising id, device model, OS
    // version, search and e-mail address: 100,000 occurrences of five values.
    let capture = repeated_leaks_capture(20_000);
    let path = capture.path().to_str().unwrap();
    let capture_size = std::fs::metadata(path).unwrap().len() as usize;

    let out = leakscope(&["scan", "--format", "json", path]);
    let text = succeeded(&out);
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["summary"]["requests"], 20_000);
    let leaks = leaks(&report);
    let categories: BTreeSet<&str> = leaks.iter().map(|l| str_of(l, "category")).collect();
    assert_eq!(
        categories,
        BTreeSet::from([
            "persistent-id",
            "device-fingerprint",
            "search-query",
            "contact"
        ])
    );
    assert_eq!(leaks.len(), 5, "one leak per value, not per occurrence");
    let occurrences: u64 = leaks.iter().map(|l| u64_of(l, "occurrences")).sum();
    assert!(occurrences >= 100_000, "{occurrences}");
    assert_eq!(u64_of(&report["summary"], "occurrences"), occurrences);
    for leak in leaks {
        assert_eq!(requests_of(leak), (0..20_000).collect::<Vec<u64>>());
    }

    // The report grows with the leaks, not with the occurrences: apart from the request lists
    // (every request index once per leak, as the contract asks) it is a few kilobytes.
    let request_lists: usize = text
        .lines()
        .filter(|line| line.trim_start().starts_with("\"requests\": ["))
        .map(|line| line.len() + 1)
        .sum();
    let rest = text.len() - request_lists;
    assert!(
        rest * 100 < capture_size,
        "{rest} bytes besides the request lists for a {capture_size}-byte capture"
    );
    // With the lists, a small fraction of the capture (one entry per occurrence would be
    // several times its size).
    assert!(
        text.len() * 100 < capture_size * 15,
        "a {}-byte report for a {capture_size}-byte capture",
        text.len()
    );
}

// ---------------------------------------------------------------------------------------------
// diff

#[test]
fn diff_text_says_private_mode_stopped_none_of_the_leaks_to_xiaomi() {
    let out = leakscope(&["diff", &normal_har(), &incognito_har()]);
    let text = succeeded(&out);
    for said in [
        "private mode stopped 0 of ",
        "Xiaomi (third party): private mode stopped 0 of ",
        "new in private mode",
        "+ private-mode",
    ] {
        assert!(text.contains(said), "{said:?} in {text}");
    }
    assert!(!text.contains("only in base"), "{text}");
}

#[test]
fn diff_json_has_only_private_mode_as_new_in_incognito() {
    let out = leakscope(&["diff", "--format", "json", &normal_har(), &incognito_har()]);
    let diff: Value = serde_json::from_str(&succeeded(&out)).expect("one JSON document");
    assert_eq!(diff["schema"], "leakscope.diff/v1");
    assert_eq!(diff["base"]["files"], json!([normal_har()]));
    assert_eq!(diff["other"]["files"], json!([incognito_har()]));
    assert_eq!(diff["other"]["label"], "private mode");
    assert_eq!(diff["base"]["requests"], 9);
    let xiaomi = diff["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"] == "Xiaomi")
        .expect("Xiaomi is a recipient");
    assert_eq!(xiaomi["party"], "third");
    assert_eq!(xiaomi["only_in_base"], json!([]));
    let new = xiaomi["only_in_other"].as_array().unwrap();
    assert!(!new.is_empty());
    for kind in new {
        assert_eq!(kind["category"], "private-mode", "{kind}");
        assert!(str_of(kind, "location").ends_with(".incognito"), "{kind}");
    }
    assert!(!xiaomi["in_both"].as_array().unwrap().is_empty());
}

#[test]
fn diff_fail_on_new_exits_one_only_when_the_other_side_has_new_kinds() {
    let (normal, incognito) = (normal_har(), incognito_har());
    let worse = leakscope(&["diff", "--fail-on-new", &normal, &incognito]);
    assert_eq!(worse.status.code(), Some(1), "{}", stderr(&worse));
    assert!(stdout(&worse).contains("private mode stopped 0 of "));
    let better = leakscope(&["diff", "--fail-on-new", &incognito, &normal]);
    assert_eq!(better.status.code(), Some(0), "{}", stderr(&better));
    assert!(
        stdout(&better).contains("stopped 2 of "),
        "{}",
        stdout(&better)
    );
    // Without the flag a diff exits with 0 either way.
    assert_eq!(
        leakscope(&["diff", &normal, &incognito]).status.code(),
        Some(0)
    );
}

#[test]
fn diff_markdown_is_a_table_per_recipient() {
    let out = leakscope(&[
        "diff",
        "--format",
        "markdown",
        &normal_har(),
        &incognito_har(),
    ]);
    let markdown = succeeded(&out);
    assert!(markdown.contains("### Xiaomi (third party)"), "{markdown}");
    assert!(
        markdown.contains("| change | category | location | rule |\n|---|---|---|---|\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| only in other | private-mode | `"),
        "{markdown}"
    );
}

#[test]
fn a_json_report_can_stand_for_its_capture_in_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("normal.json");
    let out = leakscope(&[
        "scan",
        "--format",
        "json",
        "-o",
        saved.to_str().unwrap(),
        &normal_har(),
    ]);
    assert_eq!(succeeded(&out), "", "the report goes to the file");

    let from_capture = leakscope(&["diff", "--format", "json", &normal_har(), &incognito_har()]);
    let from_report = leakscope(&[
        "diff",
        "--format",
        "json",
        saved.to_str().unwrap(),
        &incognito_har(),
    ]);
    let from_capture: Value = serde_json::from_str(&succeeded(&from_capture)).unwrap();
    let from_report: Value = serde_json::from_str(&succeeded(&from_report)).unwrap();
    assert_eq!(from_report, from_capture);

    // And as the other side, in CI against a saved baseline.
    let gate = leakscope(&[
        "diff",
        "--fail-on-new",
        saved.to_str().unwrap(),
        &normal_har(),
    ]);
    assert_eq!(gate.status.code(), Some(0), "{}", stderr(&gate));
    assert!(stdout(&gate).contains("stopped 0 of "), "{}", stdout(&gate));
}

#[test]
fn diff_of_a_missing_file_exits_two_naming_it() {
    let har = incognito_har();
    for args in [
        ["diff", "no-such-base.har", &har],
        ["diff", &har, "no-such-base.har"],
    ] {
        let out = leakscope(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("no-such-base.har"),
            "{}",
            stderr(&out)
        );
        assert_eq!(stdout(&out), "");
    }
}

// ---------------------------------------------------------------------------------------------
// decode

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

/// SDKs key maps by device ids and users by their e-mail address. Without `--show-values`, no
/// format may carry those keys, in a location or anywhere else.
#[test]
fn values_used_as_field_names_are_not_in_any_format() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        file,
        "{}",
        json!({
            "method": "POST",
            "url": "https://t.example-analytics.com/v1/batch",
            "headers": [["Content-Type", "application/json"]],
            "body": json!({
                "devices": {"9774d56d682e549c": {"model": "Pixel 7", "os_version": "14"}},
                "users": {"alice.secret@example.com": {"email": "alice.secret@example.com"}},
                "contacts": {"415.555.0123": {"email": "bob.secret@example.org"}},
                "seen": {"https://www.health-clinic.example/conditions/hiv-treatment": {"email": "carol.secret@example.net"}}
            }).to_string()
        })
    )
    .unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    for format in ["text", "json", "ndjson", "markdown", "sarif", "html"] {
        let out = leakscope(&["scan", "--format", format, &path]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(
            text.contains("Pixel") || text.contains("model"),
            "{format}: nothing reported?\n{text}"
        );
        for secret in [
            "9774d56d682e549c",
            "alice.secret",
            "example.com'",
            "415.555.0123",
            "hiv-treatment",
        ] {
            assert!(!text.contains(secret), "{format} shows {secret}:\n{text}");
        }
    }
    // With values shown, the keys are there.
    let shown = stdout(&leakscope(&[
        "scan",
        "--format",
        "json",
        "--show-values",
        &path,
    ]));
    assert!(shown.contains("9774d56d682e549c"));
}

#[test]
fn a_first_party_that_names_no_domain_is_a_usage_error() {
    for args in [
        vec![
            "scan",
            "--first-party",
            "https:/shop.example",
            &incognito_har(),
        ],
        vec!["diff", "--first-party", "", &normal_har(), &incognito_har()],
    ] {
        let out = leakscope(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("names no domain"), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// The user's own data: known values, what the capture reveals, private mode

fn contact_form() -> String {
    capture("contact-form.har")
}

#[test]
fn known_values_from_a_file_and_the_command_line_are_found_hashed_and_named_by_label() {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    write!(
        file,
        "[[known]]\nlabel = \"my phone\"\ncategory = \"contact\"\nvalue = \"+1 (207) 555-0142\"\n"
    )
    .unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let report = json_report(&[
        "--known-values",
        &path,
        "--known",
        "my email=jane.doe@example.org",
        &contact_form(),
    ]);
    let known: Vec<&Value> = leaks(&report)
        .iter()
        .filter(|l| l["rule"] == "known-value")
        .collect();
    let evidence: BTreeSet<&str> = known.iter().map(|l| str_of(l, "evidence")).collect();
    assert!(
        evidence.contains("SHA-256 (hex) of 'my email'"),
        "{evidence:#?}"
    );
    assert!(
        evidence.contains("SHA-256 (hex) of 'my phone' as digits with the country code"),
        "{evidence:#?}"
    );
    // The category the file gave, and never the value in the evidence.
    assert!(known.iter().any(|l| l["category"] == "contact"));
    assert!(
        evidence
            .iter()
            .all(|e| !e.contains("555") && !e.contains("jane"))
    );
    // Redacted without --show-values.
    assert!(known.iter().all(|l| l.get("value").is_none()));
}

#[test]
fn a_bad_known_values_file_is_exit_2_naming_its_line() {
    let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    write!(
        file,
        "[[known]]\nlabel = \"mine\"\nvalue = \"jane@example.org\"\n\n[[known]]\nlabel = \"x\"\ncategory = \"contacts\"\nvalue = \"abc\"\n"
    )
    .unwrap();
    let path = file.path().to_str().unwrap().to_owned();
    let out = leakscope(&["scan", "--known-values", &path, &contact_form()]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains(&format!("{path}:7")), "{message}");
    assert!(message.contains("contacts"), "{message}");
    // A value too short to look for, and a --known without `=`.
    let out = leakscope(&["scan", "--known", "pin=42", &contact_form()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pin"), "{}", stderr(&out));
    let out = leakscope(&["scan", "--known", "no equals sign", &contact_form()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn known_values_that_never_occur_report_nothing() {
    let with = json_report(&[
        "--known",
        "someone else=nobody-at-all@example.net",
        &contact_form(),
    ]);
    let without = json_report(&[&contact_form()]);
    assert_eq!(with["summary"]["leaks"], without["summary"]["leaks"]);
    assert!(leaks(&with).iter().all(|l| l["rule"] != "known-value"));
}

#[test]
fn no_context_leaves_out_what_the_capture_reveals() {
    let with = json_report(&[&contact_form()]);
    let without = json_report(&["--no-context", &contact_form()]);
    let context = |report: &Value| {
        leaks(report)
            .iter()
            .filter(|l| str_of(l, "rule").starts_with("context."))
            .count()
    };
    assert!(context(&with) >= 4);
    assert_eq!(context(&without), 0);
    assert_eq!(with["first_party"], without["first_party"]);
}

#[test]
fn private_mode_reports_ids_and_pages_again_as_private_mode() {
    let normal = json_report(&[&capture("mi-browser-normal.har")]);
    let private = json_report(&["--private-mode", &capture("mi-browser-normal.har")]);
    let of = |report: &Value, category: &str| {
        leaks(report)
            .iter()
            .filter(|l| l["category"] == category)
            .count()
    };
    assert_eq!(of(&normal, "private-mode"), 0);
    assert_eq!(
        of(&private, "private-mode"),
        of(&normal, "persistent-id") + of(&normal, "browsing-history")
    );
}

#[test]
fn ndjson_third_party_only_streams_final_parties_without_first_party_given() {
    let lines = ndjson_lines(&["--third-party-only", &contact_form()]);
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| l["recipient"]["party"] == "third"));
    let report = json_report(&["--third-party-only", &contact_form()]);
    let ids: BTreeSet<&str> = lines.iter().map(|l| str_of(l, "leak")).collect();
    assert_eq!(ids.len(), leaks(&report).len());
}

#[test]
fn standard_input_is_read_twice_for_the_first_pass() {
    let har = std::fs::read(contact_form()).unwrap();
    let out = leakscope_with_stdin(&["scan", "--format", "json", "-"], &har);
    let report: Value = serde_json::from_str(&succeeded(&out)).unwrap();
    assert_eq!(
        report["first_party"]["domains"],
        json!(["example-helpline.org"])
    );
    assert!(leaks(&report).iter().any(|l| l["rule"] == "context.typed"));
}

#[test]
fn a_pipe_given_as_a_file_is_kept_to_be_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("capture.har");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        // No mkfifo on this system: nothing to test.
        eprintln!("mkfifo unavailable; skipped");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let har = std::fs::read(contact_form()).unwrap();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .unwrap()
                .write_all(&har)
                .unwrap();
        })
    };
    let report = json_report(&[fifo.to_str().unwrap()]);
    writer.join().unwrap();
    assert_eq!(report["summary"]["requests"], 24);
    assert!(leaks(&report).iter().any(|l| l["rule"] == "context.typed"));
}

#[test]
fn every_format_says_how_a_context_leak_was_recognised() {
    for format in ["text", "markdown", "html", "json", "sarif", "ndjson"] {
        let out = leakscope(&["scan", "--format", format, &contact_form()]);
        let text = succeeded(&out);
        assert!(
            text.contains("typed into the form posted to www.example-helpline.org in request #18"),
            "{format}"
        );
        // The typed values themselves are not in any of them.
        assert!(
            !text.to_lowercase().contains("jane.doe@example.org"),
            "{format}"
        );
    }
}

/// The README's example of a user's rule pack: a made-up tracker, with a whole-request example.
fn user_pack() -> String {
    format!(
        "{}/../../examples/rules/acme-beacon.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn write_temp(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn rules_check_passes_on_the_builtin_pack_and_a_good_user_pack() {
    let out = succeeded(&leakscope(&["rules", "check"]));
    assert!(out.trim_end().ends_with(": ok"), "{out}");
    // The README's example pack.
    let shipped = format!("{}/../../examples/rules", env!("CARGO_MANIFEST_DIR"));
    let out = succeeded(&leakscope(&["rules", "check", &shipped]));
    assert!(out.trim_end().ends_with(": ok"), "{out}");
}

#[test]
fn rules_check_fails_on_a_wrong_example_and_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    // The example says `default` must not be reported; without the ignore, `q` is a search.
    let pack = std::fs::read_to_string(user_pack()).unwrap();
    let wrong = pack.replace(r#"keys = ["q", "sid"]"#, r#"keys = ["sid"]"#);
    assert_ne!(wrong, pack);
    let file = write_temp(dir.path(), "acme.toml", &wrong);
    let output = leakscope(&["rules", "check", &file]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains(&format!("FAIL {file}:"))
            && out.contains("\"default\" must not be reported, but `search.query-field`"),
        "{out}"
    );
    // A bad pattern: exit 2, the file and the line of the rule.
    let broken = write_temp(
        dir.path(),
        "broken.toml",
        "[[rule]]\nid = 'x.y'\ncategory = 'network'\nseverity = 'low'\ndescription = 'd'\nvalue = '('\n",
    );
    for args in [
        vec!["rules", "check", broken.as_str()],
        vec!["scan", "--rules", broken.as_str(), "-"],
        vec!["rules", "list", "--rules", broken.as_str()],
    ] {
        let output = leakscope_with_stdin(&args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains(&format!("{broken}:1: rule `x.y`: bad pattern")),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_user_pack_changes_what_a_scan_reports() {
    let dir = tempfile::tempdir().unwrap();
    let pack = user_pack();
    let capture = write_temp(
        dir.path(),
        "capture.http",
        "GET https://px.acme-beacon.example/b?av=a1b2c3d4e5f60718&q=default HTTP/1.1\r\nHost: px.acme-beacon.example\r\n\r\n",
    );
    let rules_of = |extra: &[&str]| -> BTreeSet<String> {
        let mut args = vec!["--show-values", capture.as_str()];
        args.extend_from_slice(extra);
        ndjson_lines(&args)
            .iter()
            .map(|o| format!("{}={}", str_of(o, "rule"), str_of(o, "value")))
            .collect()
    };
    let builtin = rules_of(&[]);
    assert!(
        builtin.contains("search.query-field=default"),
        "{builtin:?}"
    );
    let with_pack = rules_of(&["--rules", &pack]);
    assert!(
        with_pack.contains("acme-beacon.visitor-id=a1b2c3d4e5f60718"),
        "{with_pack:?}"
    );
    assert!(
        !with_pack.iter().any(|r| r.ends_with("=default")),
        "{with_pack:?}"
    );
}

#[test]
fn rules_list_names_every_rule_with_its_tracker() {
    let out = succeeded(&leakscope(&["rules", "list"]));
    assert!(out.contains("bing-uet.page-url"), "{out}");
    assert!(out.contains("Microsoft Advertising UET"), "{out}");
    let lines = succeeded(&leakscope(&["rules", "list", "--json"]));
    let rules: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: BTreeSet<&str> = rules.iter().map(|r| str_of(r, "id")).collect();
    assert_eq!(ids.len(), rules.len(), "ids are unique");
    for rule in &rules {
        assert!(CATEGORIES.contains(&str_of(rule, "category")), "{rule}");
        if rule["tracker"].is_string() {
            assert!(
                !rule["references"].as_array().unwrap().is_empty(),
                "a tracker's rule has references: {rule}"
            );
        }
    }
}

#[test]
fn decode_applies_the_rules_of_the_tracker_at_url() {
    let searched = succeeded(&leakscope(&["decode", "--key", "kw", "flu shots"]));
    assert!(searched.contains("search.query-field"), "{searched}");
    // At Bing UET, `kw` is the page's meta keywords and `p` the page.
    let at_bing = |key: &str, value: &str| {
        succeeded(&leakscope(&[
            "decode",
            "--url",
            "https://bat.bing.com/action/0?ti=1",
            "--key",
            key,
            value,
        ]))
    };
    let keywords = at_bing("kw", "flu shots");
    assert!(!keywords.contains('←'), "{keywords}");
    let page = at_bing("p", "https://www.example.org/plans/apply");
    assert!(page.contains("bing-uet.page-url"), "{page}");
    // Without a scheme the URL is still the tracker's; without a host it is an error.
    let bare = succeeded(&leakscope(&[
        "decode",
        "--url",
        "bat.bing.com/action/0",
        "--key",
        "kw",
        "flu shots",
    ]));
    assert!(!bare.contains('←'), "{bare}");
    let output = leakscope(&["decode", "--url", "nonsense", "--key", "kw", "flu shots"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("names no host"),
        "{}",
        stderr(&output)
    );
}
