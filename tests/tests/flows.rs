//! Flows (`flows:` in pipeline.yaml): exported functions implemented as a sequence of
//! stage functions by the component Weld generates, the stage `weld-flows`. The
//! fixture tests/fixtures/flows has a stage `shapes` whose functions take and return
//! every kind of WIT type (records, variants with cases of different flat types,
//! enums, flags, options, results, lists, 18 flat parameters), and a stage `api`
//! implementing only the functions of `test:flows/api` without a flow (the others
//! panic there, so a wrong forward shows). Each flow is called for inputs reaching
//! every path, and its exact answer checked.

use std::{path::PathBuf, process::Output, sync::OnceLock};

use weld_e2e::{
    assert_recomposes_identically, component_exports, compose_fixture, ok, repo, shim, text, weld,
};

struct Composed {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    artifact: PathBuf,
    /// What `weld compose` wrote to stderr.
    stderr: String,
}

fn composed() -> &'static Composed {
    static COMPOSED: OnceLock<Composed> = OnceLock::new();
    COMPOSED.get_or_init(|| {
        let (tmp, dir, artifact, stderr) = compose_fixture("flows", "flows.wasm");
        Composed {
            artifact,
            stderr,
            dir,
            _tmp: tmp,
        }
    })
}

/// Runs `weld-shim invoke` on the artifact.
fn run(call: &str) -> Output {
    shim(&["invoke", composed().artifact.to_str().unwrap(), call])
}

/// The answer of `test:flows/api.<call>`, in WAVE.
fn call(call: &str) -> String {
    ok(run(&format!("test:flows/api.{call}")))
        .trim_end()
        .to_string()
}

/// Asserts each call's answer: (call, expected WAVE).
fn answers(cases: &[(&str, &str)]) {
    for (c, expected) in cases {
        assert_eq!(call(c), *expected, "test:flows/api.{c}");
    }
}

