#![no_main]
// De-chunk arbitrary bytes: must answer (body, partial or error), never panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = leakscope_http::chunked::parse_chunked_body(data);
});
