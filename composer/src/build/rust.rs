//! Rust stages: a `cdylib` crate built with Cargo for `wasm32-wasip2`, which already
//! produces a component (wit-bindgen's `generate!` embeds the world).

use std::path::{Path, PathBuf};
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
    let layout = CrateLayout::of(&cx.stage.path, cx.pipeline_dir);
    // One target folder for all Rust stages of a pipeline, so shared dependencies
    // (wit-bindgen) compile once; another for debug builds, so switching between the
    // two does not recompile everything each time.
    let target_dir = absolute(&cx.work_dir.join(if cx.debug {
        "target/rust-debug"
    } else {
        "target/rust"
    }));
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
        "CARGO_ENCODED_RUSTFLAGS",
        remap_flags(&layout, &target_dir).join("\x1f"),
    )
    .env(
        "CARGO_TERM_COLOR",
        if cx.term.color() { "always" } else { "never" },
    );
    if cx.debug {
        // Optimised code as in a release build, plus full DWARF, which Cargo would
        // otherwise strip from a release build.
        cmd.env("CARGO_PROFILE_RELEASE_DEBUG", "full")
            .env("CARGO_PROFILE_RELEASE_STRIP", "none");
    }
    warn_if_outside_workspace(cx, &layout);
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

/// Where a stage crate sits: its folder, its path dependencies and its workspace root,
/// found once per build (the remap flags and the workspace check both need them).
struct CrateLayout {
    crate_dir: PathBuf,
    pipeline_dir: PathBuf,
    path_dependencies: Vec<PathBuf>,
    workspace_root: PathBuf,
}

impl CrateLayout {
    fn of(crate_dir: &Path, pipeline_dir: &Path) -> Self {
        Self {
            crate_dir: canonical(crate_dir),
            pipeline_dir: canonical(pipeline_dir),
            path_dependencies: path_dependencies(crate_dir),
            workspace_root: workspace_root(crate_dir),
        }
    }

    /// `path` relative to the pipeline's folder, for messages.
    fn shown(&self, path: &Path) -> PathBuf {
        pathdiff::diff_paths(path, &self.pipeline_dir).unwrap_or_else(|| path.to_path_buf())
    }
}

/// The canonical form of `path`, or its absolute form when it does not exist.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| absolute(path))
}

/// `--remap-path-prefix` flags that take every machine-specific path out of the
/// component (panic locations and debug info name source files), so the same sources
/// give the same bytes in any checkout: the sources of the crate and its path
/// dependencies are written relative to the pipeline's folder
/// (`stages/greeter/src/lib.rs`, `../shared/src/lib.rs`), which also makes a panic
/// message or a trap's `file:line` point at a file the user can open; Cargo's home
/// (registry sources) becomes `/cargo`, the target folder `/weld/target`. rustc
/// applies the last matching flag, so the most specific prefixes come last. Cargo's
/// own `-C metadata` hash is already relative to the workspace root.
fn remap_flags(layout: &CrateLayout, target_dir: &Path) -> Vec<String> {
    // The closest folder holding the crate, its path dependencies and the pipeline.
    let mut root = layout.crate_dir.clone();
    for dir in layout
        .path_dependencies
        .iter()
        .chain(std::iter::once(&layout.pipeline_dir))
    {
        while !dir.starts_with(&root) {
            if !root.pop() {
                break;
            }
        }
    }
    // `""` when the pipeline's folder is the root, `..` and so on above it.
    let relative_root = pathdiff::diff_paths(&root, &layout.pipeline_dir).unwrap_or_default();
    let mut flags = Vec::new();
    let mut remap = |from: &Path, to: &str| {
        flags.push(format!("--remap-path-prefix={}={to}", from.display()));
    };
    if let Some(home) = super::toolchain::env_dir("CARGO_HOME", ".cargo") {
        remap(&home, "/cargo");
    }
    remap(&root, &relative_root.to_string_lossy());
    remap(target_dir, "/weld/target");
    flags
}

