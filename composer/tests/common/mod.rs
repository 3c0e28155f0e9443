//! What the CLI tests share: running the `weld` binary and copying golden cases.

#![allow(dead_code, reason = "each test file uses a part")]

use std::{
    path::Path,
    process::{Command, Output},
};

/// Runs `weld` with `args` in `dir`.
pub fn weld(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weld"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("weld runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A copy of golden case `name` (its files, not its folders), each WIT world made into
/// a component next to it (`x.wit` -> `x.wasm`).
pub fn golden_case(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let to = tmp.path().join(path.file_name().unwrap());
        if path.extension().is_some_and(|e| e == "wit") {
            let bytes = weld::wit::WitDir::stand_in_from_file(&path).unwrap();
            std::fs::write(to.with_extension("wasm"), bytes).unwrap();
        } else if path.is_file() {
            std::fs::copy(&path, to).unwrap();
        }
    }
    tmp
}
