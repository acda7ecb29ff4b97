//! The `leakscope` command.
//!
//! Exit codes (the contract): 0 the scan ran (with or without leaks), 1 a `--fail-on`
//! threshold was reached (or, in `diff`, `--fail-on-new` found a new kind of leak), 2 a usage
//! or input error (the message names the file and position; the rest is still scanned and the
//! report still written).

mod decode;

/// Requests are read on one thread, scanned on others and added to the report on a third, so
/// most allocations are freed by another thread than made them: mimalloc does that without the
/// lock waits of glibc's malloc (see the manifest).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use leakscope::http::CaptureFormat;
use leakscope::known::{KnownValue, parse_known_arg, parse_known_values};
use leakscope::report::{
    HtmlRenderer, JsonRenderer, MarkdownRenderer, Render, SarifRenderer, TextRenderer,
};
use leakscope::{Input, NdjsonSink, ScanOptions, Scanner, Severity};

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
    /// Compare the leaks of two captures (normal vs private mode, before vs after an upgrade).
    Diff(DiffArgs),
    /// Print the JSON Schema of the JSON report.
    Schema,
    /// List the rules, or check a rule pack (its examples run through the scanner).
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List every rule: id, category, severity, tracker, what it looks at, and its file.
    List {
        /// Rule files or folders to add to the built-in rules (repeatable).
        #[arg(long, value_name = "FILE|DIR")]
        rules: Vec<PathBuf>,
        /// Print JSON (one object per rule) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check the built-in rules and the given files or folders: ids unique, every pattern
    /// compiles, every rule has an example, every example produces its leaks and no negative
    /// does. Exit 1 when an example fails, 2 when a file cannot be loaded.
    Check {
        /// Rule files or folders (`.toml`) to check with the built-in rules.
        #[arg(value_name = "FILE|DIR")]
        paths: Vec<PathBuf>,
    },
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
    /// The URL the value was sent to: the rules of the trackers there apply (`p` is the page
    /// at `https://bat.bing.com/action/0`).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Rule files or folders to add to the built-in rules (repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    rules: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    /// Capture files or directories (scanned file by file, in sorted order), in the order
    /// given; `-` reads standard input.
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
    /// The site or app being audited (a domain; repeatable). Without it the first party is
    /// inferred from the capture (pages, page loads, Origin/Referer) and the report says how.
    #[arg(long, value_name = "DOMAIN", value_parser = first_party_arg)]
    first_party: Vec<String>,
    /// Leave leaks to the first party out.
    #[arg(long)]
    third_party_only: bool,
    /// Exit with 1 when a leak of this severity or higher is reported.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Threads scanning requests (default: one per core).
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Values to look for wherever they go, plain, encoded or hashed: a TOML file of
    /// `[[known]]` tables with `label`, `value` and optionally `category` (repeatable).
    #[arg(long, value_name = "FILE")]
    known_values: Vec<PathBuf>,
    /// One value to look for, as `LABEL=VALUE` (repeatable): `--known "my email=jane@example.org"`.
    #[arg(long, value_name = "LABEL=VALUE", value_parser = known_arg)]
    known: Vec<KnownValue>,
    /// Do not look for what the capture reveals (pages visited, searches and form fields on
    /// the first party's site, its cookie ids) in what third parties receive.
    #[arg(long)]
    no_context: bool,
    /// The capture was made in a private (incognito) window: persistent ids and browsing
    /// history sent in it are also reported as `private-mode`.
    #[arg(long)]
    private_mode: bool,
    /// Rule files or folders of `.toml` files to add to the built-in rules (repeatable). A
    /// broken file is an error (exit 2) naming the file and line.
    #[arg(long, value_name = "FILE|DIR")]
    rules: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For a person, grouped by recipient.
    Text,
    /// The `leakscope.report/v2` document.
    Json,
    /// One occurrence a line, streamed as the scan goes.
    Ndjson,
    /// Tables per recipient, for issues and pull requests.
    Markdown,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// One self-contained HTML page.
    Html,
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The baseline: a capture, or a JSON report (`leakscope.report/v2`).
    base: String,
    /// The capture or report to compare with it.
    other: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Exit with 1 when OTHER has a kind of leak BASE did not (a CI gate against a baseline).
    #[arg(long)]
    fail_on_new: bool,
    /// The site or app being audited (repeatable), for both sides when they are captures (a
    /// JSON report keeps the first party it was written with).
    #[arg(long, value_name = "DOMAIN", value_parser = first_party_arg)]
    first_party: Vec<String>,
    /// Write the diff to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Rule files or folders to add to the built-in rules when scanning captures (repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    rules: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// For a person.
    Text,
    /// For scripts.
    Json,
    /// For issues and pull requests.
    Markdown,
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
        Command::Diff(args) => diff(args),
        Command::Schema => schema(),
        Command::Rules(RulesCommand::List { rules, json }) => rules_list(&rules, json),
        Command::Rules(RulesCommand::Check { paths }) => rules_check(&paths),
    }
}

