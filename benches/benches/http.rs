//! HTTP/1.x request parsing: our nom parsers against `httparse` on the same pipelined stream.
//!
//! The stream is about 1 MiB of generated requests (analytics GETs with long query strings,
//! form and JSON POSTs with Content-Length bodies). `httparse` only parses heads, so the fair
//! comparison is `heads`: both parse exactly the same head slices. `framing` then walks the
//! whole stream message by message: ours with [`parse_request`] (head, framing and body), the
//! yardstick with `httparse` plus a Content-Length lookup and a skip over the body.
//! `content-encoding/*` removes a body's `Content-Encoding` (gzip, zlib `deflate`), per byte of
//! decoded body, as the capture readers do for every compressed request.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use criterion::BenchmarkId;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakscope::http::content_encoding::decode_content_encoding;
use leakscope::http::message::{parse_headers, parse_request_line};
use leakscope::http::{Status, parse_request};
use leakscope_benches::{gzip, pipelined_requests, sensors_events_json, size_label};

const STREAM_BYTES: usize = 1 << 20;

/// The head (request line and headers) of every request in the stream.
fn heads(stream: &[u8]) -> Vec<&[u8]> {
    let mut heads = Vec::new();
    let mut rest = stream;
    while let Ok(Status::Complete((request, consumed))) = parse_request(rest) {
        let head_len = consumed - request.body.len();
        heads.push(&rest[..head_len]);
        rest = &rest[consumed..];
    }
    assert!(rest.is_empty(), "the generated stream parses to its end");
    heads
}

fn ours_head(head: &[u8]) -> usize {
    let Ok((rest, line)) = parse_request_line(head) else {
        return 0;
    };
    let Ok((_, headers)) = parse_headers(rest) else {
        return 0;
    };
    line.target.len() + headers.fields.len()
}

fn httparse_head(head: &[u8]) -> usize {
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut fields);
    match request.parse(head) {
        Ok(httparse::Status::Complete(_)) => {
            request.path.map_or(0, str::len) + request.headers.len()
        }
        _ => 0,
    }
}

fn ours_stream(stream: &[u8]) -> usize {
    let mut rest = stream;
    let mut body_bytes = 0;
    while let Ok(Status::Complete((request, consumed))) = parse_request(rest) {
        body_bytes += request.body.len();
        rest = &rest[consumed..];
    }
    body_bytes
}

fn httparse_stream(stream: &[u8]) -> usize {
    let mut rest = stream;
    let mut body_bytes = 0;
    loop {
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut fields);
        let Ok(httparse::Status::Complete(head_len)) = request.parse(rest) else {
            return body_bytes;
        };
        let body_len = request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| {
                std::str::from_utf8(h.value)
                    .ok()?
                    .trim()
                    .parse::<usize>()
                    .ok()
            })
            .unwrap_or(0);
        let Some(after) = rest.get(head_len + body_len..) else {
            return body_bytes;
        };
        body_bytes += body_len;
        rest = after;
    }
}

fn bench_http(c: &mut Criterion) {
    let (stream, count) = pipelined_requests(STREAM_BYTES);
    let heads = heads(&stream);
    assert_eq!(heads.len(), count);
    let head_bytes: usize = heads.iter().map(|h| h.len()).sum();
    // Both parsers must agree before they are timed.
    for head in &heads {
        assert_eq!(ours_head(head), httparse_head(head));
    }
    assert_eq!(ours_stream(&stream), httparse_stream(&stream));
    eprintln!(
        "http bench: {count} requests, {} bytes, of which {head_bytes} bytes of heads",
        stream.len()
    );

    let mut group = c.benchmark_group("http/heads");
    group.throughput(Throughput::Bytes(head_bytes as u64));
    group.bench_function("leakscope", |b| {
        b.iter(|| heads.iter().map(|h| ours_head(black_box(h))).sum::<usize>())
    });
    group.bench_function("httparse", |b| {
        b.iter(|| {
            heads
                .iter()
                .map(|h| httparse_head(black_box(h)))
                .sum::<usize>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("http/framing");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("leakscope", |b| b.iter(|| ours_stream(black_box(&stream))));
    group.bench_function("httparse+content-length", |b| {
        b.iter(|| httparse_stream(black_box(&stream)))
    });
    group.finish();
}

/// `Content-Encoding` removal on Sensors-style JSON batches, per byte of decoded body.
fn bench_content_encoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("content-encoding");
    for size in [1024, 16 * 1024, 1024 * 1024] {
        let json = sensors_events_json(size);
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut zlib, &json).expect("writing to memory");
        let zlib = zlib.finish().expect("writing to memory");
        group.throughput(Throughput::Bytes(json.len() as u64));
        for (coding, body) in [("gzip", gzip(&json)), ("deflate", zlib)] {
            assert_eq!(
                decode_content_encoding(coding, &body).as_deref(),
                Ok(&json[..])
            );
            group.bench_with_input(
                BenchmarkId::new(coding, size_label(size)),
                &body,
                |b, body| {
                    b.iter(|| decode_content_encoding(coding, black_box(body)).map(|v| v.len()))
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench_http, bench_content_encoding);
criterion_main!(benches);
