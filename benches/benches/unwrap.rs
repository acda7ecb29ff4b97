//! The unwrapper on a Sensors-style payload: `base64(gzip(JSON))`, 1–64 KiB of JSON.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use leakscope::decode::{Budget, Path, Unwrapper};
use leakscope_benches::sensors_data_list;

fn unwrap_sensors(c: &mut Criterion) {
    let unwrapper = Unwrapper::new();
    let mut group = c.benchmark_group("unwrap/sensors-base64-gzip-json");
    for kib in [1usize, 4, 16, 64] {
        let payload = sensors_data_list(kib * 1024);
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{kib}KiB")),
            &payload,
            |b, payload| {
                b.iter(|| {
                    let mut budget = Budget::default();
                    let mut leaves = 0usize;
                    unwrapper.unwrap(
                        Path::from_part("body form[data_list]"),
                        Some("data_list"),
                        payload,
                        &mut budget,
                        &mut |_| leaves += 1,
                    );
                    leaves
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, unwrap_sensors);
criterion_main!(benches);
