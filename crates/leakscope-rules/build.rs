//! Lists the tracker pack (`rules/trackers/*.toml`) for `include!`, so that a new tracker is one
//! new file: nothing else to register.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("rules/trackers");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("rules/trackers is part of the crate")
        .map(|entry| entry.expect("rules/trackers can be listed"))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    let mut list = String::from("&[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=rules/trackers/{name}");
        writeln!(
            list,
            "    (\"trackers/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/trackers/{name}\"))),"
        )
        .expect("writing to a String");
    }
    list.push(']');
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("trackers.in"), list).expect("OUT_DIR is writable");
}
