//! The yardstick of issue 10's HAR aim: `serde_json` merely skimming a file (deserialising it
//! into `IgnoredAny`), the least any JSON reader can do with it. Whole-process timings of this
//! against `leakscope scan --jobs 1` over the same HAR are in `benches/README.md`.
//!
//! ```text
//! skim_json FILE
//! ```

use std::io::BufReader;
use std::process::ExitCode;
use std::time::Instant;

use serde::de::IgnoredAny;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: skim_json FILE");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("skim_json: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = BufReader::with_capacity(1 << 16, file);
    if let Err(e) = serde_json::from_reader::<_, IgnoredAny>(reader) {
        eprintln!("skim_json: {path}: {e}");
        return ExitCode::from(1);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{size} bytes in {seconds:.3} s ({:.1} MB/s)",
        size as f64 / seconds / 1e6
    );
    ExitCode::SUCCESS
}
