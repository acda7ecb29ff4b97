//! Rule packs: loading the user's rule files beside the built-in ones, and checking a pack the
//! way `leakscope rules check` does, with every whole-request example run through the scanner.
//!
//! The rules crate checks what it can alone (ids unique, patterns compile, each rule's field
//! examples). A rule file's `[[example]]` is a whole request: it is read as a capture, split,
//! decoded and classified exactly as a scan would, so an example proves the rule works where it
//! matters, behind whatever layers the tracker uses.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leakscope_rules::{Engine, RuleError, RuleSet};

use crate::{Input, Recorder, ScanOptions, Scanner};

/// Why a rule pack could not be loaded: a file that cannot be read, or a rule that is wrong.
#[derive(Debug, thiserror::Error)]
pub enum RulePackError {
    /// A file or folder could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A rule file is wrong (the message names the file and line).
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// The built-in rules and the rules of each file given; a folder adds every `.toml` file in it
/// and its subfolders, in sorted order. A broken file is an error naming it: a pack is never
/// loaded in part.
pub fn load_rules(paths: &[PathBuf]) -> Result<RuleSet, RulePackError> {
    let mut set = RuleSet::builtin()?;
    for path in paths {
        let files = rule_files(path)?;
        if files.is_empty() {
            return Err(RulePackError::Io {
                path: path.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no rule files (`.toml`) in this folder",
                ),
            });
        }
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| RulePackError::Io {
                path: file.display().to_string(),
                source,
            })?;
            set.add_toml(&text, &file.display().to_string())?;
        }
    }
    Ok(set)
}

/// The rule files under `path`: itself when it is a file, else every `.toml` below it.
fn rule_files(path: &Path) -> Result<Vec<PathBuf>, RulePackError> {
    let io = |source| RulePackError::Io {
        path: path.display().to_string(),
        source,
    };
    if !path.is_dir() {
        // A missing file is reported when it is read.
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            files.extend(rule_files(&entry)?);
        } else if entry
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            files.push(entry);
        }
    }
    Ok(files)
}

/// One thing `rules check` found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCheckFailure {
    /// The file (`built-in trackers/bing-uet.toml`, or a user's path).
    pub origin: String,
    /// The line, when known (0 otherwise).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RuleCheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.origin, self.message),
            line => write!(f, "{}:{line}: {}", self.origin, self.message),
        }
    }
}

/// What `rules check` did: how much it checked, and what failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleCheck {
    /// Rules checked.
    pub rules: usize,
    /// Field examples and negative examples run.
    pub field_examples: usize,
    /// Whole-request examples scanned.
    pub request_examples: usize,
    /// Everything that did not hold.
    pub failures: Vec<RuleCheckFailure>,
}

