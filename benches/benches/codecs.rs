//! The shared codecs (`leakscope-codecs`) against the hand-written code they replaced, on the
//! values the generated captures carry:
//!
//! - `percent/*`: decoding every query and form value of 400 generated requests once (`+` as a
//!   space), the way the HTTP layer reads them; `plain` is the share without escapes; against
//!   the `percent-encoding` crate;
//! - `url/*`: splitting every request URL into host, path and query; against the `split_once`
//!   splitters the URL type replaced;
//! - `hex/*`: decoding hex digests (32–128 digits) and hex of JSON (1 KiB); against the
//!   `data-encoding` crate.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakscope_benches::{ExchangeGen, sensors_events_json};
use leakscope_codecs::url::Url;
use leakscope_codecs::{form, hex, percent};

/// The raw keys and values of the queries and form bodies of 400 generated requests.
fn form_values() -> Vec<Vec<u8>> {
    let mut values = Vec::new();
    for exchange in ExchangeGen::new(7, 0).take(400) {
        let url = exchange.url();
        let query = Url::parse(url.as_str())
            .query()
            .unwrap_or_default()
            .as_bytes();
        let form_body = exchange
            .content_type()
            .is_some_and(|t| t.contains("x-www-form-urlencoded"));
        let body: &[u8] = if form_body { &exchange.body } else { b"" };
        for pair in form::split(query).chain(form::split(body)) {
            values.extend(pair.key.map(<[u8]>::to_vec));
            values.push(pair.value.to_vec());
        }
    }
    values
}

/// `percent-encoding`'s decoder, with `+` read as a space first where there is one.
fn crate_percent_decode_form(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'+') {
        return percent_encoding::percent_decode(input).into();
    }
    let spaced: Vec<u8> = input
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    Cow::Owned(percent_encoding::percent_decode(&spaced).collect())
}

fn percent(c: &mut Criterion) {
    let values = form_values();
    let plain: Vec<Vec<u8>> = values
        .iter()
        .filter(|v| !v.contains(&b'%') && !v.contains(&b'+'))
        .cloned()
        .collect();
    for (name, values) in [("all", &values), ("plain", &plain)] {
        let mut group = c.benchmark_group(format!("percent/{name}"));
        let bytes: usize = values.iter().map(Vec::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("percent-encoding", |b| {
            b.iter(|| {
                values
                    .iter()
                    .map(|v| crate_percent_decode_form(black_box(v)).len())
                    .sum::<usize>()
            })
        });
        group.bench_function("codecs", |b| {
            b.iter(|| {
                values
                    .iter()
                    .map(|v| percent::decode_form(black_box(v)).len())
                    .sum::<usize>()
            })
        });
        group.finish();
    }
}

/// The host, path and query splitters before the codecs crate.
fn hand_url(url: &str) -> usize {
    fn host(url: &str) -> Option<&str> {
        let (_, rest) = url.split_once("://")?;
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        Some(host_port.split(':').next().unwrap_or(host_port))
    }
    fn path(url: &str) -> &str {
        let before_query = &url[..url.find(['?', '#']).unwrap_or(url.len())];
        match before_query.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("", |slash| &rest[slash..]),
            None => before_query,
        }
    }
    fn query(url: &str) -> Option<&str> {
        let without_fragment = url.split('#').next().unwrap_or_default();
        without_fragment.split_once('?').map(|(_, q)| q)
    }
    host(url).map_or(0, str::len) + path(url).len() + query(url).map_or(0, str::len)
}

fn url(c: &mut Criterion) {
    let urls: Vec<String> = ExchangeGen::new(7, 0).take(400).map(|e| e.url()).collect();
    let mut group = c.benchmark_group("url");
    let bytes: usize = urls.iter().map(String::len).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("hand", |b| {
        b.iter(|| urls.iter().map(|u| hand_url(black_box(u))).sum::<usize>())
    });
    group.bench_function("codecs", |b| {
        b.iter(|| {
            urls.iter()
                .map(|u| {
                    let url = Url::parse(black_box(u.as_str()));
                    url.host().map_or(0, str::len)
                        + url.path().len()
                        + url.query().map_or(0, str::len)
                })
                .sum::<usize>()
        })
    });
    group.finish();
}

fn crate_hex(input: &[u8], out: &mut [u8]) -> bool {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode_mut(input, out)
        .is_ok()
}

fn hex(c: &mut Criterion) {
    let to_hex = |bytes: &[u8]| -> Vec<u8> {
        bytes
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect()
    };
    let digests: Vec<Vec<u8>> = (0u8..64)
        .map(|i| to_hex(&vec![i.wrapping_mul(37); 16 + usize::from(i % 4) * 16]))
        .collect();
    let json = vec![to_hex(&sensors_events_json(1024)[..1024])];
    for (name, values) in [("digests", &digests), ("json-1KiB", &json)] {
        let mut group = c.benchmark_group(format!("hex/{name}"));
        let bytes: usize = values.iter().map(Vec::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        let mut out = vec![0u8; 1024];
        group.bench_function("codecs", |b| {
            b.iter(|| {
                values
                    .iter()
                    .filter(|v| hex::decode_into(black_box(v), &mut out[..v.len() / 2]).is_ok())
                    .count()
            })
        });
        group.bench_function("data-encoding", |b| {
            b.iter(|| {
                values
                    .iter()
                    .filter(|v| crate_hex(black_box(v), &mut out[..v.len() / 2]))
                    .count()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, percent, url, hex);
criterion_main!(benches);
