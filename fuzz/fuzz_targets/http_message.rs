#![no_main]
// Parse a request and a response from arbitrary bytes: must answer, never panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = leakscope_http::parse_request(data);
    let _ = leakscope_http::parse_response(data, None, false);
    let _ = leakscope_http::parse_response(data, Some("HEAD"), true);
});
