//! The JSON report (`leakscope.report/v2`) and its JSON Schema.

use std::io::{self, Write};

use serde::Serializer;
use serde_json::value::RawValue;

use crate::{Render, Report};

/// The `leakscope.report/v2` document, pretty-printed, with a final newline. Request lists are
/// written on one line each: a leak carried by 10,000 requests would otherwise take 10,000
/// lines, and the report would grow with the capture rather than with its leaks.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonRenderer;

impl Render for JsonRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut out = io::BufWriter::with_capacity(64 << 10, out);
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
        out.flush()
    }
}

/// Serialises a list of numbers as one compact JSON array, even inside a pretty-printed
/// document.
pub(crate) fn compact_list<S: Serializer>(list: &[u32], serializer: S) -> Result<S::Ok, S::Error> {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(list.len() * 7 + 2);
    text.push('[');
    for (i, n) in list.iter().enumerate() {
        let gap = if i == 0 { "" } else { ", " };
        let _ = write!(text, "{gap}{n}");
    }
    text.push(']');
    let raw = RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
    serializer.serialize_some(&raw)
}

/// The JSON Schema (draft 2020-12) of the `leakscope.report/v2` document, derived from the
/// report's types (`leakscope schema` prints it).
pub fn report_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Report))
        .unwrap_or_else(|_| serde_json::json!({}));
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "$id".to_owned(),
            serde_json::Value::String("https://leakscope.invalid/schema/report-v2.json".into()),
        );
        object.insert(
            "title".to_owned(),
            serde_json::Value::String(crate::SCHEMA.to_owned()),
        );
    }
    schema
}
