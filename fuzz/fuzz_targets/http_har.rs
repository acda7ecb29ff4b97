#![no_main]
// Stream arbitrary bytes as a HAR file and drain the reader; a fatal error must end it.
use leakscope_http::{CaptureFormat, read_capture};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = read_capture(
        std::io::Cursor::new(data.to_vec()),
        "fuzz.har",
        Some(CaptureFormat::Har),
    ) {
        for exchange in reader.flatten() {
            let _ = leakscope_http::request_parts(&exchange);
        }
    }
});
