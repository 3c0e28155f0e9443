//! `invoke`: WAVE in, WAVE out, and the errors for calls that do not fit.

use super::common::{invoke_pipeline, run_shim, scratch, test_dir, wat_component};

#[test]
fn interface_function_result_is_printed_in_wave() {
    let ran = invoke_pipeline("demo:text/pipeline.process(\"Hello\")", &[]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "ok(\"HELLO\")\n");
}

#[test]
fn err_result_is_a_value_not_a_failure() {
    let ran = invoke_pipeline("demo:text/pipeline.process(\"\")", &[]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "err(\"empty\")\n");
}

#[test]
fn root_function_by_plain_name() {
    let ran = invoke_pipeline("add(2, 40)", &[]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "42\n");
}

#[test]
fn unique_interface_function_by_plain_name() {
    let ran = invoke_pipeline("grow(0)", &[]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "1\n");
}

#[test]
fn missing_function_lists_the_exports() {
    let ran = invoke_pipeline("demo:text/pipeline.nope(\"x\")", &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .starts_with("error: the artifact exports no function `demo:text/pipeline.nope`"),
        "{}",
        ran.stderr
    );
    for expected in [
        "demo:text/pipeline",
        "process: func(input: string) -> result<string, string>",
        "demo:check/validate",
        "check: func(input: string)",
        "demo:test/hog",
        "grow: func(pages: u32) -> s32",
        "(root)",
        "add: func(a: u32, b: u32) -> u32",
    ] {
        assert!(
            ran.stderr.contains(expected),
            "missing `{expected}` in:\n{}",
            ran.stderr
        );
    }
}

#[test]
fn wrong_arity_names_the_signature() {
    let ran = invoke_pipeline("add(1)", &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("`add` takes 2 arguments, 1 given"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("signature: func(a: u32, b: u32) -> u32")
    );
    assert!(ran.stderr.contains("demo:text/pipeline"), "exports listed");
}

#[test]
fn wrong_type_names_the_argument() {
    let ran = invoke_pipeline("demo:text/pipeline.process(42)", &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .contains("arguments do not match `demo:text/pipeline.process`"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("at `42` (parameter `input` is a `string`)"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("signature: func(input: string)"));
}

#[test]
fn bad_syntax_says_what_is_expected() {
    let ran = invoke_pipeline("add(1, 2", &[]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("invalid call `add(1, 2`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("<interface>.<function>(<args>)"));
}

#[test]
fn bad_artifacts_are_refused_without_panicking() {
    let dir = test_dir("bad-artifacts");
    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let core = dir.join("core.wasm");
    std::fs::write(&core, wat::parse_str("(module)").unwrap()).unwrap();
    let truncated = dir.join("truncated.wasm");
    let whole = std::fs::read(wat_component("pipeline")).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let missing = scratch().join("does-not-exist.wasm");

    let cases = [
        (text, "is not a WebAssembly component"),
        (core, "is a core WebAssembly module, not a component"),
        (truncated, "is not a valid component"),
        (missing, "failed to read"),
    ];
    for (path, expected) in cases {
        let ran = run_shim(["invoke".as_ref(), path.as_os_str(), "add(1, 2)".as_ref()]);
        assert_eq!(ran.code, Some(1), "{ran:?}");
        assert!(ran.stderr.starts_with("error: "), "{}", ran.stderr);
        assert!(
            ran.stderr.contains(expected),
            "{}: {}",
            path.display(),
            ran.stderr
        );
        assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    }
}

/// `weld-shim invoke` on the versioned fixture.
fn invoke_versioned(call: &str) -> super::common::Ran {
    let artifact = wat_component("versioned");
    run_shim(["invoke".as_ref(), artifact.as_os_str(), call.as_ref()])
}

#[test]
fn versioned_interface_names_are_accepted_as_exported() {
    for call in [
        "test:calc/ops@1.2.3.add(1, 2)",
        "test:calc/ops.add(1, 2)",
        "test:calc/more@0.1.0-rc.1.add(1, 2)",
        "  test:calc/ops@1.2.3.add( 1 ,2 )  ",
    ] {
        let ran = invoke_versioned(call);
        assert_eq!(ran.code, Some(0), "{call}: {ran:?}");
        assert_eq!(ran.stdout, "3\n", "{call}");
    }
}

#[test]
fn a_bare_function_name_resolves_when_one_export_has_it() {
    let ran = invoke_versioned("sub(5, 2)");
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert_eq!(ran.stdout, "3\n");
}

#[test]
fn an_ambiguous_bare_name_lists_the_candidates() {
    let ran = invoke_versioned("add(1, 2)");
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("`test:calc/ops@1.2.3.add`")
            && ran.stderr.contains("`test:calc/more@0.1.0-rc.1.add`"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_wrong_version_is_not_found_and_lists_the_exports() {
    let ran = invoke_versioned("test:calc/ops@9.9.9.add(1, 2)");
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr
            .contains("the artifact exports no function `test:calc/ops@9.9.9.add`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("test:calc/ops@1.2.3"), "{}", ran.stderr);
}

#[test]
fn argument_errors_in_versioned_calls_point_at_the_argument() {
    let ran = invoke_versioned("test:calc/ops@1.2.3.add(1, \"x\")");
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(
        ran.stderr.contains("at `\"x\"` (parameter `b` is a `u32`)"),
        "{}",
        ran.stderr
    );
}