/// The engine over the built-in rules and the user's files (`--rules`).
fn engine(rules: &[PathBuf]) -> Result<leakscope::rules::Engine, String> {
    let set = leakscope::load_rules(rules).map_err(|e| e.to_string())?;
    leakscope::rules::Engine::new(set).map_err(|e| e.to_string())
}

fn rules_list(paths: &[PathBuf], json: bool) -> ExitCode {
    let set = match leakscope::load_rules(paths) {
        Ok(set) => set,
        Err(error) => {
            eprintln!("leakscope: error: {error}");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let written = (|| -> io::Result<()> {
        for rule in set.rules() {
            let looks_at: Vec<&str> = rule
                .keys
                .iter()
                .chain(&rule.fields)
                .map(String::as_str)
                .collect();
            if json {
                let line = serde_json::json!({
                    "id": rule.id,
                    "category": rule.category,
                    "severity": rule.severity,
                    "tracker": rule.tracker,
                    "description": rule.description,
                    "keys": rule.keys,
                    "fields": rule.fields,
                    "domains": rule.recipient.domains,
                    "hosts": rule.recipient.hosts,
                    "paths": rule.recipient.paths,
                    "references": rule.references,
                    "file": rule.origin,
                });
                writeln!(out, "{line}")?;
            } else {
                writeln!(
                    out,
                    "{:<36} {:<18} {:<8} {:<28} {}",
                    rule.id,
                    rule.category.as_str(),
                    rule.severity.as_str(),
                    rule.tracker.as_deref().unwrap_or("(generic)"),
                    if looks_at.is_empty() {
                        "(any value)".to_owned()
                    } else {
                        looks_at.join(", ")
                    }
                )?;
            }
        }
        if !json {
            writeln!(
                out,
                "\n{} rules, {} trackers, {} fields declared not leaks",
                set.rules().len(),
                set.trackers().len(),
                set.ignores()
                    .iter()
                    .map(|i| i.keys.len() + i.fields.len())
                    .sum::<usize>()
            )?;
        }
        out.flush()
    })();
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leakscope: error: standard output: {error}");
            ExitCode::from(2)
        }
    }
}

fn rules_check(paths: &[PathBuf]) -> ExitCode {
    let set = match leakscope::load_rules(paths) {
        Ok(set) => set,
        Err(error) => {
            eprintln!("leakscope: error: {error}");
            return ExitCode::from(2);
        }
    };
    let check = leakscope::check_rules(&set);
    for failure in &check.failures {
        println!("FAIL {failure}");
    }
    println!(
        "{} rules ({} trackers), {} field examples, {} request examples: {}",
        check.rules,
        set.trackers().len(),
        check.field_examples,
        check.request_examples,
        if check.failures.is_empty() {
            "ok".to_owned()
        } else {
            format!("{} failures", check.failures.len())
        }
    );
    if check.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
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
    let engine = match engine(&args.rules) {
        Ok(engine) => engine,
        Err(message) => {
            eprintln!("leakscope: error: {message}");
            return ExitCode::from(2);
        }
    };
    let scope = match args.url.as_deref() {
        Some(url) => {
            // `bat.bing.com/action/0` is taken as `https://bat.bing.com/action/0`.
            let owned;
            let url = if url.contains("://") {
                url
            } else {
                owned = format!("https://{url}");
                owned.as_str()
            };
            let host = leakscope::http::url_host(url)
                .unwrap_or_default()
                .to_ascii_lowercase();
            if host.is_empty() || !host.contains('.') && host != "localhost" {
                eprintln!("leakscope: error: --url {url}: names no host");
                return ExitCode::from(2);
            }
            let path = leakscope::http::urlencoded::url_path(url);
            engine.scope(&leakscope::rules::Recipient { host: &host, path })
        }
        None => leakscope::rules::Scope::none(),
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match decode::run(
        &value,
        args.key.as_deref(),
        args.json,
        &engine,
        &scope,
        &mut out,
    )
    .and_then(|()| out.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leakscope: error: standard output: {error}");
            ExitCode::from(2)
        }
    }
}