/// The root of the Cargo workspace the crate belongs to: the nearest folder, the
/// crate's own included, whose Cargo.toml has a `[workspace]` table; the crate's folder
/// when there is none (a lone package is its own workspace).
pub fn workspace_root(crate_dir: &Path) -> PathBuf {
    let own = canonical(crate_dir);
    let mut dir = own.clone();
    loop {
        let is_root = std::fs::read_to_string(dir.join("Cargo.toml"))
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .is_some_and(|manifest| manifest.contains_key("workspace"));
        if is_root {
            return dir;
        }
        if !dir.pop() {
            return own;
        }
    }
}

/// Cargo hashes the absolute path of a path dependency that lies outside the
/// workspace into `-C metadata`, hence into symbol names: the stage then differs in
/// every checkout. Say so, with the fix.
fn warn_if_outside_workspace(cx: &BuildContext<'_>, layout: &CrateLayout) {
    let outside: Vec<String> = layout
        .path_dependencies
        .iter()
        .filter(|dep| !dep.starts_with(&layout.workspace_root))
        .map(|dep| format!("`{}`", layout.shown(dep).display()))
        .collect();
    if outside.is_empty() {
        return;
    }
    cx.term.diagnostic(
        &crate::diagnostic::Diagnostic::warning(format!(
            "stage `{}`: path dependency {} lies outside the crate's Cargo workspace (`{}`), so the stage's bytes depend on where the sources are checked out",
            cx.stage.name,
            outside.join(", "),
            layout.shown(&layout.workspace_root).display()
        ))
        .help("make one Cargo workspace that holds the stage crates and their path dependencies, e.g. a Cargo.toml with `[workspace] members = [...]` next to pipeline.yaml (see samples/edge-api)"),
    );
}

/// The folders of the crate's path dependencies (`common = { path = "../common" }`),
/// transitively, outside the crate's own folder: their sources decide the component
/// as much as the crate's own, so they belong in its cache key.
pub fn path_dependencies(crate_dir: &Path) -> Vec<PathBuf> {
    let own = canonical(crate_dir);
    let mut found: Vec<PathBuf> = Vec::new();
    let mut pending = vec![own.clone()];
    while let Some(dir) = pending.pop() {
        let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        // A manifest Cargo cannot parse fails the build itself, with Cargo's message.
        let Ok(manifest) = text.parse::<toml::Table>() else {
            continue;
        };
        let mut paths = Vec::new();
        collect_dependency_paths(&manifest, false, &mut paths);
        for path in paths {
            let Ok(dep) = std::fs::canonicalize(dir.join(path)) else {
                continue;
            };
            if !dep.starts_with(&own) && !found.contains(&dep) {
                found.push(dep.clone());
                pending.push(dep);
            }
        }
    }
    found.sort();
    found
}

/// The `path` of every dependency table: `[dependencies]`, `[build-dependencies]`,
/// `[target.'cfg(..)'.dependencies]`, `[workspace.dependencies]`, `[patch.*]`; not
/// `[lib] path`, which names a file of the crate itself.
fn collect_dependency_paths(table: &toml::Table, in_deps: bool, out: &mut Vec<String>) {
    for (key, value) in table {
        let toml::Value::Table(inner) = value else {
            continue;
        };
        if in_deps && let Some(toml::Value::String(path)) = inner.get("path") {
            out.push(path.clone());
        }
        let deps = in_deps || key.ends_with("dependencies") || key == "patch";
        collect_dependency_paths(inner, deps, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_dependencies_are_found_transitively_and_lib_paths_are_not() {
        let root = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = root.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "stage/Cargo.toml",
            "[package]\nname = \"stage\"\n[lib]\npath = \"src/lib.rs\"\n\
             [dependencies]\ncommon = { path = \"../common\" }\nwit-bindgen = \"0.63\"\n\
             [target.'cfg(unix)'.dependencies]\ninner = { path = \"inner\" }\n",
        );
        write(
            "common/Cargo.toml",
            "[package]\nname = \"common\"\n[dependencies.util]\npath = \"../util\"\n",
        );
        write("util/Cargo.toml", "[package]\nname = \"util\"\n");
        write("stage/inner/Cargo.toml", "[package]\nname = \"inner\"\n");
        let found = path_dependencies(&root.path().join("stage"));
        let canonical = |rel: &str| std::fs::canonicalize(root.path().join(rel)).unwrap();
        // `inner` lives inside the stage's folder, which is hashed anyway.
        assert_eq!(found, vec![canonical("common"), canonical("util")]);
    }
}
