//! The `leakscope` command.
//!
//! Exit codes (the contract): 0 the scan ran (with or without findings), 1 a `--fail-on`
//! threshold was reached, 2 a usage or input error (the message names the file and position).

mod decode;

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use leakscope::http::CaptureFormat;
use leakscope::report::{JsonRenderer, Render, TextRenderer};
use leakscope::{Input, ScanOptions, Scanner, Severity};

/// See what apps and browsers really send home.
#[derive(Debug, Parser)]
#[command(name = "leakscope", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan captured HTTP traffic (HAR, raw HTTP/1.x, NDJSON) for leaks.
    Scan(ScanArgs),
    /// Show every encoding layer peeled off one value, and what the rules make of it.
    Decode(DecodeArgs),
}

#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// The value; `-` or nothing reads it from standard input (one trailing newline removed).
    value: Option<String>,
    /// The field name the value was found under (rules look at names: `q`, `$model`, …).
    #[arg(long, value_name = "NAME")]
    key: Option<String>,
    /// Print JSON instead of a tree.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// Capture files, scanned in the order given; `-` reads standard input.
    #[arg(required = true, value_name = "FILES")]
    files: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Put found values and full request URLs in the report (redacted by default).
    #[arg(long)]
    show_values: bool,
    /// The input format, when sniffing should not decide.
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<InputFormat>,
    /// Exit with 1 when a finding of this severity or higher is reported.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InputFormat {
    Har,
    Raw,
    Ndjson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

impl From<FailOn> for Severity {
    fn from(value: FailOn) -> Self {
        match value {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Decode(args) => decode_value(args),
    }
}

fn decode_value(args: DecodeArgs) -> ExitCode {
    let value = match args.value.as_deref() {
        Some(value) if value != "-" => value.as_bytes().to_vec(),
        _ => {
            let mut buffer = Vec::new();
            if let Err(error) = io::stdin().read_to_end(&mut buffer) {
                eprintln!("leakscope: error: standard input: {error}");
                return ExitCode::from(2);
            }
            if buffer.ends_with(b"\n") {
                buffer.pop();
                if buffer.ends_with(b"\r") {
                    buffer.pop();
                }
            }
            buffer
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match decode::run(&value, args.key.as_deref(), args.json, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leakscope: error: standard output: {error}");
            ExitCode::from(2)
        }
    }
}

fn scan(args: ScanArgs) -> ExitCode {
    let inputs: Vec<Input> = args
        .files
        .iter()
        .map(|f| {
            if f == "-" {
                Input::Stdin
            } else {
                Input::Path(PathBuf::from(f))
            }
        })
        .collect();
    let options = ScanOptions {
        show_values: args.show_values,
        format: args.input_format.map(|f| match f {
            InputFormat::Har => CaptureFormat::Har,
            InputFormat::Raw => CaptureFormat::RawHttp,
            InputFormat::Ndjson => CaptureFormat::Ndjson,
        }),
        ..ScanOptions::default()
    };
    let scan = Scanner::builtin(options).scan_inputs(&inputs);
    for error in &scan.input_errors {
        eprintln!("leakscope: error: {error}");
    }

    let renderer: &dyn Render = match args.format {
        Format::Text => &TextRenderer,
        Format::Json => &JsonRenderer,
    };
    let written = match &args.output {
        Some(path) => File::create(path)
            .and_then(|file| {
                let mut out = BufWriter::new(file);
                renderer.render(&scan.report, &mut out)?;
                out.flush()
            })
            .map_err(|e| format!("{}: {e}", path.display())),
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            renderer
                .render(&scan.report, &mut out)
                .and_then(|()| out.flush())
                .or_else(|e| {
                    if e.kind() == io::ErrorKind::BrokenPipe {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .map_err(|e| format!("standard output: {e}"))
        }
    };
    if let Err(message) = written {
        eprintln!("leakscope: error: {message}");
        return ExitCode::from(2);
    }
    if !scan.input_errors.is_empty() {
        return ExitCode::from(2);
    }
    let threshold: Option<Severity> = args.fail_on.map(Severity::from);
    if let Some(threshold) = threshold
        && scan
            .report
            .summary
            .by_severity
            .keys()
            .any(|s| *s >= threshold)
    {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
