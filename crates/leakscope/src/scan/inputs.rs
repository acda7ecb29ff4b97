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
        if let Some(file) = spooled {
            let mut copy = file.try_clone().map_err(|e| e.to_string())?;
            io::Seek::rewind(&mut copy).map_err(|e| e.to_string())?;
            return leakscope_http::read_capture(copy, &input.name(), format)
                .map_err(|e| e.detail());
        }
        match input {
            Input::Path(path) => leakscope_http::open_capture(path, format),
            Input::Stdin => leakscope_http::read_capture(std::io::stdin(), "-", format),
            Input::Bytes { name, data } => {
                leakscope_http::read_capture(io::Cursor::new(data.clone()), name, format)
            }
        }
        .map_err(|e| e.detail())
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

/// Records that input `name` could not be read, or not all of it: `detail` says what went wrong
/// and where (a capture error's [`detail`](leakscope_http::CaptureError::detail), without the
/// file's name). The anomaly names the file in its `source`; the input error in its message.
pub(super) fn record_input_error(
    builder: &mut ReportBuilder,
    input_errors: &mut Vec<String>,
    name: &str,
    detail: String,
) {
    input_errors.push(format!("{name}: {detail}"));
    builder.add_anomaly(Anomaly {
        request: None,
        source: name.to_owned(),
        message: detail,
    });
}
