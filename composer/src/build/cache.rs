//! The build cache: a stage's component, keyed by a hash of everything that decides it.
//!
//! Components live in `.weld/stages/<pipeline>/<stage>/<key>.wasm` next to the
//! pipeline. The key hashes the stage's source files (skipping build output and the
//! bindings Weld itself generates) and, for Rust, those of its path dependencies; the
//! WIT directory, the world, the language, the toolchain's version, Weld's version and
//! the revision of the flags Weld passes to the toolchains.
//! Writes go through a temporary file, so a crash never leaves a half-written component
//! behind a valid key.

use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::BuildContext;
use crate::manifest::Lang;

/// Changes whenever a builder starts passing other flags to its toolchain, so cached
/// components built the old way are not reused (Weld's version alone does not change
/// between such commits).
const BUILDERS_REVISION: &str = "5: rust sources remapped relative to the pipeline; go -trimpath \
     -buildvcs=false -buildid= and a relative go.work; js fixed clock/random and weld-wizer; \
     go and js data segments compacted";

/// sha256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The cache key of the stage in `cx`.
pub fn input_hash(cx: &BuildContext<'_>) -> anyhow::Result<String> {
    let mut h = Sha256::new();
    let mut add = |label: &str, data: &[u8]| {
        h.update((label.len() as u64).to_le_bytes());
        h.update(label.as_bytes());
        h.update((data.len() as u64).to_le_bytes());
        h.update(data);
    };
    add("weld", env!("CARGO_PKG_VERSION").as_bytes());
    add("builders", BUILDERS_REVISION.as_bytes());
    add(
        "merge-gap",
        &(super::memory_image::MERGE_GAP as u64).to_le_bytes(),
    );
    add("lang", cx.stage.lang.as_str().as_bytes());
    add(
        "world",
        cx.stage.world.as_deref().unwrap_or_default().as_bytes(),
    );
    add("toolchain", cx.toolchain.as_bytes());
    add("adapter", if cx.http_proxy { b"proxy" } else { b"reactor" });
    add("profile", if cx.debug { b"debug" } else { b"release" });
    add("init", cx.stage.init.as_str().as_bytes());
    if cx.stage.lang == Lang::Go && cx.stage.init == crate::manifest::Init::Snapshot {
        add("go-snapshot", super::go::SNAPSHOT_SOURCE.as_bytes());
    }
    if let Some(engine) = cx.stage.engine {
        add("engine", engine.as_str().as_bytes());
        if engine == crate::manifest::JsEngine::Quickjs {
            add("quickjs", super::js::QUICKJS_REVISION.as_bytes());
        }
    }
    if cx.stage.lang == Lang::Js {
        let wizer = super::weld_wizer().is_some();
        add("wizer", if wizer { b"weld-wizer" } else { b"bundled" });
    }
    for (path, bytes) in files(&cx.wit.path)? {
        add(&format!("wit/{path}"), &bytes);
    }
    let source_root = match cx.stage.lang {
        // A JS stage is an entry file; the modules next to it may be imported too.
        Lang::Js => cx
            .stage
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        _ => cx.stage.path.clone(),
    };
    for (path, bytes) in files(&source_root)? {
        add(&format!("src/{path}"), &bytes);
    }
    if cx.stage.lang == Lang::Rust {
        // Relative to the crate, as Cargo.toml names them: a checkout elsewhere (a CI
        // cache restored into another path) has the same key.
        let own = super::rust::canonical(&cx.stage.path);
        // A workspace above the crate decides its profile and dependency versions.
        let root = super::rust::workspace_root(&cx.stage.path);
        if root != own {
            for file in ["Cargo.toml", "Cargo.lock"] {
                if let Ok(bytes) = std::fs::read(root.join(file)) {
                    add(&format!("workspace/{file}"), &bytes);
                }
            }
        }
        for (i, dir) in super::rust::path_dependencies(&cx.stage.path)
            .iter()
            .enumerate()
        {
            let relative = pathdiff::diff_paths(dir, &own).unwrap_or_else(|| dir.clone());
            add(
                &format!("path-dependency/{i}"),
                relative.to_string_lossy().as_bytes(),
            );
            for (path, bytes) in files(dir)? {
                add(&format!("path-dependency/{i}/{path}"), &bytes);
            }
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// Where the component for `key` lives.
pub fn component_path(cx: &BuildContext<'_>, key: &str) -> PathBuf {
    cx.stage_dir().join(format!("{}.wasm", &key[..32]))
}

/// Stores a freshly built component under `key`, dropping older ones of the stage.
pub fn store(cx: &BuildContext<'_>, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = component_path(cx, key);
    if let Ok(entries) = std::fs::read_dir(cx.stage_dir()) {
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "wasm") && p != path {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    crate::link::write_atomically(&path, bytes)
}

/// Every source file under `root` (sorted, relative paths), skipping build output,
/// dependencies, hidden folders and files Weld generates.
fn files(root: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    if root.is_file() {
        let name = root
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        out.push((name, std::fs::read(root)?));
        return Ok(out);
    }
    walk(root, root, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("failed to read `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        // `metadata` follows symlinks: a symlinked folder (say `wit/deps`) is hashed
        // like the folder it points to.
        if std::fs::metadata(&path)?.is_dir() {
            walk(root, &path, out)?;
            continue;
        }
        let bytes = std::fs::read(&path)?;
        if super::go::is_generated(&bytes) {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        out.push((rel, bytes));
    }
    Ok(())
}
