//! The scanner remembers what the rules said of each (field, value) pair within a request, so
//! that a batch repeating the device fields in every event is classified once. A crafted value
//! whose hash collides with another's must not borrow that verdict and hide a leak.

use leakscope::{Input, ScanOptions, Scanner};

fn scan(body: &str) -> leakscope::Report {
    let request = format!(
        "POST /collect HTTP/1.1\r\nHost: t.tracker.example\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, request.as_bytes()).unwrap();
    let scan = Scanner::builtin(ScanOptions::default())
        .scan_inputs(&[Input::Path(file.path().to_owned())]);
    assert!(scan.input_errors.is_empty(), "{:?}", scan.input_errors);
    scan.report
}

fn contacts(report: &leakscope::Report) -> usize {
    report
        .leaks
        .iter()
        .filter(|l| l.category == leakscope::Category::Contact)
        .count()
}

#[test]
fn a_colliding_decoy_does_not_hide_a_leak() {
    // The first e-mail is not one (no dot in its domain). Under the unkeyed hash the cache
    // first used (rustc-hash 2's), its field and value hashed as the second's do (found by a
    // search, as an attacker would); the cache's hash is now keyed at random.
    let body = r#"{"a":{"email":"decoy-hecfaaaaaa@mailboxnqhI6pxJ"},"b":{"email":"jane.doe.private@mailbox-one.org"}}"#;
    assert_eq!(contacts(&scan(body)), 1);
}

#[test]
fn repeated_pairs_are_each_counted() {
    let event = r#"{"email":"jane.doe.private@mailbox-one.org","model":"Pixel 7"}"#;
    let body = format!("[{event},{event},{event}]");
    let report = scan(&body);
    let email = report
        .leaks
        .iter()
        .find(|l| l.category == leakscope::Category::Contact)
        .expect("the e-mail is a leak");
    assert_eq!(email.occurrences, 3);
}
