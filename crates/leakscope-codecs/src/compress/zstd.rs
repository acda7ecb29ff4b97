//! Zstandard (RFC 8878): concatenated frames are all read and skippable frames are skipped.
//!
//! Decoding uses `ruzstd`, a pure-Rust decoder, so the build needs no C toolchain.
//!
//! A frame header declares the window the decoder must keep in memory, and the decoder holds
//! up to that much output before handing any of it out, so an output limit could not stop a
//! bomb that declares a huge window. Frames asking for more than [`MAX_WINDOW`] are therefore
//! refused before decoding starts; that is the limit RFC 9659 sets for zstd as an HTTP content
//! coding, and what the reference encoder stays within up to level 19. A frame header with its
//! reserved bit set, and a frame whose content checksum does not match, are invalid.

use std::io::{self, Read};

use ruzstd::decoding::{FrameDecoder, StreamingDecoder};

use super::bounded_read::read_bounded;
use super::{Error, Format, Meter};

/// The magic number that starts every Zstandard frame (0xFD2FB528, little-endian).
pub const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Largest window (and, for single-segment frames, content size) a frame may declare: 8 MiB.
pub const MAX_WINDOW: u64 = 8 << 20;

/// Skippable frames (RFC 8878 section 3.1.2) carry metadata, not content.
fn is_skippable(frame: &[u8]) -> bool {
    matches!(frame, [0x50..=0x5f, 0x2a, 0x4d, 0x18, ..])
}

/// The window a frame header declares (RFC 8878 section 3.1.1.1.2): from the window descriptor,
/// or the content size in a single-segment frame. `None` when the header is truncated or has its
/// reserved bit set.
fn declared_window(frame: &[u8]) -> Option<u64> {
    let descriptor = *frame.get(4)?;
    if descriptor & 0x08 != 0 {
        return None;
    }
    if descriptor & 0x20 == 0 {
        let window = *frame.get(5)?;
        let base = 1u64 << (10 + u32::from(window >> 3));
        return Some(base + base / 8 * u64::from(window & 7));
    }
    let dict_id_len = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let content_size_len = [1, 2, 4, 8][usize::from(descriptor >> 6)];
    let start = 5 + dict_id_len;
    let field = frame.get(start..start + content_size_len)?;
    let size = field
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    Some(if content_size_len == 2 {
        size + 256
    } else {
        size
    })
}

fn invalid_data(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Reads the content of every frame in turn, as one stream.
struct Frames<'a> {
    rest: &'a [u8],
    current: Option<StreamingDecoder<&'a [u8], FrameDecoder>>,
}

impl Frames<'_> {
    /// Moves to the next frame with content; false at the end of the input.
    fn start_next(&mut self) -> io::Result<bool> {
        loop {
            if self.rest.is_empty() {
                return Ok(false);
            }
            if is_skippable(self.rest) {
                let len = self
                    .rest
                    .get(4..8)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .ok_or_else(|| invalid_data("truncated skippable frame"))?;
                let end = usize::try_from(u32::from_le_bytes(len))
                    .ok()
                    .and_then(|len| len.checked_add(8))
                    .ok_or_else(|| invalid_data("skippable frame too long"))?;
                self.rest = self
                    .rest
                    .get(end..)
                    .ok_or_else(|| invalid_data("truncated skippable frame"))?;
                continue;
            }
            if !self.rest.starts_with(&MAGIC) {
                return Err(invalid_data("trailing bytes after the last frame"));
            }
            match declared_window(self.rest) {
                Some(window) if window <= MAX_WINDOW => {}
                Some(window) => {
                    return Err(invalid_data(format!(
                        "frame declares a {window}-byte window, over the {MAX_WINDOW}-byte limit"
                    )));
                }
                None => return Err(invalid_data("bad frame header")),
            }
            let decoder =
                StreamingDecoder::new(self.rest).map_err(|e| invalid_data(e.to_string()))?;
            self.current = Some(decoder);
            return Ok(true);
        }
    }
}

