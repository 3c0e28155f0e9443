//! `warm-up: tests` on a QuickJS stage: the calls of its test cases run once at build
//! time, before the engine is snapshotted, so every instance starts from the memory they
//! left. The fixture's stage counts its calls, which shows what ran before the snapshot;
//! a stage whose imports could not be there at build time, and one without a test file,
//! are refused saying why. `weld test` names a JS exception that ends a call.

use std::path::Path;

use weld_e2e::{copy_dir, ok, repo, shim, text, weld};

fn fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/js-warm-up"), tmp.path());
    tmp
}

/// `count(...)` in a new instance of `artifact` (a new `weld-shim` process).
fn count(artifact: &Path) -> String {
    ok(shim(&[
        "invoke",
        artifact.to_str().unwrap(),
        r#"test:warm/counter.count({label: "x", weight: 0, note: none})"#,
    ]))
    .trim()
    .to_string()
}

/// Runs `weld` with `args` in `dir`, asserts that it fails, and returns its output.
fn failing(dir: &Path, args: &[&str]) -> String {
    let out = weld(dir, args);
    let output = text(&out);
    assert!(!out.status.success(), "{output}");
    output
}

/// Replaces the stage's test file with `cases`.
fn write_cases(dir: &Path, cases: &str) {
    std::fs::write(dir.join("counter/counter.test.yaml"), cases).unwrap();
}

/// The pipeline with `line` rewritten to `with`.
fn rewrite(dir: &Path, line: &str, with: &str) -> String {
    let pipeline = std::fs::read_to_string(dir.join("pipeline.yaml")).unwrap();
    assert!(pipeline.contains(line), "{pipeline}");
    pipeline.replace(line, with)
}

#[test]
fn every_instance_starts_after_the_test_calls_ran_once() {
    let tmp = fixture();
    let dir = tmp.path();
    let out = weld(dir, &["compose", "-o", "warm.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    // Three cases ran at build time, the one that throws included; each new instance
    // starts from there.
    assert_eq!(count(&dir.join("warm.wasm")), "4");
    assert_eq!(count(&dir.join("warm.wasm")), "4");
    // The test file's cases expect that too: `weld test` runs them on the same build.
    let out = weld(dir, &["test"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("3 passed, 0 failed"), "{}", text(&out));
    // The build record says so.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("warm.build.json")).unwrap()).unwrap();
    assert_eq!(record["stages"][0]["warm_up"], "tests", "{record}");

    // Without `warm-up:` an instance starts from the module's own code alone.
    std::fs::write(
        dir.join("cold.yaml"),
        rewrite(dir, "    warm-up: tests\n", ""),
    )
    .unwrap();
    let out = weld(dir, &["compose", "cold.yaml", "-o", "cold.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(count(&dir.join("cold.wasm")), "1");

    // A case added to the test file is a changed input: the stage is built again.
    let tests = dir.join("counter/counter.test.yaml");
    let mut cases = std::fs::read_to_string(&tests).unwrap();
    cases.push_str(
        "\n- name: one more\n  call: 'test:warm/counter.count({label: \"c\", weight: 3, note: none})'\n  expect: '5'\n",
    );
    std::fs::write(&tests, cases).unwrap();
    let out = weld(dir, &["compose", "-o", "warm.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Compiling counter (js)"),
        "{}",
        text(&out)
    );
    assert_eq!(count(&dir.join("warm.wasm")), "5");
}

#[test]
fn a_stage_that_imports_functions_or_has_no_test_file_is_refused_saying_why() {
    let tmp = fixture();
    let dir = tmp.path();
    std::fs::write(
        dir.join("clocked.yaml"),
        rewrite(
            dir,
            "world: test:warm/counter-stage",
            "world: test:warm/clocked-stage",
        )
        .replace("exports:", "host-imports: [test:warm/clock]\nexports:"),
    )
    .unwrap();
    let output = failing(dir, &["compose", "clocked.yaml", "-o", "clocked.wasm"]);
    assert!(output.contains("counter"), "{output}");
    assert!(
        output.contains(
            "needs a stage that imports no functions, and this one imports `test:warm/clock.now`"
        ),
        "{output}"
    );
    assert!(!dir.join("clocked.wasm").exists());

    std::fs::remove_file(dir.join("counter/counter.test.yaml")).unwrap();
    let output = failing(dir, &["compose", "-o", "warm.wasm"]);
    assert!(
        output.contains("counter.test.yaml` does not exist"),
        "{output}"
    );
    assert!(!dir.join("warm.wasm").exists());
}

#[test]
fn a_case_that_does_not_fit_the_export_is_named_with_its_line() {
    let tmp = fixture();
    let dir = tmp.path();
    write_cases(
        dir,
        "- name: wrong argument\n  call: 'test:warm/counter.count(\"x\")'\n  expect: '1'\n",
    );
    let output = failing(dir, &["compose", "-o", "warm.wasm"]);
    assert!(
        output.contains("cannot run case `wrong-argument`"),
        "{output}"
    );
    assert!(output.contains("counter.test.yaml:2:"), "{output}");
    assert!(
        output.contains("do not fit `count(item: item)`"),
        "{output}"
    );
}

#[test]
fn weld_test_names_the_exception_that_ended_a_call_and_shows_a_failing_cases_output() {
    let tmp = fixture();
    let dir = tmp.path();
    write_cases(
        dir,
        "- name: expects another message\n  call: 'test:warm/counter.fail()'\n  expect-trap: another message\n",
    );
    let output = failing(dir, &["test"]);
    // The trap is named with the JS exception (its message and where it was thrown),
    // not with the runtime's panic.
    assert!(
        output.contains("actual: uncaught exception in `fail`: fails on purpose (at fail ("),
        "{output}"
    );
    assert!(output.contains("trap in stage `counter`"), "{output}");
    assert!(!output.contains("panicked"), "{output}");
    // What the stage wrote is shown under the failure, as `cargo test` shows it.
    assert!(
        output.contains("the stage's stdout:\n    | counted, now failing"),
        "{output}"
    );
}
