//! JS stages on both engines: the text-pipeline sample with its `style` stage built on
//! QuickJS (the default) and on SpiderMonkey (`engine: spidermonkey`) gives the same
//! answers, and the QuickJS stage is a component like any other: it imports nothing but
//! its world and the stdout and stderr its `console` writes to, exports exactly its world,
//! and is built reproducibly. A stage sees `none` as `undefined` on both engines, and on
//! QuickJS its `console` and the message of an exception that ends a call reach stderr.

use std::path::{Path, PathBuf};

use weld_e2e::{
    component_exports, component_imports, copy_dir, copy_sample, ok, repo, shim, text, weld,
};

/// `pipeline` with `engine: spidermonkey` added to the `style` stage.
fn on_spidermonkey(pipeline: &str) -> String {
    let world = "    world: demo:text/style-stage\n";
    assert!(pipeline.contains(world), "{pipeline}");
    pipeline.replace(world, &format!("{world}    engine: spidermonkey\n"))
}

/// The component of `stage` that the build record `record` (next to the artifact)
/// names, relative to the pipeline's folder `dir`.
fn stage_component(dir: &Path, record: &str, stage: &str) -> PathBuf {
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(record)).unwrap()).unwrap();
    let entry = record["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == stage)
        .unwrap_or_else(|| panic!("no stage `{stage}` in {record}"));
    dir.join(entry["component"].as_str().unwrap())
}

