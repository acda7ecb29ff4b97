//! The yardstick of issue 10's speed aim: a naive, fixed-chain pipeline over a raw HTTP/1.x
//! capture of Sensors-style telemetry, doing only what that one shape needs:
//!
//! httparse (request head) → Content-Length body → form fields split on `&` → percent-decode
//! → base64 → gunzip (flate2) → memmem for a handful of key names.
//!
//! It knows nothing of other encodings, bounds nothing, locates nothing and reports nothing
//! but a count; leakscope does all of that for every shape. Whole-process timings of this
//! against `leakscope scan --jobs 1` over the same file are in `benches/README.md`.
//!
//! ```text
//! naive_pipeline FILE
//! ```

use std::io::Read;
use std::process::ExitCode;
use std::time::Instant;

use base64::Engine as _;
use memchr::memmem;

/// Key names the pipeline looks for in the decoded JSON.
const NEEDLES: &[&str] = &[
    "\"distinct_id\"",
    "\"$model\"",
    "\"$os_version\"",
    "\"url\"",
];

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: naive_pipeline FILE");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let data = match std::fs::read(&path) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("naive_pipeline: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let finders: Vec<memmem::Finder<'_>> = NEEDLES.iter().map(memmem::Finder::new).collect();
    let (mut requests, mut hits, mut at) = (0u64, 0u64, 0usize);
    let mut decoded = Vec::new();
    let mut json = Vec::new();
    while at < data.len() {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let rest = &data[at..];
        // A response (the capture holds both directions): skip its head and body.
        let (head_len, content_length, is_request) = if rest.starts_with(b"HTTP/") {
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(rest) {
                Ok(httparse::Status::Complete(n)) => (n, content_length(response.headers), false),
                _ => break,
            }
        } else {
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(rest) {
                Ok(httparse::Status::Complete(n)) => (n, content_length(request.headers), true),
                _ => break,
            }
        };
        let body_end = (head_len + content_length).min(rest.len());
        let body = &rest[head_len..body_end];
        at += body_end;
        if !is_request {
            continue;
        }
        requests += 1;
        for field in body.split(|&b| b == b'&') {
            let Some(eq) = field.iter().position(|&b| b == b'=') else {
                continue;
            };
            let value: Vec<u8> = percent_encoding::percent_decode(&field[eq + 1..]).collect();
            decoded.clear();
            if base64::engine::general_purpose::STANDARD
                .decode_vec(&value, &mut decoded)
                .is_err()
                || !decoded.starts_with(&[0x1f, 0x8b])
            {
                continue;
            }
            json.clear();
            if flate2::read::GzDecoder::new(&decoded[..])
                .read_to_end(&mut json)
                .is_err()
            {
                continue;
            }
            for finder in &finders {
                hits += finder.find_iter(&json).count() as u64;
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{requests} requests, {hits} key hits, {} bytes in {seconds:.3} s ({:.1} MB/s)",
        data.len(),
        data.len() as f64 / seconds / 1e6
    );
    ExitCode::SUCCESS
}

fn content_length(headers: &[httparse::Header<'_>]) -> usize {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
        .unwrap_or(0)
}