/// `--first-party`: a domain, or a URL whose host is one (checked when the command line is
/// read, so `scan` and `diff` refuse the same values with the same usage error).
fn first_party_arg(given: &str) -> Result<String, String> {
    match leakscope::report::first_party_domain(given) {
        Some(_) => Ok(given.to_owned()),
        None => Err(
            "names no domain (give one such as example.org, or a URL such as \
                     https://www.example.org/)"
                .to_owned(),
        ),
    }
}

/// Expands directories into the capture files they hold (recursively, sorted by path).
fn expand_inputs(files: &[String]) -> Result<Vec<Input>, String> {
    let mut inputs = Vec::new();
    for file in files {
        if file == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(file);
        if path.is_dir() {
            let mut found = Vec::new();
            collect_files(&path, &mut found).map_err(|e| format!("{}: {e}", path.display()))?;
            found.sort();
            inputs.extend(found.into_iter().map(Input::Path));
        } else {
            inputs.push(Input::Path(path));
        }
    }
    Ok(inputs)
}

fn collect_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Where a report goes: a file, or standard output (a closed pipe is not an error).
fn write_output(
    output: Option<&PathBuf>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    match output {
        Some(path) => File::create(path)
            .and_then(|file| {
                let mut out = BufWriter::new(file);
                write(&mut out)?;
                out.flush()
            })
            .map_err(|e| format!("{}: {e}", path.display())),
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            write(&mut out)
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
    }
}

/// The text renderer for where the report goes: colour and terminal width only on a terminal
/// (and no colour under `NO_COLOR`).
fn text_renderer(to_file: bool) -> TextRenderer {
    let stdout = io::stdout();
    let color = !to_file && anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    // Cut lines to the terminal's width only on a terminal: a file or a pipe keeps them whole.
    let width = if to_file {
        None
    } else {
        terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0))
    };
    TextRenderer {
        width: width.map_or(usize::MAX, |w| w.max(40)),
        color,
    }
}

fn scan_options(args: &ScanArgs) -> ScanOptions {
    ScanOptions {
        show_values: args.show_values,
        format: args.input_format.map(|f| match f {
            InputFormat::Har => CaptureFormat::Har,
            InputFormat::Raw => CaptureFormat::RawHttp,
            InputFormat::Ndjson => CaptureFormat::Ndjson,
        }),
        first_party: args.first_party.clone(),
        third_party_only: args.third_party_only,
        jobs: args.jobs.map(usize::from),
        no_context: args.no_context,
        private_mode: args.private_mode,
        ..ScanOptions::default()
    }
}

/// `--known LABEL=VALUE`, checked as clap parses it.
fn known_arg(arg: &str) -> Result<KnownValue, String> {
    parse_known_arg(arg).map_err(|e| e.to_string())
}

/// Every value to look for: those of the `--known-values` files, then the `--known` ones. An
/// unreadable or malformed file is an error naming the file (and the line).
fn known_values(args: &ScanArgs) -> Result<Vec<KnownValue>, String> {
    let mut values = Vec::new();
    for file in &args.known_values {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file).map_err(|e| format!("{name}: {e}"))?;
        values.extend(parse_known_values(&text, &name).map_err(|e| e.to_string())?);
    }
    values.extend(args.known.iter().cloned());
    Ok(values)
}

