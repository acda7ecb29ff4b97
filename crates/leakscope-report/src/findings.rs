//! The findings of a report, in memory up to a limit and on disk past it.
//!
//! A gigabyte capture can hold millions of findings. Keeping them all in memory would make the
//! report, not the capture, decide how much memory a scan takes; so past
//! [`DEFAULT_MEMORY_LIMIT`] findings they are written, in order, to a temporary file that is
//! deleted with the report. Rendering reads them back as a stream.
//!
//! On disk each finding is already in the form the JSON report shows it (pretty-printed and
//! indented for its place in the `findings` array), followed by an ASCII record separator
//! (0x1E, which JSON text never holds unescaped). The JSON renderer copies those bytes as they
//! are instead of parsing and printing every finding a second time; other readers parse them.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tempfile::NamedTempFile;

use crate::Finding;

/// Findings kept in memory before the rest go to a temporary file (about 60 MB of findings).
pub const DEFAULT_MEMORY_LIMIT: usize = 100_000;

#[derive(Debug)]
struct Spill {
    file: NamedTempFile,
    /// Findings written whole.
    count: usize,
    /// Bytes of the file that hold them. A write that failed part way (a full disk) may
    /// have left more; they are never read.
    committed: u64,
}

/// The findings of a report, in the order they were added.
#[derive(Debug)]
pub struct Findings {
    spill: Option<Spill>,
    /// Findings not (yet) spilled: all of them while under the limit, else the tail.
    buffer: Vec<Finding>,
    limit: usize,
    /// Why spilling failed, if it did (the findings then stay in memory).
    spill_error: Option<String>,
}

impl Default for Findings {
    fn default() -> Self {
        Findings::with_memory_limit(DEFAULT_MEMORY_LIMIT)
    }
}

impl Findings {
    /// An empty store that keeps at most `limit` findings in memory at a time.
    pub fn with_memory_limit(limit: usize) -> Self {
        Findings {
            spill: None,
            buffer: Vec::new(),
            limit: limit.max(1),
            spill_error: None,
        }
    }

    /// Add a finding at the end. Past the memory limit the buffered findings are written to
    /// the temporary file; if that fails they stay in memory (see [`Findings::spill_error`]).
    pub fn push(&mut self, finding: Finding) {
        self.buffer.push(finding);
        if self.buffer.len() >= self.limit
            && self.spill_error.is_none()
            && let Err(error) = self.spill_buffer()
        {
            self.spill_error = Some(error.to_string());
        }
    }

    fn spill_buffer(&mut self) -> io::Result<()> {
        if self.spill.is_none() {
            self.spill = Some(Spill {
                file: NamedTempFile::new()?,
                count: 0,
                committed: 0,
            });
        }
        if let Some(spill) = &mut self.spill {
            let mut out = BufWriter::with_capacity(64 << 10, spill.file.as_file_mut());
            let mut record = Vec::new();
            let mut scratch = Vec::new();
            let mut written = 0u64;
            for finding in &self.buffer {
                record.clear();
                write_report_form(finding, &mut record, &mut scratch)?;
                record.push(RECORD_END);
                out.write_all(&record)?;
                written += record.len() as u64;
            }
            out.flush()?;
            // Only now do the findings count as on disk; until then they stay in memory.
            spill.count += self.buffer.len();
            spill.committed += written;
            self.buffer.clear();
        }
        Ok(())
    }

    /// How many findings there are.
    pub fn len(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| s.count) + self.buffer.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether some findings live in the temporary file.
    pub fn is_spilled(&self) -> bool {
        self.spill.is_some()
    }

    /// Why findings could not be spilled to a temporary file, if they could not (they were
    /// kept in memory instead).
    pub fn spill_error(&self) -> Option<&str> {
        self.spill_error.as_deref()
    }

