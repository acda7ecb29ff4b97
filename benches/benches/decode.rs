//! The decoding hot path (issue 4's yardsticks), all with `Throughput::Bytes` of input except
//! `gunzip`:
//!
//! - `base64/*`: our base64 decoder (sniff, decode, plausibility check) against the `base64`
//!   crate's raw decode of the same bytes;
//! - `gunzip/*`: the gzip decoder alone, per byte of output (the flate2 backend's share);
//! - `negative/*`: values with nothing to decode, where the sniffs must cost next to nothing:
//!   short ones (words, numbers, ids, digests, URLs; about 20 bytes each), and long ones (user
//!   agents, prose, minified scripts; 100 B to 2 KiB);
//! - `unwrap/*`: the whole unwrapper on Sensors-style `base64(gzip(JSON))` and Firebase-style
//!   `gzip(protobuf)`.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use leakscope::decode::decoders::Gzip;
use leakscope::decode::{Budget, Layer, Path, Profile, Unwrapper};
use leakscope_benches::{
    Packed, base64_of_json, base64_sniff_and_decode, firebase_protobuf, gzip, negative_long_values,
    negative_values, sensors_data_list, sensors_events_json, size_label, unwrap_each,
    unwrap_payload,
};

const SIZES: [usize; 4] = [64, 1024, 16 * 1024, 1024 * 1024];

fn base64_vs_raw(c: &mut Criterion) {
    let mut group = c.benchmark_group("base64");
    for size in SIZES {
        let encoded = base64_of_json(size);
        group.throughput(Throughput::Bytes(encoded.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("leakscope", size_label(size)),
            &encoded,
            |b, input| b.iter(|| base64_sniff_and_decode(input)),
        );
        group.bench_with_input(
            BenchmarkId::new("base64-crate", size_label(size)),
            &encoded,
            |b, input| b.iter(|| STANDARD.decode(input).map(|v| v.len()).unwrap_or(0)),
        );
    }
    group.finish();
}

/// The gzip layer alone, per byte of *output*: what the flate2 backend is worth.
fn gunzip(c: &mut Criterion) {
    let mut group = c.benchmark_group("gunzip");
    for size in [16 * 1024, 1024 * 1024] {
        let json = sensors_events_json(size);
        let packed = gzip(&json);
        group.throughput(Throughput::Bytes(json.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("json", size_label(size)),
            &packed,
            |b, packed| {
                b.iter(|| {
                    let mut budget = Budget::default();
                    Gzip.decode(packed, &mut budget).is_ok()
                })
            },
        );
    }
    // The batches above repeat one device's properties and compress 15-25x; a HAR file of
    // mixed traffic compresses about 6x, which is harder work per byte of output.
    let har = include_bytes!("../../examples/captures/mi-browser-incognito.har");
    let packed = gzip(har);
    group.throughput(Throughput::Bytes(har.len() as u64));
    group.bench_with_input(BenchmarkId::new("har", "28KiB"), &packed, |b, packed| {
        b.iter(|| {
            let mut budget = Budget::default();
            Gzip.decode(packed, &mut budget).is_ok()
        })
    });
    group.finish();
}

fn negative_path(c: &mut Criterion) {
    let unwrapper = Unwrapper::new();
    let mut group = c.benchmark_group("negative");
    let long = Packed::new(negative_long_values(1024 * 1024));
    let bytes = long.bytes.len();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_with_input(
        BenchmarkId::new("unwrap-long-values", "1MiB"),
        &long,
        |b, values| {
            let mut path = Path::from_part("body json");
            b.iter(|| unwrap_each(&unwrapper, &mut path, None, values))
        },
    );
    for size in [1024, 1024 * 1024] {
        let values = Packed::new(negative_values(size));
        let bytes = values.bytes.len();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_with_input(
            BenchmarkId::new("unwrap", size_label(size)),
            &values,
            |b, values| {
                let mut path = Path::from_part("query[v]");
                b.iter(|| unwrap_each(&unwrapper, &mut path, Some("v"), values))
            },
        );
        group.bench_with_input(
            BenchmarkId::new("sniff-only", size_label(size)),
            &values,
            |b, values| {
                let decoders = leakscope::decode::decoders::default_decoders();
                let needs: Vec<_> = decoders.iter().map(|d| d.needs()).collect();
                b.iter(|| {
                    values
                        .iter()
                        .filter(|v| {
                            let profile = Profile::of(v);
                            decoders
                                .iter()
                                .zip(&needs)
                                .any(|(d, n)| n.met_by(v, &profile) && d.sniff(v, &profile))
                        })
                        .count()
                })
            },
        );
    }
    group.finish();
}

/// The whole unwrapper on one payload per size, found at `part` under `key`.
fn bench_unwrap(
    c: &mut Criterion,
    group: &str,
    part: &str,
    key: Option<&str>,
    payload_of: impl Fn(usize) -> Vec<u8>,
) {
    let unwrapper = Unwrapper::new();
    let mut group = c.benchmark_group(group);
    for kib in [1usize, 4, 16, 64] {
        let payload = payload_of(kib * 1024);
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            &payload,
            |b, payload| b.iter(|| unwrap_payload(&unwrapper, part, key, payload)),
        );
    }
    group.finish();
}

fn unwrap_sensors(c: &mut Criterion) {
    bench_unwrap(
        c,
        "unwrap/sensors-base64-gzip-json",
        "body form[data_list]",
        Some("data_list"),
        sensors_data_list,
    );
}

fn unwrap_firebase(c: &mut Criterion) {
    bench_unwrap(c, "unwrap/firebase-gzip-protobuf", "body", None, |size| {
        gzip(&firebase_protobuf(size))
    });
}

criterion_group!(
    benches,
    base64_vs_raw,
    gunzip,
    negative_path,
    unwrap_sensors,
    unwrap_firebase
);
criterion_main!(benches);
