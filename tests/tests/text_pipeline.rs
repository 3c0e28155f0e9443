//! The text-pipeline sample (Rust + Go + JS) built from source with the real
//! toolchains, composed, and invoked through `weld-shim invoke`.

use std::{path::PathBuf, sync::OnceLock};

use weld_e2e::{compose_without_snapshots, copy_dir, copy_sample, ok, shim, text, weld};

struct Composed {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    artifact: PathBuf,
    first_compose_stderr: String,
}

fn composed() -> &'static Composed {
    static COMPOSED: OnceLock<Composed> = OnceLock::new();
    COMPOSED.get_or_init(|| {
        let (tmp, dir) = copy_sample("text-pipeline");
        let out = weld(&dir, &["compose", "pipeline.yaml", "-o", "build/app.wasm"]);
        assert!(out.status.success(), "compose failed:\n{}", text(&out));
        Composed {
            artifact: dir.join("build/app.wasm"),
            first_compose_stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            dir,
            _tmp: tmp,
        }
    })
}

fn invoke(call: &str) -> std::process::Output {
    shim(&["invoke", composed().artifact.to_str().unwrap(), call])
}

#[test]
fn compose_builds_every_stage_with_its_toolchain() {
    let c = composed();
    for line in [
        "Compiling app (rust)",
        "Compiling clean (go)",
        "Compiling style (js)",
        "Linking text-pipeline",
    ] {
        assert!(
            c.first_compose_stderr.contains(line),
            "missing `{line}` in:\n{}",
            c.first_compose_stderr
        );
    }
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c.dir.join("build/app.build.json")).unwrap())
            .unwrap();
    let stages = record["stages"].as_array().unwrap();
    let langs: Vec<&str> = stages.iter().map(|s| s["lang"].as_str().unwrap()).collect();
    // The flow glue is recorded as the prebuilt stage it becomes.
    assert_eq!(langs, ["rust", "go", "js", "wasm"]);
    assert_eq!(stages[3]["stage"], "weld-flows");
    for s in stages {
        assert_eq!(s["source_hash"].as_str().unwrap().len(), 64);
        assert_eq!(s["component_hash"].as_str().unwrap().len(), 64);
        assert!(!s["toolchain"].as_str().unwrap().is_empty());
    }
}

