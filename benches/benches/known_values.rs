//! Known values (`leakscope-known`): what it costs to look for the user's own values, in every
//! form (as given, normalised, encoded, hashed), in every decoded leaf of a capture.
//!
//! - `known/find/*`: `KnownMatcher::find` over about 1 MiB of leaf texts as a scan meets them
//!   (short ids, words, numbers, versions, URLs, hex digests, base64 blobs, other people's
//!   e-mail addresses; 1 leaf in 400 holds a form of a known value, half of them one of the
//!   3), one call per leaf, with 3 values (an e-mail address, a phone number, a name) and
//!   with 1,000 values; throughput in bytes of leaf text. Matching alone costs about 2× with
//!   1,000 values (see `leakscope-known`'s matcher for why digests are looked up as tokens).
//! - `known/new/*`: building the matcher (every form of every value and the automaton).
//! - `known/scan/*`: the aim as stated: a whole scan of a generated 8 MB HAR (first pass,
//!   matching, report) with 3 and with 1,000 known values; 1,000 should cost at most 1.25×.
//!
//! Setting `LEAKSCOPE_BENCH_AC_KIND=dfa` (or `contiguous`, `noncontiguous`) forces the
//! automaton kind instead of letting aho-corasick choose.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use leakscope::rules::Category;
use leakscope_benches::{Packed, SplitMix64, percent_encode};
use leakscope_known::{AhoCorasickKind, Hash, KnownMatcher, KnownValue};

const CORPUS_BYTES: usize = 1 << 20;

fn known(label: String, value: String) -> KnownValue {
    KnownValue {
        label,
        category: Category::KnownValue,
        value,
    }
}

/// The three values a user typically gives.
fn three_values() -> Vec<KnownValue> {
    leakscope_benches::known_values(3)
        .into_iter()
        .map(|(label, value)| known(label, value))
        .collect()
}

/// The three values and 997 more, distinct.
fn thousand_values() -> Vec<KnownValue> {
    leakscope_benches::known_values(1000)
        .into_iter()
        .map(|(label, value)| known(label, value))
        .collect()
}

/// About `target` bytes of leaf texts as a scan meets them; 1 leaf in 400 holds a form of
/// one of `values` (its SHA-256, its base64, or itself inside a URL).
fn corpus(target: usize, values: &[KnownValue]) -> Packed {
    const WORDS: &[&str] = &[
        "page_view",
        "track",
        "screen_view",
        "true",
        "false",
        "en-US",
        "Android",
        "WIFI",
        "Redmi Note 8 Pro",
        "Xiaomi",
        "Vodafone",
        "com.mi.globalbrowser",
        "purchase",
        "add_to_cart",
        "The quick brown fox jumps over the lazy dog",
        "null",
        "USD",
        "landscape",
    ];
    const HOSTS: &[&str] = &[
        "www.example-news.com",
        "shop.example",
        "cdn.example.net",
        "api.tracker.example",
    ];
    let mut rng = SplitMix64::new(0x6c65_616b_7363_6f70);
    let mut leaves = Vec::new();
    let mut size = 0;
    while size < target {
        let leaf = if rng.below(400) == 0 {
            // Half of them one of the first three values (the 3-value matcher's).
            let value = if rng.below(2) == 0 {
                &rng.pick(&values[..3]).value
            } else {
                &rng.pick(values).value
            };
            match rng.below(3) {
                0 => {
                    let digest = Hash::Sha256.digest(value.trim().to_lowercase().as_bytes());
                    digest.iter().map(|b| format!("{b:02x}")).collect()
                }
                1 => STANDARD.encode(format!("{{\"user\":\"{value}\",\"v\":2}}")),
                _ => format!(
                    "https://{}/account?u={}&ref=mail",
                    rng.pick_str(HOSTS),
                    percent_encode(value)
                ),
            }
        } else {
            match rng.below(10) {
                0 | 1 => rng.pick_str(WORDS).to_owned(),
                2 => format!("{}", 1_588_155_300_000 + rng.below(1_000_000_000)),
                3 => format!("{}", rng.below(5000)),
                4 => format!(
                    "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                    rng.below(1 << 32),
                    rng.below(1 << 16),
                    rng.below(1 << 16),
                    rng.below(1 << 16),
                    rng.below(1 << 48)
                ),
                5 => format!(
                    "https://{}/2020/04/article-{}.html?utm_source=feed&id={:x}",
                    rng.pick_str(HOSTS),
                    rng.below(100_000),
                    rng.next_u64()
                ),
                6 => {
                    let words = [
                        rng.next_u64(),
                        rng.next_u64(),
                        rng.next_u64(),
                        rng.next_u64(),
                    ];
                    let len = [32, 40, 64][rng.below(3) as usize];
                    words
                        .iter()
                        .map(|w| format!("{w:016x}"))
                        .collect::<String>()[..len]
                        .to_owned()
                }
                7 => {
                    let bytes: Vec<u8> = (0..12 + rng.below(180))
                        .map(|_| rng.next_u64() as u8)
                        .collect();
                    if rng.below(2) == 0 {
                        STANDARD.encode(bytes)
                    } else {
                        URL_SAFE_NO_PAD.encode(bytes)
                    }
                }
                8 => format!("user{}@example.net", rng.below(100_000)),
                _ => format!("{}.{}.{}", rng.below(20), rng.below(20), rng.below(200)),
            }
        };
        size += leaf.len();
        leaves.push(leaf.into_bytes());
    }
    Packed::new(leaves)
}