#[test]
fn a_steps_error_is_the_flows_error_and_its_value_is_wrapped_in_ok() {
    // parse -> classify (a variant) -> render with flags and enum constants, each case
    // of `shape` reached; `parse`'s errors are returned as they are.
    answers(&[
        (
            r#"describe("3,4")"#,
            r#"ok("circle(6.25) [bold,underline] large")"#,
        ),
        (
            r#"describe("2,2")"#,
            r#"ok("square(6000000000) [bold,underline] large")"#,
        ),
        (
            r#"describe("-5,-5")"#,
            r#"ok("square(15000000000) [bold,underline] large")"#,
        ),
        (
            r#"describe("0,0,zero")"#,
            r#"ok("dot [bold,underline] large")"#,
        ),
        (
            r#"describe("1,2,pt")"#,
            r#"ok("named(\"pt\") [bold,underline] large")"#,
        ),
        (r#"describe("x,1")"#, r#"err("bad x: \"x\"")"#),
        (r#"describe("1,y")"#, r#"err("bad y: \"y\"")"#),
        (
            r#"describe("1")"#,
            r#"err("expected x,y[,label], got \"1\"")"#,
        ),
        (
            r#"describe("1,2,3,4")"#,
            r#"err("expected x,y[,label], got \"1,2,3,4\"")"#,
        ),
    ]);
}

#[test]
fn on_error_is_returned_when_the_flows_result_cannot_carry_the_error() {
    answers(&[
        // An f64 result: parse -> classify -> area, each shape; -1.5 on an error.
        (r#"area-or("3,4")"#, "12.5"),
        (r#"area-or("2,2")"#, "6000000000"),
        (r#"area-or("0,0")"#, "0"),
        (r#"area-or("1,2,abc")"#, "3.5"),
        (r#"area-or("bad")"#, "-1.5"),
        (r#"area-or("1,x")"#, "-1.5"),
        // An option of a variant: `some(..)` of the last value; the constant
        // `some(named("unparsed"))`, a string in the glue's data, on an error.
        (r#"find-shape("3,4")"#, "some(circle(6.25))"),
        (r#"find-shape("7,7")"#, "some(square(21000000000))"),
        (r#"find-shape("0,0")"#, "some(dot)"),
        (r#"find-shape("1,2,abc")"#, r#"some(named("abc"))"#),
        (r#"find-shape("bad")"#, r#"some(named("unparsed"))"#),
        // A payload-less `result` (one flat value): `err` gives the constant.
        (r#"checked-label({x: 1, y: 2, label: "ok"})"#, r#""ok@1,2""#),
        (r#"checked-label({x: 0, y: 0, label: ""})"#, r#""@0,0""#),
        (
            r#"checked-label({x: -1, y: 2, label: "neg"})"#,
            r#""refused""#,
        ),
        (
            r#"checked-label({x: 1, y: -2, label: "neg"})"#,
            r#""refused""#,
        ),
    ]);
}

#[test]
fn a_flow_without_on_error_traps_in_the_glue() {
    // No error: the same answers as `area-or`.
    answers(&[
        (r#"strict-area("3,4")"#, "12.5"),
        (r#"strict-area("0,0,dot")"#, "0"),
        (r#"strict-area("1,2,abc")"#, "3.5"),
    ]);
    let out = run(r#"test:flows/api.strict-area("bad")"#);
    assert!(!out.status.success(), "the flow traps:\n{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("trap in stage `weld-flows`"),
        "the trap is the glue's:\n{stderr}"
    );
    assert!(
        stderr.contains("stage `weld-flows`: weld-flows flow test:flows/api.strict-area"),
        "the stack names the flow:\n{stderr}"
    );
    assert!(
        stderr.contains("`shapes.parse` failed"),
        "the stack names the failing step:\n{stderr}"
    );
    assert!(
        !stderr.contains(FLOWED),
        "the stage `api` is not called:\n{stderr}"
    );
}

#[test]
fn a_variant_crosses_steps_case_by_case() {
    // The caller's variant goes to `render` in flat values joined across the cases
    // (f32, u64 and string payloads share one i64 slot), with an empty flags constant
    // and the flow's parameter `size`.
    answers(&[
        (
            "show-shape(circle(2.5), medium)",
            r#""circle(2.5) [] medium""#,
        ),
        (
            "show-shape(circle(-1.25), small)",
            r#""circle(-1.25) [] small""#,
        ),
        (
            "show-shape(circle(nan), small)",
            r#""circle(NaN) [] small""#,
        ),
        (
            "show-shape(circle(-inf), large)",
            r#""circle(-inf) [] large""#,
        ),
        ("show-shape(square(0), small)", r#""square(0) [] small""#),
        (
            "show-shape(square(18446744073709551615), medium)",
            r#""square(18446744073709551615) [] medium""#,
        ),
        ("show-shape(dot, large)", r#""dot [] large""#),
        (
            r#"show-shape(named("hé ✓"), medium)"#,
            r#""named(\"hé ✓\") [] medium""#,
        ),
        (
            r#"show-shape(named(""), small)"#,
            r#""named(\"\") [] small""#,
        ),
    ]);
}

#[test]
fn a_flat_scalar_in_the_middle_of_a_flow() {
    // parse -> classify -> measure (u32) -> grade (enum), wrapped in `ok(..)`.
    answers(&[
        (r#"grade("0,1")"#, "ok(small)"),    // circle(0.25): 2
        (r#"grade("1,3")"#, "ok(medium)"),   // circle(2.5): 25
        (r#"grade("30,40")"#, "ok(large)"),  // circle(625): 6250
        (r#"grade("2,2")"#, "ok(small)"),    // square(6000000000): 6
        (r#"grade("20,20")"#, "ok(medium)"), // square(60000000000): 60
        (r#"grade("0,0")"#, "ok(small)"),    // dot: 0
        (r#"grade("1,2,ab")"#, "ok(large)"), // named("ab"): 100
        (
            r#"grade("bad")"#,
            r#"err("expected x,y[,label], got \"bad\"")"#,
        ),
    ]);
}

#[test]
fn a_list_between_steps_and_a_flow_parameter_in_a_later_step() {
    // parse -> corners (a list of records) -> pick, whose `index` is the flow's.
    answers(&[
        (
            r#"nth-corner("3,4,tip", 0)"#,
            r#"some({x: 0, y: 0, label: "origin"})"#,
        ),
        (
            r#"nth-corner("3,4,tip", 1)"#,
            r#"some({x: 3, y: 0, label: "x"})"#,
        ),
        (
            r#"nth-corner("3,4,tip", 2)"#,
            r#"some({x: 0, y: 4, label: "y"})"#,
        ),
        (
            r#"nth-corner("3,4,tip", 3)"#,
            r#"some({x: 3, y: 4, label: "tip"})"#,
        ),
        (r#"nth-corner("3,4,tip", 4)"#, "none"),
        (
            r#"nth-corner("-3,-4", 3)"#,
            r#"some({x: -3, y: -4, label: ""})"#,
        ),
        // `none` is also the `on-error` value.
        (r#"nth-corner("nope", 0)"#, "none"),
    ]);
}

#[test]
fn more_than_16_flat_parameters_go_through_memory() {
    // A step with 18 flat parameters: the flowing value, `letter` by name, `second`
    // from the flow's `extra`, the rest constants.
    assert_eq!(
        call(r#"summary("one", 'λ', "two")"#),
        r#""first=\"one\" letter='λ' flag=true ratio=0.5 precise=-2.25 big=-9000000000 small=255 short=-300 word=4000000000 second=\"two\" third=\"three\" fourth=\"\" fifth=\"fünf ✓\"""#
            .replace('\'', r"\'")
    );
    // The flow's own 18 flat parameters arrive through memory, and are passed on.
    assert_eq!(
        call(
            r#"everything("a", 'z', false, 3.5, 1e300, 9223372036854775807, 7, -32768, 4294967295, "b", "c", "d", "e")"#
        ),
        r#""first=\"a\" letter='z' flag=false ratio=3.5 precise=1e300 big=9223372036854775807 small=7 short=-32768 word=4294967295 second=\"b\" third=\"c\" fourth=\"d\" fifth=\"e\"""#
            .replace('\'', r"\'")
    );
    assert_eq!(
        call(
            r#"everything("", '\u{10ffff}', true, -0.5, -0.0, -9223372036854775808, 0, 32767, 0, "", "", "", "ü")"#
        ),
        r#""first=\"\" letter='\\u{10ffff}' flag=true ratio=-0.5 precise=-0.0 big=-9223372036854775808 small=0 short=32767 word=0 second=\"\" third=\"\" fourth=\"\" fifth=\"ü\"""#
            .replace('\'', r"\'")
    );
}

#[test]
fn a_flow_without_parameters_starts_from_a_constant() {
    // A record constant with a string, from the glue's data segment.
    assert_eq!(call("origin()"), r#""const@-7,8""#);
}

#[test]
fn values_larger_than_a_memory_page_cross_the_glue() {
    // The glue's memory grows for what it receives and passes on.
    let label = "x".repeat(70_000);
    assert_eq!(
        call(&format!(r#"find-shape("1,2,{label}")"#)),
        format!(r#"some(named("{label}"))"#)
    );
    assert_eq!(
        call(&format!(r#"nth-corner("5,6,{label}", 3)"#)),
        format!(r#"some({{x: 5, y: 6, label: "{label}"}})"#)
    );
}

/// What the stage `api` panics with for a function that has a flow.
const FLOWED: &str = "implemented by a flow";

#[test]
fn functions_without_a_flow_are_forwarded_to_the_exporting_stage() {
    answers(&[
        (r#"echo("hi")"#, r#""echo: hi""#),
        (r#"echo("")"#, r#""echo: ""#),
        (
            r#"mirror({x: 1, y: -2, label: "m"})"#,
            r#"{x: -2, y: 1, label: "m\'"}"#,
        ),
    ]);
    let exports = component_exports(&std::fs::read(&composed().artifact).unwrap());
    assert!(
        exports.iter().any(|e| e == "test:flows/api"),
        "the artifact exports the flows' interface: {exports:?}"
    );
}

/// `pipeline.yaml:LINE:COL` of the step `shapes.parse` of the flow `strict-area`.
fn strict_area_parse_step() -> String {
    let yaml = std::fs::read_to_string(repo().join("tests/fixtures/flows/pipeline.yaml")).unwrap();
    let lines: Vec<&str> = yaml.lines().collect();
    let flow = lines
        .iter()
        .position(|l| l.trim() == "test:flows/api.strict-area:")
        .expect("the fixture has the flow `strict-area`");
    let step = flow + 1;
    assert_eq!(lines[step].trim(), "- shapes.parse", "its first step");
    let column = lines[step].find("shapes.parse").unwrap() + 1;
    format!("pipeline.yaml:{}:{column}", step + 1)
}

#[test]
fn check_warns_that_the_flow_without_on_error_traps_at_its_step() {
    let out = weld(&composed().dir, &["check", "pipeline.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warning = "warning: `shapes.parse` can fail (`string`), and `test:flows/api.strict-area` cannot return the error: the flow traps when it does";
    let at = format!("  --> {}", strict_area_parse_step());
    assert!(
        stderr.contains(&format!("{warning}\n{at}\n")),
        "the warning points at the step (expected `{at}`):\n{stderr}"
    );
    assert!(
        stderr.contains("step 1 of `test:flows/api.strict-area`"),
        "{stderr}"
    );
    // Only that flow traps: the others propagate the error or have `on-error`.
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    // The glue is a stage of the graph, wired to the stages it calls.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("weld-flows (wasm, stateless)")
            && stdout.contains("import test:flows/shapes <- shapes.test:flows/shapes")
            && stdout.contains("import test:flows/api <- api.test:flows/api")
            && stdout.contains("test:flows/api <- weld-flows.test:flows/api"),
        "{stdout}"
    );
    // `weld compose` gives the same warning.
    assert!(
        composed().stderr.contains(&format!("{warning}\n{at}\n")),
        "{}",
        composed().stderr
    );
}

#[test]
fn composing_twice_gives_the_same_bytes() {
    assert_recomposes_identically(&composed().dir, &composed().artifact);
}
