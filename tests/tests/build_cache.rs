//! The build cache as a user relies on it: what decides a stage's component
//! rebuilds it when it changes, even when it lives outside the stage's folder.

use weld_e2e::{copy_dir, ok, repo, shim, text, weld};

#[test]
fn a_change_in_a_rust_path_dependency_rebuilds_the_stage() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/fixtures/path-dependency"), dir);
    // The stage as a lone package, its path dependency outside its workspace: it
    // builds, rebuilds when the dependency changes, and gets a warning that its bytes
    // depend on the checkout's path.
    std::fs::remove_file(dir.join("Cargo.toml")).unwrap();
    std::fs::rename(
        dir.join("Cargo.lock"),
        dir.join("stages/greeter/Cargo.lock"),
    )
    .unwrap();
    let manifest = dir.join("stages/greeter/Cargo.toml");
    let text_of = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text_of}\n[workspace]\n")).unwrap();
    let artifact = dir.join("out.wasm");
    let call = r#"test:dep/greet.greet("Ada")"#;
    let compose = || {
        let out = weld(dir, &["compose", "pipeline.yaml", "-o", "out.wasm"]);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    let first = compose();
    assert!(first.contains("Compiling greeter (rust)"), "{first}");
    assert!(
        first.contains("warning: stage `greeter`: path dependency `shared/greeting` lies outside the crate's Cargo workspace (`stages/greeter`)"),
        "{first}"
    );
    assert_eq!(
        ok(shim(&["invoke", artifact.to_str().unwrap(), call])).trim(),
        r#""Hello, Ada""#
    );

    let unchanged = compose();
    assert!(unchanged.contains("Fresh greeter (rust)"), "{unchanged}");

    let shared = dir.join("shared/greeting/src/lib.rs");
    let source = std::fs::read_to_string(&shared).unwrap();
    std::fs::write(&shared, source.replace("\"Hello\"", "\"Howdy\"")).unwrap();
    let changed = compose();
    assert!(
        changed.contains("Compiling greeter (rust)"),
        "a change in the path dependency must rebuild the stage:\n{changed}"
    );
    assert_eq!(
        ok(shim(&["invoke", artifact.to_str().unwrap(), call])).trim(),
        r#""Howdy, Ada""#
    );
}

#[test]
fn switching_between_variants_and_undoing_an_edit_reuse_the_cached_stage() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/fixtures/path-dependency"), dir);
    let artifact = dir.join("out.wasm");
    let call = r#"test:dep/greet.greet("Ada")"#;
    let compose = |extra: &[&str]| {
        let mut args = vec!["compose", "pipeline.yaml", "-o", "out.wasm"];
        args.extend_from_slice(extra);
        let out = weld(dir, &args);
        assert!(out.status.success(), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let fresh = stderr.contains("Fresh greeter (rust)");
        assert_ne!(
            fresh,
            stderr.contains("Compiling greeter (rust)"),
            "{stderr}"
        );
        fresh
    };

    // Release and `--debug` are two components of one stage; each is built once.
    assert!(!compose(&[]), "first release build");
    assert!(!compose(&["--debug"]), "first debug build");
    assert!(compose(&[]), "release again reuses the release build");
    assert!(compose(&["--debug"]), "debug again reuses the debug build");

    // An edit builds; undoing it finds the component built before the edit.
    let shared = dir.join("shared/greeting/src/lib.rs");
    let source = std::fs::read_to_string(&shared).unwrap();
    std::fs::write(&shared, source.replace("\"Hello\"", "\"Howdy\"")).unwrap();
    assert!(!compose(&[]), "the edit is built");
    assert_eq!(
        ok(shim(&["invoke", artifact.to_str().unwrap(), call])).trim(),
        r#""Howdy, Ada""#
    );
    std::fs::write(&shared, &source).unwrap();
    assert!(compose(&[]), "the undone edit is cached");
    assert_eq!(
        ok(shim(&["invoke", artifact.to_str().unwrap(), call])).trim(),
        r#""Hello, Ada""#
    );
}
