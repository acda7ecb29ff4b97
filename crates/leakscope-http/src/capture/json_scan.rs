//! A small byte-level JSON *structure* scanner over a `Read`, used to stream HAR files.
//!
//! It does not build values: it walks objects key by key, skips values it does not care about
//! without keeping them, and copies out the raw bytes of the values it does want (one HAR entry
//! at a time) for `serde_json` to deserialize. It tracks only what finding value boundaries
//! needs: string and escape state and nesting depth (a counter, not recursion, so deep input
//! cannot overflow the stack). Memory is the read buffer plus the one value being copied.

use std::io::{self, Read};

/// Size of the read buffer.
const BUFFER: usize = 64 * 1024;
/// Object keys longer than this are compared by their first bytes only.
const MAX_KEY: usize = 4096;

/// Why scanning stopped.
#[derive(Debug)]
pub(crate) enum ScanError {
    /// The underlying reader failed.
    Io(io::Error),
    /// The input ended in the middle of the structure.
    Eof {
        /// Absolute offset of the end.
        offset: u64,
    },
    /// A byte that cannot appear here.
    Syntax {
        /// Absolute offset of the byte.
        offset: u64,
        /// What was expected.
        message: String,
    },
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> Self {
        ScanError::Io(e)
    }
}

/// What happened to a value that was being copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Captured {
    /// The whole value is in the buffer.
    Whole,
    /// The value was longer than the limit; it was skipped and the buffer is incomplete.
    TooLarge,
}

/// A buffered byte reader that knows the absolute offset of every byte.
pub(crate) struct ByteSource {
    reader: Box<dyn Read + Send>,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    base: u64,
    eof: bool,
}

