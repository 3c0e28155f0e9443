//! Debugging a composed artifact: a trap three stages deep names every stage on the
//! way, innermost first, and with `weld compose --debug` the Rust `file:line` of the
//! panic; the panic message the guest wrote stays next to the trace. A release build
//! names the same stages and carries no debug info.

use std::path::Path;

use weld_e2e::{copy_dir, repo, shim, text, weld};

/// The 1-based line of the fixture's `panic!`, read from its source rather than
/// written down twice.
fn panic_line(dir: &Path) -> usize {
    let source = std::fs::read_to_string(dir.join("stages/inner/src/lib.rs")).unwrap();
    source
        .lines()
        .position(|line| line.contains("panic!("))
        .expect("the inner stage panics")
        + 1
}

/// Whether a component carries DWARF (a `.debug_info` custom section in any module).
fn has_dwarf(component: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(component)
        .filter_map(Result::ok)
        .any(|payload| {
            matches!(payload, wasmparser::Payload::CustomSection(c) if c.name() == ".debug_info")
        })
}

/// Stderr of a trapping `invoke`, with the stage lines' order checked.
fn trap_of(artifact: &Path) -> String {
    let out = shim(&[
        "invoke",
        artifact.to_str().unwrap(),
        "test:deep/outer.run(0)",
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.contains("error: trap in stage `inner`: unreachable executed"),
        "{stderr}"
    );
    // The panic message is printed by the guest before the trap ends the call.
    let message = stderr
        .find("inner refuses zero")
        .unwrap_or_else(|| panic!("no panic message:\n{stderr}"));
    let stack = stderr
        .find("guest stack, innermost first:")
        .unwrap_or_else(|| panic!("no guest stack:\n{stderr}"));
    assert!(message < stack, "{stderr}");
    // Innermost first: inner, then middle, then outer.
    let first = |stage: &str| {
        stderr
            .find(&format!("stage `{stage}`: "))
            .unwrap_or_else(|| panic!("no frame of stage `{stage}`:\n{stderr}"))
    };
    assert!(first("inner") < first("middle"), "{stderr}");
    assert!(first("middle") < first("outer"), "{stderr}");
    stderr
}

#[test]
fn a_trap_three_stages_deep_names_every_stage_and_the_rust_line_with_debug() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&repo().join("tests/fixtures/deep-trap"), dir);

    let compose = weld(dir, &["compose", "--debug", "-o", "debug.wasm"]);
    assert!(compose.status.success(), "{}", text(&compose));
    let debug = dir.join("debug.wasm");
    let debug_bytes = std::fs::read(&debug).unwrap();
    assert!(has_dwarf(&debug_bytes));
    // `inner` imports only WASI: its imports are lowered straight into its memory,
    // which its module imports (composer/src/link/direct_lowering.rs); its lines must
    // survive that.
    assert!(
        debug_bytes.windows(11).any(|w| w == b"weld:memory"),
        "no stage of the fixture was linked with its memory ahead of its code"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("debug.build.json")).unwrap()).unwrap();
    assert_eq!(record["debug"], true, "{record}");

    let stderr = trap_of(&debug);
    // The panicking function, demangled, at its line, relative to the pipeline.
    let line = panic_line(dir);
    assert!(
        stderr.contains(&format!(
            "stage `inner`: <inner::Inner as inner::exports::test::deep::inner::Guest>::check\n             at stages/inner/src/lib.rs:{line}:"
        )),
        "{stderr}"
    );
    // Every stage on the path has its own source lines.
    for stage in ["middle", "outer"] {
        assert!(
            stderr.contains(&format!("at stages/{stage}/src/lib.rs:")),
            "{stderr}"
        );
    }
    // Rust's panic runtime is left out, as in a Rust short backtrace.
    assert!(
        stderr.contains("frames of Rust's panic runtime left out"),
        "{stderr}"
    );
    assert!(!stderr.contains("__rust_start_panic"), "{stderr}");

    // The release build of the same sources: same stages, no debug info, no lines.
    let compose = weld(dir, &["compose", "-o", "release.wasm"]);
    assert!(compose.status.success(), "{}", text(&compose));
    let release = dir.join("release.wasm");
    let release_bytes = std::fs::read(&release).unwrap();
    assert!(!has_dwarf(&release_bytes));
    assert!(release_bytes.len() < std::fs::metadata(&debug).unwrap().len() as usize);
    let stderr = trap_of(&release);
    assert!(!stderr.contains("at stages/"), "{stderr}");
}
