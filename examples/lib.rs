//! The examples of this folder are run with `cargo run --example <name>`; this library target
//! only exists because Cargo needs one per package. See `scan_capture.rs` and `unwrap_value.rs`.
