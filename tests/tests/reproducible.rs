//! Reproducible builds: the same sources give the same bytes in any checkout, and
//! `weld verify` proves it (or names the stage that does not reproduce).

use std::path::{Path, PathBuf};

use sha2::Digest as _;
use weld_e2e::{copy_dir, repo, text, weld};

/// Both samples and their WIT at `root`, laid out as in the repository (the pipelines
/// name `../../wit/...`).
fn checkout(root: &Path) -> PathBuf {
    for sample in ["text-pipeline", "edge-api"] {
        copy_dir(
            &repo().join("samples").join(sample),
            &root.join("samples").join(sample),
        );
    }
    copy_dir(&repo().join("wit"), &root.join("wit"));
    root.to_path_buf()
}

#[test]
fn both_samples_compose_to_the_same_bytes_in_two_checkouts_and_in_repeated_builds() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = checkout(a.path());
    let second = checkout(&b.path().join("a/much/deeper/checkout"));
    // text-pipeline: Rust, Go and JS; edge-api: two Rust stages sharing a path
    // dependency inside one Cargo workspace, Go and JS. The text pipeline is built a third time in the first checkout: two
    // `--no-cache` builds in one place must agree as well.
    let builds: [(&str, &[&PathBuf]); 2] = [
        ("samples/text-pipeline", &[&first, &second, &first]),
        ("samples/edge-api", &[&first, &second]),
    ];
    for (sample, checkouts) in builds {
        let mut artifacts = Vec::new();
        for root in checkouts {
            let dir = root.join(sample);
            let out = weld(&dir, &["compose", "--no-cache", "-o", "out.wasm"]);
            assert!(out.status.success(), "{sample}: {}", text(&out));
            artifacts.push(std::fs::read(dir.join("out.wasm")).unwrap());
        }
        assert!(
            artifacts[0] == artifacts[1],
            "{sample}: the two checkouts composed different bytes"
        );
        assert!(
            artifacts.iter().all(|a| *a == artifacts[0]),
            "{sample}: two `--no-cache` builds composed different bytes"
        );
    }
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
