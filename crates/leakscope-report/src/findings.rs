//! The findings of a report, in memory up to a limit and on disk past it.
//!
//! A gigabyte capture can hold millions of findings. Keeping them all in memory would make the
//! report, not the capture, decide how much memory a scan takes; so past
//! [`DEFAULT_MEMORY_LIMIT`] findings they are written, in order, as JSON lines to a temporary
//! file that is deleted with the report. Rendering reads them back as a stream.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};

use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tempfile::NamedTempFile;

use crate::Finding;

/// Findings kept in memory before the rest go to a temporary file (about 60 MB of findings).
pub const DEFAULT_MEMORY_LIMIT: usize = 100_000;

#[derive(Debug)]
struct Spill {
    file: NamedTempFile,
    count: usize,
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
            });
        }
        if let Some(spill) = &mut self.spill {
            let mut out = BufWriter::new(spill.file.as_file_mut());
            for finding in &self.buffer {
                serde_json::to_writer(&mut out, finding)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
            spill.count += self.buffer.len();
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
        let spilled: Box<dyn Iterator<Item = io::Result<Finding>>> = match &self.spill {
            None => Box::new(std::iter::empty()),
            Some(spill) => match File::open(spill.file.path()) {
                Ok(file) => Box::new(BufReader::new(file).lines().map(|line| {
                    let line = line?;
                    serde_json::from_str(&line).map_err(io::Error::other)
                })),
                Err(error) => Box::new(std::iter::once(Err(error))),
            },
        };
        spilled.chain(self.buffer.iter().cloned().map(Ok))
    }

    /// Every finding, in memory: for tests and small reports.
    pub fn load(&self) -> io::Result<Vec<Finding>> {
        self.iter().collect()
    }
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

    #[test]
    fn under_the_limit_nothing_touches_the_disk() {
        let mut findings = Findings::default();
        findings.push(finding(0, "t.example.com", Category::PersistentId));
        assert!(!findings.is_spilled());
        assert_eq!(findings.load().unwrap().len(), 1);
    }
}
