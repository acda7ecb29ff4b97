//! Write a realistic, deterministic capture of about N MB for benchmarks and memory tests:
//!
//! ```text
//! gen_capture --format har|raw|ndjson --size-mb N --out FILE [--seed S] [--large-every K] [--assets-only] [--telemetry-only]
//! gen_capture --read FILE
//! gen_capture --known-values N --out FILE
//! ```
//!
//! The capture mixes analytics beacons (Google-Analytics-style GETs, Sensors-style form POSTs
//! with `data_list=base64(gzip(JSON))`), JSON POSTs (some gzip-encoded), asset GETs with
//! responses, and one exchange in K (default 400) with a body of a few hundred KB. It is
//! `--assets-only` leaves out the beacons (a capture with few findings); `--telemetry-only`
//! writes nothing but Sensors-style `base64(gzip(JSON))` posts (the peers' kind of sample). It is
//! written as it is generated, so memory stays constant whatever the size. `--out -` writes to
//! standard output.
//!
//! `--read FILE` reads a capture back with `leakscope-http` alone (no scanning) and prints the
//! number of exchanges, errors, the largest body and the time: the reading half of a scan, to
//! time and to watch the memory of (`/usr/bin/time -v`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use leakscope_benches::{CaptureKind, ExchangeGen, write_capture};

const USAGE: &str = "usage: gen_capture --format har|raw|ndjson --size-mb N --out FILE [--seed S] [--large-every K] [--assets-only] [--telemetry-only]\n       gen_capture --read FILE\n       gen_capture --known-values N --out FILE";

struct Args {
    kind: CaptureKind,
    size_mb: u64,
    out: String,
    seed: u64,
    large_every: u64,
    assets_only: bool,
    telemetry_only: bool,
}

enum Command {
    Generate(Args),
    Read(String),
    /// Write a `--known-values` file of this many values.
    KnownValues(usize, String),
}

fn parse_args() -> Result<Command, String> {
    let mut kind = None;
    let mut size_mb = None;
    let mut out = None;
    let mut seed = 0x1ea4_5c0e;
    let mut large_every = 400;
    let mut assets_only = false;
    let mut telemetry_only = false;
    let mut known_values = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--format" => {
                let name = value()?;
                kind = Some(CaptureKind::parse(&name).ok_or(format!("unknown format {name}"))?);
            }
            "--size-mb" => size_mb = Some(value()?.parse().map_err(|e| format!("--size-mb: {e}"))?),
            "--out" => out = Some(value()?),
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--large-every" => {
                large_every = value()?
                    .parse()
                    .map_err(|e| format!("--large-every: {e}"))?;
            }
            "--assets-only" => assets_only = true,
            "--telemetry-only" => telemetry_only = true,
            "--read" => return Ok(Command::Read(value()?)),
            "--known-values" => {
                known_values = Some(
                    value()?
                        .parse()
                        .map_err(|e| format!("--known-values: {e}"))?,
                );
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if let Some(count) = known_values {
        return Ok(Command::KnownValues(count, out.ok_or(USAGE)?));
    }
    Ok(Command::Generate(Args {
        kind: kind.ok_or(USAGE)?,
        size_mb: size_mb.ok_or(USAGE)?,
        out: out.ok_or(USAGE)?,
        seed,
        large_every,
        assets_only,
        telemetry_only,
    }))
}

fn run(args: &Args) -> io::Result<(u64, u64)> {
    let writer: Box<dyn Write> = if args.out == "-" {
        Box::new(io::stdout().lock())
    } else {
        Box::new(File::create(&args.out)?)
    };
    let mut exchanges = ExchangeGen::new(args.seed, args.large_every);
    if args.assets_only {
        exchanges = exchanges.assets_only();
    }
    if args.telemetry_only {
        exchanges = exchanges.telemetry_only();
    }
    let target = args.size_mb.saturating_mul(1_000_000);
    write_capture(
        args.kind,
        target,
        &mut exchanges,
        BufWriter::with_capacity(1 << 20, writer),
    )
}

/// Read `path` with `leakscope-http` only and report what was read.
fn read(path: &str) -> ExitCode {
    let started = Instant::now();
    let reader = match leakscope::http::open_capture(std::path::Path::new(path), None) {
        Ok(reader) => reader,
        Err(e) => {
            eprintln!("gen_capture: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (mut exchanges, mut errors, mut largest_body) = (0u64, 0u64, 0usize);
    for item in reader {
        match item {
            Ok(exchange) => {
                exchanges += 1;
                largest_body = largest_body.max(exchange.body.len());
            }
            Err(e) => {
                errors += 1;
                eprintln!("{e}");
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    println!(
        "{path}: {exchanges} exchanges, {errors} errors, largest body {largest_body} bytes, \
         {seconds:.2} s, {:.1} MB/s",
        bytes as f64 / 1e6 / seconds
    );
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Command::Read(path)) => return read(&path),
        Ok(Command::KnownValues(count, path)) => return write_known_values(count, &path),
        Ok(Command::Generate(args)) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match run(&args) {
        Ok((bytes, count)) => {
            eprintln!(
                "gen_capture: wrote {count} exchanges, {bytes} bytes to {} in {:.1} s",
                args.out,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_capture: {}: {e}", args.out);
            ExitCode::FAILURE
        }
    }
}

/// A `leakscope scan --known-values` file of `count` values (`leakscope_benches::known_values`).
fn write_known_values(count: usize, path: &str) -> ExitCode {
    let mut text = String::new();
    for (label, value) in leakscope_benches::known_values(count) {
        text.push_str(&format!(
            "[[known]]\nlabel = {label:?}\nvalue = {value:?}\n\n"
        ));
    }
    match std::fs::write(path, text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_capture: {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
