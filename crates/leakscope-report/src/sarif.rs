//! The SARIF 2.1.0 report: leaks as static-analysis results, for code-scanning dashboards.
//!
//! One run. Its tool's driver lists one rule (`reportingDescriptor`) per rule id the report
//! uses, and each leak is one `result`: its level from the severity, a sentence as message,
//! one location per place it was found (a logical location: the path of parts and layers in
//! the request; and the capture file as physical location), a partial fingerprint, and the
//! leak's category, severity, party, organisation and counts as properties. The capture files
//! are the run's artifacts; anomalies are tool-execution notifications; linkage, the first
//! party and the counts are in the run's property bag. Values are the report's: redacted
//! previews unless the report was made with `--show-values`.
//!
//! The partial fingerprint (`leakscope/v2`) is what a dashboard matches results across scans
//! by, so it is made of what stays the same from one scan of the same traffic to the next and
//! holds no value: the rule, the recipient host, and the first location with field names that
//! are values taken out ([`redact_location`]), array indexes folded and random-looking names
//! replaced ([`normalise_location`]); hashed with SipHash-2-4 under a fixed all-zero key. A
//! leak's `value_id` is keyed with a key that is random per run, so it is only a property.
//! Leaks of the same kind (different values found by one rule at one place of one host) share
//! a fingerprint.
//!
//! The log is streamed: the run's header (tool, rules, artifacts) first, then each result
//! serialised straight to the writer as it is made, so memory follows one result, not the
//! report (the bytes are serde_json's pretty print of the same structures).

use std::collections::BTreeMap;
use std::hash::Hasher as _;
use std::io::{self, Write};

use serde::{Serialize, Serializer};
use siphasher::sip128::{Hasher128, SipHasher24};

use crate::markdown::{category_meaning, category_words, cut_chars, first_location, shows_values};
use crate::redact::redact_location;
use crate::render::plural;
use crate::{
    Anomaly, FirstParty, Leak, Linkage, Render, Report, Severity, normalise_location, shown_value,
};

/// Where SARIF consumers find the schema of the log (written as `$schema`; nothing loads it).
const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The tool's home page, as SARIF's `informationUri`.
const INFORMATION_URI: &str = "https://example.invalid/leakscope";

/// Characters of a value put in a result's message before it is cut (a value shown with
/// `--show-values` can be a whole upload).
const MESSAGE_VALUE_CHARS: usize = 300;

/// The name of the partial fingerprint; its version changes whenever what goes into it does
/// (`v1` held the per-run value id).
const FINGERPRINT: &str = "leakscope/v2";

/// A SARIF 2.1.0 log with one run (pretty-printed, with a final newline): one result per
/// leak, one rule per rule id used. Results are written one at a time, as they are made.
#[derive(Debug, Clone, Copy, Default)]
pub struct SarifRenderer;

impl Render for SarifRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(64 << 10, out);
        serde_json::to_writer_pretty(&mut out, &sarif_log(report))?;
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

/// The partial fingerprint of a leak: SipHash-2-4 (fixed zero key) of its rule, recipient host
/// and normalised first location, each preceded by its length; 32 hex digits. The same kind of
/// leak to the same host gets the same fingerprint in every scan, whatever its value. Field
/// names that are values are taken out of the location first ([`redact_location`]), so that
/// the fingerprint holds none and is the same with `--show-values` as without.
fn fingerprint(leak: &Leak) -> String {
    let location = normalise_location(&redact_location(first_location(leak)));
    let mut hasher = SipHasher24::new_with_keys(0, 0);
    for part in [
        leak.rule.as_str(),
        leak.recipient.host.as_str(),
        location.as_str(),
    ] {
        hasher.write(&(part.len() as u64).to_le_bytes());
        hasher.write(part.as_bytes());
    }
    format!("{:032x}", hasher.finish128().as_u128())
}

/// `{"text": …}`: a SARIF message or description.
#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
struct SarifLog<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    artifacts: Vec<Artifact<'a>>,
    results: Results<'a>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

/// A `reportingDescriptor`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<&'static str>,
    full_description: Text<String>,
    default_configuration: RuleConfiguration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleConfiguration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    category: &'static str,
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Notifications::is_empty")]
    tool_execution_notifications: Notifications<'a>,
}

/// An anomaly as a SARIF `notification`.
#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<String>,
    properties: NotificationProperties<'a>,
}

#[derive(Serialize)]
struct NotificationProperties<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<usize>,
}

#[derive(Serialize)]
struct Artifact<'a> {
    location: ArtifactLocation,
    roles: [&'static str; 1],
    properties: ArtifactProperties<'a>,
}

#[derive(Serialize)]
struct ArtifactProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'a str>,
}

#[derive(Serialize, Clone)]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

