//! HTML report (being written).
use std::io::{self, Write};

use crate::{Diff, Render, Report};

/// One self-contained HTML page.
#[derive(Debug, Clone, Default)]
pub struct HtmlRenderer {
    /// A diff to show below the report.
    pub diff: Option<Diff>,
}

impl Render for HtmlRenderer {
    fn render(&self, _report: &Report, _out: &mut dyn Write) -> io::Result<()> {
        Err(io::Error::other("not written yet"))
    }
}
