//! An import declared on purpose and never called: the built component no longer has
//! it, and `compose` must accept the pipeline `check` accepted.

use weld_e2e::{copy_dir, ok, repo, shim, text, weld};

#[test]
fn a_wired_import_the_code_never_calls_composes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/fixtures/unused-import"), dir);
    let check = weld(dir, &["check"]);
    assert!(check.status.success(), "{}", text(&check));
    let compose = weld(dir, &["compose", "pipeline.yaml", "-o", "out.wasm"]);
    assert!(compose.status.success(), "{}", text(&compose));
    let artifact = dir.join("out.wasm");
    assert_eq!(
        ok(shim(&[
            "invoke",
            artifact.to_str().unwrap(),
            r#"test:unused/greet.greet("Ada")"#
        ]))
        .trim(),
        r#""Hello, Ada""#
    );
}
