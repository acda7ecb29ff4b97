//! gzip (RFC 1952), recognised by its magic number; concatenated members are all read.
//!
//! The decoding (member headers, inflating straight into the output, each member's CRC-32 and
//! length checked against its trailer) is `leakscope_codecs::compress::gzip`, which request
//! bodies' `Content-Encoding: gzip` goes through too.

use leakscope_codecs::compress;

use crate::{About, Budget, DecodeError, Encoding, Layer, Needs, Profile, class, text};

const NAME: &str = "gzip";

/// gzip decoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gzip;

impl Encoding for Gzip {
    /// ID1 ID2 = 0x1f 0x8b: a control character and a high byte.
    fn about(&self) -> About {
        About::named(NAME).needs(
            Needs::ANYTHING
                .min_len(3)
                .all_of(class::CONTROL | class::HIGH)
                .first_byte_in(&[0x1f])
                .binary(),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        text::is_gzip(input)
    }
}

impl Layer for Gzip {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        Ok(compress::gzip::decode(input, budget)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use crate::decoders::test_support::gzip;

    #[test]
    fn a_budget_nearly_spent_stops_the_output_within_it() {
        let packed = gzip(&vec![b'a'; 5000]);
        let limits = Limits {
            max_output: 1000,
            ..Limits::default()
        };
        let mut budget = Budget::new(limits);
        let err = Gzip.decode(&packed, &mut budget).unwrap_err();
        assert!(err.is_budget(), "{err}");
        assert!(budget.output_used() <= 1000);
    }

    #[test]
    fn inflates_a_gzip_member() {
        let packed = gzip(b"[{\"event\":\"page_view\"}]");
        assert!(Gzip.sniff_alone(&packed));
        let out = Gzip.decode(&packed, &mut Budget::default()).unwrap();
        assert_eq!(out, b"[{\"event\":\"page_view\"}]");
    }

    #[test]
    fn a_truncated_stream_is_invalid() {
        let packed = gzip(b"hello hello hello hello");
        let err = Gzip
            .decode(&packed[..packed.len() - 6], &mut Budget::default())
            .unwrap_err();
        assert!(
            matches!(err, DecodeError::Invalid { encoding: NAME, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_bomb_is_stopped_by_the_ratio() {
        let packed = gzip(&vec![0u8; 8 << 20]);
        let mut budget = Budget::new(Limits::default());
        let err = Gzip.decode(&packed, &mut budget).unwrap_err();
        assert!(matches!(err, DecodeError::Budget(crate::Exceeded::Bomb { .. })), "{err}");
        assert!(budget.output_used() < 2 << 20, "stopped early");
    }
}
