#![no_main]
// Split arbitrary bytes as a multipart body; the boundary is the first line of the input.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (boundary, body) = match memchr_split(data) {
        Some(split) => split,
        None => return,
    };
    let _ = leakscope_http::multipart::parse_multipart(body, &String::from_utf8_lossy(boundary));
});

fn memchr_split(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = data.iter().position(|&b| b == b'\n')?;
    Some((data.get(..at)?, data.get(at + 1..)?))
}
