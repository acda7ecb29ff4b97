//! The report path: what it costs to fold a request's sightings into leaks (`ReportBuilder::add`)
//! and to render the finished report, apart from reading and decoding. Issue 10 found this path
//! to be half the CPU of a scan when every occurrence was a finding; the leak model should make
//! it small beside decoding. The workload is a telemetry session: 2,000 requests, each a batch of
//! events carrying the same device id, model and OS version and one page URL of a few hundred.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakscope::report::{
    Category, JsonRenderer, NoSink, Place, Render, ReportBuilder, ReportOptions, RequestContext,
    RequestRef, RequestScan, Severity, Sighting,
};

const REQUESTS: usize = 2_000;
const EVENTS: usize = 8;

fn sighting(rule: &str, category: Category, value: String, field: &str) -> Sighting {
    Sighting {
        rule: rule.to_owned(),
        category,
        severity: Severity::Medium,
        value,
        places: (0..EVENTS)
            .map(|e| Place {
                location: format!(
                    "body form[data_list] > base64 > gzip > json $[{e}].properties.{field}"
                ),
                span: None,
            })
            .collect(),
        evidence: None,
    }
}

fn session() -> Vec<RequestScan> {
    (0..REQUESTS)
        .map(|index| RequestScan {
            request: RequestRef {
                index,
                method: "POST".into(),
                host: "sa.api.intl.miui.com".into(),
                url: "https://sa.api.intl.miui.com/sa".into(),
                source: Some(format!("bench.har entry {index}")),
            },
            context: RequestContext {
                request_ids: Some(index as u64),
                ..RequestContext::default()
            },
            sightings: vec![
                sighting(
                    "id.analytics-client-id",
                    Category::PersistentId,
                    "0467ede7dcf0ee81".into(),
                    "distinct_id",
                ),
                sighting(
                    "fingerprint.device-model",
                    Category::DeviceFingerprint,
                    "Redmi Note 8 Pro".into(),
                    "$model",
                ),
                sighting(
                    "fingerprint.os-version",
                    Category::DeviceFingerprint,
                    "10".into(),
                    "$os_version",
                ),
                sighting(
                    "fingerprint.screen",
                    Category::DeviceFingerprint,
                    "1080".into(),
                    "$screen_width",
                ),
                sighting(
                    "history.url-field",
                    Category::BrowsingHistory,
                    format!("https://www.example-news.com/article/{}", index % 300),
                    "url",
                ),
            ],
            anomalies: Vec::new(),
        })
        .collect()
}

fn build(scans: Vec<RequestScan>) -> leakscope::Report {
    let mut builder = ReportBuilder::new(
        "leakscope",
        "bench",
        ReportOptions {
            value_key: Some([1; 16]),
            ..ReportOptions::default()
        },
    );
    builder.add_input("bench.har", Some("har"));
    for scan in scans {
        builder.add(scan, &mut NoSink).expect("no sink errors");
    }
    builder.finish()
}

fn report(c: &mut Criterion) {
    let scans = session();
    let occurrences = (REQUESTS * EVENTS * 5) as u64;
    let mut group = c.benchmark_group("report");
    group.throughput(Throughput::Elements(occurrences));
    group.bench_function("add_and_finish/80k_occurrences", |b| {
        b.iter_batched(
            || scans.clone(),
            |scans| black_box(build(scans)),
            criterion::BatchSize::LargeInput,
        )
    });
    let finished = build(scans);
    group.throughput(Throughput::Elements(finished.leaks.len() as u64));
    group.bench_function("render_json", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(1 << 20);
            JsonRenderer
                .render(black_box(&finished), &mut out)
                .expect("rendering to memory");
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
