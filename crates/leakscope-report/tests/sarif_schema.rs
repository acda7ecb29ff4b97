//! The SARIF report validates against the OASIS SARIF 2.1.0 schema (`tests/data/`, see its
//! README).

use jsonschema::{Draft, Validator};
use leakscope_report::{
    Anomaly, Category, NoSink, Place, Render, Report, ReportBuilder, ReportOptions, RequestContext,
    RequestRef, RequestScan, SarifRenderer, Severity, Sighting,
};
use serde_json::Value;

fn validator() -> Validator {
    let text = include_str!("data/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(text).expect("the schema is JSON");
    jsonschema::options()
        .with_draft(Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn sarif(report: &Report) -> Value {
    let mut out = Vec::new();
    SarifRenderer.render(report, &mut out).expect("renders");
    serde_json::from_slice(&out).expect("SARIF is JSON")
}

fn assert_valid(validator: &Validator, log: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}\n\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(log).unwrap_or_default()
    );
}

fn sighting(
    rule: &str,
    category: Category,
    severity: Severity,
    value: &str,
    locations: &[&str],
) -> Sighting {
    Sighting {
        rule: rule.to_owned(),
        category,
        severity,
        value: value.to_owned(),
        places: locations.iter().copied().map(Place::at).collect(),
        evidence: None,
    }
}

fn request(index: usize, host: &str, request_id: u64, sightings: Vec<Sighting>) -> RequestScan {
    RequestScan {
        request: RequestRef {
            index,
            method: "POST".to_owned(),
            host: host.to_owned(),
            url: format!("https://{host}/track"),
            source: Some(format!("entry {index}")),
        },
        context: RequestContext {
            initiator: Some("example.org".to_owned()),
            request_ids: Some(request_id),
            ..RequestContext::default()
        },
        sightings,
        anomalies: Vec::new(),
    }
}

/// Leaks of every severity to three organisations over two capture files, an id shared by
/// two of them (linkage), a fingerprint, evidence and anomalies.
fn busy_report(show_values: bool) -> Report {
    let mut builder = ReportBuilder::new(
        "leakscope",
        "0.1.0",
        ReportOptions {
            value_key: Some([7; 16]),
            show_values,
            ..ReportOptions::default()
        },
    );
    let gaid = "38400000-8cf0-11bd-b23e-10b96e40000d";
    let fingerprint = |rules: &mut Vec<Sighting>| {
        rules.push(sighting(
            "device.model",
            Category::DeviceFingerprint,
            Severity::Low,
            "Redmi Note 8 Pro",
            &["body > json $.model"],
        ));
        rules.push(sighting(
            "device.os-version",
            Category::DeviceFingerprint,
            Severity::Low,
            "Android 10",
            &["body > json $.os"],
        ));
        rules.push(sighting(
            "device.screen",
            Category::DeviceFingerprint,
            Severity::Low,
            "1080x2340",
            &["body > json $.screen"],
        ));
    };
    builder.add_input("captures/first session.har", Some("har"));
    for index in 0..3 {
        let mut sightings = vec![
            sighting(
                "history.url-field",
                Category::BrowsingHistory,
                Severity::High,
                &format!("https://www.example.org/page/{index}?q=a|b"),
                &[
                    "body form[data_list] > base64 > gzip > json $[0].properties.url",
                    "body form[data_list] > base64 > gzip > json $[1].properties.url",
                ],
            ),
            sighting(
                "id.advertising-id",
                Category::PersistentId,
                Severity::High,
                gaid,
                &["body form[data_list] > base64 > gzip > json $[0].gaid"],
            ),
            sighting(
                "network.type",
                Category::Network,
                Severity::Medium,
                "wifi",
                &["body form[data_list] > base64 > gzip > json $[0].net"],
            ),
        ];
        fingerprint(&mut sightings);
        builder
            .add(
                request(
                    index,
                    "tracking.intl.miui.com",
                    100 + index as u64,
                    sightings,
                ),
                &mut NoSink,
            )
            .expect("added");
    }
    builder.add_input("captures/second.http", Some("raw"));
    let mut contact = sighting(
        "known.email",
        Category::KnownValue,
        Severity::Critical,
        "jane@example.com",
        &["query[ud[em]] > sha256"],
    );
    contact.evidence = Some("the SHA-256 of known value \"my email\"".to_owned());
    builder
        .add(
            request(
                3,
                "www.facebook.com",
                200,
                vec![
                    contact,
                    sighting(
                        "id.advertising-id",
                        Category::PersistentId,
                        Severity::High,
                        gaid,
                        &["query[advertiser_id]"],
                    ),
                    sighting(
                        "location.lat-lon",
                        Category::Location,
                        Severity::High,
                        "44.41,26.10",
                        &["query[ll]"],
                    ),
                ],
            ),
            &mut NoSink,
        )
        .expect("added");
    let mut with_anomaly = request(
        4,
        "",
        300,
        vec![sighting(
            "mode.incognito",
            Category::PrivateMode,
            Severity::Medium,
            "true",
            &["header[x-incognito]"],
        )],
    );
    with_anomaly.anomalies.push(Anomaly {
        request: Some(4),
        source: "captures/second.http byte 812".to_owned(),
        message: "gzip body cut off after 64 KiB".to_owned(),
    });
    builder.add(with_anomaly, &mut NoSink).expect("added");
    builder.add_anomaly(Anomaly {
        request: None,
        source: "captures/second.http byte 2048".to_owned(),
        message: "not an HTTP request line".to_owned(),
    });
    builder.finish()
}

#[test]
fn a_busy_report_gives_valid_sarif() {
    let validator = validator();
    for show_values in [false, true] {
        let report = busy_report(show_values);
        assert!(report.leaks.len() >= 8, "{:?}", report.leaks.len());
        assert!(!report.linkage.is_empty(), "the report has linkage");
        assert!(!report.anomalies.is_empty(), "the report has anomalies");
        let log = sarif(&report);
        assert_valid(&validator, &log);
        let run = &log["runs"][0];
        assert_eq!(
            run["results"].as_array().map(Vec::len),
            Some(report.leaks.len())
        );
        assert_eq!(
            run["invocations"][0]["toolExecutionNotifications"]
                .as_array()
                .map(Vec::len),
            Some(report.anomalies.len())
        );
        let levels: Vec<&str> = run["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["level"].as_str())
            .collect();
        for level in ["error", "warning", "note"] {
            assert!(levels.contains(&level), "{levels:?}");
        }
        // The second file's leaks point at the second file, with a valid URI.
        let uris: Vec<&str> = run["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str()
            })
            .collect();
        assert!(uris.contains(&"captures/first%20session.har"), "{uris:?}");
        assert!(uris.contains(&"captures/second.http"), "{uris:?}");
        let text = log.to_string();
        assert_eq!(text.contains("jane@example.com"), show_values);
    }
}

#[test]
fn an_empty_report_gives_valid_sarif() {
    let validator = validator();
    let report = ReportBuilder::new("leakscope", "0.1.0", ReportOptions::default()).finish();
    let log = sarif(&report);
    assert_valid(&validator, &log);
    assert_eq!(log["runs"][0]["results"], Value::Array(Vec::new()));
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(Vec::new())
    );
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let validator = validator();
    let mut log = sarif(&busy_report(false));
    assert_valid(&validator, &log);
    log["runs"][0]["results"][0]["level"] = Value::String("fatal".to_owned());
    assert!(!validator.is_valid(&log));
    let mut log = sarif(&busy_report(false));
    log["version"] = Value::String("2.0.0".to_owned());
    assert!(!validator.is_valid(&log));
}

