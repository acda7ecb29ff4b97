//! Capture reading throughput: a generated HAR of about 20 MB (beacons, form and JSON POSTs,
//! responses, a few bodies of a few hundred KB) read from memory with `read_capture`, entry by
//! entry, as the scanner reads it. The raw HTTP and NDJSON forms of the same traffic are read
//! too, for comparison. Figures for 100 MB and 1 GB files, with peak memory, come from timing
//! the whole CLI (see `benches/README.md`).

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;
use std::io::Cursor;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakscope::http::{CaptureFormat, read_capture};
use leakscope_benches::{CaptureKind, ExchangeGen, write_capture};

const CAPTURE_BYTES: u64 = 20_000_000;

/// A cheap `Read` over shared bytes, so each iteration does not copy the capture.
struct Shared(Arc<Vec<u8>>, usize);

impl std::io::Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = self.0.get(self.1..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.1 += n;
        Ok(n)
    }
}

fn generate(kind: CaptureKind) -> Arc<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut exchanges = ExchangeGen::new(0x1ea4_5c0e, 400);
    write_capture(kind, CAPTURE_BYTES, &mut exchanges, Cursor::new(&mut bytes))
        .expect("writing to memory");
    Arc::new(bytes)
}

/// Read every exchange; returns (exchanges, body bytes) so nothing is optimised away.
fn read_all(bytes: &Arc<Vec<u8>>, format: CaptureFormat) -> (usize, usize) {
    let reader = read_capture(Shared(Arc::clone(bytes), 0), "bench", Some(format))
        .expect("readable capture");
    let mut count = 0;
    let mut body = 0;
    for exchange in reader {
        let exchange = exchange.expect("generated captures read cleanly");
        count += 1;
        body += exchange.body.len();
    }
    (count, body)
}

fn bench_capture(c: &mut Criterion) {
    let mut group = c.benchmark_group("capture/read");
    group.sample_size(10);
    for (name, kind, format) in [
        ("har", CaptureKind::Har, CaptureFormat::Har),
        ("raw", CaptureKind::Raw, CaptureFormat::RawHttp),
        ("ndjson", CaptureKind::Ndjson, CaptureFormat::Ndjson),
    ] {
        let bytes = generate(kind);
        let (count, body) = read_all(&bytes, format);
        eprintln!(
            "capture bench: {name}: {} bytes, {count} exchanges, {body} body bytes",
            bytes.len()
        );
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| read_all(black_box(&bytes), format)));
    }
    group.finish();
}

criterion_group!(benches, bench_capture);
criterion_main!(benches);