/// Check a rule pack: it compiles, every rule has an example, every field example and
/// negative example holds, and every whole-request example produces the leaks it lists and
/// reports none of the values it says must not be reported.
pub fn check_rules(set: &RuleSet) -> RuleCheck {
    let mut check = RuleCheck {
        rules: set.rules().len(),
        field_examples: set
            .rules()
            .iter()
            .map(|r| r.examples.len() + r.negative_examples.len())
            .sum(),
        request_examples: set.request_examples().len(),
        failures: Vec::new(),
    };
    let place_of = |id: &str| {
        set.rules()
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| (String::new(), 0), |r| (r.origin.clone(), r.line))
    };
    let engine = match Engine::new(set.clone()) {
        Ok(engine) => engine,
        Err(error) => {
            check.failures.push(RuleCheckFailure {
                origin: String::new(),
                line: 0,
                message: error.to_string(),
            });
            return check;
        }
    };
    if let Err(failures) = set.check_examples() {
        for failure in failures {
            let (origin, line) = place_of(&failure.rule);
            check.failures.push(RuleCheckFailure {
                origin,
                line,
                message: failure.to_string(),
            });
        }
    }
    for rule in set.rules() {
        let in_a_request = set
            .request_examples()
            .iter()
            .any(|e| e.leaks.iter().any(|l| l.rule == rule.id));
        if rule.examples.is_empty() && !in_a_request {
            check.failures.push(RuleCheckFailure {
                origin: rule.origin.clone(),
                line: rule.line,
                message: format!(
                    "rule `{}` has no example (give `examples`, or list it in an \
                     `[[example]]`'s `leaks`)",
                    rule.id
                ),
            });
        }
    }
    // Whole requests, scanned as a capture is: context off (an example stands alone), values
    // kept so the expected ones can be compared.
    let scanner = Scanner::new(
        engine,
        ScanOptions {
            show_values: true,
            no_context: true,
            jobs: Some(1),
            ..ScanOptions::default()
        },
    );
    for example in set.request_examples() {
        let fail = |message: String| RuleCheckFailure {
            origin: example.origin.clone(),
            line: example.line,
            message: format!("example `{}`: {message}", example.name),
        };
        for leak in &example.leaks {
            if !set.rules().iter().any(|r| r.id == leak.rule) {
                check
                    .failures
                    .push(fail(format!("lists an unknown rule `{}`", leak.rule)));
            }
        }
        let input = Input::Bytes {
            name: format!("{} example `{}`", example.origin, example.name),
            data: Arc::from(request_bytes(&example.request)),
        };
        let mut recorder = Recorder::default();
        let scan = scanner.scan_inputs_with(&[input], &mut recorder);
        for error in &scan.input_errors {
            check
                .failures
                .push(fail(format!("cannot be read: {error}")));
        }
        if scan.report.summary.requests == 0 && scan.input_errors.is_empty() {
            check.failures.push(fail("holds no request".into()));
        }
        for leak in &example.leaks {
            let found = recorder
                .occurrences
                .iter()
                .any(|o| o.rule == leak.rule && leak.value.as_ref().is_none_or(|v| *v == o.value));
            if !found {
                let reported: Vec<String> = recorder
                    .occurrences
                    .iter()
                    .map(|o| format!("{} at {} = {:?}", o.rule, o.location, o.value))
                    .collect();
                let wanted = match &leak.value {
                    Some(value) => format!("`{}` with value {value:?}", leak.rule),
                    None => format!("`{}`", leak.rule),
                };
                check.failures.push(fail(format!(
                    "{wanted} was not reported (reported: {})",
                    if reported.is_empty() {
                        "nothing".to_owned()
                    } else {
                        reported.join("; ")
                    }
                )));
            }
        }
        for value in &example.not_reported {
            for o in recorder.occurrences.iter().filter(|o| o.value == *value) {
                check.failures.push(fail(format!(
                    "{value:?} must not be reported, but `{}` reported it at {}",
                    o.rule, o.location
                )));
            }
        }
    }
    check
}

