//! `weld check` and `weld compose` on inputs that once split them: `.wat` stages,
//! versioned names, exported types and resources from several stages. Whatever
//! `compose` rejects, `check` rejects first, with the same diagnostic; whatever `check`
//! accepts, `compose` links. Fast: WAT and WIT stages only.

mod common;

use common::{golden_case as golden, stderr, stdout, weld};

#[test]
fn a_wat_stage_composes_and_its_versioned_export_is_invoked() {
    let dir = golden("versioned-wat-stage");
    let out = weld(dir.path(), &["compose", "-o", "app.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("(1 stage,"), "{}", stderr(&out));
    for call in [
        "test:calc/ops@1.2.3.add(2, 3)",
        "test:calc/ops.add(2, 3)",
        "add(2, 3)",
    ] {
        let out = weld(dir.path(), &["invoke", "app.wasm", call]);
        assert!(out.status.success(), "{call}: {}", stderr(&out));
        assert_eq!(stdout(&out), "5\n", "{call}");
    }
}

#[test]
fn a_one_stage_pipeline_checks_and_composes() {
    let dir = golden("one-stage");
    let out = weld(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("wired correctly: 1 stage, 0 wires, 0 host imports"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let out = weld(dir.path(), &["compose", "-o", "one.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = weld(dir.path(), &["invoke", "one.wasm", "get()"]);
    assert_eq!(stdout(&out), "42\n", "{}", stderr(&out));
}

#[test]
fn check_rejects_what_compose_would_with_the_same_diagnostic() {
    for (case, expected) in [
        (
            "error-exported-types-conflict",
            "error: exported interface `test:g/area` of stage `area` uses types of `test:g/shapes`, but the artifact exports `test:g/shapes` from stage `shapes-b`",
        ),
        (
            "error-resource-from-two-stages",
            "error: stage `user` gets resource `handle` of `test:r/types` from two different places",
        ),
    ] {
        let dir = golden(case);
        let check = weld(dir.path(), &["check"]);
        let compose = weld(dir.path(), &["compose", "-o", "app.wasm"]);
        for (cmd, out) in [("check", &check), ("compose", &compose)] {
            let err = stderr(out);
            assert_eq!(out.status.code(), Some(1), "{case}: weld {cmd}: {err}");
            assert!(err.contains(expected), "{case}: weld {cmd}:\n{err}");
            assert!(
                err.contains("pipeline.yaml:"),
                "{case}: weld {cmd}: no position:\n{err}"
            );
            for raw in ["offset 0x", "ResourceId", "panicked"] {
                assert!(
                    !err.contains(raw),
                    "{case}: weld {cmd} shows `{raw}`:\n{err}"
                );
            }
        }
        assert!(
            !dir.path().join("app.wasm").exists(),
            "{case}: compose wrote an artifact"
        );
    }
}

#[test]
fn exported_types_are_exported_with_the_interface_that_uses_them() {
    let dir = golden("exported-types-auto");
    let out = weld(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "test:g/shapes <- shapes.test:g/shapes  (exported because `test:g/area` uses its types)"
        ),
        "{}",
        stdout(&out)
    );
    let out = weld(dir.path(), &["compose", "-o", "app.wasm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(dir.path().join("app.wasm")).unwrap();
    let exports: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&bytes)
        .filter_map(|p| match p {
            Ok(wasmparser::Payload::ComponentExportSection(s)) => Some(s),
            _ => None,
        })
        .last()
        .unwrap()
        .into_iter()
        .map(|e| e.unwrap().name.name.to_string())
        .collect();
    assert_eq!(exports, ["test:g/area", "test:g/shapes"]);
}