fn scan(args: ScanArgs) -> ExitCode {
    let inputs = match expand_inputs(&args.files) {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("leakscope: error: {message}");
            return ExitCode::from(2);
        }
    };
    let scanner = match known_values(&args).and_then(|known| {
        Scanner::new(engine(&args.rules)?, scan_options(&args))
            .with_known_values(known)
            .map_err(|e| e.to_string())
    }) {
        Ok(scanner) => scanner,
        Err(message) => {
            eprintln!("leakscope: error: {message}");
            return ExitCode::from(2);
        }
    };

    let (scan, written) = if args.format == Format::Ndjson {
        // Streamed: each occurrence is written as it is added to the report.
        let mut scan = None;
        let written = write_output(args.output.as_ref(), |out| {
            let mut sink = NdjsonSink::new(out, args.show_values);
            let result = scanner.scan_inputs_with(&inputs, &mut sink);
            let error = result
                .sink_error
                .as_ref()
                .map(|e| io::Error::new(e.kind(), e.to_string()));
            scan = Some(result);
            sink.into_inner()?;
            error.map_or(Ok(()), Err)
        });
        match scan {
            Some(scan) => (scan, written),
            None => {
                eprintln!("leakscope: error: {}", written.err().unwrap_or_default());
                return ExitCode::from(2);
            }
        }
    } else {
        let scan = scanner.scan_inputs(&inputs);
        let report = &scan.report;
        let written = write_output(args.output.as_ref(), |out| match args.format {
            Format::Text => text_renderer(args.output.is_some()).render(report, out),
            Format::Json => JsonRenderer.render(report, out),
            Format::Markdown => MarkdownRenderer.render(report, out),
            Format::Sarif => SarifRenderer.render(report, out),
            Format::Html => HtmlRenderer::default().render(report, out),
            Format::Ndjson => Ok(()),
        });
        (scan, written)
    };
    for error in &scan.input_errors {
        eprintln!("leakscope: error: {error}");
    }
    if let Err(message) = written {
        eprintln!("leakscope: error: {message}");
        return ExitCode::from(2);
    }
    if !scan.input_errors.is_empty() {
        return ExitCode::from(2);
    }
    if let Some(threshold) = args.fail_on.map(Severity::from)
        && scan.report.has_leak_at_least(threshold)
    {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn schema() -> ExitCode {
    let schema = leakscope::report::report_schema();
    match write_output(None, |out| {
        serde_json::to_writer_pretty(&mut *out, &schema)?;
        writeln!(out)
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("leakscope: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// One side of a diff: a JSON report (`leakscope.report/v2`) as it is, else a capture (or a
/// directory of them) scanned with `first_party`.
fn diff_side(
    file: &str,
    first_party: &[String],
    rules: &[PathBuf],
    had_errors: &mut bool,
) -> Result<leakscope::Report, String> {
    let path = PathBuf::from(file);
    if path.is_file() {
        let mut head = [0u8; 512];
        let read = File::open(&path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| format!("{file}: {e}"))?;
        let head = String::from_utf8_lossy(&head[..read]);
        if head.contains("\"schema\"") && head.contains("leakscope.report/") {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{file}: {e}"))?;
            return serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{file}: line {} column {}: not a leakscope.report/v2 document: {e}",
                    e.line(),
                    e.column()
                )
            });
        }
    }
    let inputs = expand_inputs(&[file.to_owned()])?;
    let scanner = Scanner::new(
        engine(rules)?,
        ScanOptions {
            first_party: first_party.to_vec(),
            ..ScanOptions::default()
        },
    );
    let scan = scanner.scan_inputs(&inputs);
    // A side that could not be read at all is no baseline: comparing with nothing would call
    // every leak new.
    if scan.report.summary.requests == 0
        && let Some(error) = scan.input_errors.first()
    {
        return Err(error.clone());
    }
    // As in `scan`: errors are reported, the rest is compared, and the exit code says so.
    for error in &scan.input_errors {
        eprintln!("leakscope: error: {error}");
    }
    *had_errors |= !scan.input_errors.is_empty();
    Ok(scan.report)
}

fn diff(args: DiffArgs) -> ExitCode {
    let mut had_errors = false;
    let sides =
        diff_side(&args.base, &args.first_party, &args.rules, &mut had_errors).and_then(|base| {
            Ok((
                base,
                diff_side(&args.other, &args.first_party, &args.rules, &mut had_errors)?,
            ))
        });
    let (base, other) = match sides {
        Ok(sides) => sides,
        Err(message) => {
            eprintln!("leakscope: error: {message}");
            return ExitCode::from(2);
        }
    };
    let diff = leakscope::report::diff(&base, &other);
    let written = write_output(args.output.as_ref(), |out| match args.format {
        DiffFormat::Text => leakscope::report::render_diff_text(&diff, out),
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &diff)?;
            writeln!(out)
        }
        DiffFormat::Markdown => leakscope::report::render_diff_markdown(&diff, out),
    });
    if let Err(message) = written {
        eprintln!("leakscope: error: {message}");
        return ExitCode::from(2);
    }
    if had_errors {
        return ExitCode::from(2);
    }
    if args.fail_on_new && diff.has_new() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