/// An example's request as capture bytes: raw HTTP with CRLF line ends (examples are written
/// with the file's LF), a HAR as it is.
fn request_bytes(request: &str) -> Vec<u8> {
    let trimmed = request.trim_start();
    if trimmed.starts_with('{') {
        return trimmed.as_bytes().to_vec();
    }
    // Headers end at the first blank line; the body after it is kept as written.
    let (head, body) = match trimmed.split_once("\n\n") {
        Some((head, body)) => (head, Some(body)),
        None => (trimmed.trim_end(), None),
    };
    let mut bytes = head
        .replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes();
    let body = body
        .map(|b| b.strip_suffix('\n').unwrap_or(b))
        .unwrap_or("");
    let has_length = head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("content-length:"));
    if !body.is_empty() && !has_length {
        bytes.extend_from_slice(format!("\r\nContent-Length: {}", body.len()).as_bytes());
    }
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_examples_become_http_messages() {
        let bytes =
            request_bytes("\nPOST https://t.example/e HTTP/1.1\nHost: t.example\n\n{\"a\":1}\n");
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "POST https://t.example/e HTTP/1.1\r\nHost: t.example\r\nContent-Length: 7\r\n\r\n{\"a\":1}"
        );
        let get = request_bytes("GET https://t.example/p?x=1 HTTP/1.1\nHost: t.example\n");
        assert!(get.ends_with(b"Host: t.example\r\n\r\n"));
    }

    /// The README's example pack: a made-up tracker, with a whole request as its example.
    const PACK: &str = include_str!("../../../examples/rules/acme-beacon.toml");

    fn set_with(text: &str) -> RuleSet {
        let mut set = RuleSet::builtin().unwrap();
        set.add_toml(text, "pack.toml").unwrap();
        set
    }

    /// The pack with `from` replaced by `to` (which must be in it).
    fn pack_with(from: &str, to: &str) -> String {
        assert!(PACK.contains(from), "the example pack has no {from:?}");
        PACK.replace(from, to)
    }

    #[test]
    fn a_good_pack_checks_clean() {
        let set = set_with(PACK);
        let check = check_rules(&set);
        let line = PACK[..PACK.find("[[example]]").unwrap()].lines().count() + 1;
        assert_eq!(check.failures, vec![], "{:#?}", check.failures);
        assert_eq!(check.request_examples, set.request_examples().len());
        assert!(
            set.request_examples()
                .iter()
                .any(|e| e.name == "a page view" && e.origin == "pack.toml" && e.line == line),
            "{:#?}",
            set.request_examples()
        );
        assert!(check.rules > 15);
    }

    #[test]
    fn a_wrong_example_fails_with_its_file_and_line() {
        // Without the ignore, `q` is a search, which the example says must not be reported.
        let without_ignore = pack_with(r#"keys = ["q", "sid"]"#, r#"keys = ["sid"]"#);
        let check = check_rules(&set_with(&without_ignore));
        let messages: Vec<String> = check.failures.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert!(
            messages[0].starts_with("pack.toml:")
                && messages[0].contains("example `a page view`: \"default\" must not be reported, but `search.query-field`"),
            "{messages:#?}"
        );
        // An expected leak that does not come.
        let page =
            r#"{ rule = "acme-beacon.page", value = "https://www.example.org/plans/apply" }"#;
        let wrong_value = pack_with(page, r#"{ rule = "acme-beacon.page", value = "x" }"#);
        let check = check_rules(&set_with(&wrong_value));
        assert_eq!(check.failures.len(), 1, "{:#?}", check.failures);
        assert!(check.failures[0].message.contains("was not reported"));
        // A rule no example shows.
        let no_example = pack_with(
            r#"examples = [{ key = "av", value = "a1b2c3d4e5f60718" }]"#,
            "",
        )
        .replace(
            r#"{ rule = "acme-beacon.visitor-id", value = "a1b2c3d4e5f60718" },"#,
            "",
        );
        let check = check_rules(&set_with(&no_example));
        assert!(
            check
                .failures
                .iter()
                .any(|f| f.message.contains("has no example")),
            "{:#?}",
            check.failures
        );
    }

    #[test]
    fn packs_load_from_files_and_folders_and_fail_loudly() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("more")).unwrap();
        std::fs::write(dir.path().join("more/pack.toml"), PACK).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a rule file").unwrap();
        let set = load_rules(&[dir.path().to_path_buf()]).unwrap();
        assert!(set.rules().iter().any(|r| r.id == "acme-beacon.visitor-id"));

        std::fs::write(
            dir.path().join("broken.toml"),
            "[[rule]]\nid = 'x'\ncategory = 'nope'\n",
        )
        .unwrap();
        let error_of = |path: std::path::PathBuf| load_rules(&[path]).unwrap_err().to_string();
        let err = error_of(dir.path().to_path_buf());
        assert!(
            err.contains("broken.toml") && err.contains("line 3"),
            "{err}"
        );
        let err = error_of(dir.path().join("missing.toml"));
        assert!(err.contains("missing.toml"), "{err}");
        // A pack that holds nothing is not loaded as no rules.
        let empty = tempfile::tempdir().unwrap();
        let err = error_of(empty.path().to_path_buf());
        assert!(err.contains("no rule files"), "{err}");
        std::fs::write(empty.path().join("empty.TOML"), "# nothing yet\n").unwrap();
        let err = error_of(empty.path().to_path_buf());
        assert!(
            err.contains("empty.TOML") && err.contains("holds no"),
            "{err}"
        );
    }
}
