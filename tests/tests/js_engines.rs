//! JS stages on both engines: the text-pipeline sample with its `style` stage built on
//! SpiderMonkey (the default) and on QuickJS (`engine: quickjs`) gives the same answers,
//! and the QuickJS stage is a component like any other: it imports nothing but its
//! world, exports exactly its world, and is built reproducibly.

use std::path::{Path, PathBuf};

use weld_e2e::{
    component_exports, component_imports, copy_dir, copy_sample, ok, repo, shim, text, weld,
};

/// `pipeline` with `engine: quickjs` added to the `style` stage.
fn on_quickjs(pipeline: &str) -> String {
    let world = "    world: demo:text/style-stage\n";
    assert!(pipeline.contains(world), "{pipeline}");
    pipeline.replace(world, &format!("{world}    engine: quickjs\n"))
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
fn the_text_pipeline_answers_the_same_with_its_style_stage_on_quickjs() {
    let (_tmp, dir) = copy_sample("text-pipeline");
    let pipeline = std::fs::read_to_string(dir.join("pipeline.yaml")).unwrap();
    std::fs::write(dir.join("quickjs.yaml"), on_quickjs(&pipeline)).unwrap();

    let out = weld(&dir, &["compose", "pipeline.yaml", "-o", "build/sm.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    // Read now: the cache keeps one component per stage, and building the stage on
    // the other engine replaces it.
    let spidermonkey =
        std::fs::read(stage_component(&dir, "build/sm.build.json", "style")).unwrap();
    // Only the style stage is built again: the Rust and Go stages come from the cache.
    let out = weld(&dir, &["compose", "quickjs.yaml", "-o", "build/qjs.wasm"]);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Compiling style (js)"), "{stderr}");
    assert!(stderr.contains("Fresh app (rust)"), "{stderr}");

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

    // The build record says which engine built the stage.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("build/qjs.build.json")).unwrap()).unwrap();
    let style = &record["stages"][2];
    assert_eq!(style["stage"], "style", "{record}");
    assert_eq!(style["engine"], "quickjs", "{record}");

    // The stage imports nothing (every WASI import is answered inside) and exports its world
    // alone (not componentize-qjs's `init`), as the SpiderMonkey build does.
    let quickjs = std::fs::read(stage_component(&dir, "build/qjs.build.json", "style")).unwrap();
    assert_eq!(component_imports(&quickjs), Vec::<String>::new());
    // Answered inside the engine's own module, not by a component of stubs linked in
    // front of it through the preview 1 adapter: no core module of the stage imports
    // WASI.
    assert_eq!(core_wasi_imports(&quickjs), Vec::<String>::new());
    // The engine's module fills a function table it defines itself, at a constant
    // offset (the table moved out of wit-component's `main`), so wasmtime fills it
    // lazily instead of at every instantiation.
    let filled = own_table_entries(&quickjs);
    assert!(filled > 500, "{filled} entries");
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

    // The style stage's own unit cases pass on QuickJS.
    let out = weld(&dir, &["test", "quickjs.yaml", "--stage", "style"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("test style::"));
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

/// A pipeline of the style stage alone on QuickJS, exporting its interface.
const STYLE_ON_QUICKJS: &str = "version: 1
name: style-quickjs
wit: wit
stages:
  style:
    lang: js
    path: stages/style/style.js
    world: demo:text/style-stage
    engine: quickjs
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
