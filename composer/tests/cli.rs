//! The `weld` binary as a user runs it, on golden case folders: exit codes, where
//! output goes, `error:` without panics or colour, and atomic writes.

use std::{path::Path, process::Command};

mod common;

use common::{golden_case as case, stderr, weld};

#[test]
fn check_prints_wiring_and_host_imports() {
    let dir = case("host-imports-and-unused-stage");
    let out = weld(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("import example:kv/store <- host"),
        "{stdout}"
    );
    assert!(
        stdout.contains("host imports (the artifact needs these from its host):"),
        "{stdout}"
    );
    assert!(
        stderr(&out).contains("warning: stage `spare` is not used"),
        "{}",
        stderr(&out)
    );
    // Every stage there is a built component: its imports are known, no caveat.
    assert!(!stdout.contains("declared world"), "{stdout}");
}

#[test]
fn check_says_source_stages_are_judged_by_their_declared_worlds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("wit")).unwrap();
    std::fs::create_dir_all(dir.path().join("svc")).unwrap();
    std::fs::write(
        dir.path().join("wit/c.wit"),
        "package test:c;\ninterface api { f: func(); }\nworld s { export api; }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pipeline.yaml"),
        "version: 1\nname: c\nwit: wit\nstages:\n  svc:\n    lang: rust\n    path: svc\n    world: test:c/s\nexports:\n  test:c/api: svc\n",
    )
    .unwrap();
    let out = weld(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("note: svc checked against its declared world"),
        "{stdout}"
    );
}

#[test]
fn compose_writes_a_valid_component_and_the_same_bytes_twice() {
    let dir = case("fan-in");
    for out in ["a.wasm", "b.wasm"] {
        let o = weld(dir.path(), &["compose", "pipeline.yaml", "-o", out]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains("Linking"), "{}", stderr(&o));
    }
    let a = std::fs::read(dir.path().join("a.wasm")).unwrap();
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&a)
        .unwrap();
    assert!(
        a == std::fs::read(dir.path().join("b.wasm")).unwrap(),
        "composition is deterministic"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a.build.json")).unwrap()).unwrap();
    assert_eq!(record["stages"].as_array().unwrap().len(), 3);
}

#[test]
fn graph_prints_dot_and_mermaid() {
    let dir = case("fan-in");
    let dot = weld(dir.path(), &["graph", "--format", "dot"]);
    let dot = String::from_utf8_lossy(&dot.stdout);
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(dot.contains("\"left\" -> \"upper\""), "{dot}");
    let mermaid = weld(dir.path(), &["graph", "--format", "mermaid"]);
    let mermaid = String::from_utf8_lossy(&mermaid.stdout);
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    assert!(
        mermaid.contains("right -- \"test:g/upper\" --> upper"),
        "{mermaid}"
    );
}

#[test]
fn failures_exit_non_zero_with_error_and_no_panic_or_colour() {
    for name in [
        "error-cycle",
        "error-tabs",
        "error-truncated-wasm",
        "error-type-param",
        "error-several-at-once",
    ] {
        let dir = case(name);
        for cmd in ["check", "compose", "graph"] {
            let out = weld(dir.path(), &[cmd, "pipeline.yaml"]);
            let err = stderr(&out);
            assert!(!out.status.success(), "{name}: `weld {cmd}` succeeded");
            assert!(
                err.lines().any(|l| l.starts_with("error:")),
                "{name}: {err}"
            );
            assert!(!err.contains("panicked"), "{name}: {err}");
            assert!(
                !err.contains('\x1b'),
                "{name}: colour when not on a terminal: {err}"
            );
        }
    }
}

#[test]
fn a_missing_pipeline_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = weld(dir.path(), &["check", "nope.yaml"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot read pipeline `nope.yaml`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_compose_that_fails_checking_leaves_the_previous_artifact_untouched() {
    let dir = case("error-type-param");
    let artifact = dir.path().join("app.wasm");
    std::fs::write(&artifact, b"previous artifact").unwrap();
    let out = weld(dir.path(), &["compose", "pipeline.yaml", "-o", "app.wasm"]);
    assert!(!out.status.success());
    assert_eq!(std::fs::read(&artifact).unwrap(), b"previous artifact");
    assert_no_temporary_files(dir.path());
}

/// The write itself fails part-way: `ulimit -f` caps the size of any file weld writes
/// (in blocks of 512 or 1024 bytes, depending on the shell), and ignoring SIGXFSZ makes
/// the write past the cap fail with EFBIG instead of killing weld. A writer that
/// truncates the artifact in place would leave it cut short.
#[cfg(unix)]
#[test]
fn a_compose_that_fails_while_writing_leaves_the_previous_artifact_untouched() {
    let dir = case("fan-in");
    let out = weld(
        dir.path(),
        &["compose", "pipeline.yaml", "-o", "unlimited.wasm"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let size = std::fs::metadata(dir.path().join("unlimited.wasm"))
        .unwrap()
        .len();
    assert!(
        size > 1024,
        "the artifact ({size} bytes) must be bigger than the one-block cap"
    );
    // Not a record-backed artifact, so compose cannot skip the write as up to date.
    let artifact = dir.path().join("app.wasm");
    std::fs::write(&artifact, b"previous artifact").unwrap();

    let out = Command::new("sh")
        .args([
            "-c",
            r#"trap "" XFSZ; ulimit -f 1; exec "$WELD" "$@""#,
            "sh",
            "compose",
            "pipeline.yaml",
            "-o",
            "app.wasm",
        ])
        .env("WELD", env!("CARGO_BIN_EXE_weld"))
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "compose succeeded under the cap: {err}"
    );
    assert!(err.lines().any(|l| l.starts_with("error:")), "{err}");
    assert!(
        err.contains("failed to write `app.wasm`"),
        "the artifact's write is what failed: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let after = std::fs::read(&artifact).unwrap();
    assert!(
        after == b"previous artifact",
        "a failed write changed the previous artifact (now {} bytes)",
        after.len()
    );
    assert_no_temporary_files(dir.path());
}

fn assert_no_temporary_files(dir: &Path) {
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn wit_writes_the_package_that_http_stages_implement() {
    let dir = tempfile::tempdir().unwrap();
    let out = weld(dir.path(), &["wit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("weld:http "));

    let out = weld(
        dir.path(),
        &["wit", "weld:http", "-o", "wit/deps/weld-http.wit"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(dir.path().join("wit/deps/weld-http.wit")).unwrap();
    assert!(written.contains("package weld:http@0.1.0;"), "{written}");

    let out = weld(dir.path(), &["wit", "weld:nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error: Weld provides no WIT package `weld:nope`"),
        "{}",
        stderr(&out)
    );
}
