//! Go stages built with `init: snapshot`: the runtime's start-up runs once, at build
//! time, and every instance still gets its own random numbers (the runtime is reseeded
//! when the instance starts), while what the start-up itself drew stays frozen.

use std::path::Path;

use weld_e2e::{copy_dir, ok, repo, shim, text, weld};

fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/go-snapshot"), tmp.path());
    tmp
}

fn compose(dir: &Path, pipeline: &str, artifact: &str) {
    let out = weld(dir, &["compose", pipeline, "-o", artifact]);
    assert!(out.status.success(), "compose failed:\n{}", text(&out));
}

/// Calls `func` of the probe in a new instance (a new `weld-shim` process).
fn call(artifact: &Path, func: &str) -> String {
    ok(shim(&[
        "invoke",
        artifact.to_str().unwrap(),
        &format!("test:snap/probe.{func}()"),
    ]))
    .trim()
    .to_string()
}

#[test]
fn a_snapshotted_go_stage_is_reseeded_in_every_instance() {
    let tmp = fixture();
    compose(tmp.path(), "pipeline.yaml", "snap.wasm");
    let artifact = tmp.path().join("snap.wasm");

    let random: Vec<String> = (0..3).map(|_| call(&artifact, "random")).collect();
    assert!(
        random[0] != random[1] && random[1] != random[2],
        "math/rand differs per instance: {random:?}"
    );
    // Map iteration order comes from the same generator (16! orders).
    let orders: Vec<String> = (0..3).map(|_| call(&artifact, "map-order")).collect();
    assert!(
        orders[0] != orders[1] || orders[1] != orders[2],
        "map order differs per instance: {orders:?}"
    );
    // What the start-up drew is part of the snapshot: the same in every instance.
    let at_start: Vec<String> = (0..2).map(|_| call(&artifact, "drawn-at-start")).collect();
    assert_eq!(at_start[0], at_start[1]);
}

#[test]
fn without_a_snapshot_the_start_up_draws_again_in_every_instance() {
    let tmp = fixture();
    compose(tmp.path(), "start.yaml", "start.wasm");
    let artifact = tmp.path().join("start.wasm");
    let at_start: Vec<String> = (0..2).map(|_| call(&artifact, "drawn-at-start")).collect();
    assert_ne!(at_start[0], at_start[1]);
}

#[test]
fn a_start_up_that_fails_while_snapshotting_names_the_stage_and_why() {
    let tmp = fixture();
    let out = weld(tmp.path(), &["compose", "failing.yaml", "-o", "fail.wasm"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!tmp.path().join("fail.wasm").exists(), "no artifact");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed to build stage `probe` (go)"), "{err}");
    assert!(
        err.contains("its start-up failed while Weld took the snapshot"),
        "{err}"
    );
    assert!(
        err.contains("panic: the probe cannot start here"),
        "Go's own message:\n{err}"
    );
    assert!(err.contains("probe.go:5"), "where it panicked:\n{err}");
    assert!(err.contains("use `init: start`"), "what to do:\n{err}");
    assert!(!err.contains("panicked at"), "weld did not panic:\n{err}");
}
