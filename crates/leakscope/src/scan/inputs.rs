//! The scan's inputs: opening each for reading (twice, when a first pass reads it), keeping
//! those that can only be read once, and recording what cannot be read.

use std::io;

use leakscope_http::CaptureReader;
use leakscope_report::{Anomaly, ReportBuilder};

use super::{Input, Scanner};

impl Scanner {
    /// Opens an input for reading from its start: from its kept copy when it has one.
    pub(super) fn open(
        &self,
        input: &Input,
        spooled: Option<&std::fs::File>,
    ) -> Result<CaptureReader, String> {
        let format = self.options.format;
        let name = input.name();
        if let Some(file) = spooled {
            let mut copy = file.try_clone().map_err(|e| format!("{name}: {e}"))?;
            io::Seek::rewind(&mut copy).map_err(|e| format!("{name}: {e}"))?;
            return leakscope_http::read_capture(copy, &name, format).map_err(|e| e.to_string());
        }
        match input {
            Input::Path(path) => {
                leakscope_http::open_capture(path, format).map_err(|e| e.to_string())
            }
            Input::Stdin => leakscope_http::read_capture(std::io::stdin(), "-", format)
                .map_err(|e| e.to_string()),
            Input::Bytes { name, data } => {
                leakscope_http::read_capture(io::Cursor::new(data.clone()), name, format)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// Whether an input can only be read once: standard input, a pipe (`<(…)`), a device.
pub(super) fn read_once(input: &Input) -> bool {
    match input {
        Input::Stdin => true,
        Input::Path(path) => std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()),
        Input::Bytes { .. } => false,
    }
}

/// An input copied into an anonymous file (deleted by the system when closed, so it cannot
/// outlive the process).
pub(super) fn spool(input: &Input) -> io::Result<std::fs::File> {
    let mut file = tempfile::tempfile()?;
    match input {
        Input::Stdin => io::copy(&mut io::stdin().lock(), &mut file)?,
        Input::Path(path) => {
            // A compressed pipe is copied as it is: the reader sniffs and inflates it.
            io::copy(&mut std::fs::File::open(path)?, &mut file)?
        }
        Input::Bytes { data, .. } => io::copy(&mut &data[..], &mut file)?,
    };
    Ok(file)
}

pub(super) fn record_input_error(
    builder: &mut ReportBuilder,
    input_errors: &mut Vec<String>,
    name: &str,
    message: String,
) {
    // Capture errors name their file already; the anomaly keeps the name in `source` only.
    let full = if message.starts_with(name) {
        message
    } else {
        format!("{name}: {message}")
    };
    let detail = full
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(&full);
    builder.add_anomaly(Anomaly {
        request: None,
        source: name.to_owned(),
        message: detail.to_owned(),
    });
    input_errors.push(full);
}
