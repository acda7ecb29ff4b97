//! gzip (RFC 1952): one member or several concatenated, all read.
//!
//! The member header is read here; the deflate data inside is inflated straight into the
//! output, and each member's CRC-32 and length are checked against its trailer.

use super::inflate::{Stream, Wrapper, inflate};
use super::{Error, Format, Meter};

/// The start of every member: ID1 ID2 and the deflate method.
pub const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Header flags (RFC 1952 section 2.3.1).
mod flag {
    pub const HCRC: u8 = 1 << 1;
    pub const EXTRA: u8 = 1 << 2;
    pub const NAME: u8 = 1 << 3;
    pub const COMMENT: u8 = 1 << 4;
    pub const RESERVED: u8 = 0xe0;
}

fn invalid(reason: &'static str) -> Error {
    Error::invalid(Format::Gzip, reason)
}

/// The length of the member header at the start of `input`: the fixed ten bytes, then the
/// optional extra field, file name, comment and header CRC that its flags announce.
fn header_len(input: &[u8]) -> Result<usize, Error> {
    if !input.starts_with(&MAGIC) {
        return Err(invalid("no gzip member header"));
    }
    let flags = *input.get(3).ok_or_else(|| invalid("a truncated header"))?;
    if flags & flag::RESERVED != 0 {
        return Err(invalid("reserved header flags are set"));
    }
    let mut at = 10;
    if flags & flag::EXTRA != 0 {
        let len = input
            .get(at..at + 2)
            .ok_or_else(|| invalid("a truncated header"))?;
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for present in [flags & flag::NAME != 0, flags & flag::COMMENT != 0] {
        if present {
            let rest = input.get(at..).unwrap_or_default();
            let end = memchr::memchr(0, rest).ok_or_else(|| invalid("a truncated header"))?;
            at += end + 1;
        }
    }
    if flags & flag::HCRC != 0 {
        let stored = input
            .get(at..at + 2)
            .ok_or_else(|| invalid("a truncated header"))?;
        let crc = crc32fast::hash(&input[..at]);
        if u16::from_le_bytes([stored[0], stored[1]]) != crc as u16 {
            return Err(invalid("the header CRC does not match"));
        }
        at += 2;
    }
    if at > input.len() {
        return Err(invalid("a truncated header"));
    }
    Ok(at)
}

/// The last four bytes, which hold the inflated size of a single-member value (mod 2^32): a
/// first guess for the output's size.
fn size_hint(input: &[u8]) -> Option<usize> {
    let isize = input.last_chunk::<4>()?;
    usize::try_from(u32::from_le_bytes(*isize)).ok()
}

/// Decode every member of `input`, one after another until the input ends; anything else after
/// a member is an error, as it is for gzip(1).
pub fn decode(input: &[u8], meter: &mut (impl Meter + ?Sized)) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let member = &input[at..];
        let header = header_len(member)?;
        let start = out.len();
        let stream = Stream {
            format: Format::Gzip,
            input: &member[header..],
            wrapper: Wrapper::Raw,
            value_len: input.len(),
            // The trailer at the end of the value is the first member's when it is the only
            // one; a later member gets the smallest first allocation, since the input left
            // says nothing about its own size.
            size_hint: if at == 0 { size_hint(input) } else { Some(0) },
        };
        let used = header + inflate(&stream, &mut out, meter)?;
        let trailer = member
            .get(used..used + 8)
            .ok_or_else(|| invalid("a member ends without its trailer"))?;
        let produced = &out[start..];
        if trailer[..4] != crc32fast::hash(produced).to_le_bytes() {
            return Err(invalid("the CRC-32 does not match"));
        }
        if trailer[4..] != (produced.len() as u32).to_le_bytes() {
            return Err(invalid("the length in the trailer does not match"));
        }
        at += used + 8;
        if at == input.len() {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::compress::reference::gzip;
    use crate::compress::test_support::allowance;

    /// A member written by flate2 with the optional header fields `header` asks for.
    fn member(data: &[u8], header: (bool, bool, bool, bool)) -> Vec<u8> {
        let (extra, name, comment, crc) = header;
        let mut builder = flate2::GzBuilder::new();
        if extra {
            builder = builder.extra(b"xx\x02\x00hi".to_vec());
        }
        if name {
            builder = builder.filename("events.json");
        }
        if comment {
            builder = builder.comment("batch");
        }
        let mut encoder = builder.write(Vec::new(), flate2::Compression::default());
        if crc {
            // flate2's builder has no switch for the header CRC: set the flag and insert it.
            encoder.write_all(data).unwrap();
            let mut out = encoder.finish().unwrap();
            let header = header_len(&out).unwrap();
            out[3] |= flag::HCRC;
            let crc = crc32fast::hash(&out[..header]) as u16;
            out.splice(header..header, crc.to_le_bytes());
            return out;
        }
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn inflated(input: &[u8]) -> Result<Vec<u8>, Error> {
        decode(input, &mut allowance())
    }

    proptest! {
        /// Every member is read, whatever optional header fields each has.
        #[test]
        fn members_with_any_header_fields_round_trip(
            members in proptest::collection::vec(
                (proptest::collection::vec(any::<u8>(), 0..3000), any::<(bool, bool, bool, bool)>()),
                1..4,
            ),
        ) {
            let mut packed = Vec::new();
            let mut want = Vec::new();
            for (data, header) in &members {
                packed.extend(member(data, *header));
                want.extend_from_slice(data);
            }
            prop_assert_eq!(inflated(&packed).unwrap(), want);
        }
    }

    #[test]
    fn broken_members_are_invalid_not_panics() {
        let good = member(
            b"{\"url\":\"https://example.org/\"}",
            (true, true, true, true),
        );
        let header = header_len(&good).unwrap();
        let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
        let mut bad_crc = good.clone();
        let at = bad_crc.len() - 8;
        bad_crc[at] ^= 1;
        cases.push(("CRC-32", bad_crc));
        let mut bad_len = good.clone();
        let at = bad_len.len() - 4;
        bad_len[at] ^= 1;
        cases.push(("length", bad_len));
        let mut bad_header_crc = good.clone();
        bad_header_crc[header - 1] ^= 1;
        cases.push(("header CRC", bad_header_crc));
        let mut reserved = good.clone();
        reserved[3] |= 0x20;
        cases.push(("reserved", reserved));
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"\0\0");
        cases.push(("no gzip member header", trailing));
        cases.push(("trailer", good[..good.len() - 3].to_vec()));
        for cut in [4, 8, 11, header] {
            cases.push(("truncated", good[..cut].to_vec()));
        }
        for (what, input) in cases {
            let err = inflated(&input).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{what}: {err}");
        }
        assert_eq!(
            inflated(&good).unwrap(),
            b"{\"url\":\"https://example.org/\"}"
        );
    }

    #[test]
    fn a_member_cannot_refer_back_into_the_member_before() {
        // A fixed-Huffman block whose only symbol is a match of 11 bytes at distance 11: on
        // its own it refers to nothing; after a member that produced "hello world" it would
        // copy that, and its CRC-32 and length would fit.
        let mut second = vec![
            0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0x43, 0x62, 0x02, 0x00,
        ];
        second.extend_from_slice(&crc32fast::hash(b"hello world").to_le_bytes());
        second.extend_from_slice(&11u32.to_le_bytes());
        assert!(inflated(&second).is_err(), "alone");
        let mut pair = gzip(b"hello world");
        pair.extend_from_slice(&second);
        let err = inflated(&pair).unwrap_err();
        assert!(matches!(err, Error::Invalid { .. }), "{err}");
    }

    #[test]
    fn a_lying_size_in_the_trailer_is_only_a_guess() {
        // The trailer of the last member is the first guess for the output's size: a huge
        // one is capped, a small one grows, and both still fail the length check honestly.
        let data = vec![b'a'; 100_000];
        let mut packed = gzip(&data);
        let at = packed.len() - 4;
        for lie in [u32::MAX, 3] {
            packed[at..].copy_from_slice(&lie.to_le_bytes());
            let mut meter = allowance();
            let err = decode(&packed, &mut meter).unwrap_err();
            assert!(matches!(err, Error::Invalid { .. }), "{err}");
            assert_eq!(meter.used(), data.len());
        }
    }
}
