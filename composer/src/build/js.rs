//! JS stages: the entry module componentized against the world, on the stage's engine.
//!
//! Weld's npm packages are pinned by `tools/js/package-lock.json` and installed by
//! `scripts/setup`. On QuickJS (the default), see [`quickjs`]; a stage with `warm-up:
//! tests` runs its test cases' calls before the snapshot ([`warm_up`]). On SpiderMonkey
//! (`engine: spidermonkey`), `tools/js/componentize.mjs` calls the componentize-js API
//! with every optional WASI feature disabled, so the stage imports only its world. It
//! runs the engine's snapshot with `weld-wizer` (installed next to `weld`), which makes
//! the stage's bytes depend on its sources only.

mod console;
mod dylib_table;
mod loader_stub;
mod quickjs;
mod warm_up;

pub use quickjs::REVISION as QUICKJS_REVISION;

use std::{path::Path, process::Command};

use super::{BuildContext, BuildFailure, absolute, run, toolchain::js_tools_dir, weld_wizer};
use crate::manifest::JsEngine;

/// Componentizes the stage's entry module and returns the component.
pub fn build(cx: &BuildContext<'_>) -> Result<Vec<u8>, BuildFailure> {
    let source = absolute(&cx.stage.path);
    if !source.is_file() {
        return Err(BuildFailure {
            help: Some(
                "`path` of a js stage is its entry module, e.g. `stages/shape/index.js`".into(),
            ),
            ..BuildFailure::new(cx.stage, format!("`{}` does not exist", source.display()))
        });
    }
    match cx.stage.engine.unwrap_or_default() {
        JsEngine::Spidermonkey => spidermonkey(cx, &source),
        JsEngine::Quickjs => quickjs::build(cx, &source),
    }
}

/// Componentizes `source` with componentize-js (SpiderMonkey).
fn spidermonkey(cx: &BuildContext<'_>, source: &Path) -> Result<Vec<u8>, BuildFailure> {
    let out = absolute(&cx.stage_dir().join("componentize.out.wasm"));
    let world = cx.stage.world.as_deref().unwrap_or_default();
    let mut cmd = componentize_command(
        "componentize.mjs",
        source,
        &absolute(&cx.wit.path),
        world,
        &out,
    );
    match weld_wizer() {
        Some(wizer) => {
            cmd.arg("--wizer").arg(wizer);
        }
        None => cx.term.diagnostic(
            &crate::diagnostic::Diagnostic::warning(format!(
                "stage `{}`: `weld-wizer` is not installed next to `weld`, so componentize-js's own Wizer snapshots the engine and the stage will not be reproducible",
                cx.stage.name
            ))
            .help("install Weld with both of its binaries (`cargo install --path composer` installs `weld` and `weld-wizer`)"),
        ),
    }
    run(cx, cmd, "componentize-js")?;
    take_output(cx, &out)
}

/// `node tools/js/<script> --source <source> --wit <wit> --world <world> --out <out>`:
/// the arguments both engines' scripts take.
fn componentize_command(
    script: &str,
    source: &Path,
    wit: &Path,
    world: &str,
    out: &Path,
) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(js_tools_dir().join(script))
        .arg("--source")
        .arg(source)
        .arg("--wit")
        .arg(wit)
        .arg("--world")
        .arg(world)
        .arg("--out")
        .arg(out);
    cmd
}

/// Reads the component a script wrote to `out`, and removes the file.
fn take_output(cx: &BuildContext<'_>, out: &Path) -> Result<Vec<u8>, BuildFailure> {
    let bytes = std::fs::read(out).map_err(|e| {
        BuildFailure::new(cx.stage, format!("failed to read `{}`: {e}", out.display()))
    })?;
    let _ = std::fs::remove_file(out);
    Ok(bytes)
}