impl Read for Frames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(decoder) = self.current.as_mut() {
                let read = decoder.read(buf)?;
                if read > 0 {
                    return Ok(read);
                }
                let Some(decoder) = self.current.take() else {
                    return Ok(0);
                };
                let (rest, frame) = decoder.into_parts();
                if let (Some(stored), Some(computed)) = (
                    frame.get_checksum_from_data(),
                    frame.get_calculated_checksum(),
                ) && stored != computed
                {
                    return Err(invalid_data("content checksum mismatch"));
                }
                self.rest = rest;
            }
            if !self.start_next()? {
                return Ok(0);
            }
        }
    }
}

/// Decode every frame of `input`, which must start with a frame (skippable or not); bytes after
/// the last frame are an error.
pub fn decode(input: &[u8], meter: &mut (impl Meter + ?Sized)) -> Result<Vec<u8>, Error> {
    if !input.starts_with(&MAGIC) && !is_skippable(input) {
        return Err(Error::invalid(Format::Zstd, "no zstd magic number"));
    }
    let frames = Frames {
        rest: input,
        current: None,
    };
    read_bounded(Format::Zstd, frames, input.len(), meter)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::compress::reference::zstd;
    use crate::compress::test_support::{allowance, small_allowance};

    fn decoded(input: &[u8]) -> Result<Vec<u8>, Error> {
        decode(input, &mut allowance())
    }

    #[test]
    fn concatenated_and_skippable_frames() {
        let mut packed = zstd(b"first,");
        packed.extend_from_slice(&[0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
        packed.extend(zstd(b"second"));
        assert_eq!(decoded(&packed).unwrap(), b"first,second");
    }

    #[test]
    fn a_magic_number_alone_or_none_is_invalid() {
        assert!(decoded(&MAGIC).is_err());
        assert!(decoded(b"\xff\xfe not compressed at all").is_err());
    }

    #[test]
    fn a_wrong_content_checksum_is_invalid() {
        // A single-segment raw block frame of "abc" with its content checksum (flag 0x04):
        // the checksum is the low four bytes of XXH64("abc"), flipped here.
        let mut frame = vec![
            0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x03, 0x19, 0x00, 0x00, b'a', b'b', b'c',
        ];
        frame.extend_from_slice(&[0, 0, 0, 0]);
        let err = decoded(&frame).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
    }

    #[test]
    fn a_huge_declared_window_is_refused_before_decoding() {
        // Window descriptor 0xf8: 2^41 bytes.
        let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00];
        let err = decoded(&frame).unwrap_err();
        assert!(err.to_string().contains("window"), "{err}");
        // Window descriptor with exponent 20: 1 GiB.
        let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00];
        assert_eq!(declared_window(&frame), Some(1 << 30));
        assert!(decoded(&frame).unwrap_err().to_string().contains("window"));
        // Single segment, 8-byte content size of 2^40.
        let frame = [
            0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0x00, 0x00,
        ];
        assert!(decoded(&frame).is_err());
    }

    #[test]
    fn window_sizes_follow_the_rfc() {
        assert_eq!(
            declared_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00]),
            Some(1024)
        );
        assert_eq!(
            declared_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x59]),
            Some((1 << 21) + (1 << 18))
        );
        // Single segment, 2-byte content size (stored minus 256).
        assert_eq!(
            declared_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x60, 0x00, 0x01]),
            Some(512)
        );
        // The reserved bit, and a header cut short.
        assert_eq!(declared_window(&[0x28, 0xb5, 0x2f, 0xfd, 0x08, 0x00]), None);
        assert_eq!(declared_window(&[0x28, 0xb5, 0x2f, 0xfd]), None);
    }

    proptest! {
        #[test]
        fn arbitrary_frames_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut input = MAGIC.to_vec();
            input.extend(tail);
            let mut meter = small_allowance();
            let _ = decode(&input, &mut meter);
            prop_assert!(meter.used() <= 1 << 16);
        }
    }
}