#[test]
fn the_text_pipeline_answers_the_same_with_its_style_stage_on_spidermonkey() {
    let (_tmp, dir) = copy_sample("text-pipeline");
    let pipeline = std::fs::read_to_string(dir.join("pipeline.yaml")).unwrap();
    std::fs::write(dir.join("spidermonkey.yaml"), on_spidermonkey(&pipeline)).unwrap();

    let out = weld(&dir, &["compose", "pipeline.yaml", "-o", "build/qjs.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    // Read now: the cache keeps one component per stage, and building the stage on
    // the other engine replaces it.
    let quickjs = std::fs::read(stage_component(&dir, "build/qjs.build.json", "style")).unwrap();
    // Only the style stage is built again: the Rust and Go stages come from the cache.
    let out = weld(
        &dir,
        &["compose", "spidermonkey.yaml", "-o", "build/sm.wasm"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Compiling style (js)"), "{stderr}");
    assert!(stderr.contains("Fresh app (rust)"), "{stderr}");
    let spidermonkey =
        std::fs::read(stage_component(&dir, "build/sm.build.json", "style")).unwrap();

    let sm = dir.join("build/sm.wasm");
    let qjs = dir.join("build/qjs.wasm");
    for call in [
        r#"demo:text/pipeline.process("  hello   wasm world ")"#,
        r#"demo:text/pipeline.analyze("  hello   wasm world ")"#,
        r#"demo:text/pipeline.analyze("grüße  ünd  küsse, the quick brownest fox")"#,
        r#"demo:text/pipeline.analyze("   ")"#,
    ] {
        let spidermonkey = ok(shim(&["invoke", sm.to_str().unwrap(), call]));
        let quickjs = ok(shim(&["invoke", qjs.to_str().unwrap(), call]));
        assert_eq!(quickjs, spidermonkey, "{call}");
    }
    let hello = ok(shim(&[
        "invoke",
        qjs.to_str().unwrap(),
        r#"demo:text/pipeline.process("  hello   wasm world ")"#,
    ]));
    assert_eq!(hello.trim(), r#""Hello Wasm World""#);

    // The build record says which engine built the stage, by default or not.
    for (record, engine) in [
        ("build/qjs.build.json", "quickjs"),
        ("build/sm.build.json", "spidermonkey"),
    ] {
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(record)).unwrap()).unwrap();
        let style = &record["stages"][2];
        assert_eq!(style["stage"], "style", "{record}");
        assert_eq!(style["engine"], engine, "{record}");
    }

    // The stage imports nothing but stdout and stderr (every other WASI import is
    // answered inside) and exports its world alone (not componentize-qjs's `init`), as
    // the SpiderMonkey build does.
    let imports = component_imports(&quickjs);
    assert!(!imports.is_empty());
    assert!(imports.iter().all(|i| output_only(i)), "{imports:?}");
    // Answered inside the engine's own module, not by a component of stubs linked in
    // front of it through the preview 1 adapter: no core module of the stage imports
    // other WASI.
    let core = core_wasi_imports(&quickjs);
    assert!(core.iter().all(|i| output_only(i)), "{core:?}");
    // The engine's module fills a function table it defines itself, at a constant
    // offset (the table moved out of wit-component's `main`), so wasmtime fills it
    // lazily instead of at every instantiation.
    let filled = own_table_entries(&quickjs);
    assert!(filled > 500, "{filled} entries");
    // componentize-qjs's module-loader stub (a component with a memory, instantiated
    // with every instance) is taken out: nothing imports the loader any more.
    assert_eq!(loader_imports(&quickjs), 0);
    assert_eq!(component_exports(&quickjs), ["demo:text/style"]);
    assert_eq!(
        component_exports(&spidermonkey),
        component_exports(&quickjs)
    );
    assert!(
        quickjs.len() * 4 < spidermonkey.len(),
        "QuickJS {} bytes, SpiderMonkey {} bytes",
        quickjs.len(),
        spidermonkey.len()
    );

    // The style stage's own unit cases pass on both engines.
    for pipeline in ["pipeline.yaml", "spidermonkey.yaml"] {
        let out = weld(&dir, &["test", pipeline, "--stage", "style"]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("test style::"));
    }
}

/// Whether the import (`wasi:cli/stderr@0.2.9`, or a core module's `module.name`) is one
/// a QuickJS stage writes its output with.
fn output_only(import: &str) -> bool {
    [
        "wasi:cli/stdout@",
        "wasi:cli/stderr@",
        "wasi:io/streams@",
        "wasi:io/error@",
        "wasi:io/poll@",
    ]
    .iter()
    .any(|prefix| import.starts_with(prefix))
}

/// A stage taking and returning `option`s, calling one that returns them, logging and
/// throwing, on the engine `ENGINE`, with a stage it imports from on QuickJS.
const PROBE_WIT: &str = "package t:opt;

interface source {
  maybe: func(give: bool) -> option<string>;
}

interface probe {
  record rec { x: option<u32> }
  describe: func(a: option<string>, b: option<option<u32>>, c: list<option<string>>, r: rec) -> string;
  echo: func(a: option<string>) -> option<string>;
  from-import: func() -> string;
}

world probe-stage {
  import source;
  export probe;
}

world source-stage {
  export source;
}
";

const PROBE_JS: &str = "import { maybe } from 't:opt/source';
console.log('evaluated at build time, written nowhere');
const show = (v) => (v === undefined ? 'undefined' : v === null ? 'null' : v);
export const probe = {
  describe(a, b, c, r) {
    console.log('describe', show(a), { list: c.length });
    console.error('to stderr');
    return JSON.stringify([show(a), show(b), c.map(show), show(r.x)]);
  },
  echo(a) {
    if (a === 'boom') throw new Error('echo refuses boom');
    return a;
  },
  fromImport() {
    return JSON.stringify([show(maybe(false)), show(maybe(true))]);
  },
};
";

const SOURCE_JS: &str = "export const source = {
  maybe(give) {
    return give ? 'given' : undefined;
  },
};
";

const PROBE_PIPELINE: &str = "version: 1
name: probe
wit: wit
stages:
  probe:
    lang: js
    path: stages/probe.js
    world: t:opt/probe-stage
    engine: ENGINE
  source:
    lang: js
    path: stages/source.js
    world: t:opt/source-stage
exports:
  t:opt/probe: probe
";

#[test]
fn a_js_stage_sees_none_as_undefined_on_both_engines_and_logs_and_reports_exceptions_on_quickjs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("wit")).unwrap();
    std::fs::create_dir_all(root.join("stages")).unwrap();
    std::fs::write(root.join("wit/probe.wit"), PROBE_WIT).unwrap();
    std::fs::write(root.join("stages/probe.js"), PROBE_JS).unwrap();
    std::fs::write(root.join("stages/source.js"), SOURCE_JS).unwrap();
    let mut answers = Vec::new();
    for engine in ["quickjs", "spidermonkey"] {
        let pipeline = format!("{engine}.yaml");
        std::fs::write(
            root.join(&pipeline),
            PROBE_PIPELINE.replace("ENGINE", engine),
        )
        .unwrap();
        let artifact = root.join(format!("{engine}.wasm"));
        let out = weld(
            root,
            &["compose", &pipeline, "-o", artifact.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", text(&out));
        let artifact = artifact.to_str().unwrap().to_string();
        let calls = [
            r#"t:opt/probe.describe(none, none, [some("b"), none], {x: none})"#,
            r#"t:opt/probe.describe(some("v"), some(none), [], {x: some(1)})"#,
            r#"t:opt/probe.describe(none, some(some(3)), [], {x: none})"#,
            r#"t:opt/probe.echo(none)"#,
            r#"t:opt/probe.echo(some("e"))"#,
            r#"t:opt/probe.from-import()"#,
        ];
        // The answer is the last line: `console.log` writes to stdout before it on QuickJS.
        answers.push(calls.map(|call| {
            let out = ok(shim(&["invoke", &artifact, call]));
            out.lines().last().unwrap_or_default().to_string()
        }));

        let logged = shim(&["invoke", &artifact, calls[0]]);
        let threw = shim(&["invoke", &artifact, r#"t:opt/probe.echo(some("boom"))"#]);
        assert!(!threw.status.success(), "{}", text(&threw));
        if engine == "quickjs" {
            // The top-level `console.log` ran at build time, before the snapshot: it wrote
            // nothing then, and does not run again.
            assert_eq!(
                String::from_utf8_lossy(&logged.stdout).lines().next(),
                Some(r#"describe undefined {"list":2}"#)
            );
            assert!(
                String::from_utf8_lossy(&logged.stderr).contains("to stderr"),
                "{}",
                text(&logged)
            );
            let err = String::from_utf8_lossy(&threw.stderr);
            assert!(err.contains("echo refuses boom"), "{err}");
            // The prelude on the module's first line moves no line: `throw` is on line 11.
            assert!(err.contains("/probe.js:11:"), "{err}");
            assert!(err.contains("error: trap in stage `probe`"), "{err}");
        }
    }
    let [quickjs, spidermonkey] = [&answers[0], &answers[1]];
    assert_eq!(quickjs, spidermonkey);
    assert_eq!(
        quickjs[0].trim(),
        r#""[\"undefined\",{\"tag\":\"none\"},[\"b\",\"undefined\"],\"undefined\"]""#
    );
    assert_eq!(quickjs[3].trim(), "none");
    assert_eq!(quickjs[5].trim(), r#""[\"undefined\",\"given\"]""#);
}

/// The WASI imports (`module.name`) of every core module in `component`, nested or not.
fn core_wasi_imports(component: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        if let wasmparser::Payload::ImportSection(reader) = payload.unwrap() {
            for import in reader.into_imports() {
                let import = import.unwrap();
                if import.module.starts_with("wasi:") || import.module == "wasi_snapshot_preview1" {
                    found.push(format!("{}.{}", import.module, import.name));
                }
            }
        }
    }
    found
}

/// How many components nested in `component` import componentize-qjs's module loader.
fn loader_imports(component: &[u8]) -> usize {
    wasmparser::Parser::new(0)
        .parse_all(component)
        .map(|payload| match payload.unwrap() {
            wasmparser::Payload::ComponentImportSection(reader) => reader
                .into_iter()
                .filter(|i| i.as_ref().unwrap().name.name == "local:init/module-loader")
                .count(),
            _ => 0,
        })
        .sum()
}

/// The most entries any core module of `component` puts at a constant offset into a
/// table it defines.
fn own_table_entries(component: &[u8]) -> u32 {
    let mut most = 0;
    let mut defines_table = false;
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        match payload.unwrap() {
            wasmparser::Payload::Version { .. } => defines_table = false,
            wasmparser::Payload::TableSection(reader) => defines_table = reader.count() > 0,
            wasmparser::Payload::ElementSection(reader) if defines_table => {
                for element in reader {
                    let element = element.unwrap();
                    let wasmparser::ElementKind::Active { offset_expr, .. } = element.kind else {
                        continue;
                    };
                    let constant = matches!(
                        offset_expr.get_operators_reader().read().unwrap(),
                        wasmparser::Operator::I32Const { .. }
                    );
                    if let (true, wasmparser::ElementItems::Functions(items)) =
                        (constant, element.items)
                    {
                        most = most.max(items.count());
                    }
                }
            }
            _ => {}
        }
    }
    most
}

/// A pipeline of the style stage alone on QuickJS (the default), exporting its interface.
const STYLE_ON_QUICKJS: &str = "version: 1
name: style-quickjs
wit: wit
stages:
  style:
    lang: js
    path: stages/style/style.js
    world: demo:text/style-stage
exports:
  demo:text/style: style
";

#[test]
fn a_quickjs_stage_is_the_same_bytes_when_built_again_elsewhere() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut artifacts = Vec::new();
    for root in [a.path().to_path_buf(), b.path().join("somewhere/deeper")] {
        let sample = repo().join("samples/text-pipeline");
        copy_dir(&sample.join("stages/style"), &root.join("stages/style"));
        copy_dir(&repo().join("wit/text"), &root.join("wit"));
        std::fs::write(root.join("pipeline.yaml"), STYLE_ON_QUICKJS).unwrap();
        let out = weld(&root, &["compose", "--no-cache", "-o", "out.wasm"]);
        assert!(out.status.success(), "{}", text(&out));
        let artifact = root.join("out.wasm");
        let styled = ok(shim(&[
            "invoke",
            artifact.to_str().unwrap(),
            r#"demo:text/style.apply(["hello", "WASM"], title)"#,
        ]));
        assert_eq!(styled.trim(), r#"ok("Hello Wasm")"#);
        artifacts.push(std::fs::read(artifact).unwrap());
    }
    assert!(
        artifacts[0] == artifacts[1],
        "two builds of the same QuickJS stage in two folders differ"
    );
}

#[test]
fn a_quickjs_stage_that_does_not_parse_or_lacks_an_export_fails_to_build_saying_why() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_dir(&repo().join("wit/text"), &root.join("wit"));
    std::fs::write(root.join("pipeline.yaml"), STYLE_ON_QUICKJS).unwrap();
    let style = root.join("stages/style/style.js");
    std::fs::create_dir_all(style.parent().unwrap()).unwrap();
    for (source, expected) in [
        (
            "export const style = { apply(words) { return words.join( } };\n",
            "style.js:1:",
        ),
        // Would build, and trap on its first call with nothing said.
        (
            "export const styles = { apply(words) { return words.join(' '); } };\n",
            "does not export `style` (for `demo:text/style`)",
        ),
    ] {
        std::fs::write(&style, source).unwrap();
        let out = weld(root, &["compose", "-o", "out.wasm"]);
        assert!(!out.status.success(), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("failed to build stage `style` (js)"), "{err}");
        assert!(err.contains(expected), "{err}");
    }
}
