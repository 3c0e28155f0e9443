//! Reproducible builds: the same sources give the same bytes in any checkout, and
//! `weld verify` proves it (or names the stage that does not reproduce).

use std::path::{Path, PathBuf};

use sha2::Digest as _;
use weld_e2e::{copy_dir, repo, text, weld};

/// A copy of the text-pipeline sample and its WIT at `root`, laid out as in the
/// repository (the pipeline names `../../wit/text`), plus Go-only and JS-only pipelines.
fn checkout(root: &Path) -> PathBuf {
    let sample = root.join("samples/text-pipeline");
    copy_dir(&repo().join("samples/text-pipeline"), &sample);
    copy_dir(&repo().join("wit/text"), &root.join("wit/text"));
    std::fs::write(
        sample.join("go-only.yaml"),
        "version: 1\nname: text-pipeline-go\nwit: ../../wit/text\nstages:\n  clean:\n    lang: go\n    path: stages/clean\n    world: demo:text/clean-stage\nexports:\n  demo:text/clean: clean\n",
    )
    .unwrap();
    std::fs::write(
        sample.join("js-only.yaml"),
        "version: 1\nname: text-pipeline-js\nwit: ../../wit/text\nstages:\n  style:\n    lang: js\n    path: stages/style/style.js\n    world: demo:text/style-stage\nexports:\n  demo:text/style: style\n",
    )
    .unwrap();
    sample
}

#[test]
fn two_checkouts_at_different_paths_compose_identical_rust_go_and_js_artifacts() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = checkout(a.path());
    let second = checkout(&b.path().join("a/much/deeper/checkout"));
    for pipeline in ["rust-only.yaml", "go-only.yaml", "js-only.yaml"] {
        let mut artifacts = Vec::new();
        // The first checkout twice: two `--no-cache` builds in one place, too.
        for dir in [&first, &second, &first] {
            let out = weld(dir, &["compose", pipeline, "--no-cache", "-o", "out.wasm"]);
            assert!(out.status.success(), "{pipeline}: {}", text(&out));
            artifacts.push(std::fs::read(dir.join("out.wasm")).unwrap());
        }
        assert!(
            artifacts[0] == artifacts[1],
            "{pipeline}: the two checkouts composed different bytes"
        );
        assert!(
            artifacts[0] == artifacts[2],
            "{pipeline}: two `--no-cache` builds composed different bytes"
        );
    }
}

#[test]
fn a_rust_stage_with_a_path_dependency_in_its_workspace_is_the_same_in_two_checkouts() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut artifacts = Vec::new();
    for dir in [a.path().to_path_buf(), b.path().join("x/y/z")] {
        copy_dir(&repo().join("tests/fixtures/path-dependency"), &dir);
        let out = weld(&dir, &["compose", "--no-cache", "-o", "out.wasm"]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("warning:"),
            "{}",
            text(&out)
        );
        artifacts.push(std::fs::read(dir.join("out.wasm")).unwrap());
    }
    assert!(
        artifacts[0] == artifacts[1],
        "the two checkouts composed different bytes"
    );
}

#[test]
fn verify_passes_on_a_fresh_build_and_names_the_stage_whose_sources_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/fixtures/path-dependency"), dir);
    let compose = weld(dir, &["compose", "-o", "out.wasm", "--provenance"]);
    assert!(compose.status.success(), "{}", text(&compose));

    // The provenance statement names the artifact by its digest and every stage by the
    // hash of its inputs, as the build record does.
    let read_json = |file: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap()
    };
    let statement = read_json("out.intoto.json");
    let record = read_json("out.build.json");
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(statement["subject"][0]["name"], "out.wasm");
    let artifact_sha256 = hex::encode(sha2::Sha256::digest(
        std::fs::read(dir.join("out.wasm")).unwrap(),
    ));
    assert_eq!(statement["subject"][0]["digest"]["sha256"], artifact_sha256);
    let dependency = &statement["predicate"]["buildDefinition"]["resolvedDependencies"][0];
    assert_eq!(dependency["name"], "stage:greeter");
    assert_eq!(
        dependency["digest"]["sha256"],
        record["stages"][0]["source_hash"]
    );
    assert_eq!(
        dependency["annotations"]["toolchain"],
        record["stages"][0]["toolchain"]
    );

    let verified = weld(dir, &["verify", "--artifact", "out.wasm"]);
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(
        stderr.contains("Verified greeter (rust): identical"),
        "{stderr}"
    );
    assert!(stderr.contains("reproduced byte for byte"), "{stderr}");

    let shared = dir.join("shared/greeting/src/lib.rs");
    let source = std::fs::read_to_string(&shared).unwrap();
    std::fs::write(&shared, source.replace("\"Hello\"", "\"Howdy\"")).unwrap();
    let changed = weld(dir, &["verify", "--artifact", "out.wasm"]);
    let stderr = String::from_utf8_lossy(&changed.stderr);
    assert_eq!(changed.status.code(), Some(1), "{}", text(&changed));
    assert!(
        stderr.contains("Differs greeter (rust): sources differ"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did not reproduce (1 of 1 stages differ)"),
        "{stderr}"
    );
}
