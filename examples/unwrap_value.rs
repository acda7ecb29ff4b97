//! Peel the layers off one value and print every leaf with its provenance, with a decoder of
//! our own among the built-in ones.
//!
//! ```text
//! cargo run --example unwrap_value -- 'eyJ1cmwiOiJodHRwczovL2V4YW1wbGUuY29tL3BhZ2UifQ=='
//! cargo run --example unwrap_value -- '<![CDATA[{"url":"https://example.com/page"}]]>'
//! ```

use leakscope::decode::decoders::default_decoders;
use leakscope::decode::{
    About, Budget, DecodeError, Decoder, Encoding, Layer, Needs, Path, Profile, Unwrapper,
};

/// An XML CDATA section, `<![CDATA[…]]>`, as some SDKs wrap their payloads: a layer (it yields
/// the bytes inside). A structure would implement `Structure::split` instead, handing each
/// field it finds to a sink.
struct Cdata;

const OPEN: &[u8] = b"<![CDATA[";
const CLOSE: &[u8] = b"]]>";

impl Encoding for Cdata {
    /// Checked without a call for every value: only values starting with `<` reach the sniff.
    fn about(&self) -> About {
        About::named("cdata").needs(
            Needs::ANYTHING
                .min_len(OPEN.len() + CLOSE.len())
                .first_byte_in(b"<"),
        )
    }

    fn sniff(&self, input: &[u8], _profile: &Profile) -> bool {
        input.starts_with(OPEN) && input.ends_with(CLOSE)
    }
}

impl Layer for Cdata {
    fn peel(&self, input: &[u8], _: &Profile, budget: &mut Budget) -> Result<Vec<u8>, DecodeError> {
        let inner = input
            .strip_prefix(OPEN)
            .and_then(|rest| rest.strip_suffix(CLOSE))
            .ok_or_else(|| DecodeError::invalid("cdata", "not a CDATA section"))?;
        // What a layer produces is charged to the request's budget.
        budget.charge_output(inner.len())?;
        Ok(inner.to_vec())
    }
}

fn main() {
    let value = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "eyJ1cmwiOiJodHRwczovL2V4YW1wbGUuY29tL3BhZ2UifQ==".to_owned());
    let mut decoders = vec![Decoder::layer(Cdata)];
    decoders.extend(default_decoders());
    let mut budget = Budget::default();
    let leaves = Unwrapper::with_decoders(decoders).unwrap_to_vec(
        Path::from_part("value"),
        None,
        value.as_bytes(),
        &mut budget,
    );
    for leaf in leaves {
        println!("{}  =  {:?}", leaf.path, leaf.text());
    }
    for note in budget.notes() {
        println!("note: {}: {}", note.location, note.message);
    }
}
