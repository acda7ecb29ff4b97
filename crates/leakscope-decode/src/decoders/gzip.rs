//! gzip (RFC 1952), recognised by its magic number; concatenated members are all read.

use flate2::bufread::MultiGzDecoder;

use super::bounded_read::read_bounded;
use crate::{Budget, DecodeError, Decoded, Decoder, Needs, Profile, class, text};

/// gzip decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gzip;

impl Decoder for Gzip {
    fn name(&self) -> &'static str {
        "gzip"
    }

    /// ID1 ID2 = 0x1f 0x8b: a control character and a high byte.
    fn needs(&self) -> Needs {
        Needs::ANYTHING
            .min_len(3)
            .all_of(class::CONTROL | class::HIGH)
            .first_byte_in(&[0x1f])
            .binary()
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        text::is_gzip(input)
    }

    fn decode<'a>(&self, input: &'a [u8], budget: &mut Budget) -> Result<Decoded<'a>, DecodeError> {
        read_bounded("gzip", MultiGzDecoder::new(input), input.len(), budget).map(Decoded::Bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::decoders::test_support::gzip;

    #[test]
    fn inflates_a_gzip_member() {
        let packed = gzip(b"[{\"event\":\"page_view\"}]");
        assert!(Gzip.sniff_alone(&packed));
        let out = Gzip.decode(&packed, &mut Budget::default()).unwrap();
        assert_eq!(out, Decoded::Bytes(b"[{\"event\":\"page_view\"}]".to_vec()));
    }

    #[test]
    fn a_truncated_stream_is_invalid() {
        let packed = gzip(b"hello hello hello hello");
        let err = Gzip
            .decode(&packed[..packed.len() - 6], &mut Budget::default())
            .unwrap_err();
        assert!(!err.is_budget());
    }

    #[test]
    fn a_bomb_is_stopped_by_the_ratio() {
        let packed = gzip(&vec![0u8; 8 << 20]);
        let mut budget = Budget::new(Limits::default());
        let err = Gzip.decode(&packed, &mut budget).unwrap_err();
        assert!(matches!(err, DecodeError::Bomb { .. }), "{err}");
        assert!(budget.output_used() < 2 << 20, "stopped early");
    }
}