    /// Every finding, in order, read back from the temporary file where needed.
    pub fn iter(&self) -> impl Iterator<Item = io::Result<Finding>> + '_ {
        let spilled: Box<dyn Iterator<Item = io::Result<Finding>>> = match self.records() {
            Ok(None) => Box::new(std::iter::empty()),
            Ok(Some(records)) => Box::new(
                records.map(|record| serde_json::from_slice(&record?).map_err(io::Error::other)),
            ),
            Err(error) => Box::new(std::iter::once(Err(error))),
        };
        spilled.chain(self.buffer.iter().cloned().map(Ok))
    }

    /// The spilled findings' records, in order, without their separators; `None` when
    /// nothing was spilled.
    fn records(&self) -> io::Result<Option<impl Iterator<Item = io::Result<Vec<u8>>>>> {
        let Some(spill) = &self.spill else {
            return Ok(None);
        };
        let file = File::open(spill.file.path())?.take(spill.committed);
        let mut file = BufReader::with_capacity(64 << 10, file);
        Ok(Some(std::iter::from_fn(move || {
            let mut record = Vec::new();
            match file.read_until(RECORD_END, &mut record) {
                Ok(0) => None,
                Ok(_) if record.pop() == Some(RECORD_END) => Some(Ok(record)),
                Ok(_) => Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "a finding cut short in the report's temporary file",
                ))),
                Err(error) => Some(Err(error)),
            }
        })))
    }

    /// Writes the elements of the JSON report's `findings` array: each finding on its own
    /// lines, indented two levels, separated by commas, with the newline before the first
    /// but not after the last, exactly as `serde_json`'s pretty printer writes them inside a
    /// report. Spilled findings are copied as they were written.
    pub(crate) fn write_json_elements(&self, out: &mut impl Write) -> io::Result<()> {
        let mut first = true;
        let mut separate = |out: &mut dyn Write| {
            let gap: &[u8] = if first { b"\n" } else { b",\n" };
            first = false;
            out.write_all(gap)?;
            out.write_all(ELEMENT_INDENT)
        };
        if let Some(records) = self.records()? {
            for record in records {
                separate(out)?;
                out.write_all(&record?)?;
            }
        }
        let (mut record, mut scratch) = (Vec::new(), Vec::new());
        for finding in &self.buffer {
            separate(out)?;
            record.clear();
            write_report_form(finding, &mut record, &mut scratch)?;
            out.write_all(&record)?;
        }
        Ok(())
    }

    /// Every finding, in memory: for tests and small reports.
    pub fn load(&self) -> io::Result<Vec<Finding>> {
        self.iter().collect()
    }
}

/// Ends each finding's record in the temporary file.
const RECORD_END: u8 = 0x1e;

/// Indentation of the elements of the report's `findings` array (two levels, two spaces each,
/// as `serde_json`'s pretty printer indents).
const ELEMENT_INDENT: &[u8] = b"    ";

/// Appends `finding` to `out` as the JSON report shows it: pretty-printed, every line after
/// the first indented by [`ELEMENT_INDENT`]. (Pretty output breaks lines only between tokens:
/// a newline inside a string is escaped.) `scratch` is reused from call to call.
fn write_report_form(
    finding: &Finding,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> io::Result<()> {
    scratch.clear();
    serde_json::to_writer_pretty(&mut *scratch, finding)?;
    let mut lines = scratch.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        out.push(b'\n');
        out.extend_from_slice(ELEMENT_INDENT);
        out.extend_from_slice(line);
    }
    Ok(())
}

impl From<Vec<Finding>> for Findings {
    fn from(findings: Vec<Finding>) -> Self {
        Findings {
            buffer: findings,
            ..Findings::default()
        }
    }
}

impl PartialEq for Findings {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|(a, b)| matches!((a, b), (Ok(a), Ok(b)) if a == b))
    }
}

impl Serialize for Findings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for finding in self.iter() {
            let finding = finding.map_err(serde::ser::Error::custom)?;
            seq.serialize_element(&finding)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Findings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Finding>::deserialize(deserializer).map(Findings::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Category;
    use crate::model::tests::finding;

    #[test]
    fn past_the_limit_findings_go_to_disk_and_come_back_in_order() {
        let mut findings = Findings::with_memory_limit(3);
        for index in 0..10 {
            findings.push(finding(index, "t.example.com", Category::PersistentId));
        }
        assert!(findings.is_spilled());
        assert_eq!(findings.len(), 10);
        assert!(findings.buffer.len() < 3, "memory holds the tail only");
        let back = findings.load().unwrap();
        let order: Vec<usize> = back.iter().map(|f| f.request.index).collect();
        assert_eq!(order, (0..10).collect::<Vec<_>>());
        let json = serde_json::to_value(&findings).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 10);
        assert_eq!(json[9]["request"]["index"], 9);
    }

    /// A spill that failed part way (a full disk) leaves bytes past the last whole batch;
    /// they are neither read back nor copied into a report.
    #[test]
    fn bytes_past_the_last_whole_spill_are_ignored() {
        let mut findings = Findings::with_memory_limit(2);
        for index in 0..4 {
            findings.push(finding(index, "t.example.com", Category::PersistentId));
        }
        assert_eq!(findings.len(), 4);
        let spill = findings.spill.as_mut().unwrap();
        spill
            .file
            .as_file_mut()
            .write_all(b"{\n      \"rule\": \"half a fin")
            .unwrap();
        let back = findings.load().unwrap();
        assert_eq!(
            back.iter().map(|f| f.request.index).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        let mut elements = Vec::new();
        findings.write_json_elements(&mut elements).unwrap();
        let array = format!("[{}\n]", String::from_utf8(elements).unwrap());
        let parsed: Vec<serde_json::Value> = serde_json::from_str(&array).unwrap();
        assert_eq!(parsed.len(), 4);
    }

    #[test]
    fn under_the_limit_nothing_touches_the_disk() {
        let mut findings = Findings::default();
        findings.push(finding(0, "t.example.com", Category::PersistentId));
        assert!(!findings.is_spilled());
        assert_eq!(findings.load().unwrap().len(), 1);
    }
}
