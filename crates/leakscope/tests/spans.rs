//! Byte spans: an occurrence whose value is bytes of the request as sent says where they are, so a
//! researcher can point at them in the capture.

use leakscope::{Input, Recorder, ScanOptions, Scanner};

#[test]
fn a_value_sent_as_is_says_where_it_is_in_its_part() {
    let body =
        r#"{"event":"view","url":"https://example.org/private/page","q":"caf\u00e9 au lait"}"#;
    let request = format!(
        "POST /collect?dl=https%3A%2F%2Fexample.org%2Fa HTTP/1.1\r\nHost: t.example.net\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let dir = std::env::temp_dir().join(format!("leakscope-spans-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("one.http");
    std::fs::write(&file, request).unwrap();

    let scanner = Scanner::builtin(ScanOptions {
        show_values: true,
        ..ScanOptions::default()
    });
    let mut recorder = Recorder::default();
    scanner.scan_inputs_with(&[Input::Path(file)], &mut recorder);
    std::fs::remove_dir_all(&dir).unwrap();
    let occurrences = recorder.occurrences;
    let find = |location: &str| {
        occurrences
            .iter()
            .find(|o| o.location == location)
            .unwrap_or_else(|| panic!("no occurrence at {location}: {occurrences:#?}"))
    };

    // A JSON string without escapes: the bytes of the body.
    let url = find("body > json $.url");
    let span = url.span.expect("a span");
    assert_eq!(
        &body[span.start..span.end],
        "https://example.org/private/page"
    );

    // A query parameter: the whole (decoded) parameter is the part.
    let dl = find("query[dl]");
    let span = dl.span.expect("a span");
    assert_eq!((span.start, span.end), (0, "https://example.org/a".len()));
}
