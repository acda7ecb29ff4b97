//! What the tests that read the shared real captures have in common.

use std::path::PathBuf;

/// The HAR files of `../shared/real-captures` (beside the repository), sorted; `None` when the
/// folder is missing and `LEAKSCOPE_SKIP_REAL_CAPTURES` says the clone is meant to run without
/// it. Missing without that, the calling test fails: CI must not pass by scanning nothing.
pub fn real_captures() -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-captures");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("LEAKSCOPE_SKIP_REAL_CAPTURES").is_some(),
            "shared/real-captures not found beside the repository; set \
             LEAKSCOPE_SKIP_REAL_CAPTURES=1 to run the tests without them"
        );
        eprintln!("shared/real-captures not found: skipped (LEAKSCOPE_SKIP_REAL_CAPTURES)");
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "har"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no HAR in {}", dir.display());
    Some(files)
}