impl ByteSource {
    /// Wrap a reader.
    pub(crate) fn new(reader: Box<dyn Read + Send>) -> Self {
        ByteSource {
            reader,
            buf: vec![0; BUFFER],
            pos: 0,
            len: 0,
            base: 0,
            eof: false,
        }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.pos < self.len || self.eof {
            return Ok(());
        }
        self.base += self.len as u64;
        self.pos = 0;
        self.len = 0;
        loop {
            match self.reader.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.len = n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next byte without consuming it; `None` at end of input.
    pub(crate) fn peek(&mut self) -> io::Result<Option<u8>> {
        self.fill()?;
        Ok(self
            .buf
            .get(self.pos)
            .copied()
            .filter(|_| self.pos < self.len))
    }

    /// Consume and return the next byte; `None` at end of input.
    pub(crate) fn next_byte(&mut self) -> io::Result<Option<u8>> {
        let b = self.peek()?;
        if b.is_some() {
            self.pos += 1;
        }
        Ok(b)
    }

    /// Consume whitespace (and a UTF-8 byte order mark, which some tools write).
    pub(crate) fn skip_ws(&mut self) -> io::Result<()> {
        while let Some(b) = self.peek()? {
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0xEF | 0xBB | 0xBF) {
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(())
    }

    /// The next byte, which must exist.
    fn need(&mut self) -> Result<u8, ScanError> {
        match self.next_byte()? {
            Some(b) => Ok(b),
            None => Err(ScanError::Eof {
                offset: self.offset(),
            }),
        }
    }

    /// Consume `want` (after whitespace) or fail naming it.
    pub(crate) fn expect(&mut self, want: u8, what: &str) -> Result<(), ScanError> {
        self.skip_ws()?;
        let offset = self.offset();
        let got = self.need()?;
        if got == want {
            Ok(())
        } else {
            Err(ScanError::Syntax {
                offset,
                message: format!("expected {what}, found {}", describe(got)),
            })
        }
    }

    /// The buffered bytes not yet consumed (refilled when empty; empty only at the end).
    fn available(&mut self) -> io::Result<&[u8]> {
        self.fill()?;
        Ok(self.buf.get(self.pos..self.len).unwrap_or_default())
    }

    /// Read the rest of a string whose opening quote was consumed, appending its raw bytes
    /// (escapes kept as written) to `out` while `out` is under `limit`. Returns whether it all
    /// fit.
    ///
    /// Runs of plain string bytes are found with `memchr` and copied whole: strings (URLs,
    /// base64 bodies, response texts) are most of a HAR file's bytes.
    fn string_body(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<bool, ScanError> {
        let mut fit = true;
        loop {
            let offset = self.offset();
            let chunk = self.available()?;
            if chunk.is_empty() {
                return Err(ScanError::Eof { offset });
            }
            let (run, stop) = match memchr::memchr2(b'"', b'\\', chunk) {
                Some(at) => (at + 1, chunk.get(at).copied()),
                None => (chunk.len(), None),
            };
            keep_slice(out, chunk.get(..run).unwrap_or_default(), limit, &mut fit);
            self.pos += run;
            match stop {
                Some(b'"') => return Ok(fit),
                // The escaped byte is kept as written, whatever it is.
                Some(_) => {
                    let escaped = self.need()?;
                    keep_slice(out, &[escaped], limit, &mut fit);
                }
                None => {}
            }
        }
    }

    /// At the position of an object's next member (after `{` or after the previous value):
    /// consume `,` if needed, the key and the `:`. Returns the key's raw bytes, or `None` when
    /// the object closes (its `}` consumed). `first` tracks whether a member was already read.
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Result<Option<Vec<u8>>, ScanError> {
        self.skip_ws()?;
        if self.peek()? == Some(b'}') {
            self.pos += 1;
            return Ok(None);
        }
        if !*first {
            self.expect(b',', "',' or '}'")?;
        }
        *first = false;
        self.expect(b'"', "an object key")?;
        let mut key = vec![b'"'];
        self.string_body(&mut key, MAX_KEY)?;
        // Drop the quotes we collected around the key.
        key.remove(0);
        key.pop();
        self.expect(b':', "':'")?;
        self.skip_ws()?;
        Ok(Some(key))
    }

    /// Skip one value (of any type) starting at the next non-whitespace byte.
    pub(crate) fn skip_value(&mut self) -> Result<(), ScanError> {
        let mut sink = Vec::new();
        self.value(&mut sink, 0).map(|_| ())
    }

    /// Copy one value's raw bytes into `out` (cleared first), up to `limit` bytes; a longer
    /// value is still consumed whole so scanning can go on after it.
    pub(crate) fn capture_value(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<Captured, ScanError> {
        out.clear();
        self.value(out, limit)
    }

    fn value(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<Captured, ScanError> {
        self.skip_ws()?;
        let start = self.offset();
        let first = self.need()?;
        let mut fit = true;
        let keep = |out: &mut Vec<u8>, b: u8, fit: &mut bool| {
            if out.len() < limit {
                out.push(b);
            } else {
                *fit = false;
            }
        };
        match first {
            b'{' | b'[' => {
                keep(out, first, &mut fit);
                let mut depth: usize = 1;
                while depth > 0 {
                    // Copy the run up to the next byte that matters for structure in one go.
                    let offset = self.offset();
                    let chunk = self.available()?;
                    if chunk.is_empty() {
                        return Err(ScanError::Eof { offset });
                    }
                    let run = chunk
                        .iter()
                        .position(|&b| STRUCTURAL[usize::from(b)])
                        .map_or(chunk.len(), |at| at + 1);
                    let stop = chunk.get(run - 1).copied();
                    keep_slice(out, chunk.get(..run).unwrap_or_default(), limit, &mut fit);
                    self.pos += run;
                    match stop {
                        Some(b'{' | b'[') => depth += 1,
                        Some(b'}' | b']') => depth -= 1,
                        Some(b'"') => fit &= self.string_body(out, limit)?,
                        _ => {}
                    }
                }
            }
            b'"' => {
                keep(out, first, &mut fit);
                fit &= self.string_body(out, limit)?;
            }
            b'}' | b']' | b',' | b':' => {
                return Err(ScanError::Syntax {
                    offset: start,
                    message: format!("expected a value, found {}", describe(first)),
                });
            }
            _ => {
                // A number, true, false or null: runs to the next delimiter.
                keep(out, first, &mut fit);
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.pos += 1;
                    keep(out, b, &mut fit);
                }
            }
        }
        Ok(if fit {
            Captured::Whole
        } else {
            Captured::TooLarge
        })
    }
}

/// `STRUCTURAL[b]`: whether byte `b` opens or closes a container or starts a string, the only
/// bytes that matter when skipping over a value.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'{' as usize] = true;
    table[b'}' as usize] = true;
    table[b'[' as usize] = true;
    table[b']' as usize] = true;
    table[b'"' as usize] = true;
    table
};

/// Append `bytes` to `out` as far as `limit` allows; clear `fit` when some did not fit.
fn keep_slice(out: &mut Vec<u8>, bytes: &[u8], limit: usize, fit: &mut bool) {
    let room = limit.saturating_sub(out.len());
    if bytes.len() > room {
        *fit = false;
    }
    out.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
}

/// A byte for an error message.
pub(crate) fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", char::from(b))
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(s: &'static str) -> ByteSource {
        ByteSource::new(Box::new(s.as_bytes()))
    }

    #[test]
    fn walks_keys_and_skips_values() {
        let mut src = source(r#" { "a" : [1, {"x": "}]"}], "b\"q": "s", "c": null } "#);
        src.expect(b'{', "'{'").unwrap();
        let mut first = true;
        let mut keys = Vec::new();
        while let Some(key) = src.next_key(&mut first).unwrap() {
            keys.push(String::from_utf8(key).unwrap());
            src.skip_value().unwrap();
        }
        assert_eq!(keys, ["a", "b\\\"q", "c"]);
    }

    #[test]
    fn captures_values_with_limit() {
        let mut src = source(r#"{"k": "v\"}"} , 12"#);
        let mut out = Vec::new();
        assert_eq!(src.capture_value(&mut out, 100).unwrap(), Captured::Whole);
        assert_eq!(out, br#"{"k": "v\"}"}"#);
        src.expect(b',', "','").unwrap();
        assert_eq!(src.capture_value(&mut out, 1).unwrap(), Captured::TooLarge);
        assert_eq!(out, b"1");
    }

    /// Hands out at most `step` bytes a read, so values cross buffer refills everywhere.
    struct Trickle(&'static [u8], usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn values_crossing_refills_are_copied_exactly() {
        let value = r#"{"a":"x\"}\\","b":[{"c":"]"},"\u00e9"],"d":-1.5e3,"e":true}"#;
        let input: &'static str = Box::leak(format!("{value} ,").into_boxed_str());
        for step in [1, 2, 3, 7, 64] {
            let mut src = ByteSource::new(Box::new(Trickle(input.as_bytes(), step)));
            let mut out = Vec::new();
            assert_eq!(src.capture_value(&mut out, 1000).unwrap(), Captured::Whole);
            assert_eq!(out, value.as_bytes(), "step {step}");
            src.expect(b',', "','").unwrap();
            let mut src = ByteSource::new(Box::new(Trickle(input.as_bytes(), step)));
            assert_eq!(src.capture_value(&mut out, 10).unwrap(), Captured::TooLarge);
            assert_eq!(out, &value.as_bytes()[..10], "step {step}");
            src.expect(b',', "','").unwrap();
        }
    }

    #[test]
    fn reports_truncation_and_syntax() {
        let mut src = source(r#"{"k": [1, 2"#);
        assert!(matches!(
            src.skip_value(),
            Err(ScanError::Eof { offset: 11 })
        ));
        let mut src = source(r#"{"k" 1}"#);
        src.expect(b'{', "'{'").unwrap();
        let mut first = true;
        assert!(matches!(
            src.next_key(&mut first),
            Err(ScanError::Syntax { offset: 5, .. })
        ));
    }
}
