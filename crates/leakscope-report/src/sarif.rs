//! The SARIF 2.1.0 report: leaks as static-analysis results, for code-scanning dashboards.
//!
//! One run. Its tool's driver lists one rule (`reportingDescriptor`) per rule id the report
//! uses, and each leak is one `result`: its level from the severity, a sentence as message,
//! one location per place it was found (a logical location: the path of parts and layers in
//! the request; and the capture file as physical location), a partial fingerprint that stays
//! the same across scans of the same traffic (value id, rule, host), and the leak's category,
//! severity, party, organisation and counts as properties. The capture files are the run's
//! artifacts; anomalies are tool-execution notifications; linkage, the first party and the
//! counts are in the run's property bag. Values are the report's: redacted previews unless
//! the report was made with `--show-values`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::markdown::{category_meaning, category_words, cut_chars, plural, shows_values};
use crate::{Category, Leak, Render, Report, Severity, shown_value};

/// Where SARIF consumers find the schema of the log (written as `$schema`; nothing loads it).
const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The tool's home page, as SARIF's `informationUri`.
const INFORMATION_URI: &str = "https://example.invalid/leakscope";

/// Characters of a value put in a result's message before it is cut (a value shown with
/// `--show-values` can be a whole upload).
const MESSAGE_VALUE_CHARS: usize = 300;

/// A SARIF 2.1.0 log with one run (pretty-printed, with a final newline): one result per
/// leak, one rule per rule id used.
#[derive(Debug, Clone, Copy, Default)]
pub struct SarifRenderer;

impl Render for SarifRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let log = sarif_log(report);
        let mut out = io::BufWriter::with_capacity(64 << 10, out);
        serde_json::to_writer_pretty(&mut out, &log)?;
        writeln!(out)?;
        out.flush()
    }
}

/// The SARIF level of a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// A file name as a relative URI reference: `\` as `/`, and every byte that may not stand in
/// a URI percent-encoded.
fn file_uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for byte in file.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The capture files as SARIF artifacts (each file once), and for each input the index of its
/// artifact.
fn artifacts(report: &Report) -> (Vec<Value>, Vec<usize>) {
    let mut uris: Vec<String> = Vec::new();
    let mut artifacts: Vec<Value> = Vec::new();
    let mut of_input = Vec::with_capacity(report.inputs.len());
    for input in &report.inputs {
        let uri = file_uri(&input.file);
        let at = match uris.iter().position(|u| *u == uri) {
            Some(at) => at,
            None => {
                uris.push(uri.clone());
                let mut properties = Map::new();
                if let Some(format) = &input.format {
                    properties.insert("format".into(), json!(format));
                }
                artifacts.push(json!({
                    "location": {"uri": uri},
                    "roles": ["analysisTarget"],
                    "properties": properties,
                }));
                artifacts.len() - 1
            }
        };
        of_input.push(at);
    }
    (artifacts, of_input)
}

/// The input a request was read from (requests are numbered over all inputs, in order), else
/// the first input.
fn input_of(report: &Report, request: Option<u32>) -> usize {
    let Some(request) = request else { return 0 };
    let mut start: u64 = 0;
    for (at, input) in report.inputs.iter().enumerate() {
        let end = start.saturating_add(input.requests as u64);
        if u64::from(request) < end {
            return at;
        }
        start = end;
    }
    0
}

fn rules(report: &Report) -> (Vec<Value>, BTreeMap<&str, usize>) {
    let mut used: BTreeMap<&str, (Category, Severity)> = BTreeMap::new();
    for leak in &report.leaks {
        used.entry(leak.rule.as_str())
            .or_insert((leak.category, leak.severity));
    }
    let index = used.keys().enumerate().map(|(at, id)| (*id, at)).collect();
    let rules = used
        .into_iter()
        .map(|(id, (category, severity))| {
            json!({
                "id": id,
                "name": id,
                "shortDescription": {"text": category_words(category)},
                "fullDescription": {"text": format!(
                    "{} ({}): {}",
                    category_words(category),
                    category.as_str(),
                    category_meaning(category)
                )},
                "defaultConfiguration": {"level": level(severity)},
                "properties": {"category": category.as_str(), "tags": ["privacy", category.as_str()]},
            })
        })
        .collect();
    (rules, index)
}