fn kind_from_env() -> Option<AhoCorasickKind> {
    match std::env::var("LEAKSCOPE_BENCH_AC_KIND").as_deref() {
        Ok("dfa") => Some(AhoCorasickKind::DFA),
        Ok("contiguous") => Some(AhoCorasickKind::ContiguousNFA),
        Ok("noncontiguous") => Some(AhoCorasickKind::NoncontiguousNFA),
        _ => None,
    }
}

fn find(c: &mut Criterion) {
    let kind = kind_from_env();
    let all = thousand_values();
    let leaves = corpus(CORPUS_BYTES, &all);
    let bytes = leaves.bytes.len() as u64;
    let mut group = c.benchmark_group("known/find");
    group.throughput(Throughput::Bytes(bytes));
    for (name, values) in [("3-values", three_values()), ("1000-values", all)] {
        let matcher = KnownMatcher::with_kind(values, kind).expect("valid values");
        let mut found = Vec::new();
        for leaf in leaves.iter() {
            matcher.find(leaf, &mut found);
        }
        eprintln!(
            "known/find/{name}: {} forms, {:?}, {:.1} MiB, {} matches in {} leaves ({bytes} bytes)",
            matcher.pattern_count(),
            matcher.automaton_kind(),
            matcher.memory_usage() as f64 / f64::from(1 << 20),
            found.len(),
            leaves.iter().count(),
        );
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            let mut found = Vec::new();
            b.iter(|| {
                found.clear();
                for leaf in leaves.iter() {
                    matcher.find(black_box(leaf), &mut found);
                }
                found.len()
            })
        });
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let kind = kind_from_env();
    let values = thousand_values();
    let mut group = c.benchmark_group("known/new");
    group.sample_size(10);
    group.bench_function("1000-values", |b| {
        b.iter(|| KnownMatcher::with_kind(values.clone(), kind).expect("valid values"))
    });
    group.finish();
}

/// The aim of issue 11 as it is stated: the same scan with 1,000 known values and with 3, on
/// a generated HAR of about 8 MB (page loads, beacons, telemetry batches, uploads), the first
/// pass and the report included. Throughput is in bytes of capture.
fn scan(c: &mut Criterion) {
    use leakscope::{Input, ScanOptions, Scanner};
    use leakscope_benches::{CaptureKind, ExchangeGen, write_capture};
    const CAPTURE_BYTES: u64 = 8_000_000;
    let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
    write_capture(
        CaptureKind::Har,
        CAPTURE_BYTES,
        &mut ExchangeGen::new(0x1ea4_5c0e, 400),
        std::io::BufWriter::new(file.as_file_mut()),
    )
    .expect("the capture is written");
    let inputs = [Input::Path(file.path().to_owned())];
    let mut group = c.benchmark_group("known/scan");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(CAPTURE_BYTES));
    for (name, values) in [
        ("3-values", three_values()),
        ("1000-values", thousand_values()),
    ] {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let scanner = Scanner::builtin(ScanOptions::default())
                    .with_known_values(values.clone())
                    .expect("valid values");
                scanner.scan_inputs(black_box(&inputs)).report.summary.leaks
            })
        });
    }
    group.finish();
}

criterion_group!(benches, find, build, scan);
criterion_main!(benches);