/// Every leak as a result, each made and written in turn.
struct Results<'a> {
    report: &'a Report,
    rule_index: BTreeMap<&'a str, usize>,
    artifact_of_input: Vec<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<String>,
    locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    id: usize,
    message: Text<String>,
    logical_locations: [LogicalLocation<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    leak: &'a str,
    category: &'static str,
    severity: &'static str,
    party: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    organisation: Option<&'a str>,
    domain: &'a str,
    host: &'a str,
    value_id: &'a str,
    occurrences: u64,
    requests: usize,
    #[serde(skip_serializing_if = "is_zero")]
    other_locations: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a str>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    schema: &'a str,
    first_party: &'a FirstParty,
    requests: usize,
    leaks: usize,
    occurrences: u64,
    values_shown: bool,
    linkage: &'a [Linkage],
}

/// The capture files as SARIF artifacts (each file once), and for each input the index of its
/// artifact.
fn artifacts(report: &Report) -> (Vec<Artifact<'_>>, Vec<usize>) {
    let mut at_of_uri: BTreeMap<String, usize> = BTreeMap::new();
    let mut artifacts: Vec<Artifact<'_>> = Vec::new();
    let mut of_input = Vec::with_capacity(report.inputs.len());
    for input in &report.inputs {
        let uri = file_uri(&input.file);
        let at = *at_of_uri.entry(uri.clone()).or_insert_with(|| {
            artifacts.push(Artifact {
                location: ArtifactLocation { uri, index: None },
                roles: ["analysisTarget"],
                properties: ArtifactProperties {
                    format: input.format.as_deref(),
                },
            });
            artifacts.len() - 1
        });
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

/// One rule per rule id used (sorted), and each id's index among them.
fn rules(report: &Report) -> (Vec<Rule<'_>>, BTreeMap<&str, usize>) {
    let mut used: BTreeMap<&str, &Leak> = BTreeMap::new();
    for leak in &report.leaks {
        used.entry(leak.rule.as_str()).or_insert(leak);
    }
    let index = used.keys().enumerate().map(|(at, id)| (*id, at)).collect();
    let rules = used
        .into_iter()
        .map(|(id, leak)| {
            let category = leak.category;
            Rule {
                id,
                name: id,
                short_description: Text {
                    text: category_words(category),
                },
                full_description: Text {
                    text: format!(
                        "{} ({}): {}",
                        category_words(category),
                        category.as_str(),
                        category_meaning(category)
                    ),
                },
                default_configuration: RuleConfiguration {
                    level: level(leak.severity),
                },
                properties: RuleProperties {
                    category: category.as_str(),
                    tags: ["privacy", category.as_str()],
                },
            }
        })
        .collect();
    (rules, index)
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.report.leaks.iter().map(|leak| self.result(leak)))
    }
}

impl<'a> Results<'a> {
    fn result(&self, leak: &'a Leak) -> SarifResult<'a> {
        let report = self.report;
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
            PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: file_uri(file),
                    index: self.artifact_of_input.get(input).copied(),
                },
            }
        });
        let locations = leak
            .locations
            .iter()
            .enumerate()
            .map(|(id, place)| Location {
                id,
                message: Text {
                    text: format!("{} here", plural(place.count, "occurrence")),
                },
                logical_locations: [LogicalLocation {
                    name: &place.location,
                    fully_qualified_name: format!("{host} {}", place.location),
                    kind: "member",
                }],
                physical_location: physical.clone(),
            })
            .collect();
        SarifResult {
            rule_id: &leak.rule,
            rule_index: self.rule_index.get(leak.rule.as_str()).copied(),
            level: level(leak.severity),
            message: Text { text: message },
            locations,
            partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint(leak))]),
            properties: ResultProperties {
                leak: &leak.id,
                category: leak.category.as_str(),
                severity: leak.severity.as_str(),
                party: recipient.party.as_str(),
                organisation: recipient.organisation.as_deref(),
                domain: &recipient.domain,
                host: &recipient.host,
                value_id: &leak.value_id,
                occurrences: leak.occurrences,
                requests: leak.requests.len(),
                other_locations: leak.other_locations,
                evidence: leak.evidence.as_deref(),
            },
        }
    }
}

/// Anomalies as notifications, each made and written in turn.
struct Notifications<'a>(&'a [Anomaly]);

impl Notifications<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Notifications<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|anomaly| {
            let text = match anomaly.request {
                Some(request) => format!(
                    "{} (request #{request}): {}",
                    anomaly.source, anomaly.message
                ),
                None => format!("{}: {}", anomaly.source, anomaly.message),
            };
            Notification {
                level: "warning",
                message: Text { text },
                properties: NotificationProperties {
                    source: &anomaly.source,
                    request: anomaly.request,
                },
            }
        }))
    }
}

