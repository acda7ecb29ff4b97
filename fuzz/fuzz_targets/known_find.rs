#![no_main]
// Known values and a text from arbitrary bytes: the first line holds up to four values
// separated by `|`, the rest is the text. Every match must lie inside the text, start where
// a form of its value is, and be reported once.
use leakscope_known::{KnownMatcher, KnownValue};
use leakscope_rules::Category;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (head, text) = (&data[..split], data.get(split + 1..).unwrap_or_default());
    let values: Vec<KnownValue> = String::from_utf8_lossy(head)
        .split('|')
        .take(4)
        .enumerate()
        .map(|(i, value)| KnownValue {
            label: format!("value {i}"),
            category: Category::KnownValue,
            value: value.to_owned(),
        })
        .collect();
    let Ok(matcher) = KnownMatcher::new(values) else {
        return;
    };
    let mut found = Vec::new();
    matcher.find(text, &mut found);
    for m in &found {
        assert!(m.start < m.end && m.end <= text.len(), "{m:?} in {} bytes", text.len());
        assert!(m.value < matcher.values().len());
        let _ = matcher.form(m.form).describe("label");
    }
    let mut again = found.clone();
    again.sort();
    again.dedup();
    assert_eq!(again.len(), found.len(), "a match reported twice");
});
