#![no_main]
// Read arbitrary bytes as NDJSON (and once more with the format sniffed) and drain the reader.
use leakscope_http::{CaptureFormat, read_capture};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for format in [Some(CaptureFormat::Ndjson), None] {
        if let Ok(reader) = read_capture(std::io::Cursor::new(data.to_vec()), "fuzz.ndjson", format)
        {
            for exchange in reader.flatten() {
                let _ = leakscope_http::request_parts(&exchange);
            }
        }
    }
});