fn result(report: &Report, leak: &Leak, rule_index: Option<usize>, artifacts: &[usize]) -> Value {
    let recipient = &leak.recipient;
    let host = if recipient.host.is_empty() {
        "(no host)"
    } else {
        recipient.host.as_str()
    };
    let message = format!(
        "{} sent to {} ({host}): {}, in {}",
        category_words(leak.category),
        recipient.display_name(),
        cut_chars(shown_value(leak), MESSAGE_VALUE_CHARS),
        plural(leak.requests.len() as u64, "request"),
    );
    let physical = (!report.inputs.is_empty()).then(|| {
        let input = input_of(report, leak.requests.first().copied());
        let file = report.inputs.get(input).map_or("", |i| i.file.as_str());
        let mut artifact = json!({"uri": file_uri(file)});
        if let Some(index) = artifacts.get(input) {
            artifact["index"] = json!(index);
        }
        json!({"artifactLocation": artifact})
    });
    let locations: Vec<Value> = leak
        .locations
        .iter()
        .enumerate()
        .map(|(id, place)| {
            let mut location = json!({
                "id": id,
                "message": {"text": format!(
                    "{} here",
                    plural(place.count, "occurrence")
                )},
                "logicalLocations": [{
                    "name": place.location,
                    "fullyQualifiedName": format!("{host} {}", place.location),
                    "kind": "member",
                }],
            });
            if let Some(physical) = &physical {
                location["physicalLocation"] = physical.clone();
            }
            location
        })
        .collect();
    let mut properties = Map::new();
    properties.insert("leak".into(), json!(leak.id));
    properties.insert("category".into(), json!(leak.category.as_str()));
    properties.insert("severity".into(), json!(leak.severity.as_str()));
    properties.insert("party".into(), json!(recipient.party.as_str()));
    if let Some(organisation) = &recipient.organisation {
        properties.insert("organisation".into(), json!(organisation));
    }
    properties.insert("domain".into(), json!(recipient.domain));
    properties.insert("host".into(), json!(recipient.host));
    properties.insert("valueId".into(), json!(leak.value_id));
    properties.insert("occurrences".into(), json!(leak.occurrences));
    properties.insert("requests".into(), json!(leak.requests.len()));
    if leak.other_locations > 0 {
        properties.insert("otherLocations".into(), json!(leak.other_locations));
    }
    if let Some(evidence) = &leak.evidence {
        properties.insert("evidence".into(), json!(evidence));
    }
    let mut result = json!({
        "ruleId": leak.rule,
        "level": level(leak.severity),
        "message": {"text": message},
        "locations": locations,
        "partialFingerprints": {
            "leakscope/v1": format!("{}:{}:{}", leak.value_id, leak.rule, recipient.host),
        },
        "properties": properties,
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    result
}

/// The whole SARIF log of a report.
fn sarif_log(report: &Report) -> Value {
    let (rules, rule_index) = rules(report);
    let (artifacts, artifact_of_input) = artifacts(report);
    let results: Vec<Value> = report
        .leaks
        .iter()
        .map(|leak| {
            result(
                report,
                leak,
                rule_index.get(leak.rule.as_str()).copied(),
                &artifact_of_input,
            )
        })
        .collect();
    let notifications: Vec<Value> = report
        .anomalies
        .iter()
        .map(|anomaly| {
            let text = match anomaly.request {
                Some(request) => format!(
                    "{} (request #{request}): {}",
                    anomaly.source, anomaly.message
                ),
                None => format!("{}: {}", anomaly.source, anomaly.message),
            };
            let mut properties = Map::new();
            properties.insert("source".into(), json!(anomaly.source));
            if let Some(request) = anomaly.request {
                properties.insert("request".into(), json!(request));
            }
            json!({
                "level": "warning",
                "message": {"text": text},
                "properties": properties,
            })
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": true});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let summary = &report.summary;
    let mut run = json!({
        "tool": {"driver": {
            "name": "leakscope",
            "version": report.tool.version,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "invocations": [invocation],
        "results": results,
        "properties": {
            "schema": report.schema,
            "firstParty": serde_json::to_value(&report.first_party).unwrap_or(Value::Null),
            "requests": summary.requests,
            "leaks": summary.leaks,
            "occurrences": summary.occurrences,
            "valuesShown": shows_values(report),
            "linkage": serde_json::to_value(&report.linkage).unwrap_or(Value::Null),
        },
    });
    if !artifacts.is_empty() {
        run["artifacts"] = Value::Array(artifacts);
    }
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::tests::small_report;

    fn render(report: &Report) -> Value {
        let mut out = Vec::new();
        SarifRenderer.render(report, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn leaks_become_results_and_rules() {
        let report = small_report(false);
        let log = render(&report);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "leakscope");
        assert_eq!(driver["version"], "0.1.0");
        assert_eq!(driver["informationUri"], INFORMATION_URI);
        let rules = driver["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "history.url-field",
                "id.advertising-id",
                "id.analytics-client-id",
                "search.query-field"
            ]
        );
        assert_eq!(rules[3]["shortDescription"]["text"], "Search query");
        assert_eq!(rules[3]["properties"]["category"], "search-query");

        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), report.leaks.len());
        let search = results
            .iter()
            .find(|r| r["ruleId"] == "search.query-field")
            .unwrap();
        assert_eq!(search["level"], "error");
        assert_eq!(search["ruleIndex"], 3);
        assert_eq!(
            search["message"]["text"],
            "Search query sent to Xiaomi (tracking.intl.miui.com): sym…ion (22 chars), in 1 \
             request"
        );
        let location = &search["locations"][0];
        assert_eq!(
            location["logicalLocations"][0]["name"],
            "body form[data] > base64 > json $.events[0].keyword"
        );
        assert_eq!(
            location["logicalLocations"][0]["fullyQualifiedName"],
            "tracking.intl.miui.com body form[data] > base64 > json $.events[0].keyword"
        );
        assert_eq!(location["logicalLocations"][0]["kind"], "member");
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            "capture.har"
        );
        let leak = report
            .leaks
            .iter()
            .find(|l| l.rule == "search.query-field")
            .unwrap();
        assert_eq!(
            search["partialFingerprints"]["leakscope/v1"],
            format!(
                "{}:search.query-field:tracking.intl.miui.com",
                leak.value_id
            )
        );
        let properties = &search["properties"];
        assert_eq!(properties["category"], "search-query");
        assert_eq!(properties["severity"], "high");
        assert_eq!(properties["party"], "third");
        assert_eq!(properties["organisation"], "Xiaomi");
        assert_eq!(properties["occurrences"], 1);
        assert_eq!(properties["requests"], 1);
        assert_eq!(
            run["properties"]["linkage"].as_array().unwrap().len(),
            report.linkage.len()
        );
        // Redacted.
        let text = log.to_string();
        assert!(!text.contains("symptoms"));
        assert!(!text.contains("38400000-8cf0"));
    }

    #[test]
    fn levels_and_uris() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(file_uri("caps/mi browser.har"), "caps/mi%20browser.har");
        assert_eq!(file_uri(r"C:\caps\x%.har"), "C:/caps/x%25.har");
        assert_eq!(cut_chars("abcdef", 3), "abc…");
        assert_eq!(cut_chars("abc", 3), "abc");
    }
}
