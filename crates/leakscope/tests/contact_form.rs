//! The shipped contact-form capture (`examples/captures/contact-form.har`, written by
//! `make_contact_form_capture.py`): a helpline site whose contact form's email, phone and name
//! reach Meta's pixel hashed, whose pages reach a font CDN only through `Referer`, and whose
//! visitors are synced between ad networks by cookie. Its generator lists what a correct
//! scanner reports to third parties and what it must not (`contact-form.expected.json`).

mod common;

use std::collections::BTreeSet;

use common::{leaks_by, shipped_captures};
use leakscope::report::Party;
use leakscope::{Input, Report, ScanOptions, Scanner};

fn expected() -> serde_json::Value {
    let text =
        std::fs::read_to_string(shipped_captures().join("contact-form.expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn scan(options: ScanOptions) -> Report {
    let scan = Scanner::builtin(options)
        .scan_inputs(&[Input::Path(shipped_captures().join("contact-form.har"))]);
    assert!(scan.input_errors.is_empty(), "{:?}", scan.input_errors);
    scan.report
}

#[test]
fn every_third_party_finding_the_generator_lists_is_reported() {
    let report = scan(ScanOptions::default());
    let expected = expected();
    assert_eq!(
        report.summary.requests,
        expected["requests"].as_u64().unwrap() as usize
    );
    assert_eq!(
        report.first_party.domains,
        [expected["first_party"].as_str().unwrap()]
    );
    let reported: BTreeSet<(u32, String, String)> = report
        .leaks
        .iter()
        .filter(|l| l.recipient.party == Party::Third)
        .flat_map(|l| {
            l.requests
                .iter()
                .map(|&r| (r, l.recipient.host.clone(), l.category.to_string()))
        })
        .collect();
    let mut missed = Vec::new();
    for finding in expected["third_party_findings"].as_array().unwrap() {
        let key = (
            finding["request"].as_u64().unwrap() as u32,
            finding["host"].as_str().unwrap().to_owned(),
            finding["category"].as_str().unwrap().to_owned(),
        );
        if !reported.contains(&key) {
            missed.push((key, finding["how"].clone()));
        }
    }
    assert!(missed.is_empty(), "missed: {missed:#?}");
}

#[test]
fn the_hashed_contact_details_are_traced_to_the_form() {
    let report = scan(ScanOptions::default());
    let form = expected()["typed"]["form_request"].as_u64().unwrap();
    let hashed = leaks_by(&report, "context.typed");
    // Email, phone, first and last name, each to Meta in the SubmitForm and Lead events.
    assert_eq!(hashed.len(), 4, "{hashed:#?}");
    for leak in hashed {
        assert_eq!(leak.recipient.host, "www.facebook.com");
        assert_eq!(leak.requests, [16, 21]);
        let evidence = leak.evidence.as_deref().unwrap();
        assert!(evidence.starts_with("SHA-256 (hex) of "), "{evidence}");
        assert!(
            evidence.contains(&format!("in request #{form}")),
            "{evidence}"
        );
    }
}

#[test]
fn decoys_are_not_reported() {
    let report = scan(ScanOptions::default());
    for decoy in expected()["decoys"].as_array().unwrap() {
        let request = decoy["request"].as_u64().unwrap() as u32;
        let key = decoy["key"].as_str().unwrap();
        let field = format!("query[{key}]");
        let found: Vec<_> = report
            .leaks
            .iter()
            .filter(|l| l.requests.contains(&request))
            .filter(|l| l.locations.iter().any(|p| p.location.starts_with(&field)))
            .collect();
        assert!(
            found.is_empty(),
            "decoy {key} of request {request}: {found:#?}"
        );
    }
}

#[test]
fn without_context_the_hashes_are_not_traced_to_the_form() {
    let with = scan(ScanOptions::default());
    let without = scan(ScanOptions {
        no_context: true,
        ..ScanOptions::default()
    });
    let contact = |report: &Report| {
        report
            .leaks
            .iter()
            .filter(|l| l.category.to_string() == "contact" && l.recipient.party == Party::Third)
            .count()
    };
    assert_eq!(contact(&with), 4);
    // Meta's rules know `udff[…]` as hashed contact details: without the form they are still
    // reported, but nothing says whose they are or where they were typed.
    assert_eq!(contact(&without), 4);
    let third_party_contact = without
        .leaks
        .iter()
        .filter(|l| l.category.to_string() == "contact" && l.recipient.party == Party::Third);
    for leak in third_party_contact {
        assert!(leak.rule.starts_with("meta-pixel."), "{}", leak.rule);
        assert!(leak.evidence.is_none(), "{:?}", leak.evidence);
    }
    assert!(
        without
            .leaks
            .iter()
            .all(|l| !l.rule.starts_with("context."))
    );
}