#[test]
fn five_thousand_leaks_stream_into_valid_sarif() {
    // The renderer writes result after result; a report this size used to be built as one
    // JSON tree first.
    const LEAKS: usize = 5_000;
    let mut builder = ReportBuilder::new(
        "leakscope",
        "0.1.0",
        ReportOptions {
            value_key: Some([7; 16]),
            ..ReportOptions::default()
        },
    );
    builder.add_input("captures/big.har", Some("har"));
    for index in 0..LEAKS {
        let (rule, category, severity) = match index % 3 {
            0 => (
                "history.url-field",
                Category::BrowsingHistory,
                Severity::High,
            ),
            1 => ("search.query-field", Category::SearchQuery, Severity::High),
            _ => ("network.ssid", Category::Network, Severity::Medium),
        };
        let scan = request(
            index,
            &format!("t{}.tracker{}.example", index % 7, index % 50),
            index as u64,
            vec![sighting(
                rule,
                category,
                severity,
                &format!("value number {index} \"quoted\" \\ \u{1b}"),
                &[&format!("body > json $.events[{index}].v")],
            )],
        );
        builder.add(scan, &mut NoSink).expect("added");
    }
    let report = builder.finish();
    assert_eq!(report.leaks.len(), LEAKS);

    let mut out = Vec::new();
    SarifRenderer.render(&report, &mut out).expect("renders");
    assert!(out.ends_with(b"}\n"));
    let log: Value = serde_json::from_slice(&out).expect("SARIF is JSON");
    assert_valid(&validator(), &log);
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), LEAKS);
    for (result, leak) in results.iter().zip(&report.leaks) {
        assert_eq!(result["properties"]["leak"], leak.id.as_str());
        assert_eq!(result["ruleId"], leak.rule.as_str());
    }
    // Fingerprints are per kind of leak (rule, host, place with indexes folded), not per value.
    let mut fingerprints: Vec<&str> = results
        .iter()
        .filter_map(|r| r["partialFingerprints"]["leakscope/v2"].as_str())
        .collect();
    assert_eq!(fingerprints.len(), LEAKS);
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 3 * 350);
}