#[test]
fn process_goes_through_all_three_languages() {
    let out = ok(invoke(
        r#"demo:text/pipeline.process("  hello   wasm world ")"#,
    ));
    assert_eq!(out.trim(), r#""Hello Wasm World""#);
}

#[test]
fn the_process_flow_answers_as_the_hand_written_app_did() {
    // The same pipeline without `flows:`: `process` is app's own code again.
    let c = composed();
    let yaml = std::fs::read_to_string(c.dir.join("pipeline.yaml")).unwrap();
    let (head, _) = yaml.split_once("\nflows:").expect("the sample has flows");
    std::fs::write(c.dir.join("hand-written.yaml"), head).unwrap();
    let out = weld(
        &c.dir,
        &[
            "compose",
            "hand-written.yaml",
            "-o",
            "build/hand-written.wasm",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let hand_written = c.dir.join("build/hand-written.wasm");
    for input in [
        "  hello   wasm world ",
        "",
        "   ",
        r"grüße  ünd\tküsse",
        "one",
        "ALL CAPS here",
    ] {
        let call = format!("demo:text/pipeline.process(\"{input}\")");
        let flow = ok(invoke(&call));
        let app = ok(shim(&["invoke", hand_written.to_str().unwrap(), &call]));
        assert_eq!(flow, app, "{call}");
    }
    // Blank input ends the flow at `style.apply`'s error, and `on-error` answers.
    let blank = ok(invoke(r#"demo:text/pipeline.process("   ")"#));
    assert_eq!(blank.trim(), r#""""#);
}

#[test]
fn check_and_graph_show_the_flow_glue_and_its_wires() {
    let c = composed();
    let out = ok(weld(&c.dir, &["check", "pipeline.yaml"]));
    for line in [
        "weld-flows (wasm, stateless)",
        "import demo:text/clean <- clean.demo:text/clean  (explicit)",
        "import demo:text/style <- style.demo:text/style  (explicit)",
        "import demo:text/pipeline <- app.demo:text/pipeline  (explicit)",
        "demo:text/pipeline <- weld-flows.demo:text/pipeline",
    ] {
        assert!(out.contains(line), "missing `{line}` in:\n{out}");
    }
    let graph = ok(weld(&c.dir, &["graph", "pipeline.yaml"]));
    assert!(graph.contains("weld-flows"), "{graph}");
}

#[test]
fn analyze_returns_a_record_and_errors_on_blank_input() {
    let out = ok(invoke(
        r#"demo:text/pipeline.analyze("the quick  brownest fox")"#,
    ));
    assert!(out.contains(r#"title: "The Quick Brownest Fox""#), "{out}");
    assert!(out.contains("words: 4"), "{out}");
    assert!(out.contains(r#"longest: some("brownest")"#), "{out}");
    let blank = ok(invoke(r#"demo:text/pipeline.analyze("   ")"#));
    assert!(blank.trim().starts_with("err("), "{blank}");
}

#[test]
fn a_bad_call_lists_what_the_artifact_exports() {
    let out = invoke(r#"demo:text/pipeline.nope("x")"#);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error:"), "{err}");
    assert!(
        err.contains("process"),
        "the error lists the exports:\n{err}"
    );
}

#[test]
fn composing_again_reuses_every_stage_and_gives_identical_bytes() {
    let c = composed();
    let out = weld(
        &c.dir,
        &["compose", "pipeline.yaml", "-o", "build/again.wasm"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for stage in ["app (rust)", "clean (go)", "style (js)"] {
        assert!(
            stderr.contains(&format!("Fresh {stage}")),
            "{stage} was rebuilt:\n{stderr}"
        );
    }
    let first = std::fs::read(&c.artifact).unwrap();
    let again = std::fs::read(c.dir.join("build/again.wasm")).unwrap();
    assert!(first == again, "two compositions of the same inputs differ");
}

#[test]
fn check_reports_the_wiring_without_building() {
    let c = composed();
    let out = ok(weld(&c.dir, &["check", "pipeline.yaml"]));
    assert!(
        out.contains("import demo:text/clean <- clean.demo:text/clean"),
        "{out}"
    );
    assert!(
        out.contains("import demo:text/style <- style.demo:text/style"),
        "{out}"
    );
}

/// A copy of the sample of its own, for a test that edits its sources: the shared copy
/// of [`composed`] must stay as composed, or another test's `Fresh` would not hold. The
/// shared copy's build cache comes along (it is keyed by content, not by path), so only
/// the stages the test changes are built again.
fn own_copy() -> (tempfile::TempDir, PathBuf) {
    let shared = composed();
    let (tmp, dir) = copy_sample("text-pipeline");
    let cache = ".weld/stages/text-pipeline";
    copy_dir(&shared.dir.join(cache), &dir.join(cache));
    (tmp, dir)
}

#[test]
fn weld_test_runs_every_stages_cases_and_shows_a_wrong_expectation() {
    let (_tmp, dir) = own_copy();
    let out = weld(&dir, &["test", "pipeline.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", text(&out));
    for stage in ["app::", "clean::", "style::"] {
        assert!(
            stdout.contains(&format!("test {stage}")),
            "no cases of {stage}:\n{stdout}"
        );
    }
    assert!(
        stdout.lines().last().unwrap().ends_with(" 0 failed"),
        "{stdout}"
    );

    // A deliberately wrong expectation fails, readably, with a non-zero exit.
    let cases = dir.join("stages/style/style.test.yaml");
    let original = std::fs::read_to_string(&cases).unwrap();
    let first_expect = original
        .lines()
        .find(|l| l.trim_start().starts_with("expect:"))
        .unwrap();
    std::fs::write(
        &cases,
        original.replacen(first_expect, "  expect: 'ok(\"definitely not this\")'", 1),
    )
    .unwrap();
    let out = weld(&dir, &["test", "pipeline.yaml", "--stage", "style"]);
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    assert!(
        all.contains("definitely not this"),
        "the expected value is shown:\n{all}"
    );
    assert!(all.contains("1 failed"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    // `--stage style` builds (here: finds in the cache) only the stage it tests.
    assert!(all.contains("Fresh style (js)"), "{all}");
    for other in ["app (rust)", "clean (go)"] {
        assert!(
            !all.contains(other),
            "`{other}` was built for `--stage style`:\n{all}"
        );
    }
}

#[test]
fn the_go_stage_answers_the_same_with_and_without_a_snapshot() {
    // The sample builds `clean` from a snapshot of Go's start-up (`init: snapshot`);
    // without it every instance runs that start-up itself.
    let c = composed();
    let started = compose_without_snapshots(&c.dir, "clean", "started.wasm");
    for call in [
        r#"demo:text/pipeline.process("  hello   wasm world ")"#,
        r#"demo:text/pipeline.analyze("grüße  ünd  küsse, the quick brownest fox")"#,
        r#"demo:text/pipeline.analyze("   ")"#,
    ] {
        let snapshot = ok(invoke(call));
        let start = ok(shim(&["invoke", started.to_str().unwrap(), call]));
        assert_eq!(start, snapshot, "{call}");
    }
    // And the stage's own unit cases pass both ways.
    for pipeline in ["pipeline.yaml", "started.yaml"] {
        let out = weld(&c.dir, &["test", pipeline, "--stage", "clean"]);
        assert!(out.status.success(), "{pipeline}: {}", text(&out));
    }
}

#[test]
fn the_same_contracts_in_rust_only_give_the_same_answers() {
    // `rust-only.yaml` keeps `app` and swaps the Go and JS stages for Rust
    // ones exporting the same interfaces: the contract, not the language, is
    // what a stage is wired by.
    let c = composed();
    let out = weld(
        &c.dir,
        &["compose", "rust-only.yaml", "-o", "build/rust-only.wasm"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let rust_only = c.dir.join("build/rust-only.wasm");
    let imports = weld_e2e::component_imports(&std::fs::read(&rust_only).unwrap());
    assert!(
        !imports.iter().any(|i| i.starts_with("demo:text/")),
        "the stages are linked inside, not imported: {imports:?}"
    );
    for call in [
        r#"demo:text/pipeline.process("  hello   wasm world ")"#,
        r#"demo:text/pipeline.analyze("grüße  ünd  küsse, the quick brownest fox")"#,
        r#"demo:text/pipeline.analyze("   ")"#,
    ] {
        let polyglot = ok(invoke(call));
        let rust = ok(shim(&["invoke", rust_only.to_str().unwrap(), call]));
        assert_eq!(rust, polyglot, "{call}");
    }

    // The Rust stages pass the same unit cases as the Go and JS ones.
    let out = weld(&c.dir, &["test", "rust-only.yaml"]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("test clean::"), "{stdout}");
    assert!(stdout.contains("test style::"), "{stdout}");
}

#[test]
fn a_profile_attributes_samples_to_each_of_the_three_stages() {
    let c = composed();
    let profile = c.dir.join("build/profile.json");
    // Enough text that every stage works for many sampling intervals (the argument
    // stays under Linux's 128 KiB limit for one argument).
    let input = "Hello World, this is some text to profile. ".repeat(2500);
    let out = shim(&[
        "invoke",
        c.artifact.to_str().unwrap(),
        // `analyze` is app's own code, reached through the flow glue's forward.
        &format!("demo:text/pipeline.analyze(\"{input}\")"),
        "--profile",
        profile.to_str().unwrap(),
        "--profile-interval",
        "100us",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The summary names every stage a sample fell in.
    for stage in ["weld-flows", "app", "clean", "style"] {
        assert!(
            stderr.contains(&format!("%  stage `{stage}`")),
            "no samples in stage `{stage}`:\n{stderr}"
        );
    }
    // The file is a Firefox Profiler profile: its libraries are the stages' modules,
    // and it holds the samples the summary counted.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&profile).unwrap())
        .unwrap_or_else(|e| panic!("the profile is not JSON: {e}"));
    assert!(json["meta"]["interval"].as_f64().is_some(), "no meta");
    let libs: Vec<&str> = json["libs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|lib| lib["name"].as_str())
        .collect();
    for stage in ["app", "clean", "style"] {
        assert!(
            libs.iter()
                .any(|l| l.starts_with(&format!("weld:stage/{stage}"))),
            "{libs:?}"
        );
    }
    let samples = json["threads"][0]["samples"]["length"].as_u64().unwrap();
    let counted: u64 = stderr
        .split_once("Profiled ")
        .and_then(|(_, rest)| rest.split_once(' '))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no `Profiled N samples` line:\n{stderr}"));
    assert!(counted > 0 && counted <= samples, "{counted} of {samples}");
}
