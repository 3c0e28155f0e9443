//! Rust stages: a `cdylib` crate built with Cargo for `wasm32-wasip2`, which already
//! produces a component (wit-bindgen's `generate!` embeds the world).

use std::process::Command;

use super::{BuildContext, BuildFailure, absolute, run};

/// Builds the crate in the stage's folder and returns its component.
pub fn build(cx: &BuildContext<'_>) -> Result<Vec<u8>, BuildFailure> {
    let manifest = absolute(&cx.stage.path.join("Cargo.toml"));
    if !manifest.is_file() {
        return Err(BuildFailure {
            help: Some(
                "`path` of a rust stage is the folder of a crate with `crate-type = [\"cdylib\"]`"
                    .into(),
            ),
            ..BuildFailure::new(cx.stage, format!("`{}` does not exist", manifest.display()))
        });
    }
    // One target folder for all Rust stages of a pipeline, so shared dependencies
    // (wit-bindgen) compile once.
    let target_dir = absolute(&cx.work_dir.join("target/rust"));
    let mut cmd = Command::new("cargo");
    cmd.args([
        "build",
        "--release",
        "--target",
        "wasm32-wasip2",
        "--message-format=json-render-diagnostics",
    ])
    .arg("--manifest-path")
    .arg(&manifest)
    .env("CARGO_TARGET_DIR", &target_dir)
    .env_remove("RUSTFLAGS")
    .env(
        "CARGO_TERM_COLOR",
        if cx.term.color() { "always" } else { "never" },
    );
    let output = run(cx, cmd, "cargo build")?;

    // The last cdylib artifact Cargo reports is the stage's component.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let artifact = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact")
        .filter(|msg| {
            msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "cdylib"))
        })
        .filter_map(|msg| {
            msg["filenames"]
                .as_array()?
                .iter()
                .filter_map(|f| f.as_str())
                .find(|f| f.ends_with(".wasm"))
                .map(str::to_string)
        })
        .next_back()
        .ok_or_else(|| BuildFailure {
            help: Some("add `[lib] crate-type = [\"cdylib\"]` to the crate's Cargo.toml".into()),
            ..BuildFailure::new(cx.stage, "cargo built no `cdylib` .wasm file")
        })?;
    std::fs::read(&artifact)
        .map_err(|e| BuildFailure::new(cx.stage, format!("failed to read `{artifact}`: {e}")))
}
