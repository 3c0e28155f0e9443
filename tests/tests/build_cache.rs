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

#[test]
fn a_change_in_welds_js_driver_scripts_rebuilds_js_stages() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    let tools = tmp.path().join("js-tools");
    copy_dir(&repo().join("wit"), &tmp.path().join("wit"));
    copy_dir(
        &repo().join("samples/text-pipeline/stages/style"),
        &dir.join("style"),
    );
    std::fs::write(
        dir.join("pipeline.yaml"),
        "version: 1\nname: styles\nwit: ../wit/text\nstages:\n  style:\n    lang: js\n    path: style/style.js\n    world: demo:text/style-stage\nexports:\n  demo:text/style: style\n",
    )
    .unwrap();
    // Weld's JS tools as an installation has them: the scripts, and the packages.
    std::fs::create_dir_all(&tools).unwrap();
    for entry in std::fs::read_dir(repo().join("tools/js")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "mjs" || x == "json") {
            std::fs::copy(&path, tools.join(path.file_name().unwrap())).unwrap();
        }
    }
    std::os::unix::fs::symlink(
        repo().join("tools/js/node_modules"),
        tools.join("node_modules"),
    )
    .unwrap();
    let compose = || {
        let out = std::process::Command::new(weld_e2e::bin("weld"))
            .args(["compose", "pipeline.yaml", "-o", "out.wasm"])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("WELD_JS_TOOLS", &tools)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(compose().contains("Compiling style (js)"));
    let unchanged = compose();
    assert!(unchanged.contains("Fresh style (js)"), "{unchanged}");
    // Any script, even one line of a comment: the cache cannot know what it changes.
    let driver = tools.join("componentize-quickjs.mjs");
    let script = std::fs::read_to_string(&driver).unwrap();
    std::fs::write(&driver, format!("{script}\n// edited\n")).unwrap();
    let changed = compose();
    assert!(
        changed.contains("Compiling style (js)"),
        "a changed driver script must rebuild the JS stage:\n{changed}"
    );
}