/// The whole SARIF log of a report, to serialise: the rules and artifacts are made up front
/// (one per rule id and capture file), the results and notifications while it is written.
fn sarif_log(report: &Report) -> SarifLog<'_> {
    let (rules, rule_index) = rules(report);
    let (artifacts, artifact_of_input) = artifacts(report);
    let summary = &report.summary;
    SarifLog {
        schema: SARIF_SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "leakscope",
                    version: &report.tool.version,
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: true,
                tool_execution_notifications: Notifications(&report.anomalies),
            }],
            artifacts,
            results: Results {
                report,
                rule_index,
                artifact_of_input,
            },
            properties: RunProperties {
                schema: &report.schema,
                first_party: &report.first_party,
                requests: summary.requests,
                leaks: summary.leaks,
                occurrences: summary.occurrences,
                values_shown: shows_values(report),
                linkage: &report.linkage,
            },
        }],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::builder::test_support::{request_with as request, small_report, xiaomi_sightings};
    use crate::{NoSink, ReportBuilder, ReportOptions};

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
        // The fingerprint holds neither the value nor its (per-run) id.
        let fingerprint = search["partialFingerprints"]["leakscope/v2"]
            .as_str()
            .unwrap();
        // Pinned: a dashboard matches on it. Changing what goes in means a new version in its
        // name (`leakscope/v3`).
        assert_eq!(fingerprint, "7103c860c19603782f196cb1de0724c7");
        assert!(search["partialFingerprints"].get("leakscope/v1").is_none());
        assert_eq!(properties_of(search)["valueId"], leak.value_id.as_str());
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

    fn properties_of(result: &Value) -> &Value {
        &result["properties"]
    }

    /// The small report's leaks to Xiaomi, made with `value_key`, their array indexes shifted
    /// by `shift`.
    fn xiaomi_report(value_key: [u8; 16], shift: usize) -> Report {
        let mut builder = ReportBuilder::new(
            "leakscope",
            "0.1.0",
            ReportOptions {
                value_key: Some(value_key),
                ..ReportOptions::default()
            },
        );
        builder.add_input("capture.har", Some("har"));
        let scan = request(0, "tracking.intl.miui.com", xiaomi_sightings(shift));
        builder.add(scan, &mut NoSink).unwrap();
        builder.finish()
    }

    fn fingerprints(report: &Report) -> Vec<(String, String)> {
        let log = render(report);
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["partialFingerprints"]["leakscope/v2"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn fingerprints_are_the_same_in_every_run() {
        // Each run keys value ids with a new random key; the fingerprints must not follow.
        let first = xiaomi_report([1; 16], 0);
        let second = xiaomi_report([2; 16], 3);
        assert_ne!(first.leaks[0].value_id, second.leaks[0].value_id);
        let fingerprints = fingerprints(&first);
        assert_eq!(fingerprints.len(), 2);
        assert_eq!(fingerprints, self::fingerprints(&second));
        assert_ne!(fingerprints[0].1, fingerprints[1].1);
        // The small report (another request, another key) has the same kinds of leak to Xiaomi.
        let small = self::fingerprints(&small_report(false));
        for fingerprint in &fingerprints {
            assert!(small.contains(fingerprint), "{fingerprint:?} in {small:?}");
        }
        // Another host, rule or place is another fingerprint.
        let mut other = first.clone();
        other.leaks[0].recipient.host = "sdkconfig.ad.intl.xiaomi.com".to_owned();
        other.leaks[1].locations[0].location = "query[q]".to_owned();
        let changed = self::fingerprints(&other);
        assert_ne!(changed[0].1, fingerprints[0].1);
        assert_ne!(changed[1].1, fingerprints[1].1);
    }

    #[test]
    fn fingerprint_is_rule_host_and_normalised_location() {
        let report = xiaomi_report([1; 16], 7);
        let leak = &report.leaks[0];
        let location = normalise_location(&redact_location(&leak.locations[0].location));
        assert!(location.contains("$.events[*]."), "{location}");
        let mut hasher = SipHasher24::new_with_keys(0, 0);
        for part in [&leak.rule, &leak.recipient.host, &location] {
            hasher.write(&(part.len() as u64).to_le_bytes());
            hasher.write(part.as_bytes());
        }
        assert_eq!(
            fingerprint(leak),
            format!("{:032x}", hasher.finish128().as_u128())
        );
        // Field names that are values count for nothing, whether shown or redacted.
        let mut keyed = leak.clone();
        keyed.locations[0].location = "body > json $.users['jane@example.com'].email".to_owned();
        let mut redacted = leak.clone();
        redacted.locations[0].location = "body > json $.users['…'].email".to_owned();
        let mut other = leak.clone();
        other.locations[0].location = "body > json $.users['john@example.org'].email".to_owned();
        assert_eq!(fingerprint(&keyed), fingerprint(&redacted));
        assert_eq!(fingerprint(&keyed), fingerprint(&other));
        assert_ne!(fingerprint(&keyed), fingerprint(leak));
        // A leak with no location still has one.
        let mut bare = leak.clone();
        bare.locations.clear();
        assert_eq!(fingerprint(&bare).len(), 32);
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
