//! `weld test` as a user runs it, on stages made from WAT
//! (`tests/unit_test_cases/calc`): passing and failing cases, mocks of every
//! kind, an unmocked import, a trap, filters, JUnit output, and a case that
//! does not fit the stage's types; `config` answers `wasi:config/store`
//! (`tests/unit_test_cases/config`). Fast: no guest toolchain involved.

use std::path::Path;
use std::process::{Command, Output};

/// A fresh copy of the `calc` fixture: `weld test` writes its build cache next
/// to the pipeline.
fn calc() -> tempfile::TempDir {
    fixture("calc")
}

/// A fresh copy of fixture `name` of `tests/unit_test_cases`.
fn fixture(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/unit_test_cases")
        .join(name);
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).unwrap();
    }
    tmp
}

fn weld_test(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weld"))
        .arg("test")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("weld runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn passing_cases_pass_and_failures_show_what_was_expected_and_found() {
    let dir = calc();
    let out = weld_test(dir.path(), &["pipeline.yaml"]);
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    for case in [
        "adds",
        "doubles-with-a-fixed-mock",
        "doubles-with-a-match-mock",
        "traps",
    ] {
        assert!(
            stdout.contains(&format!("test math::{case} ... ok")),
            "{case}:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("test math::wrong-on-purpose ... FAILED"),
        "{stdout}"
    );
    assert!(stdout.contains("expected: 5"), "{stdout}");
    assert!(stdout.contains("actual: 4"), "{stdout}");
    // The failing case is located in its file.
    assert!(
        stdout.contains("---- math::wrong-on-purpose (./math.test.yaml:24) ----"),
        "{stdout}"
    );
    // An import called without a mock fails the case and names the import
    // and the arguments it was called with.
    assert!(
        stdout.contains(
            "unmocked import `demo:calc/host.double` was called: demo:calc/host.double(3)"
        ),
        "{stdout}"
    );
    // A trap other than the expected one shows the guest's stack, its frames named
    // after the stage as in a composed artifact.
    assert!(
        stdout.contains("test math::traps-otherwise ... FAILED"),
        "{stdout}"
    );
    let stack = stdout
        .split("guest stack, innermost first:")
        .nth(1)
        .unwrap_or_else(|| panic!("no guest stack:\n{stdout}"));
    assert!(stack.contains("0: stage `math`: "), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("4 passed, 3 failed"),
        "{stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_filter_selects_cases_by_name_and_junit_records_them() {
    let dir = calc();
    let out = weld_test(
        dir.path(),
        &["pipeline.yaml", "doubles", "--junit", "report.xml"],
    );
    let stdout = stdout(&out);
    assert!(out.status.success(), "{stdout}\n{}", stderr(&out));
    assert_eq!(stdout.matches("test math::").count(), 2, "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("2 passed, 0 failed"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert!(xml.contains(r#"tests="2" failures="0""#), "{xml}");
    assert!(
        xml.contains(r#"<testcase name="doubles-with-a-fixed-mock" classname="calc.math""#),
        "{xml}"
    );
}

#[test]
fn junit_records_each_failure_with_its_message() {
    let dir = calc();
    let out = weld_test(dir.path(), &["--junit", "report.xml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains(r#"tests="7" failures="3""#), "{xml}");
    assert!(xml.contains(r#"<failure message="expected: 5">"#), "{xml}");
    assert!(
        xml.contains("unmocked import `demo:calc/host.double` was called"),
        "{xml}"
    );
}

#[test]
fn a_mock_that_does_not_fit_is_reported_at_its_line_and_nothing_runs() {
    let dir = calc();
    let cases = dir.path().join("math.test.yaml");
    let text = std::fs::read_to_string(&cases).unwrap();
    // Double quotes make a WAVE string, not an argument list.
    std::fs::write(&cases, text.replace("args: '(2)'", "args: \"(2)\"")).unwrap();
    let out = weld_test(dir.path(), &[]);
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("error: the mock does not fit `demo:calc/host.double`"),
        "{stderr}"
    );
    assert!(stderr.contains("math.test.yaml:18:"), "{stderr}");
    assert!(
        stderr.contains("`demo:calc/host.double`: func(x: u32) -> u32"),
        "the signature is shown:\n{stderr}"
    );
    assert!(
        stderr.contains("args: '(2)'"),
        "a fix is suggested:\n{stderr}"
    );
    assert!(!stdout.contains("test math::"), "cases ran:\n{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_expectation_of_the_wrong_type_is_refused_before_running() {
    let dir = calc();
    let cases = dir.path().join("math.test.yaml");
    let text = std::fs::read_to_string(&cases).unwrap();
    std::fs::write(&cases, text.replacen("expect: 5", "expect: '\"five\"'", 1)).unwrap();
    let out = weld_test(dir.path(), &["pipeline.yaml", "adds"]);
    let stderr = stderr(&out);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("the expected value does not fit the function's result"),
        "{stderr}"
    );
    assert!(stderr.contains("math.test.yaml:3:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_filter_given_without_the_pipeline_gets_a_hint() {
    let dir = calc();
    let out = weld_test(dir.path(), &["adds"]);
    let stderr = stderr(&out);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("no pipeline file `adds`"), "{stderr}");
    assert!(
        stderr.contains("`weld test pipeline.yaml adds`"),
        "{stderr}"
    );
}

#[test]
fn versioned_and_bare_names_work_in_calls_mocks_and_expected_calls() {
    let dir = fixture("versioned");
    let out = weld_test(dir.path(), &["pipeline.yaml"]);
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for case in [
        "versioned-call",
        "unversioned-call",
        "bare-call",
        "versioned-mock-and-expected-call",
        "bare-mock-and-expected-call",
    ] {
        assert!(
            stdout.contains(&format!("test math::{case} ... ok")),
            "{case}:\n{stdout}"
        );
    }
    assert!(stdout.contains("5 passed, 0 failed"), "{stdout}");
}

#[test]
fn configuration_reaches_the_stage_from_the_file_and_each_case() {
    // `probe` answers `read(key)` with what `wasi:config/store.get(key)` gives it.
    let dir = fixture("config");
    let out = weld_test(dir.path(), &["pipeline.yaml"]);
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for case in [
        "reads-a-key-of-the-file",
        "a-case-overrides-a-key",
        "a-case-unsets-a-key",
        "a-case-keeps-the-keys-it-does-not-name",
        "a-declared-default-answers-when-no-case-sets-the-key",
        "keys-are-passed-as-written",
    ] {
        assert!(
            stdout.contains(&format!("test probe::{case} ... ok")),
            "{case}:\n{stdout}"
        );
    }
    assert!(stdout.contains("6 passed, 0 failed"), "{stdout}");
}

#[test]
fn a_case_cannot_set_a_key_the_stage_does_not_declare() {
    let dir = fixture("config");
    let pipeline = dir.path().join("pipeline.yaml");
    let text = std::fs::read_to_string(&pipeline).unwrap();
    std::fs::write(&pipeline, text.replace("      extra: {}\n", "")).unwrap();
    let out = weld_test(dir.path(), &["pipeline.yaml"]);
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "case `a-case-keeps-the-keys-it-does-not-name` sets configuration key `extra`, which stage `probe` does not declare"
        ),
        "{err}"
    );
}

#[test]
fn configuration_problems_are_reported_at_their_line_and_nothing_runs() {
    let dir = fixture("config");
    let cases = dir.path().join("probe.test.yaml");
    let text = std::fs::read_to_string(&cases).unwrap();
    let run_with = |text: String| {
        std::fs::write(&cases, text).unwrap();
        let out = weld_test(dir.path(), &[]);
        assert!(!out.status.success(), "{}", stderr(&out));
        assert!(!stdout(&out).contains("test probe::"), "cases ran");
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        stderr(&out)
    };

    // A value that is not a string.
    let err = run_with(text.replace("  region: eu", "  region: { value: eu }"));
    assert!(
        err.contains("config.region: invalid type: map, expected a string"),
        "{err}"
    );
    assert!(err.contains("probe.test.yaml:3:"), "{err}");

    // A case unsetting a key the file does not set (a typo).
    let err = run_with(text.replace("config: { greeting: ~ }", "config: { greting: ~ }"));
    assert!(
        err.contains("`greting: ~` unsets a key of the file's `config`, which has no `greting`"),
        "{err}"
    );
    assert!(err.contains("probe.test.yaml:18:"), "{err}");
}

#[test]
fn an_underscore_in_mock_arguments_and_expected_calls_matches_any_value() {
    let dir = fixture("wildcards");
    let out = weld_test(dir.path(), &["pipeline.yaml"]);
    let (stdout, stderr) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    for case in [
        "a-wildcard-matches-any-first-argument",
        "arms-are-tried-in-order",
        "the-default-answers-what-no-arm-fits",
        "an-expected-call-with-a-wildcard",
    ] {
        assert!(
            stdout.contains(&format!("test math::{case} ... ok")),
            "{case}:\n{stdout}"
        );
    }
    // The value written beside a wildcard still has to match.
    assert!(
        stdout.contains(
            "expected `demo:calc/host.scale(_, 3)` to be called 1 time, it was called 0 times"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("demo:calc/host.scale(6, 2)"), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("4 passed, 1 failed"),
        "{stdout}"
    );
}
