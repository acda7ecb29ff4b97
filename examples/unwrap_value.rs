//! Peel the layers off one value and print every leaf with its provenance.
//!
//! ```text
//! cargo run --example unwrap_value -- 'eyJ1cmwiOiJodHRwczovL2V4YW1wbGUuY29tL3BhZ2UifQ=='
//! ```

use leakscope::decode::{Budget, Path, Unwrapper};

fn main() {
    let value = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "eyJ1cmwiOiJodHRwczovL2V4YW1wbGUuY29tL3BhZ2UifQ==".to_owned());
    let mut budget = Budget::default();
    let leaves = Unwrapper::new().unwrap_to_vec(
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
